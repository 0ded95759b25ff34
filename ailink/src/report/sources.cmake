# Reports of training runs: CSV, JSON summaries and PNG plots (torch-free).
target_sources(cess_ailink PRIVATE
)
