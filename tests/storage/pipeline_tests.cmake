# cess_storage tests: layout and FID, the segment pipeline, the fragment store (with a kill -9
# crash test), placement, retrieval and repair.
cess_add_test(cess_storage_pipeline_tests
  LABELS unit
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/layout_fid_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/pipeline_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/fragment_store_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/placement_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/retrieval_test.cc
  LIBS cess_storage)
