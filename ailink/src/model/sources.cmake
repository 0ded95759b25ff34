# Models on LibTorch: built-in architectures, TorchScript, flattening.
target_sources(cess_ailink PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/model.cc
  ${CMAKE_CURRENT_LIST_DIR}/builtin_models.cc
  ${CMAKE_CURRENT_LIST_DIR}/torchscript_model.cc
)
