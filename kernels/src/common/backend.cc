#include "cess/kernels/backend.h"

#include <string>

#include "common/cuda_device.h"

namespace cess::kernels {

std::string_view BackendName(Backend backend) {
  switch (backend) {
    case Backend::kAuto: return "auto";
    case Backend::kRef: return "ref";
    case Backend::kCpu: return "cpu";
    case Backend::kCuda: return "cuda";
  }
  return "unknown";
}

Result<Backend> ParseBackend(std::string_view name) {
  for (Backend b : {Backend::kAuto, Backend::kRef, Backend::kCpu, Backend::kCuda}) {
    if (name == BackendName(b)) return b;
  }
  return Status::InvalidArgument("unknown backend '" + std::string(name) + "' (expected auto, ref, cpu or cuda)");
}

bool CudaCompiledIn() { return internal::kCudaCompiledIn; }

int CudaDeviceCount() {
  static const int count = internal::QueryCudaDeviceCount();
  return count;
}

Status CheckBackendAvailable(Backend backend) {
  switch (backend) {
    case Backend::kAuto:
    case Backend::kRef:
      return Status::Ok();
    case Backend::kCpu:
#ifdef CESS_KERNELS_HAVE_CPU
      return Status::Ok();
#else
      return Status::Unavailable("cpu backend not built (ISA-L or OpenSSL missing at configure time)");
#endif
    case Backend::kCuda:
      if (!CudaCompiledIn()) return Status::Unavailable("cuda backend not built (no nvcc at configure time)");
      if (CudaDeviceCount() == 0) return Status::Unavailable("no CUDA device visible");
      return Status::Ok();
  }
  return Status::InvalidArgument("bad backend value");
}

}  // namespace cess::kernels
