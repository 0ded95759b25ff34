# chain/runtime sources
target_sources(cess_chain PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../genesis.cc
  ${CMAKE_CURRENT_LIST_DIR}/agents.cc
  ${CMAKE_CURRENT_LIST_DIR}/agents_types.cc
  ${CMAKE_CURRENT_LIST_DIR}/audit.cc
  ${CMAKE_CURRENT_LIST_DIR}/authority_set.cc
  ${CMAKE_CURRENT_LIST_DIR}/balances.cc
  ${CMAKE_CURRENT_LIST_DIR}/chain_application.cc
  ${CMAKE_CURRENT_LIST_DIR}/file_bank.cc
  ${CMAKE_CURRENT_LIST_DIR}/file_bank_invariants.cc
  ${CMAKE_CURRENT_LIST_DIR}/file_bank_types.cc
  ${CMAKE_CURRENT_LIST_DIR}/module.cc
  ${CMAKE_CURRENT_LIST_DIR}/module_pot.cc
  ${CMAKE_CURRENT_LIST_DIR}/r2s.cc
  ${CMAKE_CURRENT_LIST_DIR}/r2s_election.cc
  ${CMAKE_CURRENT_LIST_DIR}/runtime.cc
  ${CMAKE_CURRENT_LIST_DIR}/sminer.cc
  ${CMAKE_CURRENT_LIST_DIR}/staking.cc
  ${CMAKE_CURRENT_LIST_DIR}/staking_report.cc
  ${CMAKE_CURRENT_LIST_DIR}/state_views.cc
  ${CMAKE_CURRENT_LIST_DIR}/storage.cc
  ${CMAKE_CURRENT_LIST_DIR}/tee.cc
  ${CMAKE_CURRENT_LIST_DIR}/worker_pool.cc
)
# genesis.cc reads and writes genesis.json.
target_link_libraries(cess_chain PRIVATE nlohmann_json::nlohmann_json)
