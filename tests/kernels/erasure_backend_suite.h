// The backend conformance suite: every check a backend must pass against the ref oracle
// (encode over a (k, m) grid, every erasure pattern of small codes, verify, errors, batches,
// files). Included by erasure_test.cc and erasure_cuda_test.cc, which instantiate it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "cess/kernels/erasure.h"
#include "erasure_test_util.h"

namespace cess::kernels::erasure::testing {

struct KM {
  int k;
  int m;
};

inline const std::vector<KM>& Grid() {
  static const std::vector<KM> grid = {{1, 1},   {1, 4},   {2, 1},  {3, 2},  {4, 2},  {4, 8},
                                       {5, 5},   {6, 3},   {8, 4},  {10, 4}, {12, 4}, {16, 8},
                                       {17, 13}, {20, 10}, {24, 6}, {32, 1}, {32, 8}, {32, 16}};
  return grid;
}

// A backend with the options to create it under (e.g. a small CUDA chunk to force pipelining).
struct BackendCase {
  std::string name;
  CodecOptions options;
  static BackendCase Of(Backend b) {
    CodecOptions o;
    o.backend = b;
    return {std::string(BackendName(b)), o};
  }
};

// gtest prints parameters in test listings (and so in CTest names): print the name only.
inline void PrintTo(const BackendCase& c, std::ostream* os) { *os << c.name; }

// Instantiated by erasure_test.cc (ref, cpu, auto) and erasure_cuda_test.cc (cuda).
class BackendTest : public ::testing::TestWithParam<BackendCase> {
 protected:
  void SetUp() override {
    const Status st = CheckBackendAvailable(GetParam().options.backend);
    if (!st.ok()) GTEST_SKIP() << "backend " << GetParam().name << " unavailable: " << st.message();
  }
  std::unique_ptr<Codec> Make(int k, int m) {
    auto c = Codec::Create(k, m, GetParam().options);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(c).value() : nullptr;
  }
};

TEST_P(BackendTest, EncodeMatchesRefOverGrid) {
  std::mt19937_64 rng(10);
  for (auto [k, m] : Grid()) {
    auto codec = Make(k, m);
    auto ref = MakeCodec(k, m, Backend::kRef);
    std::vector<size_t> lens = {0, 1, 15, 16, 17, 63, 64, 65, 200 + rng() % 3000};
    if (k * m <= 64) lens.push_back(4096 + 7);
    for (size_t len : lens) {
      for (size_t skew : {0, 5}) {
        Stripe s(k, m, len, skew);
        s.FillRandom(rng);
        ASSERT_TRUE(codec->Encode(s.Data(), s.Parity()).ok());
        Stripe r(k, m, len);
        for (int j = 0; j < k; ++j) r.Fill(j, s.copy(j));
        ASSERT_TRUE(ref->Encode(r.Data(), r.Parity()).ok());
        for (int p = k; p < k + m; ++p) {
          ASSERT_EQ(s.copy(p), r.copy(p))
              << k << "+" << m << " len " << len << " skew " << skew << " parity " << p;
        }
      }
    }
  }
}

// Wipes the erased shards, rebuilds them and checks every shard equals the original.
inline void CheckReconstruct(Codec& codec, Stripe& s, const std::vector<Bytes>& original,
                             const std::vector<int>& erased) {
  for (int e : erased) std::fill(s.shard(e), s.shard(e) + s.len(), uint8_t{0xA5});
  const Status st = codec.Reconstruct(s.All(), erased);
  ASSERT_TRUE(st.ok()) << st << " pattern " << PatternString(erased);
  for (int i = 0; i < s.k() + s.m(); ++i) {
    ASSERT_EQ(s.copy(i), original[static_cast<size_t>(i)])
        << s.k() << "+" << s.m() << " len " << s.len() << " pattern " << PatternString(erased) << " shard "
        << i;
  }
}

TEST_P(BackendTest, ReconstructEveryPatternOfSmallCodes) {
  std::mt19937_64 rng(11);
  for (auto [k, m] : std::vector<KM>{{4, 2}, {4, 8}, {6, 3}, {2, 3}}) {
    auto codec = Make(k, m);
    for (size_t len : {size_t{1}, size_t{77}, size_t{1000}}) {
      Stripe s(k, m, len, len % 7);
      s.FillRandom(rng);
      ASSERT_TRUE(codec->Encode(s.Data(), s.Parity()).ok());
      const auto original = s.Snapshot();
      for (const auto& pattern : AllPatterns(k + m, m)) {
        ASSERT_NO_FATAL_FAILURE(CheckReconstruct(*codec, s, original, pattern));
      }
    }
  }
}

TEST_P(BackendTest, ReconstructRandomPatternsOfLargeCodes) {
  std::mt19937_64 rng(12);
  for (auto [k, m] : std::vector<KM>{{10, 4}, {16, 8}, {12, 4}, {20, 10}, {32, 16}, {32, 1}, {1, 16}}) {
    auto codec = Make(k, m);
    for (int round = 0; round < 4; ++round) {
      const size_t len = round == 0 ? 1 : 1 + rng() % 3000;
      Stripe s(k, m, len, static_cast<size_t>(round));
      s.FillRandom(rng);
      ASSERT_TRUE(codec->Encode(s.Data(), s.Parity()).ok());
      const auto original = s.Snapshot();
      for (int t = 0; t < 12; ++t) {
        const int count = t == 0 ? m : 1 + static_cast<int>(rng() % static_cast<uint64_t>(m));
        ASSERT_NO_FATAL_FAILURE(CheckReconstruct(*codec, s, original, RandomPattern(rng, k + m, count)));
      }
    }
  }
}

TEST_P(BackendTest, VerifyDetectsOneFlippedByte) {
  std::mt19937_64 rng(13);
  for (auto [k, m] : std::vector<KM>{{1, 1}, {4, 2}, {4, 8}, {10, 4}, {16, 8}, {32, 16}}) {
    auto codec = Make(k, m);
    for (size_t len : {size_t{1}, size_t{100}, size_t{70000}}) {
      Stripe s(k, m, len, 3);
      s.FillRandom(rng);
      ASSERT_TRUE(codec->Encode(s.Data(), s.Parity()).ok());
      auto ok = codec->Verify(s.AllConst());
      ASSERT_TRUE(ok.ok()) << ok.status();
      EXPECT_TRUE(*ok);
      for (int t = 0; t < 6; ++t) {
        const int shard = static_cast<int>(rng() % static_cast<uint64_t>(k + m));
        const size_t at = rng() % len;
        const auto bit = static_cast<uint8_t>(1u << (rng() % 8));
        s.shard(shard)[at] ^= bit;
        auto bad = codec->Verify(s.AllConst());
        ASSERT_TRUE(bad.ok());
        EXPECT_FALSE(*bad) << k << "+" << m << " len " << len << " shard " << shard << " byte " << at;
        s.shard(shard)[at] ^= bit;
      }
      EXPECT_TRUE(*codec->Verify(s.AllConst()));
    }
  }
}

TEST_P(BackendTest, ZeroLengthAndEmptyCalls) {
  auto codec = Make(4, 2);
  Stripe s(4, 2, 0);
  EXPECT_TRUE(codec->Encode(s.Data(), s.Parity()).ok());
  EXPECT_TRUE(codec->Reconstruct(s.All(), std::vector<int>{0, 5}).ok());
  EXPECT_TRUE(codec->Reconstruct(s.All(), std::vector<int>{}).ok());
  auto v = codec->Verify(s.AllConst());
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(*v);
  EXPECT_TRUE(codec->EncodeBatch(0, 100, {}, {}).ok());
  EXPECT_TRUE(codec->EncodeBatch(7, 0, {}, {}).ok());
  // An empty erasure list leaves every shard alone.
  Stripe t(4, 2, 10);
  std::mt19937_64 rng(14);
  t.FillRandom(rng);
  const auto before = t.Snapshot();
  EXPECT_TRUE(codec->Reconstruct(t.All(), std::vector<int>{}).ok());
  EXPECT_EQ(t.Snapshot(), before);
}

TEST_P(BackendTest, BadArgumentsAreInvalidArgument) {
  const int k = 4;
  const int m = 3;
  auto codec = Make(k, m);
  auto invalid = [](const Status& st) { return st.code() == StatusCode::kInvalidArgument; };
  Stripe s(k, m, 32);
  std::mt19937_64 rng(15);
  s.FillRandom(rng);
  ASSERT_TRUE(codec->Encode(s.Data(), s.Parity()).ok());

  // Encode: shard counts, unequal lengths.
  auto data = s.Data();
  auto parity = s.Parity();
  EXPECT_TRUE(invalid(codec->Encode(std::span(data).first(3), parity)));
  EXPECT_TRUE(invalid(codec->Encode(data, std::span(parity).first(2))));
  EXPECT_TRUE(invalid(codec->Encode({}, {})));
  auto short_data = data;
  short_data[2] = short_data[2].first(31);
  EXPECT_TRUE(invalid(codec->Encode(short_data, parity)));
  auto short_parity = parity;
  short_parity[1] = short_parity[1].first(31);
  EXPECT_TRUE(invalid(codec->Encode(data, short_parity)));

  // Reconstruct: counts, lengths, indices.
  auto all = s.All();
  EXPECT_TRUE(invalid(codec->Reconstruct(std::span(all).first(6), std::vector<int>{0})));
  auto uneven = all;
  uneven[6] = uneven[6].first(1);
  EXPECT_TRUE(invalid(codec->Reconstruct(uneven, std::vector<int>{0})));
  EXPECT_TRUE(invalid(codec->Reconstruct(all, std::vector<int>{-1})));
  EXPECT_TRUE(invalid(codec->Reconstruct(all, std::vector<int>{k + m})));
  EXPECT_TRUE(invalid(codec->Reconstruct(all, std::vector<int>{1000})));
  EXPECT_TRUE(invalid(codec->Reconstruct(all, std::vector<int>{2, 2})));
  EXPECT_TRUE(invalid(codec->Reconstruct(all, std::vector<int>{0, 1, 2, 3})));  // m + 1
  EXPECT_TRUE(invalid(codec->Reconstruct(all, std::vector<int>{0, 1, 2, 3, 4, 5, 6})));

  // Verify: counts, lengths.
  auto all_const = s.AllConst();
  EXPECT_TRUE(invalid(codec->Verify(std::span(all_const).first(5)).status()));
  auto uneven_const = all_const;
  uneven_const[0] = uneven_const[0].first(0);
  EXPECT_TRUE(invalid(codec->Verify(uneven_const).status()));

  // EncodeBatch: sizes that do not match.
  Bytes d(2 * k * 10), p(2 * m * 10);
  EXPECT_TRUE(codec->EncodeBatch(2, 10, d, p).ok());
  EXPECT_TRUE(invalid(codec->EncodeBatch(2, 10, ByteSpan(d).first(d.size() - 1), p)));
  EXPECT_TRUE(invalid(codec->EncodeBatch(2, 10, d, MutableByteSpan(p).first(p.size() - 1))));
  EXPECT_TRUE(invalid(codec->EncodeBatch(3, 10, d, p)));
  EXPECT_TRUE(invalid(codec->EncodeBatch(size_t{1} << 62, size_t{1} << 10, d, p)));  // overflow

  // Nothing above changed the (valid) stripe.
  auto ok = codec->Verify(s.AllConst());
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
}

TEST_P(BackendTest, EncodeBatchMatchesRef) {
  std::mt19937_64 rng(16);
  for (auto [k, m] : std::vector<KM>{{4, 8}, {10, 4}, {3, 2}, {16, 8}}) {
    auto codec = Make(k, m);
    auto ref = MakeCodec(k, m, Backend::kRef);
    for (size_t stripes : {size_t{1}, size_t{3}, size_t{17}}) {
      for (size_t len : {size_t{1}, size_t{100}, size_t{4099}}) {
        const Bytes data = RandomBytes(rng, stripes * static_cast<size_t>(k) * len);
        Bytes got(stripes * static_cast<size_t>(m) * len, 0x5A);
        Bytes want(got.size(), 0);
        ASSERT_TRUE(codec->EncodeBatch(stripes, len, data, got).ok());
        ASSERT_TRUE(ref->EncodeBatch(stripes, len, data, want).ok());
        ASSERT_EQ(got, want) << k << "+" << m << " stripes " << stripes << " len " << len;
      }
    }
  }
}

TEST_P(BackendTest, EncodeFileSplitsAndPads) {
  std::mt19937_64 rng(17);
  auto codec = Make(4, 8);
  auto ref = MakeCodec(4, 8, Backend::kRef);
  for (size_t size : {size_t{0}, size_t{1}, size_t{3}, size_t{4}, size_t{4003}, size_t{65536}}) {
    const Bytes file = RandomBytes(rng, size);
    auto shards = EncodeFile(*codec, file);
    ASSERT_TRUE(shards.ok()) << shards.status();
    ASSERT_EQ(shards->size(), 12u);
    const size_t shard_len = (size + 3) / 4;
    Bytes joined;
    for (int i = 0; i < 4; ++i) {
      ASSERT_EQ((*shards)[static_cast<size_t>(i)].size(), shard_len);
      joined.insert(joined.end(), (*shards)[static_cast<size_t>(i)].begin(),
                    (*shards)[static_cast<size_t>(i)].end());
    }
    ASSERT_EQ(joined.size(), shard_len * 4);
    EXPECT_TRUE(std::equal(file.begin(), file.end(), joined.begin()));
    EXPECT_TRUE(std::all_of(joined.begin() + static_cast<std::ptrdiff_t>(size), joined.end(),
                            [](uint8_t b) { return b == 0; }));
    auto want = EncodeFile(*ref, file);
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(*shards, *want) << "size " << size;
  }
}

}  // namespace cess::kernels::erasure::testing
