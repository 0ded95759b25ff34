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
