// Small helpers shared by the engine's source files.
#pragma once

#include <chrono>
#include <cstdint>

#include "cess/core/bytes.h"

namespace cess::chain::consensus {

// The 8-byte big-endian key of a height in the engine's column families (sorts by height).
inline Bytes HeightKey(uint64_t height) {
  Bytes k(8);
  for (int i = 0; i < 8; ++i) k[i] = static_cast<uint8_t>(height >> (56 - 8 * i));
  return k;
}

// Adds the wall time of its scope, in µs, to a Stats counter. Metrics only: nothing the protocol
// decides reads it (the engine's clock is the injected now_ms).
class ScopedTimer {
 public:
  explicit ScopedTimer(uint64_t& total_us) : total_us_(total_us), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() {
    total_us_ += static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_)
            .count());
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  uint64_t& total_us_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace cess::chain::consensus
