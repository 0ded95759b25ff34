#include <cuda_runtime.h>

#include "common/cuda_device.h"

namespace cess::kernels::internal {

int QueryCudaDeviceCount() {
  int n = 0;
  // No driver or no device is not an error here: it means "no CUDA".
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return n;
}

}  // namespace cess::kernels::internal
