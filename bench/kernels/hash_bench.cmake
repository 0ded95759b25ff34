# Hash benchmarks; owned by the hash implementation.
# Host backends vs raw OpenSSL EVP (needs OpenSSL and Google Benchmark; the cpu-backend cases
# report an error where cess_kernels was built without its cpu backend).
if(benchmark_FOUND AND TARGET OpenSSL::Crypto)
  add_executable(cess_hash_bench ${CMAKE_CURRENT_LIST_DIR}/hash_bench.cc)
  target_link_libraries(cess_hash_bench PRIVATE cess_kernels OpenSSL::Crypto benchmark::benchmark)
  cess_target_warnings(cess_hash_bench)
endif()
# The GPU piece of cess_gpu_bench (its main, bench/kernels/gpu_bench.cu, calls RunHashGpuBench).
if(TARGET cess_gpu_bench)
  target_sources(cess_gpu_bench PRIVATE ${CMAKE_CURRENT_LIST_DIR}/gpu_bench_hash.cu)
  target_link_libraries(cess_gpu_bench PRIVATE cess_kernels)
endif()
