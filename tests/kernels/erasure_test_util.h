// Helpers shared by the erasure tests: random stripes, span views, encoding with the oracle.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/kernels/erasure.h"

namespace cess::kernels::erasure::testing {

inline Bytes RandomBytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// k+m shards that live at chosen misalignments inside one arena (offset i·len + skew[i]), so
// tests exercise unaligned pointers too.
class Stripe {
 public:
  Stripe(int k, int m, size_t len, size_t skew = 0) : k_(k), m_(m), len_(len) {
    const size_t n = static_cast<size_t>(k + m);
    stride_ = len + 64;
    arena_.assign(n * stride_ + 64, 0);
    for (size_t i = 0; i < n; ++i) offsets_.push_back(i * stride_ + (skew == 0 ? 0 : (skew * (i + 1)) % 16));
  }
  int k() const { return k_; }
  int m() const { return m_; }
  size_t len() const { return len_; }
  uint8_t* shard(int i) { return arena_.data() + offsets_[static_cast<size_t>(i)]; }
  MutableByteSpan span(int i) { return {shard(i), len_}; }
  Bytes copy(int i) { return Bytes(shard(i), shard(i) + len_); }
  void Fill(int i, const Bytes& b) { std::copy(b.begin(), b.end(), shard(i)); }
  void FillRandom(std::mt19937_64& rng) {
    for (int i = 0; i < k_; ++i) Fill(i, RandomBytes(rng, len_));
  }
  std::vector<ByteSpan> Data() {
    std::vector<ByteSpan> v;
    for (int i = 0; i < k_; ++i) v.emplace_back(shard(i), len_);
    return v;
  }
  std::vector<MutableByteSpan> Parity() {
    std::vector<MutableByteSpan> v;
    for (int i = k_; i < k_ + m_; ++i) v.emplace_back(shard(i), len_);
    return v;
  }
  std::vector<MutableByteSpan> All() {
    std::vector<MutableByteSpan> v;
    for (int i = 0; i < k_ + m_; ++i) v.emplace_back(shard(i), len_);
    return v;
  }
  std::vector<ByteSpan> AllConst() {
    std::vector<ByteSpan> v;
    for (int i = 0; i < k_ + m_; ++i) v.emplace_back(shard(i), len_);
    return v;
  }
  std::vector<Bytes> Snapshot() {
    std::vector<Bytes> v;
    for (int i = 0; i < k_ + m_; ++i) v.push_back(copy(i));
    return v;
  }

 private:
  int k_;
  int m_;
  size_t len_;
  size_t stride_;
  Bytes arena_;
  std::vector<size_t> offsets_;
};

// Every subset of [0, n) with at most `max_size` elements, as sorted index lists.
inline std::vector<std::vector<int>> AllPatterns(int n, int max_size) {
  std::vector<std::vector<int>> out;
  for (uint64_t mask = 0; mask < (uint64_t{1} << n); ++mask) {
    if (__builtin_popcountll(mask) > max_size) continue;
    std::vector<int> p;
    for (int i = 0; i < n; ++i) {
      if (mask & (uint64_t{1} << i)) p.push_back(i);
    }
    out.push_back(p);
  }
  return out;
}

// A random pattern of `count` distinct indices in [0, n), in random order.
inline std::vector<int> RandomPattern(std::mt19937_64& rng, int n, int count) {
  std::vector<int> all(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) all[static_cast<size_t>(i)] = i;
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(static_cast<size_t>(count));
  return all;
}

inline std::string PatternString(const std::vector<int>& p) {
  std::string s = "{";
  for (size_t i = 0; i < p.size(); ++i) {
    if (i != 0) s.push_back(',');
    s.append(std::to_string(p[i]));
  }
  s.push_back('}');
  return s;
}

inline std::unique_ptr<Codec> MakeCodec(int k, int m, Backend backend) {
  CodecOptions o;
  o.backend = backend;
  auto c = Codec::Create(k, m, o);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(c).value() : nullptr;
}

}  // namespace cess::kernels::erasure::testing
