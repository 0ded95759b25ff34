// Attacks: each crafted update against its definition, parsing and errors, the ALIE z and the
// normal quantile, min-max's constraint, label flipping.
#include "cess/ailink/attacks/attacks.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reference.h"

namespace cess::ailink::attacks {
namespace {

using namespace cess::ailink::testing;  // NOLINT(build/namespaces)

std::unique_ptr<Attack> Parse(const std::string& spec) {
  auto a = ParseAttack(spec);
  EXPECT_TRUE(a.ok()) << spec << ": " << a.status();
  return std::move(a).value();
}

TEST(Attacks, ParseAndCanonicalNames) {
  EXPECT_EQ(Parse("gaussian:100")->ToString(), "gaussian:sigma=100,mu=0");
  EXPECT_EQ(Parse("gaussian:sigma=2,mu=1")->ToString(), "gaussian:sigma=2,mu=1");
  EXPECT_EQ(Parse("ipm:0.5")->ToString(), "ipm:eps=0.5");
  EXPECT_EQ(Parse("ipm")->ToString(), "ipm:eps=0.1");
  EXPECT_EQ(Parse("alie")->ToString(), "alie:z=auto");
  EXPECT_EQ(Parse("alie:1.5")->ToString(), "alie:z=1.5");
  EXPECT_EQ(Parse("mimic:idx=2")->ToString(), "mimic:idx=2");
  EXPECT_EQ(Parse("minmax")->ToString(), "minmax:dev=unit");
  EXPECT_EQ(Parse("minmax:std")->ToString(), "minmax:dev=std");
  EXPECT_EQ(Parse("sign_flip")->ToString(), "signflip");
  EXPECT_EQ(Parse("inf")->kind(), AttackKind::kUpdate);
  EXPECT_EQ(Parse("labelflip")->kind(), AttackKind::kLabelFlip);
  EXPECT_EQ(Parse("none")->kind(), AttackKind::kNone);
  for (const char* bad : {"", "nope", "gaussian:-1", "gaussian:x", "ipm:1,2", "mimic:-1", "minmax:dev=foo",
                          "signflip:1", "alie:z=nan"}) {
    auto a = ParseAttack(bad);
    EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument) << "'" << bad << "'";
  }
  EXPECT_NE(ParseAttack("nope").status().message().find("known: none, signflip"), std::string::npos);
}

TEST(Attacks, CraftedUpdatesFollowTheirDefinitions) {
  const UpdateMatrix h = FromRows({{1, 2, 3}, {3, 2, 1}, {2, 8, 2}});
  const std::vector<double> mean = {2, 4, 2};
  auto row = [](const UpdateMatrix& m, size_t i) { return std::vector<float>(m.row(i).begin(), m.row(i).end()); };

  auto sf = Parse("signflip")->Craft(h.view(), 2, 0);
  ASSERT_TRUE(sf.ok());
  EXPECT_EQ(sf->rows(), 2u);
  EXPECT_EQ(row(*sf, 0), (std::vector<float>{-2, -4, -2}));
  EXPECT_EQ(row(*sf, 1), row(*sf, 0));

  auto ipm = Parse("ipm:0.5")->Craft(h.view(), 1, 0);
  EXPECT_EQ(row(*ipm, 0), (std::vector<float>{-1, -2, -1}));

  auto mimic = Parse("mimic:idx=1")->Craft(h.view(), 3, 0);
  EXPECT_EQ(row(*mimic, 2), (std::vector<float>{3, 2, 1}));
  EXPECT_EQ(Parse("mimic:idx=3")->Craft(h.view(), 1, 0).status().code(), StatusCode::kInvalidArgument);

  auto inf = Parse("inf")->Craft(h.view(), 1, 0);
  for (float v : row(*inf, 0)) EXPECT_TRUE(std::isinf(v) && v > 0);

  // ALIE with z = 2: mean + 2·std (sample std: {1, 3.4641, 1}).
  auto alie = Parse("alie:2")->Craft(h.view(), 1, 0);
  const std::vector<float> a = row(*alie, 0);
  EXPECT_NEAR(a[0], 2 + 2 * 1.0, 1e-5);
  EXPECT_NEAR(a[1], 4 + 2 * std::sqrt(12.0), 1e-5);
  EXPECT_NEAR(a[2], 2 + 2 * 1.0, 1e-5);

  EXPECT_EQ(Parse("labelflip")->Craft(h.view(), 1, 0).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Parse("none")->Craft(h.view(), 1, 0).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Parse("signflip")->Craft(h.view(), 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Parse("signflip")->Craft(MatrixView{nullptr, 0, 3}, 1, 0).status().code(), StatusCode::kInvalidArgument);
  (void)mean;
}

TEST(Attacks, GaussianIsSeededAndHasTheRightMoments) {
  const UpdateMatrix h = RandomUpdates(3, 4, 1);
  auto g = Parse("gaussian:sigma=3,mu=1");
  auto a = g->Craft(h.view(), 2, 42);
  auto b = g->Craft(h.view(), 2, 42);
  auto c = g->Craft(h.view(), 2, 43);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(std::memcmp(a->data(), b->data(), a->size() * 4), 0);
  EXPECT_NE(std::memcmp(a->data(), c->data(), a->size() * 4), 0);
  EXPECT_NE(a->row(0)[0], a->row(1)[0]);  // rows differ
  const UpdateMatrix wide = RandomUpdates(2, 200000, 2);
  auto big = g->Craft(wide.view(), 1, 7);
  double s = 0, s2 = 0;
  for (float v : big->row(0)) {
    s += v;
    s2 += static_cast<double>(v) * v;
  }
  const double n = 200000, m = s / n, var = s2 / n - m * m;
  EXPECT_NEAR(m, 1.0, 0.05);
  EXPECT_NEAR(std::sqrt(var), 3.0, 0.05);
}

TEST(Attacks, AlieZAndNormalQuantile) {
  EXPECT_NEAR(NormalQuantile(0.5), 0.0, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-9);
  EXPECT_NEAR(NormalQuantile(0.01), -2.326347874040841, 1e-9);
  EXPECT_NEAR(NormalQuantile(1e-10), -6.361340902404056, 1e-8);
  EXPECT_EQ(AlieZ(12, 2), 0.0);  // s = 5, p = (10-5)/10 = 0.5
  // n = 25, f = 5: s = 13 - 5 = 8, p = 12/20 = 0.6.
  EXPECT_NEAR(AlieZ(25, 5), NormalQuantile(0.6), 1e-15);
  EXPECT_NEAR(AlieZ(25, 5), 0.2533471031357997, 1e-9);
  // n = 50, f = 10: s = 26 - 10 = 16, p = 24/40.
  EXPECT_NEAR(AlieZ(50, 10), NormalQuantile(0.6), 1e-15);
  EXPECT_EQ(AlieZ(3, 3), 0.0);
}

TEST(Attacks, AlieAutoUsesZFromNAndF) {
  const UpdateMatrix h = RandomUpdates(20, 10, 3);
  auto auto_z = Parse("alie")->Craft(h.view(), 5, 0);
  auto fixed = Parse("alie:z=0.2533471031357997")->Craft(h.view(), 5, 0);
  ASSERT_TRUE(auto_z.ok() && fixed.ok());
  for (size_t c = 0; c < 10; ++c) EXPECT_NEAR(auto_z->row(0)[c], fixed->row(0)[c], 1e-6);
}

TEST(Attacks, MinMaxStaysWithinTheHonestDiameter) {
  const UpdateMatrix h = RandomUpdates(8, 50, 9, 1.0f, 0.5f);
  const Rows x = ToRows(h.view());
  double diameter = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    for (size_t j = 0; j < x.size(); ++j) diameter = std::max(diameter, SqDist(x[i], x[j]));
  }
  for (const char* spec : {"minmax", "minmax:dev=std"}) {
    auto r = Parse(spec)->Craft(h.view(), 2, 0);
    ASSERT_TRUE(r.ok());
    const std::vector<float> mal(r->row(0).begin(), r->row(0).end());
    double worst = 0;
    for (const auto& hr : x) worst = std::max(worst, SqDist(mal, hr));
    EXPECT_LE(worst, diameter * (1 + 1e-5)) << spec;
    EXPECT_GE(worst, diameter * 0.99) << spec << ": gamma should be pushed to the limit";
    // It points away from the mean: <mal - mean, mean> < 0 for dev=unit.
    const std::vector<double> mean = RefMean(x);
    double dot = 0;
    for (size_t c = 0; c < mean.size(); ++c) dot += (mal[c] - mean[c]) * mean[c];
    if (std::string(spec) == "minmax") {
      EXPECT_LT(dot, 0) << spec;
    }
  }
}

TEST(Attacks, FlipLabel) {
  EXPECT_EQ(FlipLabel(0, 10), 9);
  EXPECT_EQ(FlipLabel(9, 10), 0);
  EXPECT_EQ(FlipLabel(3, 10), 6);
}

}  // namespace
}  // namespace cess::ailink::attacks
