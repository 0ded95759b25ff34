# Hash sources (ref / cpu / cuda); owned by the hash implementation. Included by
# kernels/CMakeLists.txt after target cess_kernels exists.
set(_cess_hash_dir ${CMAKE_CURRENT_LIST_DIR})
target_sources(cess_kernels PRIVATE
  ${_cess_hash_dir}/sha256_ref.cc
  ${_cess_hash_dir}/hasher.cc
  ${_cess_hash_dir}/fid.cc
)
# The cpu backend: OpenSSL EVP. Without it Sha256()/ComputeFid fall back to the ref code.
if(CESS_KERNELS_HAVE_CPU)
  target_sources(cess_kernels PRIVATE ${_cess_hash_dir}/sha256_cpu.cc)
endif()
if(CESS_CUDA_ENABLED)
  target_sources(cess_kernels PRIVATE ${_cess_hash_dir}/hash_cuda.cu)
else()
  target_sources(cess_kernels PRIVATE ${_cess_hash_dir}/hash_cuda_stub.cc)
endif()
