# chain/state sources
target_sources(cess_chain PRIVATE
)
