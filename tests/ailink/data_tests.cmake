# Datasets (IDX, CSV, Fashion-MNIST, registry), partitioners and the flat model format: torch-free.
# The tests write gzip files with zlib themselves.
find_package(ZLIB REQUIRED)
cess_add_test(cess_ailink_data_test
  LABELS unit
  SOURCES data_test.cc partition_test.cc flat_model_test.cc
  LIBS cess_ailink ZLIB::ZLIB)
# GCC 12 reports false -Wrestrict errors inside std::string's operator+ at -O3 (GCC bug 105651).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(cess_ailink_data_test PRIVATE -Wno-restrict)
endif()
