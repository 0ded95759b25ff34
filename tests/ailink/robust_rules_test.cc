// The robust rules against the plain references of reference.h (hand-computed and random
// inputs), their properties (permutation invariance, honest range, finiteness under huge
// Byzantine values), error cases, and ref/cpu bit-identity.
#include "cess/ailink/robust/rules.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cess/ailink/robust/centered_clipping.h"
#include "reference.h"

namespace cess::ailink::robust {
namespace {

using namespace cess::ailink::testing;  // NOLINT(build/namespaces)

constexpr Backend kBackends[] = {Backend::kRef, Backend::kCpu};

// |got - want| <= tol * (1 + |want|) everywhere.
::testing::AssertionResult Near(const std::vector<float>& got, const std::vector<double>& want, double tol = 2e-5) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << "size " << got.size() << " vs " << want.size();
  for (size_t c = 0; c < got.size(); ++c) {
    if (!(std::fabs(got[c] - want[c]) <= tol * (1.0 + std::fabs(want[c])))) {
      return ::testing::AssertionFailure() << "coordinate " << c << ": got " << got[c] << ", want " << want[c];
    }
  }
  return ::testing::AssertionSuccess();
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

UpdateMatrix Permuted(const MatrixView& x, uint64_t seed) {
  std::vector<size_t> p(x.rows);
  std::iota(p.begin(), p.end(), size_t{0});
  std::mt19937_64 rng(seed);
  std::shuffle(p.begin(), p.end(), rng);
  UpdateMatrix out(x.rows, x.cols);
  for (size_t i = 0; i < x.rows; ++i) std::copy(x.row(p[i]), x.row(p[i]) + x.cols, out.row(i).begin());
  return out;
}

TEST(RobustRules, HandComputed) {
  // 5 updates × 2 coordinates; f = 1.
  const UpdateMatrix m = FromRows({{1, 10}, {2, 20}, {3, 30}, {4, 40}, {100, -1000}});
  for (Backend b : kBackends) {
    SCOPED_TRACE(std::string(cess::kernels::BackendName(b)));
    EXPECT_EQ(*Mean(m.view(), b), (std::vector<float>{22, -180}));
    EXPECT_EQ(*CoordinateMedian(m.view(), 1, b), (std::vector<float>{3, 20}));
    EXPECT_EQ(*TrimmedMean(m.view(), 1, b), (std::vector<float>{3, 20}));
    // Around median 3: {2,3,4,1} (1 and 4 equally far from 3? |1-3|=2 > |4-3|=1) -> 1,2,3,4.
    EXPECT_EQ(*MeanAroundMedian(m.view(), 1, b), (std::vector<float>{2.5f, 25}));
    // Krum with n=5, f=1 scores over the 2 nearest: rows 1 and 2 tie at 202 (101 + 101); the
    // lower index wins.
    auto k = Krum(m.view(), 1, b);
    ASSERT_TRUE(k.ok()) << k.status();
    EXPECT_EQ(k->scores[0], 505.0);
    EXPECT_EQ(k->scores[1], 202.0);
    EXPECT_EQ(k->scores[2], 202.0);
    EXPECT_EQ(k->selected, (std::vector<uint32_t>{1}));
    EXPECT_EQ(k->aggregate, (std::vector<float>{2, 20}));
    auto mk = MultiKrum(m.view(), 1, 0, b);  // m = n - f = 4: all but the outlier
    ASSERT_TRUE(mk.ok());
    EXPECT_EQ(mk->selected, (std::vector<uint32_t>{0, 1, 2, 3}));
    EXPECT_EQ(mk->aggregate, (std::vector<float>{2.5f, 25}));
  }
}

TEST(RobustRules, EvenMedianAveragesTheMiddleTwo) {
  const UpdateMatrix m = FromRows({{1}, {2}, {4}, {8}});
  EXPECT_EQ(*CoordinateMedian(m.view(), 1, Backend::kCpu), (std::vector<float>{3}));
}

TEST(RobustRules, BulyanHandComputed) {
  // n = 7 >= 4f+3 with f = 1: θ = 5 rows by iterated Krum (the outliers go), β = 3 around the median.
  const UpdateMatrix m = FromRows({{0}, {1}, {2}, {3}, {4}, {50}, {-60}});
  for (Backend b : kBackends) {
    auto r = Bulyan(m.view(), 1, b);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, (std::vector<float>{2})) << cess::kernels::BackendName(b);
  }
}

TEST(RobustRules, GeometricMedianOfCollinearPoints) {
  // Points 0, 1, 10 on a line: the geometric median is 1; smoothed Weiszfeld from 0 approaches it.
  const UpdateMatrix m = FromRows({{0, 0}, {1, 0}, {10, 0}});
  auto r = GeometricMedian(m.view(), {.nu = 0.1, .iterations = 50}, Backend::kCpu);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR((*r)[0], 1.0, 0.05);
  EXPECT_EQ((*r)[1], 0.0f);
}

struct Case {
  size_t n;
  size_t d;
  size_t f;
};

class RandomInputs : public ::testing::TestWithParam<Case> {};

TEST_P(RandomInputs, MatchReferences) {
  const Case c = GetParam();
  const UpdateMatrix m = RandomUpdates(c.n, c.d, c.n * 1000 + c.d + c.f, 1.0f, 0.5f);
  const Rows x = ToRows(m.view());
  for (Backend b : kBackends) {
    SCOPED_TRACE(std::string(cess::kernels::BackendName(b)));
    EXPECT_TRUE(Near(*Mean(m.view(), b), RefMean(x)));
    if (c.n > 2 * c.f) {
      EXPECT_EQ(*CoordinateMedian(m.view(), c.f, b), RefMedian(x));
      EXPECT_TRUE(Near(*TrimmedMean(m.view(), c.f, b), RefTrimmedMean(x, c.f)));
      EXPECT_TRUE(Near(*MeanAroundMedian(m.view(), c.f, b), RefMeanAroundMedian(x, c.n - c.f)));
    }
    if (c.n > 2 * c.f + 2) {
      const std::vector<size_t> want = RefMultiKrumRows(x, c.f, 1);
      auto k = Krum(m.view(), c.f, b);
      ASSERT_TRUE(k.ok());
      EXPECT_EQ(k->selected, (std::vector<uint32_t>{static_cast<uint32_t>(want[0])}));
      EXPECT_EQ(k->aggregate, x[want[0]]);
      const std::vector<double> ref_scores = RefKrumScores(x, AllRows(c.n), c.n - c.f - 2);
      for (size_t i = 0; i < c.n; ++i) EXPECT_NEAR(k->scores[i], ref_scores[i], 1e-9 * (1 + ref_scores[i]));
      for (size_t mm : {size_t{0}, size_t{2}}) {
        auto mk = MultiKrum(m.view(), c.f, mm, b);
        ASSERT_TRUE(mk.ok());
        const std::vector<size_t> rows = RefMultiKrumRows(x, c.f, mm == 0 ? c.n - c.f : mm);
        EXPECT_EQ(mk->selected, std::vector<uint32_t>(rows.begin(), rows.end()));
        EXPECT_TRUE(Near(mk->aggregate, RefMeanOf(x, rows)));
      }
    }
    EXPECT_TRUE(Near(*GeometricMedian(m.view(), {}, b), RefGeometricMedian(x, 0.1, 3), 1e-4));
    if (c.n >= 4 * c.f + 3) {
      EXPECT_TRUE(Near(*Bulyan(m.view(), c.f, b), RefBulyan(x, c.f)));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, RandomInputs,
                         ::testing::Values(Case{1, 5, 0}, Case{3, 17, 0}, Case{3, 17, 1}, Case{4, 33, 1},
                                           Case{7, 40, 1}, Case{10, 65, 2}, Case{12, 100, 2}, Case{15, 31, 3},
                                           Case{25, 50, 5}, Case{31, 20, 7}, Case{40, 9, 9}),
                         [](const auto& p) {
                           return "n" + std::to_string(p.param.n) + "_d" + std::to_string(p.param.d) + "_f" +
                                  std::to_string(p.param.f);
                         });

TEST(RobustRules, RefAndCpuBackendsAreBitIdentical) {
  const UpdateMatrix m = RandomUpdates(23, 301, 42);
  const MatrixView v = m.view();
  EXPECT_TRUE(SameBits(*Mean(v, Backend::kRef), *Mean(v, Backend::kCpu)));
  EXPECT_TRUE(SameBits(*TrimmedMean(v, 5, Backend::kRef), *TrimmedMean(v, 5, Backend::kCpu)));
  EXPECT_TRUE(SameBits(*MeanAroundMedian(v, 5, Backend::kRef), *MeanAroundMedian(v, 5, Backend::kCpu)));
  EXPECT_TRUE(SameBits(MultiKrum(v, 5, 0, Backend::kRef)->aggregate, MultiKrum(v, 5, 0, Backend::kCpu)->aggregate));
  EXPECT_TRUE(SameBits(*GeometricMedian(v, {}, Backend::kRef), *GeometricMedian(v, {}, Backend::kCpu)));
  EXPECT_TRUE(SameBits(*Bulyan(v, 5, Backend::kRef), *Bulyan(v, 5, Backend::kCpu)));
}

TEST(RobustRules, PermutationInvariance) {
  const UpdateMatrix m = RandomUpdates(21, 150, 7);
  const UpdateMatrix p = Permuted(m.view(), 3);
  const size_t f = 4;
  // Exactly invariant (the sorted values per coordinate and the pairwise distances do not depend
  // on row order).
  EXPECT_TRUE(SameBits(*CoordinateMedian(m.view(), f), *CoordinateMedian(p.view(), f)));
  EXPECT_TRUE(SameBits(*TrimmedMean(m.view(), f), *TrimmedMean(p.view(), f)));
  EXPECT_TRUE(SameBits(*MeanAroundMedian(m.view(), f), *MeanAroundMedian(p.view(), f)));
  EXPECT_TRUE(SameBits(Krum(m.view(), f)->aggregate, Krum(p.view(), f)->aggregate));
  EXPECT_TRUE(SameBits(*Bulyan(m.view(), f), *Bulyan(p.view(), f)));
  // Invariant up to float summation order.
  auto near = [](const std::vector<float>& a, const std::vector<float>& b) {
    return Near(a, std::vector<double>(b.begin(), b.end()), 1e-5);
  };
  EXPECT_TRUE(near(*Mean(m.view()), *Mean(p.view())));
  EXPECT_TRUE(near(MultiKrum(m.view(), f)->aggregate, MultiKrum(p.view(), f)->aggregate));
  EXPECT_TRUE(near(*GeometricMedian(m.view()), *GeometricMedian(p.view())));
}

// n honest rows around 0 plus f Byzantine rows of `value`.
UpdateMatrix WithByzantine(size_t honest, size_t f, size_t d, float value, uint64_t seed) {
  UpdateMatrix h = RandomUpdates(honest, d, seed);
  UpdateMatrix m(honest + f, d);
  std::copy(h.data(), h.data() + h.size(), m.data());
  for (size_t i = honest; i < honest + f; ++i) {
    for (size_t c = 0; c < d; ++c) m.row(i)[c] = (c % 2 ? value : -value);
  }
  return m;
}

TEST(RobustRules, CoordinateRulesStayInsideTheHonestRange) {
  const size_t honest = 9, f = 4, d = 64;
  for (float value : {1e30f, 5.0f, -0.1f}) {
    const UpdateMatrix m = WithByzantine(honest, f, d, value, 11);
    const Rows x = ToRows(m.view());
    for (const auto& rule : {*CoordinateMedian(m.view(), f), *TrimmedMean(m.view(), f)}) {
      for (size_t c = 0; c < d; ++c) {
        float lo = x[0][c], hi = x[0][c];
        for (size_t i = 0; i < honest; ++i) {
          lo = std::min(lo, x[i][c]);
          hi = std::max(hi, x[i][c]);
        }
        EXPECT_GE(rule[c], lo) << c;
        EXPECT_LE(rule[c], hi) << c;
      }
    }
  }
}

TEST(RobustRules, FiniteWithHugeButFiniteByzantineRows) {
  const size_t honest = 11, f = 2, d = 40;
  const UpdateMatrix m = WithByzantine(honest, f, d, 1e30f, 5);
  const MatrixView v = m.view();
  auto finite = [](const std::vector<float>& r) {
    return std::all_of(r.begin(), r.end(), [](float x) { return std::isfinite(x); });
  };
  EXPECT_TRUE(finite(*Mean(v)));
  EXPECT_TRUE(finite(*CoordinateMedian(v, f)));
  EXPECT_TRUE(finite(*TrimmedMean(v, f)));
  EXPECT_TRUE(finite(*MeanAroundMedian(v, f)));
  EXPECT_TRUE(finite(Krum(v, f)->aggregate));
  EXPECT_TRUE(finite(MultiKrum(v, f)->aggregate));
  EXPECT_TRUE(finite(*GeometricMedian(v)));
  EXPECT_TRUE(finite(*Bulyan(v, f)));
  auto cc = CenteredClipping::Create();
  EXPECT_TRUE(finite(*cc->Aggregate(v)));
  // The distance-based ones also stay with the honest rows (N(0,1) values; the Byzantine ones
  // are 1e30 away).
  const std::vector<float> krum = Krum(v, f)->aggregate;
  const std::vector<float> gm = *GeometricMedian(v);
  for (float y : krum) EXPECT_LT(std::fabs(y), 10.0f);
  for (float y : gm) EXPECT_LT(std::fabs(y), 10.0f);
}

TEST(RobustRules, TooFewRowsAreInvalidArgument) {
  const UpdateMatrix m = RandomUpdates(6, 3, 1);
  const MatrixView v = m.view();
  EXPECT_EQ(CoordinateMedian(v, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CoordinateMedian(v, 2).ok());
  EXPECT_EQ(TrimmedMean(v, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MeanAroundMedian(v, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Krum(v, 2).status().code(), StatusCode::kInvalidArgument);  // needs n > 2f+2 = 6
  EXPECT_TRUE(Krum(v, 1).ok());
  EXPECT_EQ(MultiKrum(v, 1, 7).status().code(), StatusCode::kInvalidArgument);  // m > n
  EXPECT_EQ(Bulyan(v, 1).status().code(), StatusCode::kInvalidArgument);       // needs n >= 7
  EXPECT_EQ(Mean(MatrixView{nullptr, 0, 3}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Mean(MatrixView{nullptr, 2, 3}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GeometricMedian(v, {.nu = 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GeometricMedian(v, {.nu = 0.1, .iterations = 0}).status().code(), StatusCode::kInvalidArgument);
  const std::string msg = Krum(v, 2).status().message();
  EXPECT_NE(msg.find("n > 2f+2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("n=6"), std::string::npos) << msg;
}

TEST(RobustRules, KrumScoringHelpers) {
  // Distances of 4 points on a line at 0, 1, 3, 10.
  const std::vector<double> pos = {0, 1, 3, 10};
  std::vector<double> dist(16);
  for (size_t i = 0; i < 4; ++i) {
    for (size_t j = 0; j < 4; ++j) dist[i * 4 + j] = (pos[i] - pos[j]) * (pos[i] - pos[j]);
  }
  EXPECT_EQ(KrumScores(dist, 4, 1), (std::vector<double>{1, 1, 4, 49}));
  EXPECT_EQ(KrumScores(dist, 4, 2), (std::vector<double>{10, 5, 13, 130}));
  EXPECT_EQ(*SelectMultiKrum(dist, 4, 0, 2), (std::vector<uint32_t>{0, 1}));  // tie 1 = 1: lower index first
  EXPECT_EQ(SelectIteratedKrum(dist, 4, 0, 3), (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(SelectMultiKrum(dist, 4, 1, 1).status().code(), StatusCode::kInvalidArgument);
}

TEST(CenteredClipping, MatchesReferenceAcrossRounds) {
  auto cc = CenteredClipping::Create({.tau = 1.5, .iterations = 2});
  ASSERT_TRUE(cc.ok());
  std::vector<double> v(30, 0.0);
  for (int round = 0; round < 3; ++round) {
    const UpdateMatrix m = RandomUpdates(9, 30, 100 + round, 1.0f, 2.0f);
    RefCenteredClipping(ToRows(m.view()), 1.5, 2, v);
    auto got = cc->Aggregate(m.view(), Backend::kCpu);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(Near(*got, v, 1e-5)) << "round " << round;
    EXPECT_EQ(cc->center(), *got);
  }
  // Dimension changes need a Reset.
  const UpdateMatrix other = RandomUpdates(9, 31, 1);
  EXPECT_EQ(cc->Aggregate(other.view()).status().code(), StatusCode::kInvalidArgument);
  cc->Reset();
  EXPECT_TRUE(cc->Aggregate(other.view()).ok());
  EXPECT_EQ(CenteredClipping::Create({.tau = 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CenteredClipping::Create({.tau = 1, .iterations = 0}).status().code(), StatusCode::kInvalidArgument);
}

TEST(CenteredClipping, RefAndCpuBitIdentical) {
  auto a = CenteredClipping::Create();
  auto b = CenteredClipping::Create();
  for (int round = 0; round < 2; ++round) {
    const UpdateMatrix m = RandomUpdates(8, 77, 200 + round, 20.0f);
    EXPECT_TRUE(SameBits(*a->Aggregate(m.view(), Backend::kRef), *b->Aggregate(m.view(), Backend::kCpu)));
  }
}

}  // namespace
}  // namespace cess::ailink::robust
