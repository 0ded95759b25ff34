# Datasets (IDX, CSV, Fashion-MNIST), partitioners and the dataset registry: torch-free.
target_sources(cess_ailink PRIVATE
)
