// Placement: eligibility rules, errors, determinism, and a statistical check of the weighting.
#include "cess/storage/placement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace cess::storage {
namespace {

MinerCandidate Miner(uint8_t id, std::string region, uint64_t free) {
  MinerCandidate m;
  m.id.fill(id);
  m.region = std::move(region);
  m.free_bytes = free;
  m.endpoint = "127.0.0.1:" + std::to_string(7000 + id);
  return m;
}

std::vector<MinerCandidate> Fleet() {
  std::vector<MinerCandidate> c;
  for (uint8_t i = 1; i <= 20; ++i) c.push_back(Miner(i, i <= 14 ? "eu" : "us", uint64_t{i} << 30));
  return c;
}

TEST(PlacementTest, DrawsDistinctEligibleMiners) {
  const auto fleet = Fleet();
  auto r = Place(fleet, {"eu"}, 12, uint64_t{3} << 30, 1);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 12u);
  std::set<Hash256> ids;
  for (const MinerCandidate& m : *r) {
    EXPECT_EQ(m.region, "eu");
    EXPECT_GE(m.free_bytes, uint64_t{3} << 30);
    ids.insert(m.id);
  }
  EXPECT_EQ(ids.size(), 12u);  // eu miners 3..14 are exactly the 12 eligible
  auto any = Place(fleet, {}, 20, 0, 5);
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->size(), 20u);
}

TEST(PlacementTest, Errors) {
  const auto fleet = Fleet();
  auto few = Place(fleet, {"us"}, 12, 0, 1);
  EXPECT_EQ(few.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(few.status().message().find("6 eligible"), std::string::npos) << few.status();
  auto tight = Place(fleet, {"eu"}, 12, uint64_t{4} << 30, 1);
  EXPECT_EQ(tight.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(tight.status().message().find("11 eligible"), std::string::npos) << tight.status();
  auto unknown = Place(fleet, {"eu", "mars"}, 1, 0, 1);
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("mars"), std::string::npos);
  EXPECT_EQ(Place(fleet, {}, 0, 0, 1).status().code(), StatusCode::kInvalidArgument);
  auto dup = fleet;
  dup.push_back(fleet[0]);
  EXPECT_EQ(Place(dup, {}, 1, 0, 1).status().code(), StatusCode::kInvalidArgument);
}

TEST(PlacementTest, DeterministicForASeedAndInputOrder) {
  auto fleet = Fleet();
  auto a = Place(fleet, {}, 12, 0, 99);
  std::reverse(fleet.begin(), fleet.end());
  auto b = Place(fleet, {}, 12, 0, 99);
  auto c = Place(fleet, {}, 12, 0, 100);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto ids = [](const std::vector<MinerCandidate>& v) {
    std::vector<Hash256> out;
    for (const auto& m : v) out.push_back(m.id);
    return out;
  };
  EXPECT_EQ(ids(*a), ids(*b));
  EXPECT_NE(ids(*a), ids(*c));
}

TEST(PlacementTest, FirstDrawIsProportionalToFreeSpace) {
  // Weights 1:2:3:4; 8000 single draws; chi-square with 3 degrees of freedom below 16.3
  // (p = 0.001), and each frequency within 10% of its expectation.
  std::vector<MinerCandidate> c = {Miner(1, "x", 1000), Miner(2, "x", 2000), Miner(3, "x", 3000),
                                   Miner(4, "x", 4000)};
  std::map<uint8_t, int> hits;
  const int n = 8000;
  for (int s = 0; s < n; ++s) hits[(*Place(c, {}, 1, 0, static_cast<uint64_t>(s)))[0].id[0]]++;
  double chi2 = 0;
  for (uint8_t i = 1; i <= 4; ++i) {
    const double expect = n * i / 10.0;
    chi2 += (hits[i] - expect) * (hits[i] - expect) / expect;
    EXPECT_NEAR(hits[i], expect, expect * 0.1) << "miner " << int(i);
  }
  EXPECT_LT(chi2, 16.3);
}

TEST(PlacementTest, WithoutReplacementSecondDrawRenormalizes) {
  // Weights 1:1:8. P(first = 3) = 0.8; given miner 3 first, the second is 1 or 2 evenly; given
  // miner 1 first, P(second = 3) = 8/9.
  std::vector<MinerCandidate> c = {Miner(1, "x", 100), Miner(2, "x", 100), Miner(3, "x", 800)};
  int first3 = 0, second3_after1 = 0, first1 = 0;
  const int n = 6000;
  for (int s = 0; s < n; ++s) {
    auto r = *Place(c, {}, 2, 0, static_cast<uint64_t>(s) + 1000000);
    ASSERT_NE(r[0].id, r[1].id);
    if (r[0].id[0] == 3) ++first3;
    if (r[0].id[0] == 1) {
      ++first1;
      if (r[1].id[0] == 3) ++second3_after1;
    }
  }
  EXPECT_NEAR(first3 / double(n), 0.8, 0.03);
  ASSERT_GT(first1, 300);
  EXPECT_NEAR(second3_after1 / double(first1), 8.0 / 9.0, 0.05);
}

TEST(PlacementTest, HugeFreeSpaceDoesNotOverflow) {
  std::vector<MinerCandidate> c;
  for (uint8_t i = 1; i <= 12; ++i) c.push_back(Miner(i, "x", UINT64_MAX - i));
  auto r = Place(c, {}, 12, 0, 3);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->size(), 12u);
}

}  // namespace
}  // namespace cess::storage
