# chain/types sources
target_sources(cess_chain PRIVATE
)
