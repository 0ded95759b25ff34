# Block apply and commit time of the runtime (see apply_bench.cc for flags).
add_executable(cess_apply_bench ${CMAKE_CURRENT_LIST_DIR}/apply_bench.cc)
target_link_libraries(cess_apply_bench PRIVATE cess_chain)
cess_target_warnings(cess_apply_bench)
