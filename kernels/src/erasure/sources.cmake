# Erasure sources (ref / cpu / cuda); owned by the erasure implementation. Included by
# kernels/CMakeLists.txt, which defines cess_kernels, CESS_KERNELS_HAVE_CPU and CESS_CUDA_ENABLED.
target_sources(cess_kernels PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/codec.cc
  ${CMAKE_CURRENT_LIST_DIR}/common.cc
  ${CMAKE_CURRENT_LIST_DIR}/gf256.cc
  ${CMAKE_CURRENT_LIST_DIR}/pipeline.cc
  ${CMAKE_CURRENT_LIST_DIR}/ref_codec.cc
  ${CMAKE_CURRENT_LIST_DIR}/rs_dot.cc)
if(CESS_KERNELS_HAVE_CPU)
  target_sources(cess_kernels PRIVATE ${CMAKE_CURRENT_LIST_DIR}/cpu_codec.cc)
endif()
if(CESS_CUDA_ENABLED)
  target_sources(cess_kernels PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/cuda_codec.cu
    ${CMAKE_CURRENT_LIST_DIR}/rs_kernel.cu)
else()
  target_sources(cess_kernels PRIVATE ${CMAKE_CURRENT_LIST_DIR}/cuda_codec_stub.cc)
endif()
