# chain/consensus sources
target_sources(cess_chain PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/block_tree.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine_blocks.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine_duties.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine_finality.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine_intake.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine_sync.cc
  ${CMAKE_CURRENT_LIST_DIR}/message.cc
  ${CMAKE_CURRENT_LIST_DIR}/round_votes.cc
  ${CMAKE_CURRENT_LIST_DIR}/sim_network.cc
  ${CMAKE_CURRENT_LIST_DIR}/tx_pool.cc
  ${CMAKE_CURRENT_LIST_DIR}/voter_safety.cc
)
