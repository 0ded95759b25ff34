# chain/runtime tests
cess_add_test(cess_chain_runtime_test
  LABELS unit
  SOURCES
    runtime/balances_test.cc
    runtime/chain_application_test.cc
    runtime/genesis_test.cc
    runtime/r2s_test.cc
    runtime/staking_test.cc
  LIBS cess_chain nlohmann_json::nlohmann_json)
# The storage runtime modules (issue 5): tee, sminer, file_bank, audit, with real PoDR² proofs.
cess_add_test(cess_chain_storage_modules_test
  LABELS unit
  SOURCES
    runtime/audit_test.cc
    runtime/file_bank_test.cc
    runtime/sminer_test.cc
    runtime/tee_test.cc
  LIBS cess_chain cess_proofs)
# The agent registry module (issue 6).
cess_add_test(cess_chain_agents_test
  LABELS unit
  SOURCES
    runtime/agents_test.cc
  LIBS cess_chain)
