# chain/state tests
# The crash test's writer process (killed with SIGKILL mid-stream of commits).
add_executable(cess_chain_state_crash_writer state/crash_writer.cc)
target_link_libraries(cess_chain_state_crash_writer PRIVATE cess_chain)
target_include_directories(cess_chain_state_crash_writer PRIVATE ${PROJECT_SOURCE_DIR}/tests)
cess_target_warnings(cess_chain_state_crash_writer)

cess_add_test(cess_chain_state_test
  LABELS unit
  SOURCES
    state/crash_test.cc
    state/smt_test.cc
    state/state_store_test.cc
    state/write_set_test.cc
  LIBS cess_chain PkgConfig::ROCKSDB)
target_compile_definitions(cess_chain_state_test
  PRIVATE CESS_STATE_CRASH_WRITER="$<TARGET_FILE:cess_chain_state_crash_writer>")
add_dependencies(cess_chain_state_test cess_chain_state_crash_writer)
