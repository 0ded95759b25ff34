# chain/consensus tests
cess_add_test(cess_chain_consensus_parts_test
  LABELS unit
  SOURCES consensus/parts_test.cc
  LIBS cess_chain)
cess_add_test(cess_chain_consensus_network_test
  LABELS integration
  SOURCES consensus/network_test.cc
  LIBS cess_chain)
cess_add_test(cess_chain_consensus_intake_test
  LABELS integration
  SOURCES consensus/intake_test.cc
  LIBS cess_chain)
