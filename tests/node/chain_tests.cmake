# Chain networking, node and devnet tests (issue 4 §5, §6).
cess_add_test(cess_p2p_network_test LABELS integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/grpc_network_test.cc
  LIBS cess_chain_p2p cess_chain_p2p_proto)
cess_add_test(cess_node_api_test LABELS integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/node_api_test.cc
  LIBS cess_node_lib)
