# Reports: PNG encoding (checked by a zlib-based decoder in the test), the canvas and line charts.
find_package(ZLIB REQUIRED)
cess_add_test(cess_ailink_report_test
  LABELS unit
  SOURCES report_test.cc
  LIBS cess_ailink ZLIB::ZLIB)
# GCC 12 reports false -Wrestrict errors inside std::string's operator+ at -O3 (GCC bug 105651).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(cess_ailink_report_test PRIVATE -Wno-restrict)
endif()
