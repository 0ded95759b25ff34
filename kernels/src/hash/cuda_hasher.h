// Internal: the kCuda Hasher (host buffers staged through pinned memory), implemented in
// hash_cuda.cu, or in hash_cuda_stub.cc for builds without CUDA.
#pragma once

#include <memory>

#include "cess/core/result.h"
#include "cess/kernels/hash.h"

namespace cess::kernels::hash::internal {

// Errors: Unavailable without a CUDA build or when options.cuda_device is not visible.
Result<std::unique_ptr<Hasher>> CreateCudaHasher(const HasherOptions& options);

}  // namespace cess::kernels::hash::internal
