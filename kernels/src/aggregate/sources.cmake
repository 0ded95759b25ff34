# Aggregate kernels (robust-aggregation primitives): ref / cpu / cuda, added to cess_kernels.
# Included by kernels/CMakeLists.txt after the cess_kernels target exists.
set(_agg ${CMAKE_CURRENT_LIST_DIR})
target_sources(cess_kernels PRIVATE
  ${_agg}/dispatch.cc
  ${_agg}/ref.cc
  ${_agg}/cpu.cc
  ${_agg}/simd_dispatch.cc
  ${_agg}/simd_base.cc
)
# Bit-identical results across backends need every float operation as written: no FMA
# contraction on the host (GCC's ISO mode already defaults to off; Clang does not).
set(_agg_host_sources ${_agg}/dispatch.cc ${_agg}/ref.cc ${_agg}/cpu.cc ${_agg}/simd_dispatch.cc ${_agg}/simd_base.cc)
# Wider instruction sets, picked at run time by CPUID (simd_dispatch.cc).
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  target_sources(cess_kernels PRIVATE ${_agg}/simd_avx2.cc ${_agg}/simd_avx512.cc)
  list(APPEND _agg_host_sources ${_agg}/simd_avx2.cc ${_agg}/simd_avx512.cc)
  set_source_files_properties(${_agg}/simd_avx2.cc TARGET_DIRECTORY cess_kernels
    PROPERTIES COMPILE_OPTIONS "-mavx2")
  set_source_files_properties(${_agg}/simd_avx512.cc TARGET_DIRECTORY cess_kernels
    PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512dq;-mavx512bw;-mavx512vl")
  set_source_files_properties(${_agg}/simd_dispatch.cc TARGET_DIRECTORY cess_kernels
    PROPERTIES COMPILE_DEFINITIONS "CESS_AGG_X86_SIMD=1")
endif()
set_property(SOURCE ${_agg_host_sources} TARGET_DIRECTORY cess_kernels APPEND PROPERTY COMPILE_OPTIONS "-ffp-contract=off")

if(CESS_CUDA_ENABLED)
  target_sources(cess_kernels PRIVATE ${_agg}/cuda.cu)
  # No fused multiply-add on the device either: CPU and CUDA must round identically.
  set_property(SOURCE ${_agg}/cuda.cu TARGET_DIRECTORY cess_kernels APPEND PROPERTY COMPILE_OPTIONS "--fmad=false")
else()
  target_sources(cess_kernels PRIVATE ${_agg}/cuda_stub.cc)
endif()
