# Aggregate kernel benchmark: a small timing program (no Google Benchmark needed), also built by
# the standalone kernels build so the GPU machine can run it.
add_executable(cess_aggregate_kernel_bench ${CMAKE_CURRENT_LIST_DIR}/aggregate_bench.cc)
target_link_libraries(cess_aggregate_kernel_bench PRIVATE cess_kernels)
cess_target_warnings(cess_aggregate_kernel_bench)

# The cuBLAS GEMM anchor for Krum/NNM on the GPU (issue 3 §9), only where CUDA is built.
if(CESS_CUDA_ENABLED)
  add_executable(cess_gemm_anchor_bench ${CMAKE_CURRENT_LIST_DIR}/gemm_anchor_bench.cu)
  target_link_libraries(cess_gemm_anchor_bench PRIVATE CUDA::cublas CUDA::cudart)
  cess_target_warnings(cess_gemm_anchor_bench)
endif()
