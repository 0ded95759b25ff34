// The CUDA kernels' SHA-256 core (kernels/src/hash/sha256_device.h) compiled as plain C++ and run
// on the CPU against the reference SHA-256: every alignment and load path, the one-byte prefix
// shift, the tail and padding, Merkle nodes, and the kernels' tree decomposition (leaf blocks
// with fused levels, upper-level blocks, the host pipeline's chunks). This checks the GPU
// arithmetic on a machine without a GPU; hash_cuda_test.cc checks the kernels themselves.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "cess/kernels/hash.h"
#include "hash/sha256_device.h"
#include "hash/sha256_ref.h"
#include "hash_test_util.h"

namespace cess::kernels::hash {
namespace {

using internal::Sha256RefDigest;
using testing::RandomBytes;

Hash256 Digest(const uint32_t st[8]) {
  Hash256 out;
  internal::StoreDigest(st, out.data());
  return out;
}

Hash256 RefWithPrefix(uint8_t prefix, ByteSpan data) {
  internal::Sha256Ref h;
  h.Update(prefix);
  h.Update(data);
  return h.Finish();
}

TEST(HashDeviceLogic, IntrinsicTwinsMatchCudaSemantics) {
  EXPECT_EQ(internal::Bswap(0x11223344u), 0x44332211u);
  // __byte_perm(x, y, s): result byte k = byte s[k] of y:x.
  EXPECT_EQ(internal::BytePerm(0x33221100u, 0x77665544u, 0x3456), 0x33445566u);
  EXPECT_EQ(internal::BytePerm(0x33221100u, 0x77665544u, 0x7654), 0x77665544u);
  EXPECT_EQ(internal::FunnelShiftR(0x89abcdefu, 0x01234567u, 8), 0x6789abcdu);
  EXPECT_EQ(internal::FunnelShiftR(0x89abcdefu, 0x01234567u, 0), 0x89abcdefu);
  EXPECT_EQ(internal::FunnelShiftR(0x89abcdefu, 0x01234567u, 32), 0x89abcdefu);  // shift & 31
  EXPECT_EQ(internal::Rotr(0x00000001u, 1), 0x80000000u);
}

// Every length 0..300 at every start offset 0..15 (all three load paths), with the message at
// the very end of its buffer so no read may pass it.
TEST(HashDeviceLogic, MessagesAtEveryAlignmentAndLength) {
  const Bytes pool = RandomBytes(512, 1);
  for (size_t off = 0; off < 16; ++off) {
    for (size_t len = 0; len <= 300; ++len) {
      // A buffer that ends exactly where the message ends.
      Bytes buf(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(off + len));
      const uint8_t* msg = buf.data() + off;
      const uint8_t* end = buf.data() + buf.size();
      uint32_t st[8];
      internal::Sha256Message<false>(0, msg, len, end, st);
      ASSERT_EQ(Digest(st), Sha256RefDigest(ByteSpan(msg, len))) << "off " << off << " len " << len;
      for (uint8_t prefix : {uint8_t{0x00}, uint8_t{0x01}, uint8_t{0xa5}}) {
        internal::Sha256Message<true>(prefix, msg, len, end, st);
        ASSERT_EQ(Digest(st), RefWithPrefix(prefix, ByteSpan(msg, len)))
            << "prefix " << int{prefix} << " off " << off << " len " << len;
      }
    }
  }
}

// Long messages, with and without readable slack after them.
TEST(HashDeviceLogic, LongMessages) {
  const Bytes pool = RandomBytes(40000, 2);
  for (size_t len : {4095u, 4096u, 4097u, 8191u, 16384u, 16383u, 20000u, 32768u + 13u}) {
    for (size_t off : {0u, 1u, 3u, 4u, 8u, 15u}) {
      for (size_t slack : {0u, 1u, 3u, 64u}) {
        Bytes buf(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(off + len + slack));
        const uint8_t* msg = buf.data() + off;
        uint32_t st[8];
        internal::Sha256Message<true>(0x00, msg, len, buf.data() + buf.size(), st);
        ASSERT_EQ(Digest(st), RefWithPrefix(0x00, ByteSpan(msg, len))) << len << " " << off << " " << slack;
        internal::Sha256Message<false>(0, msg, len, buf.data() + buf.size(), st);
        ASSERT_EQ(Digest(st), Sha256RefDigest(ByteSpan(msg, len))) << len << " " << off << " " << slack;
      }
    }
  }
}

TEST(HashDeviceLogic, NodeHashIsPrefixedPairHash) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const Bytes lr = RandomBytes(64, 100 + seed);
    uint32_t l[8];
    uint32_t r[8];
    for (int k = 0; k < 8; ++k) {
      l[k] = uint32_t{lr[4 * k]} << 24 | uint32_t{lr[4 * k + 1]} << 16 | uint32_t{lr[4 * k + 2]} << 8 |
             lr[4 * k + 3];
      r[k] = uint32_t{lr[32 + 4 * k]} << 24 | uint32_t{lr[33 + 4 * k]} << 16 | uint32_t{lr[34 + 4 * k]} << 8 |
             lr[35 + 4 * k];
    }
    uint32_t out[8];
    internal::NodeHash(l, r, out);
    EXPECT_EQ(Digest(out), RefWithPrefix(0x01, lr));
  }
}

// Emulates the kernels' decomposition sequentially with the shared per-thread steps:
// TreeLeafKernel<block> over chunks of `chunk` bytes (0: one launch over everything), each block
// fusing its levels (ReduceTile), then NodeReduceKernel blocks of 256 until one node is left.
Hash256 EmulateDeviceTree(ByteSpan data, uint32_t leaf, uint32_t block, size_t chunk) {
  const uint64_t n_leaves = data.empty() ? 1 : (data.size() + leaf - 1) / leaf;
  const uint64_t blocks = (n_leaves + block - 1) / block;
  std::vector<std::array<uint32_t, 8>> states(blocks);
  auto reduce_tile = [](std::vector<internal::TileRow>& tile, uint32_t count) {
    while (count > 1) {
      std::vector<std::array<uint32_t, 8>> h(tile.size());
      std::vector<bool> write(tile.size());
      for (uint32_t tid = 0; tid < tile.size(); ++tid)
        write[tid] = internal::TileLevelStep(tile.data(), count, tid, h[tid].data());
      for (uint32_t tid = 0; tid < tile.size(); ++tid) {
        if (write[tid]) std::memcpy(tile[tid], h[tid].data(), 32);
      }
      count = (count + 1) >> 1;
    }
  };
  if (chunk == 0) chunk = std::max<size_t>(data.size(), 1);
  size_t offset = 0;
  do {  // one "launch" per chunk
    const size_t n = std::min(chunk, data.size() - offset);
    const uint8_t* chunk_data = data.data() + offset;
    const uint64_t chunk_leaves = n == 0 ? 1 : (n + leaf - 1) / leaf;
    const uint64_t first_block = offset / leaf / block;
    for (uint64_t b = 0; b * block < chunk_leaves; ++b) {
      std::vector<internal::TileRow> tile(block);
      for (uint32_t tid = 0; tid < block; ++tid) {
        const uint64_t l = b * block + tid;
        if (l < chunk_leaves) {
          uint32_t st[8];
          internal::TreeLeafState(chunk_data, n, leaf, l, st);
          std::memcpy(tile[tid], st, 32);
        }
      }
      reduce_tile(tile, static_cast<uint32_t>(std::min<uint64_t>(block, chunk_leaves - b * block)));
      std::memcpy(states[first_block + b].data(), tile[0], 32);
    }
    offset += n;
  } while (offset < data.size());
  while (states.size() > 1) {
    std::vector<std::array<uint32_t, 8>> next((states.size() + 255) / 256);
    for (size_t b = 0; b < next.size(); ++b) {
      std::vector<internal::TileRow> tile(256);
      const size_t count = std::min<size_t>(256, states.size() - 256 * b);
      for (size_t i = 0; i < count; ++i) std::memcpy(tile[i], states[256 * b + i].data(), 32);
      reduce_tile(tile, static_cast<uint32_t>(count));
      std::memcpy(next[b].data(), tile[0], 32);
    }
    states = std::move(next);
  }
  return Digest(states[0].data());
}

TEST(HashDeviceLogic, TreeDecompositionMatchesReference) {
  auto ref = Hasher::Create({.backend = Backend::kRef}).value();
  const Bytes data = RandomBytes(3 * 64 * 4096 + 5 * 4096 + 123, 3);  // > 3 blocks of 64 leaves, odd
  for (uint32_t leaf : {4096u, 8192u, 16384u}) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{leaf - 1}, size_t{leaf}, size_t{leaf + 1},
                        size_t{3 * leaf}, size_t{33 * leaf + 7}, size_t{65 * leaf}, data.size()}) {
      const ByteSpan d = ByteSpan(data).first(std::min(size, data.size()));
      const Hash256 expected = ref->TreeHash(d, leaf).value();
      for (uint32_t block : {32u, 64u}) {
        EXPECT_EQ(EmulateDeviceTree(d, leaf, block, 0), expected) << leaf << " " << size << " " << block;
      }
      // The host pipeline: 64-leaf blocks, 2 MiB chunks (any multiple of 64 leaves works; a
      // small one exercises several chunks here).
      EXPECT_EQ(EmulateDeviceTree(d, leaf, 64, size_t{64} * leaf), expected)
          << leaf << " " << size << " chunks";
    }
  }
}

// Many blocks, so the upper levels take more than one NodeReduceKernel step.
TEST(HashDeviceLogic, TreeWithManyUpperLevelNodes) {
  auto ref = Hasher::Create({.backend = Backend::kRef}).value();
  const Bytes data = RandomBytes(size_t{300} * 32 * 4096 + 77, 4);  // 301 blocks of 32 leaves
  EXPECT_EQ(EmulateDeviceTree(data, 4096, 32, 0), ref->TreeHash(data, 4096).value());
}

}  // namespace
}  // namespace cess::kernels::hash
