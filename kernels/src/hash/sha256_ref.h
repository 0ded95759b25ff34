// Internal: the reference SHA-256 (FIPS 180-4), plain C++ with no dependencies. It is the
// oracle every other backend is tested against, so it favours being obviously right over speed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cess/core/bytes.h"

namespace cess::kernels::hash::internal {

// Incremental SHA-256. Usage: Update() any number of times, then Finish() once.
// Not thread-safe; cheap to construct (no allocation).
class Sha256Ref {
 public:
  Sha256Ref();

  // Appends `data` to the message.
  void Update(ByteSpan data);
  void Update(uint8_t byte) { Update(ByteSpan(&byte, 1)); }

  // Pads the message, returns its digest. REQUIRES: called once; the object is spent after.
  Hash256 Finish();

 private:
  void Compress(const uint8_t block[64]);

  uint32_t state_[8];
  uint8_t block_[64];
  size_t block_len_ = 0;    // bytes waiting in block_
  uint64_t total_len_ = 0;  // message bytes so far
};

// SHA-256(data) with Sha256Ref.
Hash256 Sha256RefDigest(ByteSpan data);

}  // namespace cess::kernels::hash::internal
