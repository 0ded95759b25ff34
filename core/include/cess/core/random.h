// Randomness behind an injectable interface (style guide §11): the system CSPRNG for real use, and a
// seeded deterministic generator for tests.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::crypto {

// A source of random bytes. Implementations must be safe to call from several threads at once.
class Rng {
 public:
  virtual ~Rng() = default;
  // Fills `out` with random bytes. Errors: Unavailable when the source cannot produce them (the
  // contents of `out` are then unspecified and must not be used).
  virtual Status Fill(MutableByteSpan out) = 0;
};

// OpenSSL's CSPRNG (RAND_bytes), seeded from the OS. Thread-safe.
class SystemRng final : public Rng {
 public:
  Status Fill(MutableByteSpan out) override;
};

// The process-wide SystemRng.
Rng& SystemRandom();

// A deterministic stream for tests only, NEVER for keys in use: block i is SHA-256(seed ‖ u64-LE i).
// Equal seeds give equal streams. Thread-safe (a mutex guards the counter).
class DeterministicRng final : public Rng {
 public:
  explicit DeterministicRng(uint64_t seed);
  Status Fill(MutableByteSpan out) override;

 private:
  std::mutex mu_;
  const uint64_t seed_;
  uint64_t counter_ = 0;  // guarded by mu_
  Hash256 block_{};       // guarded by mu_
  size_t used_ = 32;      // bytes of block_ already handed out; guarded by mu_
};

// `n` bytes from the system CSPRNG. Errors: Unavailable as Rng::Fill.
Result<Bytes> RandomBytes(size_t n);

// N bytes from `rng` as an array. Errors: as Rng::Fill.
template <size_t N>
Result<std::array<uint8_t, N>> RandomArray(Rng& rng = SystemRandom()) {
  std::array<uint8_t, N> out{};
  CESS_RETURN_IF_ERROR(rng.Fill(out));
  return out;
}

}  // namespace cess::crypto
