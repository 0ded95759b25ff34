# The simulation job's coordinator (LibTorch training).
target_sources(cess_ailink PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/simulation.cc
)
