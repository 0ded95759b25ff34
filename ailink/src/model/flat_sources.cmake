# The flat model format: torch-free.
target_sources(cess_ailink PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/flat_model.cc
)
