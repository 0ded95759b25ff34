# PoDR² benchmark: tag generation MB/s per core (CESS's plain algorithm vs our CRT path) and
# proof / verification time per challenge in the cess profile. A plain main (no Google Benchmark):
# the plain tag path takes ~0.1 s per block, so runs are few and medians printed.
add_executable(cess_podr2_bench ${CMAKE_CURRENT_LIST_DIR}/podr2_bench.cc)
target_link_libraries(cess_podr2_bench PRIVATE cess_proofs cess_core)
cess_target_warnings(cess_podr2_bench)
