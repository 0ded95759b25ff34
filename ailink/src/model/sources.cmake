# Models on LibTorch: built-in architectures, TorchScript, flattening.
target_sources(cess_ailink PRIVATE
)
