# The file pipeline benchmark (issue 5 §9, in-process part): encode and decode of a 64 MiB file in
# the devnet layout, in memory, plain and encrypted; then upload to and download from 12 local
# FragmentStores. A plain timing program (no Google Benchmark needed).
add_executable(cess_storage_pipeline_bench ${CMAKE_CURRENT_LIST_DIR}/pipeline_bench.cc)
target_link_libraries(cess_storage_pipeline_bench PRIVATE cess_storage Threads::Threads)
cess_target_warnings(cess_storage_pipeline_bench)
