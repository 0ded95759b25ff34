# chain/types tests
cess_add_test(cess_chain_types_test
  LABELS unit
  SOURCES types_test.cc block_test.cc vote_test.cc evidence_test.cc
  LIBS cess_chain)

# The decoder fuzz targets (blocks, transactions, votes) under libFuzzer + ASan/UBSan, 60 s each;
# `make test-slow` runs them. Exit 77 (no clang/libFuzzer) is reported as skipped.
add_test(NAME cess_chain_fuzz
  COMMAND ${CMAKE_SOURCE_DIR}/tests/chain/fuzz/run_fuzzers.sh ${CMAKE_BINARY_DIR} 60)
set_tests_properties(cess_chain_fuzz PROPERTIES LABELS slow SKIP_RETURN_CODE 77 TIMEOUT 1800)
