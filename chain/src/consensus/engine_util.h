// Small helpers shared by the engine's source files.
#pragma once

#include <cstdint>

#include "cess/core/bytes.h"

namespace cess::chain::consensus {

// The 8-byte big-endian key of a height in the engine's column families (sorts by height).
inline Bytes HeightKey(uint64_t height) {
  Bytes k(8);
  for (int i = 0; i < 8; ++i) k[i] = static_cast<uint8_t>(height >> (56 - 8 * i));
  return k;
}

}  // namespace cess::chain::consensus
