// Reed-Solomon: the field and matrix against ISA-L, and the ref / cpu / auto backends against
// the ref oracle (encode, every erasure pattern of small codes, verify, batches, errors).
#include "cess/kernels/erasure.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "erasure_backend_suite.h"
#include "erasure_test_util.h"

#ifdef CESS_TEST_HAVE_ISAL
#include <isa-l/erasure_code.h>
#endif

namespace cess::kernels::erasure {
namespace {

using testing::AllPatterns;
using testing::BackendCase;
using testing::BackendTest;
using testing::CheckReconstruct;
using testing::MakeCodec;
using testing::PatternString;
using testing::RandomBytes;
using testing::RandomPattern;
using testing::Stripe;

using testing::KM;

// ---- field and matrix ------------------------------------------------------------------------

TEST(GfTest, KnownValues) {
  EXPECT_EQ(GfMul(2, 0x80), 0x1d);  // x · x^7 = x^8 = 0x11D - 0x100
  EXPECT_EQ(GfInv(2), 0x8e);
  EXPECT_EQ(GfInv(1), 1);
  EXPECT_EQ(GfInv(0), 0);
  for (int a = 0; a < 256; ++a) {
    EXPECT_EQ(GfMul(static_cast<uint8_t>(a), 0), 0);
    EXPECT_EQ(GfMul(static_cast<uint8_t>(a), 1), a);
    if (a != 0) {
      EXPECT_EQ(GfMul(static_cast<uint8_t>(a), GfInv(static_cast<uint8_t>(a))), 1) << a;
    }
  }
  // Distributive and commutative on a sample.
  std::mt19937_64 rng(1);
  for (int i = 0; i < 2000; ++i) {
    const auto a = static_cast<uint8_t>(rng());
    const auto b = static_cast<uint8_t>(rng());
    const auto c = static_cast<uint8_t>(rng());
    EXPECT_EQ(GfMul(a, b), GfMul(b, a));
    EXPECT_EQ(GfMul(a, b ^ c), GfMul(a, b) ^ GfMul(a, c));
    EXPECT_EQ(GfMul(GfMul(a, b), c), GfMul(a, GfMul(b, c)));
  }
}

TEST(CauchyTest, KnownRowAndErrors) {
  auto m = CauchyMatrix(4, 2);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 24u);
  const std::vector<uint8_t> row4(m->begin() + 16, m->begin() + 20);
  EXPECT_EQ(row4, (std::vector<uint8_t>{71, 167, 122, 186}));
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) EXPECT_EQ((*m)[static_cast<size_t>(i * 4 + j)], i == j ? 1 : 0);
  }
  for (auto [k, mm] : std::vector<KM>{{0, 1}, {33, 1}, {1, 0}, {1, 17}, {-1, 4}}) {
    EXPECT_EQ(CauchyMatrix(k, mm).status().code(), StatusCode::kInvalidArgument) << k << "+" << mm;
  }
}

#ifdef CESS_TEST_HAVE_ISAL
TEST(GfTest, MatchesIsal) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      ASSERT_EQ(GfMul(static_cast<uint8_t>(a), static_cast<uint8_t>(b)),
                gf_mul(static_cast<unsigned char>(a), static_cast<unsigned char>(b)))
          << a << "*" << b;
    }
    ASSERT_EQ(GfInv(static_cast<uint8_t>(a)), gf_inv(static_cast<unsigned char>(a))) << a;
  }
}

TEST(CauchyTest, MatchesIsalForEveryShape) {
  for (int k = 1; k <= kMaxDataShards; ++k) {
    for (int m = 1; m <= kMaxParityShards; ++m) {
      auto ours = CauchyMatrix(k, m);
      ASSERT_TRUE(ours.ok()) << ours.status();
      std::vector<unsigned char> isal(static_cast<size_t>((k + m) * k));
      gf_gen_cauchy1_matrix(isal.data(), k + m, k);
      ASSERT_EQ(*ours, std::vector<uint8_t>(isal.begin(), isal.end())) << k << "+" << m;
    }
  }
}
#endif

// The ref backend against the definition, computed here byte by byte.
TEST(RefTest, EncodeMatchesDefinition) {
  std::mt19937_64 rng(2);
  for (auto [k, m] : testing::Grid()) {
    const size_t len = 1 + rng() % 70;
    auto matrix = CauchyMatrix(k, m);
    ASSERT_TRUE(matrix.ok());
    Stripe s(k, m, len);
    s.FillRandom(rng);
    auto codec = MakeCodec(k, m, Backend::kRef);
    ASSERT_TRUE(codec->Encode(s.Data(), s.Parity()).ok());
    for (int p = 0; p < m; ++p) {
      for (size_t x = 0; x < len; ++x) {
        uint8_t want = 0;
        for (int j = 0; j < k; ++j)
          want ^= GfMul((*matrix)[static_cast<size_t>((k + p) * k + j)], s.shard(j)[x]);
        ASSERT_EQ(s.shard(k + p)[x], want) << k << "+" << m << " parity " << p << " byte " << x;
      }
    }
  }
}

TEST(CodecTest, CreateRejectsBadShapesAndOptions) {
  for (Backend b : {Backend::kRef, Backend::kCpu, Backend::kAuto, Backend::kCuda}) {
    for (auto [k, m] : std::vector<KM>{{0, 1}, {33, 1}, {1, 0}, {1, 17}}) {
      CodecOptions o;
      o.backend = b;
      EXPECT_EQ(Codec::Create(k, m, o).status().code(), StatusCode::kInvalidArgument)
          << BackendName(b) << " " << k << "+" << m;
    }
  }
  CodecOptions o;
  o.cpu_threads = -1;
  EXPECT_EQ(Codec::Create(4, 2, o).status().code(), StatusCode::kInvalidArgument);
}

TEST(CodecTest, BackendNames) {
  EXPECT_EQ(MakeCodec(4, 2, Backend::kRef)->backend(), Backend::kRef);
  EXPECT_EQ(MakeCodec(4, 2, Backend::kAuto)->backend(), Backend::kAuto);
  if (CheckBackendAvailable(Backend::kCpu).ok()) {
    EXPECT_EQ(MakeCodec(4, 2, Backend::kCpu)->backend(), Backend::kCpu);
  }
}

INSTANTIATE_TEST_SUITE_P(Host, BackendTest,
                         ::testing::Values(BackendCase::Of(Backend::kRef), BackendCase::Of(Backend::kCpu),
                                           BackendCase::Of(Backend::kAuto)),
                         [](const ::testing::TestParamInfo<BackendCase>& tp) { return tp.param.name; });

// ---- cpu specifics -------------------------------------------------------------------------------

class CpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status st = CheckBackendAvailable(Backend::kCpu);
    if (!st.ok()) GTEST_SKIP() << "cpu backend unavailable: " << st;
  }
};

TEST_F(CpuTest, EncodeBatchOverThreadsMatchesRef) {
  std::mt19937_64 rng(20);
  for (int threads : {2, 3}) {
    CodecOptions o;
    o.backend = Backend::kCpu;
    o.cpu_threads = threads;
    o.cpu_parallel_min_bytes = 0;
    for (auto [k, m] : std::vector<KM>{{4, 8}, {10, 4}}) {
      auto codec = Codec::Create(k, m, o);
      ASSERT_TRUE(codec.ok());
      auto ref = MakeCodec(k, m, Backend::kRef);
      // One stripe (columns split), a few stripes (fewer than threads), many stripes.
      for (auto [stripes, len] :
           std::vector<std::pair<size_t, size_t>>{{1, 10000}, {1, 70}, {2, 999}, {37, 257}}) {
        const Bytes data = RandomBytes(rng, stripes * static_cast<size_t>(k) * len);
        Bytes got(stripes * static_cast<size_t>(m) * len), want(got.size());
        ASSERT_TRUE((*codec)->EncodeBatch(stripes, len, data, got).ok());
        ASSERT_TRUE(ref->EncodeBatch(stripes, len, data, want).ok());
        ASSERT_EQ(got, want) << threads << " threads " << k << "+" << m << " " << stripes << "x" << len;
      }
    }
  }
}

// More than 6 outputs on sources over 1 MiB: the cpu backend cuts columns into pieces of
// 128 KiB / k bytes (16+8: 8 KiB, 4+8: 32 KiB, 32+16: 4 KiB); check piece edges, a short tail
// merged into the last piece (< 64 bytes) and one kept apart (64 bytes).
TEST_F(CpuTest, LongShardsWithManyOutputsMatchRef) {
  std::mt19937_64 rng(21);
  for (auto [k, m, len] : std::vector<std::tuple<int, int, size_t>>{{16, 8, 8192 * 9 + 10},
                                                                    {16, 8, 8192 * 130},
                                                                    {4, 8, 32768 * 9 + 63},
                                                                    {4, 8, 32768 * 9 + 64},
                                                                    {32, 16, 40000}}) {
    auto codec = MakeCodec(k, m, Backend::kCpu);
    auto ref = MakeCodec(k, m, Backend::kRef);
    Stripe s(k, m, len, 1), r(k, m, len);
    s.FillRandom(rng);
    for (int j = 0; j < k; ++j) r.Fill(j, s.copy(j));
    ASSERT_TRUE(codec->Encode(s.Data(), s.Parity()).ok());
    ASSERT_TRUE(ref->Encode(r.Data(), r.Parity()).ok());
    for (int p = k; p < k + m; ++p) ASSERT_EQ(s.copy(p), r.copy(p)) << k << "+" << m << " len " << len;
    const auto original = s.Snapshot();
    ASSERT_NO_FATAL_FAILURE(CheckReconstruct(*codec, s, original, RandomPattern(rng, k + m, m)));
  }
}

TEST_F(CpuTest, DecodeCacheOfAnySizeStaysCorrect) {
  std::mt19937_64 rng(22);
  for (size_t entries : {size_t{0}, size_t{1}, size_t{3}, size_t{1000}}) {
    CodecOptions o;
    o.backend = Backend::kCpu;
    o.decode_cache_entries = entries;
    auto codec = Codec::Create(6, 3, o);
    ASSERT_TRUE(codec.ok());
    Stripe s(6, 3, 333);
    s.FillRandom(rng);
    ASSERT_TRUE((*codec)->Encode(s.Data(), s.Parity()).ok());
    const auto original = s.Snapshot();
    const auto patterns = AllPatterns(9, 3);
    for (int round = 0; round < 2; ++round) {
      for (const auto& p : patterns) ASSERT_NO_FATAL_FAILURE(CheckReconstruct(**codec, s, original, p));
    }
  }
}

TEST_F(CpuTest, ConcurrentCallsOnOneCodec) {
  CodecOptions o;
  o.backend = Backend::kCpu;
  o.decode_cache_entries = 4;  // small, so threads evict each other's entries
  auto made = Codec::Create(10, 4, o);
  ASSERT_TRUE(made.ok());
  Codec& codec = **made;
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(100 + static_cast<uint64_t>(t));
      Stripe s(10, 4, 1000 + static_cast<size_t>(t));
      s.FillRandom(rng);
      if (!codec.Encode(s.Data(), s.Parity()).ok()) ++failures[static_cast<size_t>(t)];
      const auto original = s.Snapshot();
      for (int i = 0; i < 200; ++i) {
        auto pattern = RandomPattern(rng, 14, 1 + static_cast<int>(rng() % 4));
        for (int e : pattern) std::fill(s.shard(e), s.shard(e) + s.len(), uint8_t{0});
        if (!codec.Reconstruct(s.All(), pattern).ok() || s.Snapshot() != original)
          ++failures[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(AutoTest, SmallCallsStayOnHostAndMatchRef) {
  // cuda_min_bytes = 0 sends every call to CUDA when a device is present; on this machine it
  // falls back to the host codec. Either way the bytes equal ref.
  std::mt19937_64 rng(23);
  CodecOptions o;
  o.backend = Backend::kAuto;
  o.cuda_min_bytes = 0;
  auto codec = Codec::Create(10, 4, o);
  ASSERT_TRUE(codec.ok());
  auto ref = MakeCodec(10, 4, Backend::kRef);
  Stripe s(10, 4, 5000), r(10, 4, 5000);
  s.FillRandom(rng);
  for (int j = 0; j < 10; ++j) r.Fill(j, s.copy(j));
  ASSERT_TRUE((*codec)->Encode(s.Data(), s.Parity()).ok());
  ASSERT_TRUE(ref->Encode(r.Data(), r.Parity()).ok());
  EXPECT_EQ(s.Snapshot(), r.Snapshot());
}

}  // namespace
}  // namespace cess::kernels::erasure
