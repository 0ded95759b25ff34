#include "common/cuda_device.h"

namespace cess::kernels::internal {
int QueryCudaDeviceCount() { return 0; }
}  // namespace cess::kernels::internal
