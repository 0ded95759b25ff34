# Erasure benchmarks; owned by the erasure implementation.
#   cess_erasure_bench  Google Benchmark: ref / cpu / direct ISA-L, encode and decode
#   cess_gpu_bench      the GPU benchmark program (needs CUDA; runs nothing without a device)
# Direct ISA-L calls need the library here too; in the top-level build its imported target
# lives in kernels/, so look it up again.
if(NOT TARGET PkgConfig::ISAL AND PkgConfig_FOUND)
  pkg_check_modules(ISAL QUIET IMPORTED_TARGET libisal)
endif()

if(benchmark_FOUND)
  add_executable(cess_erasure_bench ${CMAKE_CURRENT_LIST_DIR}/erasure_bench.cc)
  target_link_libraries(cess_erasure_bench PRIVATE cess_kernels benchmark::benchmark)
  cess_target_warnings(cess_erasure_bench)
  if(TARGET PkgConfig::ISAL)
    target_link_libraries(cess_erasure_bench PRIVATE PkgConfig::ISAL)
    target_compile_definitions(cess_erasure_bench PRIVATE CESS_BENCH_HAVE_ISAL=1)
  endif()
endif()

if(CESS_CUDA_ENABLED)
  add_executable(cess_gpu_bench ${CMAKE_CURRENT_LIST_DIR}/gpu_bench.cu)
  target_link_libraries(cess_gpu_bench PRIVATE cess_kernels CUDA::cudart_static)
  target_include_directories(cess_gpu_bench PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  cess_target_warnings(cess_gpu_bench)
  # The tree SHA-256 part comes from the hash kernels' bench sources when they exist.
  file(GLOB _cess_gpu_bench_hash_srcs CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_LIST_DIR}/gpu_bench_hash*.cu ${CMAKE_CURRENT_LIST_DIR}/gpu_bench_hash*.cc)
  if(_cess_gpu_bench_hash_srcs)
    target_sources(cess_gpu_bench PRIVATE ${_cess_gpu_bench_hash_srcs})
    target_compile_definitions(cess_gpu_bench PRIVATE CESS_GPU_BENCH_HAVE_HASH=1)
  endif()
endif()
