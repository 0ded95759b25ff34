# chain/state sources
target_sources(cess_chain PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/smt.cc
  ${CMAKE_CURRENT_LIST_DIR}/smt_proof.cc
  ${CMAKE_CURRENT_LIST_DIR}/state_store.cc
  ${CMAKE_CURRENT_LIST_DIR}/write_set.cc
)
