# Hash tests; owned by the hash implementation.
# Unit tests of the host backends, the FID, and the CUDA kernels' arithmetic run on the CPU.
cess_add_test(cess_kernels_hash_tests LABELS unit
  SOURCES hash_sha256_test.cc hash_tree_test.cc hash_fid_test.cc hash_device_logic_test.cc
  LIBS cess_kernels)
# hash_device_logic_test.cc compiles the kernels' private SHA-256 core as plain C++.
target_include_directories(cess_kernels_hash_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../../kernels/src)
# cuda vs ref on a real device; every test skips with the reason where there is none.
cess_add_test(cess_kernels_hash_cuda_tests LABELS gpu
  SOURCES hash_cuda_test.cc
  LIBS cess_kernels)
