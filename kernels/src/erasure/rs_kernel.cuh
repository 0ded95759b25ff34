// Internal: launcher of the CUDA Reed-Solomon dot-product kernel (rs_kernel.cu). The kernel
// itself stays private to its translation unit.
#pragma once

#include <cuda_runtime.h>

#include "cess/core/status.h"
#include "erasure/rs_dot.h"

namespace cess::kernels::erasure::internal {

// Enqueues `job` (device pointers of the current device; job.tables built by
// PackedNibbleTables and uploaded, 16-byte aligned) on `stream`. Returns after the launches are
// enqueued. Errors: InvalidArgument from PlanDot; Internal when a launch fails.
Status LaunchDot(const DotJob& job, cudaStream_t stream);

}  // namespace cess::kernels::erasure::internal
