# Datasets (IDX, CSV, Fashion-MNIST), partitioners and the dataset registry: torch-free.
target_sources(cess_ailink PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/dataset.cc
  ${CMAKE_CURRENT_LIST_DIR}/idx.cc
  ${CMAKE_CURRENT_LIST_DIR}/csv.cc
  ${CMAKE_CURRENT_LIST_DIR}/partition.cc
  ${CMAKE_CURRENT_LIST_DIR}/registry.cc
)
