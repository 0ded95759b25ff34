# Reports of training runs: CSV, JSON summaries and PNG plots (torch-free).
target_sources(cess_ailink PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/png.cc
  ${CMAKE_CURRENT_LIST_DIR}/font5x7.cc
  ${CMAKE_CURRENT_LIST_DIR}/canvas.cc
  ${CMAKE_CURRENT_LIST_DIR}/chart.cc
)
