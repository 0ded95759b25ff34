// Backend selection shared by every kernel family (erasure, hash, ...).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cess/core/result.h"

namespace cess::kernels {

// Which implementation runs a kernel call.
//   kRef:  plain C++, obviously right; the oracle every other backend is tested against.
//   kCpu:  fast CPU code (ISA-L, OpenSSL, SIMD).
//   kCuda: our CUDA kernels; needs a build with CUDA and a visible device.
//   kAuto: kCuda when a device is present and the batch is large enough to win (the crossover is
//          measured in bench/RESULTS.md), otherwise kCpu.
enum class Backend : uint8_t { kAuto = 0, kRef = 1, kCpu = 2, kCuda = 3 };

// "auto", "ref", "cpu" or "cuda".
std::string_view BackendName(Backend backend);

// Parses "auto|ref|cpu|cuda" (case-sensitive). Errors: InvalidArgument naming the bad value.
Result<Backend> ParseBackend(std::string_view name);

// True when this build was compiled with CUDA backends.
bool CudaCompiledIn();

// Number of visible CUDA devices (0 when CUDA is not compiled in or no driver/device is present).
// Thread-safe; the answer is computed once and cached.
int CudaDeviceCount();

// OK when `backend` can run here; otherwise Unavailable with the reason (e.g. "no CUDA device
// visible", "built without CUDA"). kAuto, kRef and kCpu are always available.
Status CheckBackendAvailable(Backend backend);

}  // namespace cess::kernels
