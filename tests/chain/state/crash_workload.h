// The deterministic block sequence the crash test's writer process commits, shared by the writer
// and the test that checks what survived a SIGKILL.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cess/chain/state/state_store.h"
#include "state_test_util.h"

namespace cess::chain::state::testing {

inline constexpr char kCrashBlocksCf[] = "blocks";

// The state writes of block `height` (>= 1): a few hundred puts and deletes over 3000 keys.
inline WriteSet CrashBlockWrites(uint64_t height) {
  std::mt19937_64 rng(height * 0x9E3779B97F4A7C15ull);
  WriteSet w;
  size_t n = 50 + rng() % 250;
  for (size_t i = 0; i < n; ++i) {
    Bytes key = Str("acct/" + std::to_string(rng() % 3000));
    if (rng() % 4 == 0) {
      w.Delete(key);
    } else {
      w.Put(key, Str("h=" + std::to_string(height) + ";" + std::string(rng() % 64, 'x')));
    }
  }
  return w;
}

// The auxiliary record committed with block `height`: the block itself, keyed by big-endian height.
inline AuxWrite CrashBlockRecord(uint64_t height) {
  Bytes key(8);
  for (int i = 0; i < 8; ++i) key[i] = static_cast<uint8_t>(height >> (56 - 8 * i));
  return AuxWrite{kCrashBlocksCf, key, Str("block " + std::to_string(height))};
}

}  // namespace cess::chain::state::testing
