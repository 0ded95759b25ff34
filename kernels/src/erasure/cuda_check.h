// Internal (CUDA translation units only): turning CUDA errors into Status.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "cess/core/status.h"

namespace cess::kernels::erasure::internal {

// The Status for a failed CUDA call `expr`: ResourceExhausted for allocation failures,
// Unavailable when there is no usable device or driver, Internal otherwise.
inline Status CudaStatus(cudaError_t err, const char* expr) {
  std::string msg = std::string(expr) + ": " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")";
  switch (err) {
    case cudaErrorMemoryAllocation:
      return Status::ResourceExhausted(std::move(msg));
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
      return Status::Unavailable(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

}  // namespace cess::kernels::erasure::internal

// Evaluates a CUDA runtime call; returns a Status from the enclosing function when it fails.
#define CESS_CUDA_RETURN_IF_ERROR(expr)                                             \
  do {                                                                              \
    const cudaError_t cess_cuda_err_ = (expr);                                      \
    if (cess_cuda_err_ != cudaSuccess) {                                            \
      return ::cess::kernels::erasure::internal::CudaStatus(cess_cuda_err_, #expr); \
    }                                                                               \
  } while (0)
