# Local training and evaluation on LibTorch (datasets to tensors, SGD, evaluation).
target_sources(cess_ailink PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/trainer.cc
)
