# cess_proofs tests: PoDR² keys, tags, challenges, proofs and forgeries; the enclave messages.
cess_add_test(proofs_podr2_test LABELS unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/proofs_podr2_test.cc
  LIBS cess_proofs cess_core OpenSSL::Crypto)
cess_add_test(proofs_codec_test LABELS unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/proofs_codec_test.cc
  LIBS cess_proofs cess_core OpenSSL::Crypto)
