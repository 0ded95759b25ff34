// Internal: CUDA device discovery, compiled as .cu when CUDA is on, as a stub otherwise.
#pragma once

namespace cess::kernels::internal {

#ifdef CESS_KERNELS_HAVE_CUDA
inline constexpr bool kCudaCompiledIn = true;
#else
inline constexpr bool kCudaCompiledIn = false;
#endif

// Number of visible devices; 0 when there is no driver, no device or no CUDA build.
int QueryCudaDeviceCount();

}  // namespace cess::kernels::internal
