# Erasure tests; owned by the erasure implementation.
#   cess_erasure_tests       ref / cpu / auto against the ref oracle, field and matrix vs ISA-L,
#                            and the CUDA kernel's per-thread code and host pipeline simulated on
#                            the CPU (unit)
#   cess_erasure_cuda_tests  the cuda backend against ref (gpu; skips without a device)
# Direct ISA-L calls (to compare the field and matrix) need the library here too; in the
# top-level build its imported target lives in kernels/, so look it up again.
if(NOT TARGET PkgConfig::ISAL AND PkgConfig_FOUND)
  pkg_check_modules(ISAL QUIET IMPORTED_TARGET libisal)
endif()

cess_add_test(cess_erasure_tests LABELS unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/erasure_test.cc ${CMAKE_CURRENT_LIST_DIR}/erasure_dot_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/erasure_pipeline_test.cc
  LIBS cess_kernels)
# erasure_dot_test.cc and erasure_pipeline_test.cc include internal headers (erasure/rs_dot.h, ...).
target_include_directories(cess_erasure_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../../kernels/src)
if(TARGET PkgConfig::ISAL)
  target_link_libraries(cess_erasure_tests PRIVATE PkgConfig::ISAL)
  target_compile_definitions(cess_erasure_tests PRIVATE CESS_TEST_HAVE_ISAL=1)
endif()

cess_add_test(cess_erasure_cuda_tests LABELS gpu
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/erasure_cuda_test.cc
  LIBS cess_kernels)
