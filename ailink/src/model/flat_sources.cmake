# The flat model format: torch-free.
target_sources(cess_ailink PRIVATE
)
