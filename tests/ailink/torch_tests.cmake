# LibTorch tests: models (built-ins, flat view, save/load, TorchScript) and local training.
cess_add_test(cess_ailink_torch_test
  LABELS unit
  SOURCES model_test.cc trainer_test.cc
  LIBS cess_ailink)
# GCC 12 reports false -Wrestrict errors inside std::string's operator+ at -O3 (GCC bug 105651).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(cess_ailink_torch_test PRIVATE -Wno-restrict)
endif()
