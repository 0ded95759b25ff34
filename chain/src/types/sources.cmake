# chain/types sources
target_sources(cess_chain PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/block.cc
  ${CMAKE_CURRENT_LIST_DIR}/evidence.cc
  ${CMAKE_CURRENT_LIST_DIR}/merkle.cc
  ${CMAKE_CURRENT_LIST_DIR}/receipt.cc
  ${CMAKE_CURRENT_LIST_DIR}/transaction.cc
  ${CMAKE_CURRENT_LIST_DIR}/types.cc
  ${CMAKE_CURRENT_LIST_DIR}/vote.cc
)
