# Aggregate kernel tests: ref vs every cpu variant (unit) and cuda vs cpu (gpu; skipped with a
# reason when no device is visible).
cess_add_test(cess_aggregate_kernels_test
  LABELS unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/aggregate_kernels_test.cc
  LIBS cess_kernels)
cess_add_test(cess_aggregate_cuda_test
  LABELS gpu
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/aggregate_cuda_test.cc
  LIBS cess_kernels)
