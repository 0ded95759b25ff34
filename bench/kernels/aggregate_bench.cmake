# Aggregate kernel benchmark: a small timing program (no Google Benchmark needed), also built by
# the standalone kernels build so the GPU machine can run it.
add_executable(cess_aggregate_kernel_bench ${CMAKE_CURRENT_LIST_DIR}/aggregate_bench.cc)
target_link_libraries(cess_aggregate_kernel_bench PRIVATE cess_kernels)
cess_target_warnings(cess_aggregate_kernel_bench)
