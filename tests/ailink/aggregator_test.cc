// Pre-aggregators against references, the rule-string parser (grammar, canonical form, errors),
// row-count checks, and composed pipelines against the stages run by hand.
#include "cess/ailink/robust/aggregator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
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
  EXPECT_NE(s.message().find("after bucketing"), std::string::npos) << s;
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
