// Internal: factories of the codec backends (CudaCodec::Create is public, in erasure_cuda.h).
#pragma once

#include <memory>

#include "cess/core/result.h"
#include "cess/kernels/erasure.h"

namespace cess::kernels::erasure::internal {

// Plain C++ (kRef). REQUIRES: k, m checked.
std::unique_ptr<Codec> MakeRefCodec(int k, int m);

// ISA-L (kCpu). Errors: Unavailable in a build without ISA-L. REQUIRES: k, m checked.
Result<std::unique_ptr<Codec>> MakeCpuCodec(int k, int m, const CodecOptions& options);

// kAuto: the cpu codec (ref when ISA-L is not built in), plus CUDA when a device is visible.
Result<std::unique_ptr<Codec>> MakeAutoCodec(int k, int m, const CodecOptions& options);

}  // namespace cess::kernels::erasure::internal
