// Partitioners: every split is a partition of all indices, sizes, determinism per seed, the
// non-IID shapes of dirichlet / gamma / shards, spec strings and every error.
#include "cess/ailink/data/partition.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace cess::ailink::data {
namespace {

using Parts = std::vector<std::vector<size_t>>;

// `per_class` examples of each of `classes` labels, interleaved (0, 1, ..., classes-1, 0, ...).
std::vector<int32_t> BalancedLabels(size_t classes, size_t per_class) {
  std::vector<int32_t> labels(classes * per_class);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int32_t>(i % classes);
  return labels;
}

PartitionSpec Spec(const std::string& text) {
  auto s = ParsePartitionSpec(text);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status();
  return s.ok() ? *s : PartitionSpec{};
}

Parts Split(std::span<const int32_t> labels, size_t classes, size_t clients, const std::string& spec,
            uint64_t seed) {
  auto parts = Partition(labels, classes, clients, Spec(spec), seed);
  EXPECT_TRUE(parts.ok()) << spec << ": " << parts.status();
  return parts.ok() ? *parts : Parts{};
}

// Every index in [0, n) exactly once, each part sorted increasingly and non-empty.
void ExpectPartition(const Parts& parts, size_t n, size_t clients, const std::string& what) {
  ASSERT_EQ(parts.size(), clients) << what;
  std::vector<int> seen(n, 0);
  for (size_t c = 0; c < parts.size(); ++c) {
    EXPECT_FALSE(parts[c].empty()) << what << ": client " << c << " is empty";
    EXPECT_TRUE(std::is_sorted(parts[c].begin(), parts[c].end())) << what << ": client " << c;
    for (size_t i : parts[c]) {
      ASSERT_LT(i, n) << what;
      ++seen[i];
    }
  }
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(seen[i], 1) << what << ": index " << i;
}

// Mean over clients of the largest class's share of the client's examples (1/classes for a
// perfectly balanced split, 1 when every client holds one class).
double MeanTopShare(const Parts& parts, std::span<const int32_t> labels, size_t classes) {
  double sum = 0;
  for (const auto& part : parts) {
    std::vector<size_t> counts(classes, 0);
    for (size_t i : part) ++counts[static_cast<size_t>(labels[i])];
    sum += static_cast<double>(*std::max_element(counts.begin(), counts.end())) /
           static_cast<double>(part.size());
  }
  return sum / static_cast<double>(parts.size());
}

size_t DistinctLabels(const std::vector<size_t>& part, std::span<const int32_t> labels) {
  std::set<int32_t> s;
  for (size_t i : part) s.insert(labels[i]);
  return s.size();
}

TEST(PartitionTest, EveryKindIsAPartitionAndDeterministic) {
  const std::vector<int32_t> labels = BalancedLabels(10, 100);
  for (const std::string spec :
       {"iid", "dirichlet:0.3", "dirichlet:100", "gamma:0", "gamma:0.5", "gamma:1", "shards", "shards:3"}) {
    for (size_t clients : {1u, 7u, 20u}) {
      const std::string what = spec + " clients=" + std::to_string(clients);
      const Parts a = Split(labels, 10, clients, spec, 42);
      ExpectPartition(a, labels.size(), clients, what);
      EXPECT_EQ(Split(labels, 10, clients, spec, 42), a) << what << ": not deterministic";
      if (clients > 1 && spec != "gamma:0") {
        EXPECT_NE(Split(labels, 10, clients, spec, 43), a) << what << ": seed ignored";
      }
    }
  }
  // gamma:0 is fully determined by the labels: no randomness at all.
  EXPECT_EQ(Split(labels, 10, 7, "gamma:0", 1), Split(labels, 10, 7, "gamma:0", 2));
}

TEST(PartitionTest, IidSizesAndBalance) {
  const std::vector<int32_t> labels = BalancedLabels(10, 1000);
  const Parts parts = Split(labels, 10, 7, "iid", 1);
  for (size_t c = 0; c < 7; ++c) EXPECT_EQ(parts[c].size(), c < 10000 % 7 ? 10000 / 7 + 1 : 10000 / 7);
  EXPECT_LT(MeanTopShare(parts, labels, 10), 0.14);
}

// Fixed seeds give fixed splits: these pin the samplers (mt19937_64, rejection sampling,
// Fisher-Yates), which do not depend on the standard library, so a change that would alter every
// recorded experiment fails here.
TEST(PartitionTest, GoldenSplits) {
  const std::vector<int32_t> ones(10, 0);
  EXPECT_EQ(Split(ones, 1, 3, "iid", 7), (Parts{{0, 4, 7, 9}, {1, 2, 3}, {5, 6, 8}}));
  const std::vector<int32_t> three = BalancedLabels(3, 4);
  EXPECT_EQ(Split(three, 3, 3, "shards:2", 7), (Parts{{6, 8, 9, 11}, {1, 2, 4, 5}, {0, 3, 7, 10}}));
  EXPECT_EQ(Split(three, 3, 3, "gamma:0.5", 7), (Parts{{0, 1, 3, 4}, {2, 5, 6, 7}, {8, 9, 10, 11}}));
}

TEST(PartitionTest, DirichletSmallAlphaSkewsLargeAlphaBalances) {
  const std::vector<int32_t> labels = BalancedLabels(10, 600);
  const Parts skewed = Split(labels, 10, 10, "dirichlet:0.05", 3);
  const Parts balanced = Split(labels, 10, 10, "dirichlet:1000", 3);
  ExpectPartition(skewed, labels.size(), 10, "dirichlet:0.05");
  const double top_skewed = MeanTopShare(skewed, labels, 10);
  const double top_balanced = MeanTopShare(balanced, labels, 10);
  EXPECT_GT(top_skewed, 0.6) << "dirichlet:0.05 should give most clients one dominant class";
  EXPECT_LT(top_balanced, 0.15) << "dirichlet:1000 should be close to IID";
  // Large alpha: client sizes near equal too.
  for (const auto& part : balanced) EXPECT_NEAR(static_cast<double>(part.size()), 600.0, 60.0);
  // Tiny alpha still terminates (log-space gamma draws cannot underflow to all zeros).
  ExpectPartition(Split(labels, 10, 5, "dirichlet:0.001", 9), labels.size(), 5, "dirichlet:0.001");
}

TEST(PartitionTest, DirichletGivesUpWhenNoDrawFillsEveryClient) {
  const std::vector<int32_t> labels = {0, 0, 0};
  auto parts = Partition(labels, 1, 3, Spec("dirichlet:0.0001"), 1);
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parts.status().message().find("no draw"), std::string::npos) << parts.status();
}

TEST(PartitionTest, GammaOneIsIidAndZeroIsLabelSorted) {
  const std::vector<int32_t> labels = BalancedLabels(10, 500);
  const Parts iid_like = Split(labels, 10, 10, "gamma:1", 5);
  EXPECT_LT(MeanTopShare(iid_like, labels, 10), 0.15);
  for (const auto& part : iid_like) EXPECT_EQ(part.size(), 500u);

  // gamma:0 with 10 clients and 10 equal classes: client i holds exactly class i.
  const Parts sorted = Split(labels, 10, 10, "gamma:0", 5);
  for (size_t c = 0; c < 10; ++c) {
    ASSERT_EQ(sorted[c].size(), 500u);
    for (size_t i : sorted[c]) ASSERT_EQ(labels[i], static_cast<int32_t>(c));
  }
  // With 7 clients the label ranges are contiguous and in order.
  const Parts seven = Split(labels, 10, 7, "gamma:0", 5);
  for (size_t c = 0; c + 1 < 7; ++c) {
    int32_t hi = -1, lo = 100;
    for (size_t i : seven[c]) hi = std::max(hi, labels[i]);
    for (size_t i : seven[c + 1]) lo = std::min(lo, labels[i]);
    EXPECT_LE(hi, lo) << "client " << c;
    EXPECT_LE(DistinctLabels(seven[c], labels), 3u);
  }
  // In between, skew falls as similarity grows; sizes stay nearly equal.
  const double top0 = MeanTopShare(sorted, labels, 10);
  const double top_half = MeanTopShare(Split(labels, 10, 10, "gamma:0.5", 5), labels, 10);
  const double top1 = MeanTopShare(iid_like, labels, 10);
  EXPECT_GT(top0, top_half);
  EXPECT_GT(top_half, top1);
  for (const auto& part : Split(labels, 10, 7, "gamma:0.3", 5)) {
    EXPECT_TRUE(part.size() == 5000 / 7 || part.size() == 5000 / 7 + 1) << part.size();
  }
  // Every client gets an example even when both halves are smaller than the client count.
  const std::vector<int32_t> few = BalancedLabels(2, 5);
  ExpectPartition(Split(few, 2, 10, "gamma:0.5", 1), few.size(), 10, "gamma:0.5 n=clients");
}

TEST(PartitionTest, ShardsAreExtremeNonIid) {
  const std::vector<int32_t> labels = BalancedLabels(10, 600);
  for (size_t per : {1u, 2u, 3u}) {
    const std::string spec = "shards:" + std::to_string(per);
    const Parts parts = Split(labels, 10, 20, spec, 11);
    ExpectPartition(parts, labels.size(), 20, spec);
    for (const auto& part : parts) {
      EXPECT_EQ(part.size(), 6000 / 20);
      EXPECT_LE(DistinctLabels(part, labels), 2 * per) << spec;
    }
  }
  // Default is 2 shards per client; 100 clients of Fashion-MNIST-like data get at most 2 labels.
  const std::vector<int32_t> big = BalancedLabels(10, 6000);
  const Parts parts = Split(big, 10, 100, "shards", 2);
  size_t max_labels = 0;
  for (const auto& part : parts) max_labels = std::max(max_labels, DistinctLabels(part, big));
  EXPECT_LE(max_labels, 2u);
  EXPECT_GT(MeanTopShare(parts, big, 10), 0.5);
  // Too few examples for the shards.
  auto too_few = Partition(BalancedLabels(2, 5), 2, 4, Spec("shards:3"), 1);
  EXPECT_EQ(too_few.status().code(), StatusCode::kInvalidArgument) << too_few.status();
}

TEST(PartitionTest, Errors) {
  const std::vector<int32_t> labels = BalancedLabels(3, 4);
  auto zero = Partition(labels, 3, 0, Spec("iid"), 1);
  EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);
  auto many = Partition(labels, 3, 13, Spec("iid"), 1);
  EXPECT_EQ(many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Partition(labels, 3, 12, Spec("iid"), 1).ok());
  auto out_of_range = Partition(labels, 2, 2, Spec("iid"), 1);
  EXPECT_EQ(out_of_range.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out_of_range.status().message().find("label 2 of example 2"), std::string::npos)
      << out_of_range.status();
  std::vector<int32_t> negative = labels;
  negative[4] = -1;
  EXPECT_EQ(Partition(negative, 3, 2, Spec("iid"), 1).status().code(), StatusCode::kInvalidArgument);
  // Hand-built specs out of range are rejected too.
  PartitionSpec bad;
  bad.kind = PartitionSpec::Kind::kDirichlet;
  bad.alpha = 0;
  EXPECT_EQ(Partition(labels, 3, 2, bad, 1).status().code(), StatusCode::kInvalidArgument);
  bad.kind = PartitionSpec::Kind::kGamma;
  bad.similarity = 2;
  EXPECT_EQ(Partition(labels, 3, 2, bad, 1).status().code(), StatusCode::kInvalidArgument);
  bad.kind = PartitionSpec::Kind::kShards;
  bad.shards_per_client = 0;
  EXPECT_EQ(Partition(labels, 3, 2, bad, 1).status().code(), StatusCode::kInvalidArgument);
}

TEST(PartitionSpecTest, ParseAndToStringRoundTrip) {
  struct Case {
    std::string text;
    std::string canonical;
  };
  const std::vector<Case> cases = {
      {"iid", "iid"},
      {" iid ", "iid"},
      {"dirichlet:0.5", "dirichlet:0.5"},
      {"dirichlet:1e-05", "dirichlet:1e-05"},
      {"dirichlet:0.1", "dirichlet:0.1"},
      {"dirichlet:100", "dirichlet:100"},
      {"dirichlet_niid:2", "dirichlet:2"},
      {"gamma:0", "gamma:0"},
      {"gamma:1", "gamma:1"},
      {"gamma:0.33", "gamma:0.33"},
      {"gamma_similarity_niid:0.25", "gamma:0.25"},
      {"shards", "shards:2"},
      {"shards:5", "shards:5"},
  };
  for (const Case& c : cases) {
    auto spec = ParsePartitionSpec(c.text);
    ASSERT_TRUE(spec.ok()) << c.text << ": " << spec.status();
    EXPECT_EQ(spec->ToString(), c.canonical) << c.text;
    auto again = ParsePartitionSpec(spec->ToString());
    ASSERT_TRUE(again.ok()) << spec->ToString();
    EXPECT_EQ(again->kind, spec->kind);
    EXPECT_EQ(again->alpha, spec->alpha);
    EXPECT_EQ(again->similarity, spec->similarity);
    EXPECT_EQ(again->shards_per_client, spec->shards_per_client);
  }
  EXPECT_EQ(ParsePartitionSpec("dirichlet:0.5")->alpha, 0.5);
  EXPECT_EQ(ParsePartitionSpec("gamma:0.25")->similarity, 0.25);
  EXPECT_EQ(ParsePartitionSpec("shards:5")->shards_per_client, 5u);
  // Any double round-trips through ToString exactly.
  PartitionSpec odd;
  odd.kind = PartitionSpec::Kind::kDirichlet;
  odd.alpha = 0.1 + 0.2;
  EXPECT_EQ(ParsePartitionSpec(odd.ToString())->alpha, odd.alpha) << odd.ToString();
}

TEST(PartitionSpecTest, ParseErrors) {
  for (const std::string bad : {"",
                                "foo",
                                "IID",
                                "iid:1",
                                "dirichlet",
                                "dirichlet:",
                                "dirichlet:0",
                                "dirichlet:-1",
                                "dirichlet:inf",
                                "dirichlet:nan",
                                "dirichlet:abc",
                                "dirichlet:0.5,1",
                                "dirichlet:0.5:1",
                                "dirichlet:0.5x",
                                "gamma",
                                "gamma:1.5",
                                "gamma:-0.1",
                                "gamma:nan",
                                "shards:0",
                                "shards:1.5",
                                "shards:-1",
                                "shards:",
                                "shards:a"}) {
    auto spec = ParsePartitionSpec(bad);
    ASSERT_FALSE(spec.ok()) << "'" << bad << "' parsed";
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto unknown = ParsePartitionSpec("label-skew:3");
  EXPECT_NE(unknown.status().message().find("iid, dirichlet:<alpha>, gamma:<similarity>, shards"),
            std::string::npos)
      << unknown.status();
}

}  // namespace
}  // namespace cess::ailink::data
