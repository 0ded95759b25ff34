# chain/runtime sources
target_sources(cess_chain PRIVATE
)
