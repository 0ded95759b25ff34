# The simulation job: configuration and strategy (torch-free), and the coordinator (LibTorch).
cess_add_test(cess_ailink_sim_config_test
  LABELS unit
  SOURCES sim_config_test.cc
  LIBS cess_ailink nlohmann_json::nlohmann_json)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(cess_ailink_sim_config_test PRIVATE -Wno-restrict)
endif()
if(CESS_WITH_TORCH)
  cess_add_test(cess_ailink_simulation_test
    LABELS integration
    SOURCES simulation_test.cc
    LIBS cess_ailink nlohmann_json::nlohmann_json)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(cess_ailink_simulation_test PRIVATE -Wno-restrict)
  endif()
endif()
