// Shared helpers of the hash kernel tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/kernels/backend.h"
#include "cess/kernels/hash.h"

namespace cess::kernels::hash::testing {

// Deterministic pseudo-random bytes (a fixed seed per call site keeps failures reproducible).
inline Bytes RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes out(n);
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rng();
    for (size_t k = 0; k < 8 && i + k < n; ++k) out[i + k] = static_cast<uint8_t>(v >> (8 * k));
  }
  return out;
}

inline Hash256 HashFromHex(const std::string& hex) { return FromHexFixed<32>(hex).value(); }

// The host backends that can run in this build: kRef, kCpu (with OpenSSL) and kAuto.
inline std::vector<Backend> HostBackends() {
  std::vector<Backend> out{Backend::kRef};
  if (CheckBackendAvailable(Backend::kCpu).ok()) out.push_back(Backend::kCpu);
  out.push_back(Backend::kAuto);
  return out;
}

// Names parameterized tests by backend ("ref", "cpu", ...).
inline std::string BackendParamName(const ::testing::TestParamInfo<Backend>& param) {
  return std::string(BackendName(param.param));
}

// The straightforward tree hash of hash.h, written from its definition with Sha256() on
// materialized buffers (independent of the backends' code paths).
inline Hash256 NaiveTreeHash(ByteSpan data, size_t leaf) {
  std::vector<Hash256> level;
  size_t pos = 0;
  do {
    const size_t n = std::min(leaf, data.size() - pos);
    Bytes msg{kTreeLeafPrefix};
    msg.insert(msg.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
               data.begin() + static_cast<std::ptrdiff_t>(pos + n));
    level.push_back(Sha256(msg));
    pos += n;
  } while (pos < data.size());
  while (level.size() > 1) {
    std::vector<Hash256> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      Bytes msg{kTreeNodePrefix};
      msg.insert(msg.end(), level[i].begin(), level[i].end());
      msg.insert(msg.end(), level[i + 1].begin(), level[i + 1].end());
      next.push_back(Sha256(msg));
    }
    if (level.size() % 2 == 1) next.push_back(level.back());
    level = std::move(next);
  }
  return level[0];
}

}  // namespace cess::kernels::hash::testing
