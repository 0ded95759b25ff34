// Small helpers shared by the LibTorch parts of cess_ailink (models and training): turning torch
// exceptions into Status, checking that a device can be used, formatting shapes.
#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "cess/core/status.h"

namespace cess::ailink::internal {

// The message of a torch exception without its C++ backtrace (c10::Error::what() appends one).
inline std::string TorchMessage(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

// Internal("<what>: <torch's message>").
inline Status TorchError(std::string_view what, const std::exception& e) {
  std::string message(what);
  message += ": ";
  message += TorchMessage(e);
  return Status::Internal(std::move(message));
}

// Whether this LibTorch build has CUDA at all (the CUDA hooks are the stub without it).
inline bool TorchBuiltWithCuda() {
  try {
    (void)at::detail::getCUDAHooks().versionCUDART();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// OK for the CPU and for a CUDA device LibTorch can see. Errors: Unavailable (saying whether
// this build has CUDA at all); InvalidArgument for other device types.
inline Status CheckDevice(const torch::Device& device) {
  if (device.is_cpu()) return Status::Ok();
  if (!device.is_cuda()) return Status::InvalidArgument("unsupported device " + device.str());
  const size_t count = torch::cuda::device_count();
  if (count == 0) {
    return Status::Unavailable(TorchBuiltWithCuda()
                                   ? "no CUDA device is visible to LibTorch"
                                   : "this LibTorch build has no CUDA support (CPU-only libtorch)");
  }
  if (device.has_index() && static_cast<size_t>(device.index()) >= count) {
    return Status::Unavailable("CUDA device " + std::to_string(device.index()) + " does not exist (" +
                               std::to_string(count) + " visible)");
  }
  return Status::Ok();
}

// "1x28x28".
inline std::string FormatShape(const std::vector<size_t>& shape) {
  std::string out;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += 'x';
    out += std::to_string(shape[i]);
  }
  return out;
}

inline std::string FormatShape(c10::IntArrayRef shape) {
  std::string out;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += 'x';
    out += std::to_string(shape[i]);
  }
  return out;
}

}  // namespace cess::ailink::internal
