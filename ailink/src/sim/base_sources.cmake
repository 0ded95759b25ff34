# The torch-free side of the simulation job: the strategy, the job configuration and reports.
target_sources(cess_ailink PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/strategy.cc
  ${CMAKE_CURRENT_LIST_DIR}/config.cc
  ${CMAKE_CURRENT_LIST_DIR}/report.cc
)
