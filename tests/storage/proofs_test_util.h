// Shared helpers of the cess_proofs tests: cached test keys, random fragments and in-memory
// fragment sources.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "cess/storage/proofs/podr2.h"

namespace cess::proofs::podr2::testing {

// A 1024-bit key shared by the tests of one binary (generated once; tests use 1024 bits for speed).
inline const SecretKey& TestKey1024() {
  static const std::unique_ptr<SecretKey> key = [] {
    auto k = SecretKey::Generate(1024);
    EXPECT_TRUE(k.ok()) << k.status();
    return std::move(k).value();
  }();
  return *key;
}

// A second, independent 1024-bit key.
inline const SecretKey& OtherKey1024() {
  static const std::unique_ptr<SecretKey> key = [] {
    auto k = SecretKey::Generate(1024);
    EXPECT_TRUE(k.ok()) << k.status();
    return std::move(k).value();
  }();
  return *key;
}

// A fresh seed per run, printed so a failure can be replayed.
inline uint64_t FreshSeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) | rd();
}

inline Bytes RandomBytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

inline Hash256 RandomHash(std::mt19937_64& rng) {
  Hash256 h{};
  for (auto& x : h) x = static_cast<uint8_t>(rng());
  return h;
}

// A fragment held in memory with its tags.
struct MemFragment {
  Hash256 name{};
  Bytes data;
  uint32_t blocks = 0;
  std::vector<Bytes> tags;

  Bytes Block(uint32_t i) const {
    const size_t bs = data.size() / blocks;
    return Bytes(data.begin() + static_cast<ptrdiff_t>(i * bs),
                 data.begin() + static_cast<ptrdiff_t>((i + 1) * bs));
  }
  // A source that reads this fragment (the fragment must outlive the source).
  FragmentSource Source() const {
    FragmentSource s;
    s.name = name;
    s.read_block = [this](uint32_t i) -> Result<Bytes> { return Block(i); };
    s.read_tag = [this](uint32_t i) -> Result<Bytes> { return tags.at(i); };
    return s;
  }
};

inline MemFragment MakeFragment(const SecretKey& sk, std::mt19937_64& rng, uint32_t blocks,
                                size_t block_size) {
  MemFragment f;
  f.name = RandomHash(rng);
  f.data = RandomBytes(rng, blocks * block_size);
  f.blocks = blocks;
  auto tags = GenerateTags(sk, f.name, f.data, blocks);
  EXPECT_TRUE(tags.ok()) << tags.status();
  if (tags.ok()) f.tags = std::move(tags).value();
  return f;
}

}  // namespace cess::proofs::podr2::testing
