# cess_storage: the file pipeline (segment, encrypt, erasure-code, FID), a miner's fragment store,
# placement (LBSS), retrieval and repair (DESIGN.md §9).
add_library(cess_storage
  ${CMAKE_CURRENT_LIST_DIR}/layout.cc
  ${CMAKE_CURRENT_LIST_DIR}/fid.cc
  ${CMAKE_CURRENT_LIST_DIR}/manifest.cc
  ${CMAKE_CURRENT_LIST_DIR}/segment_cipher.cc
  ${CMAKE_CURRENT_LIST_DIR}/segment_codec.cc
  ${CMAKE_CURRENT_LIST_DIR}/pipeline.cc
  ${CMAKE_CURRENT_LIST_DIR}/fragment_store.cc
  ${CMAKE_CURRENT_LIST_DIR}/placement.cc
  ${CMAKE_CURRENT_LIST_DIR}/retrieval.cc
  ${CMAKE_CURRENT_LIST_DIR}/local_fetcher.cc
)
target_include_directories(cess_storage PUBLIC ${CMAKE_CURRENT_LIST_DIR}/../../include)
target_link_libraries(cess_storage PUBLIC cess_core cess_kernels PRIVATE PkgConfig::ROCKSDB Threads::Threads)
cess_target_warnings(cess_storage)
