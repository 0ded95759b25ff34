# The devnet load generator (bench/chain/devnet_bench.sh drives it; see tx_load.cc for flags).
add_executable(cess_tx_load ${CMAKE_CURRENT_LIST_DIR}/tx_load.cc)
target_link_libraries(cess_tx_load PRIVATE cess_node_client Threads::Threads)
cess_target_warnings(cess_tx_load)
