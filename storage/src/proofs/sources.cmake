# cess_proofs: PoDR² maths (tags, challenges, proofs, verification) and the messages an enclave signs
# (DESIGN.md §9). Linked by the chain's audit module, the miner and the enclave; depends on core only.
add_library(cess_proofs
  ${CMAKE_CURRENT_LIST_DIR}/attestation.cc
  ${CMAKE_CURRENT_LIST_DIR}/bn_util.cc
  ${CMAKE_CURRENT_LIST_DIR}/fixed_base.cc
  ${CMAKE_CURRENT_LIST_DIR}/podr2_challenge.cc
  ${CMAKE_CURRENT_LIST_DIR}/podr2_key.cc
  ${CMAKE_CURRENT_LIST_DIR}/podr2_prove.cc
  ${CMAKE_CURRENT_LIST_DIR}/podr2_tags.cc
)
target_include_directories(cess_proofs PUBLIC ${CMAKE_CURRENT_LIST_DIR}/../../include
                                       PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(cess_proofs PUBLIC cess_core PRIVATE OpenSSL::Crypto)
cess_target_warnings(cess_proofs)
