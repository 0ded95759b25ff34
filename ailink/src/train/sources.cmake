# Local training and evaluation on LibTorch.
target_sources(cess_ailink PRIVATE
)
