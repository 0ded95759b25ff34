// The CUDA kernel's per-thread code (erasure/rs_dot.h) run on the CPU: launch planning, the
// thread → item mapping, fast division, the nibble-table layout, the byte transposes and the
// tail/unaligned paths, all against the ref backend. This checks the kernel's logic on machines
// without a GPU; erasure_cuda_test.cc checks the real kernel where a device is present.
#include <gtest/gtest.h>

#include <set>

#include "cess/kernels/erasure.h"
#include "erasure/common.h"
#include "erasure/gf256.h"
#include "erasure/rs_dot.h"
#include "erasure_kernel_emulation.h"
#include "erasure_test_util.h"

namespace cess::kernels::erasure::internal {
namespace {

using testing::AllPatterns;
using testing::PatternString;
using testing::RandomBytes;
using testing::RandomPattern;

TEST(DotTest, FastDivIsExact) {
  std::mt19937_64 rng(1);
  const std::vector<uint32_t> divisors = {1,   2,    3,     5,       7,          16,        255,
                                          256, 4095, 65537, 1000003, 0x7FFFFFFF, 0xFFFFFFFF};
  for (uint32_t d : divisors) {
    const uint64_t magic = d >= 2 ? ~uint64_t{0} / d + 1 : 0;
    std::vector<uint32_t> ns = {0, 1, d - 1, d, 0xFFFFFFFF, 0xFFFFFFFE};
    for (uint32_t q : {1u, 2u, 3u, 1000u}) {
      const uint64_t x = static_cast<uint64_t>(q) * d;
      if (x <= 0xFFFFFFFF) {
        ns.push_back(static_cast<uint32_t>(x));
        ns.push_back(static_cast<uint32_t>(x - 1));
      }
    }
    for (int i = 0; i < 20000; ++i) ns.push_back(static_cast<uint32_t>(rng()));
    for (uint32_t n : ns) ASSERT_EQ(FastDiv(n, d, magic), n / d) << n << " / " << d;
  }
}

TEST(DotTest, BytePermAndTranspose) {
  EXPECT_EQ(BytePerm(0x33221100, 0x77665544, 0x3210), 0x33221100u);
  EXPECT_EQ(BytePerm(0x33221100, 0x77665544, 0x7654), 0x77665544u);
  EXPECT_EQ(BytePerm(0x33221100, 0x77665544, 0x5140), 0x55114400u);
  EXPECT_EQ(BytePerm(0x000000AB, 0x12345600, 0x7650), 0x123456ABu);
  uint32_t r[4];
  Transpose4x4(0x03020100, 0x13121110, 0x23222120, 0x33323130, r);
  EXPECT_EQ(r[0], 0x30201000u);
  EXPECT_EQ(r[1], 0x31211101u);
  EXPECT_EQ(r[2], 0x32221202u);
  EXPECT_EQ(r[3], 0x33231303u);
}

TEST(DotTest, TablesHoldPackedProducts) {
  std::mt19937_64 rng(2);
  for (int n_out : {1, 3, 4, 5, 8, 13, 16}) {
    const int k = 3;
    const Bytes rows = RandomBytes(rng, static_cast<size_t>(n_out * k));
    const auto t = PackedNibbleTables(rows, n_out, k);
    const uint32_t groups = static_cast<uint32_t>((n_out + 3) / 4);
    ASSERT_EQ(t.size(), static_cast<size_t>(k) * TableStrideWords(groups));
    for (int j = 0; j < k; ++j) {
      for (int x = 0; x < 256; ++x) {
        for (int o = 0; o < n_out; ++o) {
          const size_t base =
              static_cast<size_t>(j) * TableStrideWords(groups) + static_cast<size_t>(o / 4) * 32;
          const uint32_t word =
              t[base + static_cast<size_t>(x & 15)] ^ t[base + 16 + static_cast<size_t>(x >> 4)];
          ASSERT_EQ(static_cast<uint8_t>(word >> (8 * (o % 4))),
                    GfMul(rows[static_cast<size_t>(o * k + j)], static_cast<uint8_t>(x)));
        }
      }
    }
  }
}

TEST(DotTest, PlanCoversEveryItemOnce) {
  Bytes in(4096), out(4096);
  DotJob job;
  job.in = in.data();
  job.out = out.data();
  job.k = 2;
  job.n_out = 1;
  for (uint64_t len : {1u, 16u, 17u, 100u, 4096u}) {
    for (uint64_t stripes : {1u, 7u, 300u}) {
      job.len = len;
      job.stripes = stripes;
      auto launches = PlanDot(job);
      ASSERT_TRUE(launches.ok());
      ASSERT_EQ(launches->size(), 1u);
      const DotParams& p = (*launches)[0];
      EXPECT_EQ(p.vps, (len + 15) / 16);
      EXPECT_EQ(p.items, stripes * p.vps);
      std::set<uint64_t> seen;
      for (uint32_t b = 0; b < p.blocks; ++b) {
        for (int it = 0; it < kDotItemsPerThread; ++it) {
          for (int t = 0; t < kDotThreads; ++t) {
            const uint64_t item = static_cast<uint64_t>(b) * kDotThreads * kDotItemsPerThread +
                                  static_cast<uint64_t>(it) * kDotThreads + static_cast<uint64_t>(t);
            if (item < p.items) {
              EXPECT_TRUE(seen.insert(item).second);
            }
          }
        }
      }
      EXPECT_EQ(seen.size(), p.items);
      // The last block is needed.
      EXPECT_GT(static_cast<uint64_t>(p.blocks) * kDotThreads * kDotItemsPerThread, p.items - 1);
      EXPECT_LE(static_cast<uint64_t>(p.blocks - 1) * kDotThreads * kDotItemsPerThread, p.items - 1);
    }
  }
}

TEST(DotTest, PlanSplitsHugeCallsAndChecksAlignment) {
  Bytes buf(64);
  DotJob job;
  job.in = buf.data();
  job.out = buf.data();
  job.k = 4;
  job.n_out = 2;
  job.len = uint64_t{1} << 33;  // 2^29 slices per shard: 4 stripes per launch
  job.stripes = 9;
  job.in_stripe_stride = 4 * job.len;
  job.out_stripe_stride = 2 * job.len;
  auto launches = PlanDot(job);
  ASSERT_TRUE(launches.ok());
  ASSERT_EQ(launches->size(), 3u);
  EXPECT_EQ((*launches)[0].items, uint64_t{4} << 29);
  EXPECT_EQ((*launches)[2].items, uint64_t{1} << 29);
  EXPECT_EQ((*launches)[1].in - job.in, static_cast<std::ptrdiff_t>(4 * job.in_stripe_stride));
  job.len = uint64_t{16} << 32;  // 2^32 slices: too long for one shard
  EXPECT_EQ(PlanDot(job).status().code(), StatusCode::kInvalidArgument);

  job.len = 64;
  job.stripes = 1;
  job.in_stripe_stride = 256;
  job.out_stripe_stride = 128;
  job.in_off[1] = 64;
  EXPECT_EQ((*PlanDot(job))[0].aligned, reinterpret_cast<uintptr_t>(buf.data()) % 16 == 0 ? 1u : 0u);
  job.in_off[1] = 65;
  EXPECT_EQ((*PlanDot(job))[0].aligned, 0u);
  job.in_off[1] = 64;
  job.out_off[1] = 8;
  EXPECT_EQ((*PlanDot(job))[0].aligned, 0u);
  job.stripes = 0;
  EXPECT_TRUE(PlanDot(job)->empty());
}

// Encode through the emulated kernel, in the EncodeBatch layout, aligned or not.
TEST(DotTest, EncodeMatchesRef) {
  std::mt19937_64 rng(3);
  struct Case {
    int k, m;
  };
  for (auto [k, m] :
       std::vector<Case>{{1, 1}, {2, 3}, {4, 2}, {4, 8}, {10, 4}, {6, 9}, {16, 8}, {5, 13}, {32, 16}}) {
    const auto matrix = RefCauchyMatrix(k, m);
    const auto tables = PackedNibbleTables(std::span(matrix).subspan(static_cast<size_t>(k * k)), m, k);
    auto ref = testing::MakeCodec(k, m, Backend::kRef);
    for (size_t len :
         {size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{33}, size_t{200}, size_t{1027}}) {
      for (size_t stripes : {size_t{1}, size_t{3}}) {
        for (size_t skew : {size_t{0}, size_t{3}}) {
          const size_t kk = static_cast<size_t>(k);
          const size_t mm = static_cast<size_t>(m);
          Bytes in_arena(stripes * kk * len + 32), out_arena(stripes * mm * len + 32, 0xEE);
          // Align the arena starts to 16 bytes, then skew.
          uint8_t* in =
              in_arena.data() + (16 - reinterpret_cast<uintptr_t>(in_arena.data()) % 16) % 16 + skew;
          uint8_t* out =
              out_arena.data() + (16 - reinterpret_cast<uintptr_t>(out_arena.data()) % 16) % 16 + skew;
          const Bytes data = RandomBytes(rng, stripes * kk * len);
          std::copy(data.begin(), data.end(), in);
          DotJob job;
          job.in = in;
          job.out = out;
          job.in_stripe_stride = kk * len;
          job.out_stripe_stride = mm * len;
          for (size_t j = 0; j < kk; ++j) job.in_off[j] = j * len;
          for (size_t o = 0; o < mm; ++o) job.out_off[o] = o * len;
          job.k = k;
          job.n_out = m;
          job.stripes = stripes;
          job.len = len;
          ASSERT_NO_FATAL_FAILURE(EmulateDot(job, tables));
          Bytes want(stripes * mm * len);
          ASSERT_TRUE(ref->EncodeBatch(stripes, len, data, want).ok());
          ASSERT_TRUE(std::equal(want.begin(), want.end(), out))
              << k << "+" << m << " len " << len << " stripes " << stripes << " skew " << skew;
          // Nothing written past the outputs.
          EXPECT_EQ(out[stripes * mm * len], 0xEE);
        }
      }
    }
  }
}

// Decode through the emulated kernel in place, in the ReconstructDevice layout (stripes of k+m
// shards back to back).
void CheckDecode(int k, int m, size_t len, size_t stripes, const std::vector<int>& erased,
                 std::mt19937_64& rng) {
  const auto matrix = RefCauchyMatrix(k, m);
  auto ref = testing::MakeCodec(k, m, Backend::kRef);
  const size_t n = static_cast<size_t>(k + m);
  Bytes shards(stripes * n * len);
  for (size_t s = 0; s < stripes; ++s) {
    const Bytes data = RandomBytes(rng, static_cast<size_t>(k) * len);
    std::copy(data.begin(), data.end(), shards.begin() + static_cast<std::ptrdiff_t>(s * n * len));
    Bytes parity(static_cast<size_t>(m) * len);
    ASSERT_TRUE(ref->EncodeBatch(1, len, data, parity).ok());
    std::copy(parity.begin(), parity.end(),
              shards.begin() + static_cast<std::ptrdiff_t>(s * n * len + static_cast<size_t>(k) * len));
  }
  const Bytes original = shards;
  auto plan = MakeDecodePlan(k, m, erased);
  ASSERT_TRUE(plan.ok());
  for (size_t s = 0; s < stripes; ++s) {
    for (int e : erased) {
      std::fill_n(shards.begin() + static_cast<std::ptrdiff_t>(s * n * len + static_cast<size_t>(e) * len),
                  len, uint8_t{0});
    }
  }
  if (plan->num_erased == 0) return;
  auto rows = DecodeRows(matrix, k, *plan, &RefInvertMatrix, &GfMul);
  ASSERT_TRUE(rows.ok());
  const auto tables = PackedNibbleTables(*rows, plan->num_erased, k);
  DotJob job;
  job.in = shards.data();
  job.out = shards.data();
  job.in_stripe_stride = n * len;
  job.out_stripe_stride = n * len;
  for (int j = 0; j < k; ++j) job.in_off[j] = static_cast<uint64_t>(plan->survivors[j]) * len;
  for (int o = 0; o < plan->num_erased; ++o) job.out_off[o] = static_cast<uint64_t>(plan->erased[o]) * len;
  job.k = k;
  job.n_out = plan->num_erased;
  job.stripes = stripes;
  job.len = len;
  ASSERT_NO_FATAL_FAILURE(EmulateDot(job, tables));
  ASSERT_EQ(shards, original) << k << "+" << m << " len " << len << " pattern " << PatternString(erased);
}

TEST(DotTest, DecodeEveryPatternOf4Plus8) {
  std::mt19937_64 rng(4);
  for (const auto& pattern : AllPatterns(12, 8)) {
    ASSERT_NO_FATAL_FAILURE(CheckDecode(4, 8, 33, 2, pattern, rng));
  }
}

TEST(DotTest, DecodeRandomPatternsOfLargeCodes) {
  std::mt19937_64 rng(5);
  for (auto [k, m] : std::vector<std::pair<int, int>>{{10, 4}, {16, 8}, {32, 16}, {6, 3}}) {
    for (int t = 0; t < 10; ++t) {
      const size_t len = t == 0 ? 16 : 1 + rng() % 300;
      const int count = 1 + static_cast<int>(rng() % static_cast<uint64_t>(m));
      ASSERT_NO_FATAL_FAILURE(CheckDecode(k, m, len, 1 + rng() % 3, RandomPattern(rng, k + m, count), rng));
    }
  }
}

}  // namespace
}  // namespace cess::kernels::erasure::internal
