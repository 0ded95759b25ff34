// Pre-aggregators against references, the rule-string parser (grammar, canonical form, errors),
// row-count checks, and composed pipelines against the stages run by hand.
#include "cess/ailink/robust/aggregator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cess/ailink/robust/preaggregators.h"
#include "cess/ailink/robust/rules.h"
#include "reference.h"

namespace cess::ailink::robust {
namespace {

using namespace cess::ailink::testing;  // NOLINT(build/namespaces)

::testing::AssertionResult NearRows(const UpdateMatrix& got, const std::vector<std::vector<double>>& want,
                                    double tol = 2e-5) {
  if (got.rows() != want.size()) return ::testing::AssertionFailure() << "rows " << got.rows() << " vs " << want.size();
  for (size_t i = 0; i < want.size(); ++i) {
    for (size_t c = 0; c < want[i].size(); ++c) {
      const double g = got.row(i)[c];
      if (!(std::fabs(g - want[i][c]) <= tol * (1 + std::fabs(want[i][c])))) {
        return ::testing::AssertionFailure() << "row " << i << " coordinate " << c << ": " << g << " vs " << want[i][c];
      }
    }
  }
  return ::testing::AssertionSuccess();
}

std::vector<std::vector<double>> ToDouble(const Rows& r) {
  std::vector<std::vector<double>> out;
  for (const auto& row : r) out.emplace_back(row.begin(), row.end());
  return out;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

// --- Pre-aggregators.

TEST(PreAggregators, StaticClipMatchesReference) {
  const UpdateMatrix m = RandomUpdates(7, 50, 3, 1.0f);
  for (Backend b : {Backend::kRef, Backend::kCpu}) {
    auto r = StaticClip(m.view(), 5.0, b);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(NearRows(*r, ToDouble(RefClip(ToRows(m.view()), 5.0)), 1e-6));
    for (size_t i = 0; i < r->rows(); ++i) {
      std::vector<float> row(r->row(i).begin(), r->row(i).end());
      EXPECT_LE(Norm(row), 5.0 * (1 + 1e-6));
    }
  }
  // Rows inside the ball are kept bit for bit.
  auto big = StaticClip(m.view(), 1e6);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(std::memcmp(big->data(), m.data(), m.size() * sizeof(float)), 0);
  EXPECT_EQ(StaticClip(m.view(), 0.0).status().code(), StatusCode::kInvalidArgument);
}

TEST(PreAggregators, NearestNeighborMixingMatchesReference) {
  const UpdateMatrix m = RandomUpdates(11, 40, 5);
  for (Backend b : {Backend::kRef, Backend::kCpu}) {
    auto r = NearestNeighborMixing(m.view(), 3, b);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(NearRows(*r, RefNnm(ToRows(m.view()), 3)));
  }
  auto none = NearestNeighborMixing(m.view(), 0);  // f = 0: every row becomes the mean
  ASSERT_TRUE(none.ok());
  const std::vector<double> mean = RefMean(ToRows(m.view()));
  EXPECT_TRUE(NearRows(*none, std::vector<std::vector<double>>(11, mean)));
  EXPECT_EQ(NearestNeighborMixing(m.view(), 11).status().code(), StatusCode::kInvalidArgument);
}

TEST(PreAggregators, SeededPermutationIsAPermutationAndDeterministic) {
  const std::vector<uint32_t> p = SeededPermutation(50, 9);
  EXPECT_EQ(p, SeededPermutation(50, 9));
  EXPECT_NE(p, SeededPermutation(50, 10));
  EXPECT_EQ(std::set<uint32_t>(p.begin(), p.end()).size(), 50u);
  EXPECT_EQ(*std::max_element(p.begin(), p.end()), 49u);
  EXPECT_TRUE(SeededPermutation(0, 1).empty());
  EXPECT_EQ(SeededPermutation(1, 1), (std::vector<uint32_t>{0}));
}

TEST(PreAggregators, BucketingMatchesReference) {
  const UpdateMatrix m = RandomUpdates(10, 20, 8);
  const Rows x = ToRows(m.view());
  for (size_t s : {size_t{1}, size_t{3}, size_t{10}, size_t{20}}) {
    auto r = Bucketing(m.view(), s, 77, Backend::kCpu);
    ASSERT_TRUE(r.ok());
    const std::vector<uint32_t> perm = SeededPermutation(10, 77);
    std::vector<std::vector<double>> want;
    for (size_t b = 0; b < 10; b += s) {
      std::vector<size_t> idx(perm.begin() + b, perm.begin() + std::min<size_t>(10, b + s));
      want.push_back(RefMeanOf(x, idx));
    }
    EXPECT_EQ(r->rows(), (10 + s - 1) / s);
    EXPECT_TRUE(NearRows(*r, want)) << "s=" << s;
  }
  EXPECT_EQ(Bucketing(m.view(), 0, 1).status().code(), StatusCode::kInvalidArgument);
}

TEST(PreAggregators, AdaptiveRobustClipMatchesReference) {
  UpdateMatrix m = RandomUpdates(10, 30, 4);
  for (size_t c = 0; c < 30; ++c) m.row(3)[c] *= 50.0f;  // one large update
  for (size_t f : {size_t{0}, size_t{1}, size_t{3}}) {
    for (Backend b : {Backend::kRef, Backend::kCpu}) {
      auto r = AdaptiveRobustClip(m.view(), f, b);
      ASSERT_TRUE(r.ok());
      EXPECT_TRUE(NearRows(*r, ToDouble(RefArc(ToRows(m.view()), f)), 1e-6)) << "f=" << f;
    }
  }
  EXPECT_EQ(AdaptiveRobustClip(m.view(), 10).status().code(), StatusCode::kInvalidArgument);
}

// A row filter's signature (dnc, sign, guard).
using FilterFn = Result<UpdateMatrix> (*)(const MatrixView&, size_t, double, Backend);

// Runs `filter` with budget f and fraction c on the ref and cpu backends and checks that it keeps
// exactly the rows `want` of m, unchanged and in order.
void ExpectKeeps(FilterFn filter, const UpdateMatrix& m, size_t f, double c, const std::vector<size_t>& want,
                 const std::string& label) {
  for (Backend b : {Backend::kRef, Backend::kCpu}) {
    auto r = filter(m.view(), f, c, b);
    ASSERT_TRUE(r.ok()) << label << ": " << r.status();
    ASSERT_EQ(r->rows(), want.size()) << label;
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(std::memcmp(r->row(i).data(), m.row(want[i]).data(), m.cols() * sizeof(float)), 0)
          << label << ": kept row " << i;
    }
  }
}

// A plain reference for dnc: centre the kept rows explicitly (double), form the centred Gram
// matrix C·Cᵀ directly, take its top eigenvector by power iteration and drop the row with the
// largest λ·u², k times. Returns the kept row indices.
std::vector<size_t> RefDncKeep(const Rows& x, size_t k) {
  std::vector<size_t> keep(x.size());
  for (size_t i = 0; i < keep.size(); ++i) keep[i] = i;
  const size_t d = x.empty() ? 0 : x[0].size();
  for (size_t round = 0; round < k; ++round) {
    const size_t m = keep.size();
    std::vector<double> mu(d, 0.0);
    for (size_t i : keep) for (size_t c = 0; c < d; ++c) mu[c] += x[i][c];
    for (double& v : mu) v /= static_cast<double>(m);
    std::vector<double> g(m * m, 0.0);
    for (size_t a = 0; a < m; ++a) {
      for (size_t b = 0; b < m; ++b) {
        double s = 0;
        for (size_t c = 0; c < d; ++c) s += (x[keep[a]][c] - mu[c]) * (x[keep[b]][c] - mu[c]);
        g[a * m + b] = s;
      }
    }
    std::vector<double> u(m), w(m);
    for (size_t a = 0; a < m; ++a) u[a] = 1.0 + 0.37 * static_cast<double>(a * a % 7);
    double lambda = 0;
    for (int it = 0; it < 3000; ++it) {
      double norm = 0;
      for (size_t a = 0; a < m; ++a) {
        w[a] = 0;
        for (size_t b = 0; b < m; ++b) w[a] += g[a * m + b] * u[b];
        norm += w[a] * w[a];
      }
      norm = std::sqrt(norm);
      for (size_t a = 0; a < m; ++a) u[a] = w[a] / norm;
      lambda = norm;
    }
    size_t worst = 0;
    for (size_t a = 1; a < m; ++a) {
      if (lambda * u[a] * u[a] >= lambda * u[worst] * u[worst]) worst = a;
    }
    keep.erase(keep.begin() + static_cast<std::ptrdiff_t>(worst));
  }
  return keep;
}

TEST(PreAggregators, DivideAndConquerDropsTheRowsThatMoveTogether) {
  // 10 honest rows around 0 plus 2 identical ALIE-style rows: mean + 1.5·std in every coordinate
  // (inside every coordinate's honest range, so coordinate-wise trimming keeps them).
  for (uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    UpdateMatrix m = RandomUpdates(12, 400, seed);
    const Rows all = ToRows(m.view());
    const Rows honest(all.begin(), all.begin() + 10);
    for (size_t c = 0; c < 400; ++c) {
      double mu = 0, sq = 0;
      for (const auto& r : honest) mu += r[c];
      mu /= 10;
      for (const auto& r : honest) sq += (r[c] - mu) * (r[c] - mu);
      const float alie = static_cast<float>(mu + 1.5 * std::sqrt(sq / 9));
      m.row(10)[c] = alie;
      m.row(11)[c] = alie;
    }
    for (Backend b : {Backend::kRef, Backend::kCpu}) {
      auto r = DivideAndConquer(m.view(), 2, 1.0, b);
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_EQ(r->rows(), 10u);
      for (size_t i = 0; i < 10; ++i) {  // exactly the honest rows, unchanged, in order
        EXPECT_EQ(std::memcmp(r->row(i).data(), m.row(i).data(), 400 * sizeof(float)), 0) << "seed " << seed << " row " << i;
      }
    }
  }
}

TEST(PreAggregators, DivideAndConquerDropsLargeNoiseRows) {
  UpdateMatrix m = RandomUpdates(12, 300, 9);
  std::mt19937_64 rng(99);
  std::normal_distribution<float> noise(0.0f, 100.0f);
  for (size_t i : {3u, 7u}) {
    for (size_t c = 0; c < 300; ++c) m.row(i)[c] = noise(rng);
  }
  auto r = DivideAndConquer(m.view(), 2);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows(), 10u);
  size_t out = 0;
  for (size_t i = 0; i < 12; ++i) {
    if (i == 3 || i == 7) continue;
    EXPECT_EQ(std::memcmp(r->row(out++).data(), m.row(i).data(), 300 * sizeof(float)), 0) << "row " << i;
  }
}

TEST(PreAggregators, DivideAndConquerMatchesReference) {
  for (uint64_t seed = 10; seed < 20; ++seed) {
    UpdateMatrix m = RandomUpdates(9, 50, seed);
    // Give the rows different spreads so the top direction is well separated.
    for (size_t i = 0; i < 9; ++i) {
      for (size_t c = 0; c < 50; ++c) m.row(i)[c] *= 1.0f + 0.3f * static_cast<float>(i % 4);
    }
    for (double c : {0.5, 1.0, 2.0}) {
      const size_t f = 2;
      const size_t k = static_cast<size_t>(std::floor(c * f));
      ExpectKeeps(&DivideAndConquer, m, f, c, RefDncKeep(ToRows(m.view()), k),
                  "seed " + std::to_string(seed) + " c " + std::to_string(c));
    }
  }
}

TEST(PreAggregators, DivideAndConquerEdgeCases) {
  UpdateMatrix m = RandomUpdates(5, 8, 3);
  auto none = DivideAndConquer(m.view(), 0);  // f = 0 drops nothing
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->rows(), 5u);
  EXPECT_EQ(std::memcmp(none->data(), m.data(), m.size() * sizeof(float)), 0);
  UpdateMatrix same(4, 3);  // identical rows: nothing stands out; the highest indices go
  for (size_t i = 0; i < 4; ++i) for (size_t c = 0; c < 3; ++c) same.row(i)[c] = 1.5f;
  EXPECT_EQ(DivideAndConquerKeep(std::vector<double>(16, 0.0), 4, 2), (std::vector<uint32_t>{0, 1}));
  auto r = DivideAndConquer(same.view(), 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows(), 3u);
  EXPECT_EQ(DivideAndConquer(m.view(), 5).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DivideAndConquer(m.view(), 2, 0.0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DivideAndConquer(m.view(), 2, std::nan("")).status().code(), StatusCode::kInvalidArgument);
}

// Plain reference for the sign-agreement filter: the kept row indices.
std::vector<size_t> RefSignKeep(const Rows& x, size_t k) {
  const std::vector<float> med = RefMedian(x);
  std::vector<std::pair<long, size_t>> score;  // (imbalance, index)
  for (size_t i = 0; i < x.size(); ++i) {
    long above = 0, below = 0;
    for (size_t c = 0; c < med.size(); ++c) {
      if (x[i][c] > med[c]) ++above;
      if (x[i][c] < med[c]) ++below;
    }
    score.emplace_back(std::labs(above - below), i);
  }
  std::sort(score.begin(), score.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second > b.second;
  });
  std::vector<size_t> keep;
  for (size_t r = k; r < score.size(); ++r) keep.push_back(score[r].second);
  std::sort(keep.begin(), keep.end());
  return keep;
}

TEST(PreAggregators, SignAgreementDropsRowsShiftedTheSameWayEverywhere) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    UpdateMatrix m = RandomUpdates(12, 500, seed);
    const Rows all = ToRows(m.view());
    for (size_t c = 0; c < 500; ++c) {  // ALIE: mean + 1.5·std of the 10 honest rows
      double mu = 0, sq = 0;
      for (size_t i = 0; i < 10; ++i) mu += all[i][c];
      mu /= 10;
      for (size_t i = 0; i < 10; ++i) sq += (all[i][c] - mu) * (all[i][c] - mu);
      m.row(10)[c] = m.row(11)[c] = static_cast<float>(mu + 1.5 * std::sqrt(sq / 9));
    }
    for (Backend b : {Backend::kRef, Backend::kCpu}) {
      auto r = SignAgreementFilter(m.view(), 2, 1.0, b);
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_EQ(r->rows(), 10u);
      for (size_t i = 0; i < 10; ++i) {
        EXPECT_EQ(std::memcmp(r->row(i).data(), m.row(i).data(), 500 * sizeof(float)), 0) << "seed " << seed;
      }
    }
  }
}

TEST(PreAggregators, SignAgreementMatchesReference) {
  for (uint64_t seed = 30; seed < 40; ++seed) {
    UpdateMatrix m = RandomUpdates(11, 64, seed);
    for (size_t c = 0; c < 64; c += 3) m.row(seed % 11)[c] += 5.0f;  // one row leans one way
    for (double c : {0.5, 1.0, 2.5}) {
      ExpectKeeps(&SignAgreementFilter, m, 2, c, RefSignKeep(ToRows(m.view()), static_cast<size_t>(std::floor(c * 2))),
                  "seed " + std::to_string(seed) + " c " + std::to_string(c));
    }
  }
  UpdateMatrix m = RandomUpdates(4, 8, 1);
  EXPECT_EQ(SignAgreementFilter(m.view(), 4).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SignAgreementFilter(m.view(), 1, -1.0).status().code(), StatusCode::kInvalidArgument);
  auto none = SignAgreementFilter(m.view(), 0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->rows(), 4u);
}

// Plain reference for the guard filter: the kept row indices.
std::vector<size_t> RefGuardKeep(const Rows& x, size_t k) {
  const std::vector<float> med = RefMedian(x);
  const size_t n = x.size();
  auto median = [](std::vector<double> a) {
    std::sort(a.begin(), a.end());
    return a.size() % 2 ? a[a.size() / 2] : (a[a.size() / 2 - 1] + a[a.size() / 2]) / 2;
  };
  auto robust_z = [&](const std::vector<double>& v) {
    const double m = median(v);
    std::vector<double> dev;
    for (double e : v) dev.push_back(std::fabs(e - m));
    const double scale = std::max(1.4826 * median(dev), 1e-12 * (std::fabs(m) + 1));
    std::vector<double> z;
    for (double e : v) z.push_back((e - m) / scale);
    return z;
  };
  std::vector<double> imb(n), ncos(n), norm(n);
  double mm = 0;
  for (float v : med) mm += double(v) * v;
  for (size_t i = 0; i < n; ++i) {
    long above = 0, below = 0;
    double dot = 0, sq = 0;
    for (size_t c = 0; c < med.size(); ++c) {
      above += x[i][c] > med[c];
      below += x[i][c] < med[c];
      dot += double(x[i][c]) * med[c];
      sq += double(x[i][c]) * x[i][c];
    }
    imb[i] = static_cast<double>(std::labs(above - below));
    ncos[i] = -dot / std::sqrt(sq * mm);
    norm[i] = std::sqrt(sq);
  }
  const auto za = robust_z(imb), zb = robust_z(ncos);
  const double median_norm = median(norm);
  std::vector<std::pair<double, size_t>> score;
  for (size_t i = 0; i < n; ++i) {
    score.emplace_back(norm[i] > 10 * median_norm ? 1e100 + norm[i] / median_norm : std::max(za[i], zb[i]), i);
  }
  std::sort(score.begin(), score.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second > b.second;
  });
  std::vector<size_t> keep;
  for (size_t r = k; r < n; ++r) keep.push_back(score[r].second);
  std::sort(keep.begin(), keep.end());
  return keep;
}

// Honest rows share a direction (a common mean) plus noise, as real updates do.
UpdateMatrix HonestWithCommonDirection(size_t n, size_t d, uint64_t seed) {
  UpdateMatrix m = RandomUpdates(n, d, seed);
  std::mt19937_64 rng(seed * 7 + 1);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> common(d);
  for (float& v : common) v = g(rng);
  for (size_t i = 0; i < n; ++i) {
    for (size_t c = 0; c < d; ++c) m.row(i)[c] += common[c];
  }
  return m;
}

TEST(PreAggregators, GuardDropsSignFlipAlieAndNoiseRows) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    for (int attack = 0; attack < 3; ++attack) {
      UpdateMatrix m = HonestWithCommonDirection(12, 500, seed);
      const Rows all = ToRows(m.view());
      for (size_t c = 0; c < 500; ++c) {
        double mu = 0, sq = 0;
        for (size_t i = 0; i < 10; ++i) mu += all[i][c];
        mu /= 10;
        for (size_t i = 0; i < 10; ++i) sq += (all[i][c] - mu) * (all[i][c] - mu);
        const float bad = attack == 0 ? static_cast<float>(-mu) : static_cast<float>(mu + 1.5 * std::sqrt(sq / 9));
        m.row(10)[c] = m.row(11)[c] = bad;
        if (attack == 2) {  // Gaussian noise, σ = 100
          m.row(10)[c] = static_cast<float>(100.0 * std::sin(1.0 + c * 0.7));
          m.row(11)[c] = static_cast<float>(100.0 * std::cos(2.0 + c * 1.3));
        }
      }
      for (Backend b : {Backend::kRef, Backend::kCpu}) {
        auto r = GuardFilter(m.view(), 2, 1.0, b);
        ASSERT_TRUE(r.ok()) << r.status();
        ASSERT_EQ(r->rows(), 10u);
        for (size_t i = 0; i < 10; ++i) {
          EXPECT_EQ(std::memcmp(r->row(i).data(), m.row(i).data(), 500 * sizeof(float)), 0)
              << "seed " << seed << " attack " << attack << " row " << i;
        }
      }
    }
  }
}

TEST(PreAggregators, GuardMatchesReference) {
  for (uint64_t seed = 50; seed < 60; ++seed) {
    UpdateMatrix m = HonestWithCommonDirection(11, 64, seed);
    for (size_t c = 0; c < 64; c += 2) m.row(seed % 11)[c] = -m.row(seed % 11)[c];
    if (seed % 2 == 0) {  // an oversized row (> 10x the median norm) as well
      for (size_t c = 0; c < 64; ++c) m.row((seed + 5) % 11)[c] *= 30.0f;
    }
    for (double c : {0.5, 1.0, 2.5}) {
      ExpectKeeps(&GuardFilter, m, 2, c, RefGuardKeep(ToRows(m.view()), static_cast<size_t>(std::floor(c * 2))),
                  "seed " + std::to_string(seed) + " c " + std::to_string(c));
    }
  }
  UpdateMatrix m = RandomUpdates(4, 8, 1);
  EXPECT_EQ(GuardFilter(m.view(), 4).status().code(), StatusCode::kInvalidArgument);
  UpdateMatrix zeros(5, 6);  // all-zero rows: no NaN, nothing stands out, the highest indices go
  std::fill(zeros.data(), zeros.data() + zeros.size(), 0.0f);
  auto r = GuardFilter(zeros.view(), 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows(), 4u);
}

// --- Rule strings.

TEST(RuleSpec, ParsesAndPrintsCanonically) {
  const std::pair<std::string, std::string> cases[] = {
      {"mean", "mean"},
      {" clip:2.0 | nnm |cwtm ", "clip:c=2|nnm|cwtm"},
      {"median", "cwmed"},
      {"trmean", "cwtm"},
      {"multikrum:5", "multikrum:m=5"},
      {"mkrum", "multikrum:m=0"},
      {"gm", "gm:nu=0.1,iters=3"},
      {"geomed:iters=8,nu=0.5", "gm:nu=0.5,iters=8"},
      {"rfa:0.2,T=4", "gm:nu=0.2,iters=4"},
      {"cc:tau=100,L=1", "cc:tau=100,iters=1"},
      {"bucketing:s=3|arc|clip:c=1e3|bulyan", "bucketing:s=3|arc|clip:c=1000|bulyan"},
      {"bucketing|krum", "bucketing:s=2|krum"},
      {"meamed", "meamed"},
      {"dnc|mean", "dnc:c=1|mean"},
      {"dnc:1.5|nnm|cwtm", "dnc:c=1.5|nnm|cwtm"},
      {"sign|nnm|cwtm", "sign:c=1|nnm|cwtm"},
      {"sign:2|mean", "sign:c=2|mean"},
      {"signguard|nnm|cwtm", "guard:c=1|nnm|cwtm"},
  };
  for (const auto& [in, want] : cases) {
    auto spec = ParseRuleSpec(in);
    ASSERT_TRUE(spec.ok()) << in << ": " << spec.status();
    EXPECT_EQ(spec->ToString(), want) << in;
    auto again = ParseRuleSpec(spec->ToString());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->ToString(), want);
  }
  EXPECT_TRUE(ParseRuleSpec(kDefaultRule).ok());
}

TEST(RuleSpec, ClearErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty aggregation rule"},
      {"   ", "empty aggregation rule"},
      {"foo", "unknown aggregation stage 'foo'"},
      {"clip:2|foo", "unknown aggregation stage 'foo'"},
      {"nnm", "ends with pre-aggregator 'nnm'"},
      {"cwtm|nnm", "'cwtm' is a final rule and can only come last"},
      {"clip||cwtm", "empty stage 2"},
      {"clip:abc|cwtm", "'abc' is not a finite number"},
      {"clip:-1|cwtm", "must be > 0"},
      {"clip:nan|cwtm", "not a finite number"},
      {"clip:1,2|cwtm", "at most 1 parameter"},
      {"cwtm:3", "takes no parameters"},
      {"gm:foo=1", "has no parameter 'foo'"},
      {"gm:nu=1,nu=2", "given twice"},
      {"bucketing:0|mean", "must be >= 1"},
      {"bucketing:2.5|mean", "not a non-negative integer"},
      {"multikrum:-1", "not a non-negative integer"},
      {"clip:c=|mean", "empty value"},
      {"clip:|mean", "empty parameter"},
      {"clip:,|mean", "empty parameter"},
  };
  for (const auto& [in, want] : cases) {
    auto spec = ParseRuleSpec(in);
    ASSERT_FALSE(spec.ok()) << "'" << in << "' parsed";
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(spec.status().message().find(want), std::string::npos)
        << "'" << in << "': " << spec.status().message();
  }
  // The unknown-name error lists what exists.
  const std::string msg = ParseRuleSpec("foo").status().message();
  EXPECT_NE(msg.find("cwtm"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nnm"), std::string::npos) << msg;
}

TEST(RuleSpec, RowCountChecks) {
  EXPECT_TRUE(CheckRowCount(*ParseRuleSpec("cwtm"), 5, 2).ok());
  EXPECT_FALSE(CheckRowCount(*ParseRuleSpec("cwtm"), 4, 2).ok());
  EXPECT_TRUE(CheckRowCount(*ParseRuleSpec("krum"), 7, 2).ok());
  EXPECT_FALSE(CheckRowCount(*ParseRuleSpec("krum"), 6, 2).ok());
  EXPECT_TRUE(CheckRowCount(*ParseRuleSpec("bulyan"), 11, 2).ok());
  EXPECT_FALSE(CheckRowCount(*ParseRuleSpec("bulyan"), 10, 2).ok());
  EXPECT_FALSE(CheckRowCount(*ParseRuleSpec("nnm|mean"), 2, 2).ok());
  EXPECT_TRUE(CheckRowCount(*ParseRuleSpec("mean"), 1, 5).ok());
  EXPECT_FALSE(CheckRowCount(*ParseRuleSpec("multikrum:m=9"), 8, 1).ok());
  // Bucketing shrinks n before the rule sees it: 10 rows in buckets of 2 -> 5 > 2f needs f <= 2.
  EXPECT_TRUE(CheckRowCount(*ParseRuleSpec("bucketing:2|cwmed"), 10, 2).ok());
  const Status s = CheckRowCount(*ParseRuleSpec("bucketing:2|cwmed"), 10, 3);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("after pre-aggregation"), std::string::npos) << s;
  // dnc drops floor(c*f) rows before the rule: 12 rows, f=2 -> 10 rows for cwtm (needs > 4).
  EXPECT_TRUE(CheckRowCount(*ParseRuleSpec("dnc|cwtm"), 12, 2).ok());
  EXPECT_TRUE(CheckRowCount(*ParseRuleSpec("dnc|cwtm"), 7, 2).ok());
  EXPECT_FALSE(CheckRowCount(*ParseRuleSpec("dnc|cwtm"), 6, 2).ok());
  EXPECT_FALSE(CheckRowCount(*ParseRuleSpec("dnc:c=3|mean"), 6, 2).ok());
  EXPECT_TRUE(CheckRowCount(*ParseRuleSpec("dnc:c=3|mean"), 7, 2).ok());
}

// --- Pipelines.

TEST(Aggregator, PipelinesEqualTheirStagesRunByHand) {
  const UpdateMatrix m = RandomUpdates(15, 90, 21, 2.0f, 1.0f);
  const size_t f = 3;
  const MatrixView v = m.view();
  for (Backend b : {Backend::kRef, Backend::kCpu}) {
    SCOPED_TRACE(std::string(cess::kernels::BackendName(b)));
    const AggregateOptions opt{.backend = b, .seed = 5};
    auto run = [&](const char* spec) {
      auto a = Aggregator::Create(spec);
      EXPECT_TRUE(a.ok()) << spec;
      auto r = (*a)->Aggregate(v, f, opt);
      EXPECT_TRUE(r.ok()) << spec << ": " << r.status();
      return *r;
    };
    EXPECT_TRUE(SameBits(run("mean"), *Mean(v, b)));
    EXPECT_TRUE(SameBits(run("cwmed"), *CoordinateMedian(v, f, b)));
    EXPECT_TRUE(SameBits(run("cwtm"), *TrimmedMean(v, f, b)));
    EXPECT_TRUE(SameBits(run("meamed"), *MeanAroundMedian(v, f, b)));
    EXPECT_TRUE(SameBits(run("krum"), Krum(v, f, b)->aggregate));
    EXPECT_TRUE(SameBits(run("multikrum:4"), MultiKrum(v, f, 4, b)->aggregate));
    EXPECT_TRUE(SameBits(run("gm:0.2,5"), *GeometricMedian(v, {.nu = 0.2, .iterations = 5}, b)));
    EXPECT_TRUE(SameBits(run("bulyan"), *Bulyan(v, f, b)));
    {
      UpdateMatrix mixed = *NearestNeighborMixing((*StaticClip(v, 2.0, b)).view(), f, b);
      EXPECT_TRUE(SameBits(run("clip:2.0|nnm|cwtm"), *TrimmedMean(mixed.view(), f, b)));
    }
    {
      UpdateMatrix bucketed = *Bucketing(v, 2, 5, b);
      EXPECT_TRUE(SameBits(run("bucketing:2|cwmed"), *CoordinateMedian(bucketed.view(), f, b)));
    }
    {
      UpdateMatrix clipped = *AdaptiveRobustClip(v, f, b);
      EXPECT_TRUE(SameBits(run("arc|mean"), *Mean(clipped.view(), b)));
    }
  }
}

TEST(Aggregator, CenteredClippingKeepsStateAcrossRounds) {
  auto a = Aggregator::Create("cc:tau=1,iters=2");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE((*a)->stateful());
  auto cc = CenteredClipping::Create({.tau = 1, .iterations = 2});
  for (int round = 0; round < 3; ++round) {
    const UpdateMatrix m = RandomUpdates(6, 12, round, 1.0f, 3.0f);
    auto got = (*a)->Aggregate(m.view(), 1);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(SameBits(*got, *cc->Aggregate(m.view())));
  }
  (*a)->Reset();
  cc->Reset();
  const UpdateMatrix m = RandomUpdates(6, 12, 99);
  EXPECT_TRUE(SameBits(*(*a)->Aggregate(m.view(), 1), *cc->Aggregate(m.view())));
}

TEST(Aggregator, RejectsBadInputBeforeWork) {
  auto a = Aggregator::Create("krum");
  ASSERT_TRUE(a.ok());
  const UpdateMatrix m = RandomUpdates(4, 3, 1);
  const auto r = (*a)->Aggregate(m.view(), 1);  // needs n > 4
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*a)->Aggregate(MatrixView{nullptr, 0, 3}, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Aggregator::Create("nope").status().code(), StatusCode::kInvalidArgument);
}

TEST(Aggregator, DefaultRuleSurvivesAttackersThatBreakTheMean) {
  // 10 honest updates near +1, 3 Byzantine at -50: the mean is dragged far off, nnm|cwtm is not.
  UpdateMatrix m = RandomUpdates(13, 40, 6, 0.1f, 1.0f);
  for (size_t i = 10; i < 13; ++i) {
    for (float& v : m.row(i)) v = -50.0f;
  }
  auto robust = Aggregator::Create(kDefaultRule);
  ASSERT_TRUE(robust.ok());
  auto r = (*robust)->Aggregate(m.view(), 3);
  ASSERT_TRUE(r.ok());
  for (float v : *r) EXPECT_NEAR(v, 1.0f, 0.3f);
  auto mean = *Mean(m.view());
  for (float v : mean) EXPECT_LT(v, -5.0f);
}

}  // namespace
}  // namespace cess::ailink::robust
