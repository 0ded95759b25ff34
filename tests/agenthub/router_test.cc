#include "cess/agenthub/router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

namespace cess::agenthub {
namespace {

AgentInfo Agent(std::string id, uint64_t price = 10, uint32_t reputation = 500, uint32_t weight = 1,
                std::string region = "eu", std::vector<std::string> skills = {"echo"},
                std::vector<std::string> tags = {"text"}) {
  AgentInfo a;
  a.id = std::move(id);
  a.url = "http://127.0.0.1:1/";
  a.skills = std::move(skills);
  a.tags = std::move(tags);
  a.price = price;
  a.reputation = reputation;
  a.weight = weight;
  a.region = std::move(region);
  return a;
}

std::vector<std::string> Ids(const std::vector<AgentInfo>& v) {
  std::vector<std::string> out;
  for (const AgentInfo& a : v) out.push_back(a.id);
  return out;
}

std::vector<std::string> RouteIds(Router& r, const RouteQuery& q, const std::vector<AgentInfo>& agents) {
  Result<std::vector<AgentInfo>> res = r.Route(q, agents);
  EXPECT_TRUE(res.ok()) << res.status();
  return res.ok() ? Ids(*res) : std::vector<std::string>{};
}

// Gives agent `id` a latency estimate of about `micros` (one sample well above the default).
void Warm(Router& r, const std::string& id, int64_t micros) {
  r.OnStart(id);
  r.OnFinish(id, Outcome::Success(micros));
}

TEST(PeakEwma, JumpsUpAndDecaysWithTime) {
  PeakEwma e(30'000, 10'000'000, 0);
  e.Observe(100'000, 0);
  EXPECT_DOUBLE_EQ(e.value(), 100'000);  // peak: immediate
  e.Observe(10'000, 10'000'000);         // one tau later: weight exp(-1) on the old value
  double want = 100'000 * std::exp(-1.0) + 10'000 * (1 - std::exp(-1.0));
  EXPECT_NEAR(e.value(), want, 1e-6);
  double before = e.value();
  e.Observe(10'000, 10'000'000);  // no time passed: no decay
  EXPECT_DOUBLE_EQ(e.value(), before);
  // Against a plain reference on random samples.
  std::mt19937_64 rng(std::random_device{}());
  PeakEwma f(30'000, 1'000'000, 0);
  double ref = 30'000;
  int64_t t = 0, last = 0;
  for (int i = 0; i < 500; ++i) {
    t += static_cast<int64_t>(rng() % 200'000);
    double s = static_cast<double>(rng() % 100'000);
    if (s > ref) {
      ref = s;
    } else {
      double w = std::exp(-static_cast<double>(t - last) / 1'000'000.0);
      ref = ref * w + s * (1 - w);
    }
    last = t;
    f.Observe(s, t);
    ASSERT_NEAR(f.value(), ref, 1e-6 * ref + 1e-9) << i;
  }
}

TEST(Strategy, NamesRoundTrip) {
  for (Strategy s : {Strategy::kP2cEwma, Strategy::kLeastBusy, Strategy::kLatency, Strategy::kCost,
                     Strategy::kReputation, Strategy::kShuffle}) {
    EXPECT_EQ(ParseStrategy(StrategyName(s)), s);
  }
  EXPECT_FALSE(ParseStrategy("round-robin"));
}

TEST(Strategy, SplitMixBelowIsInRangeAndSeeded) {
  SplitMix64 a(42), b(42), c(43);
  bool differ = false;
  for (int i = 0; i < 1000; ++i) {
    uint64_t x = a.Below(7);
    ASSERT_LT(x, 7u);
    ASSERT_EQ(x, b.Below(7));
    differ = differ || x != c.Below(7);
  }
  EXPECT_TRUE(differ);
}

TEST(Router, FiltersBySkillTagsPriceRegionStatus) {
  FakeClock clock;
  Router r(clock, {.seed = 1});
  std::vector<AgentInfo> agents = {
      Agent("a", 10, 500, 1, "eu", {"echo"}, {"text"}),
      Agent("b", 50, 500, 1, "us", {"echo", "upper"}, {"text", "fast"}),
      Agent("c", 5, 500, 1, "eu", {"medical"}, {"accident"}),
      Agent("d", 1, 500, 1, "eu", {"echo"}, {"text"}),
  };
  agents[3].status = AgentStatus::kExpired;
  RouteQuery q{.skill = "echo"};
  auto ids = RouteIds(r, q, agents);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), (std::set<std::string>{"a", "b"}));
  q.max_price = 20;
  EXPECT_EQ(RouteIds(r, q, agents), std::vector<std::string>{"a"});
  q = RouteQuery{.skill = "echo", .region = "us"};
  EXPECT_EQ(RouteIds(r, q, agents), std::vector<std::string>{"b"});
  q = RouteQuery{.tags = {"text", "fast"}};
  EXPECT_EQ(RouteIds(r, q, agents), std::vector<std::string>{"b"});
  q = RouteQuery{.tags = {"accident"}};
  EXPECT_EQ(RouteIds(r, q, agents), std::vector<std::string>{"c"});
  q = RouteQuery{.skill = "echo", .exclude = {"a"}};
  EXPECT_EQ(RouteIds(r, q, agents), std::vector<std::string>{"b"});
  Result<std::vector<AgentInfo>> none = r.Route(RouteQuery{.skill = "driving"}, agents);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

TEST(Router, CostAndReputationOrders) {
  FakeClock clock;
  Router r(clock);
  std::vector<AgentInfo> agents = {Agent("a", 30, 900), Agent("b", 10, 100), Agent("c", 20, 500),
                                   Agent("d", 10, 700)};
  EXPECT_EQ(RouteIds(r, {.skill = "echo", .strategy = Strategy::kCost}, agents),
            (std::vector<std::string>{"d", "b", "c", "a"}));
  EXPECT_EQ(RouteIds(r, {.skill = "echo", .strategy = Strategy::kReputation}, agents),
            (std::vector<std::string>{"a", "d", "c", "b"}));
}

TEST(Router, LatencyAndLeastBusyOrders) {
  FakeClock clock;
  Router r(clock);
  std::vector<AgentInfo> agents = {Agent("a"), Agent("b"), Agent("c")};
  Warm(r, "a", 90'000);
  Warm(r, "b", 40'000);
  Warm(r, "c", 60'000);
  EXPECT_EQ(RouteIds(r, {.skill = "echo", .strategy = Strategy::kLatency}, agents),
            (std::vector<std::string>{"b", "c", "a"}));
  r.OnStart("b");
  r.OnStart("b");
  r.OnStart("c");
  // in-flight: a 0, b 2, c 1
  EXPECT_EQ(RouteIds(r, {.skill = "echo", .strategy = Strategy::kLeastBusy}, agents),
            (std::vector<std::string>{"a", "c", "b"}));
  EXPECT_EQ(r.Snapshot("b").in_flight, 2u);
}

// p2c: the winner of the two drawn is never the worse-loaded of them, and over many draws the
// most loaded agent (which loses every pair) is never chosen first.
TEST(Router, P2cPicksTheLessLoadedOfTwo) {
  FakeClock clock;
  Router r(clock, {.seed = 7});
  std::vector<AgentInfo> agents = {Agent("a"), Agent("b"), Agent("c"), Agent("d")};
  Warm(r, "a", 10'000);
  Warm(r, "b", 20'000);
  Warm(r, "c", 40'000);
  Warm(r, "d", 80'000);
  std::map<std::string, int> first;
  for (int i = 0; i < 400; ++i) {
    auto ids = RouteIds(r, {.skill = "echo"}, agents);
    ASSERT_EQ(ids.size(), 4u);
    ASSERT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 4u);
    ++first[ids[0]];
    // Loads are a<b<c<d, so the first two are in load order, and the rest are sorted by load.
    auto rank = [](const std::string& s) { return s[0] - 'a'; };
    EXPECT_LT(rank(ids[0]), rank(ids[1]));
    EXPECT_LT(rank(ids[2]), rank(ids[3]));
  }
  EXPECT_EQ(first["d"], 0);
  EXPECT_GT(first["a"], first["b"]);
  EXPECT_GT(first["b"], first["c"]);
  EXPECT_GT(first["c"], 0);  // c wins when paired with d only: 1/6 of pairs
  // In-flight multiplies load: a with 9 in flight (10 ms × 10 = 100) is now worse than d (80).
  for (int i = 0; i < 9; ++i) r.OnStart("a");
  int a_first = 0;
  for (int i = 0; i < 200; ++i) a_first += RouteIds(r, {.skill = "echo"}, agents)[0] == "a";
  EXPECT_EQ(a_first, 0);
}

TEST(Router, StrategiesAreDeterministicPerSeed) {
  std::vector<AgentInfo> agents;
  for (int i = 0; i < 12; ++i) agents.push_back(Agent("agent-" + std::to_string(i), 10 + i % 3, 100 * (i % 5), 1 + i % 4));
  for (Strategy s : {Strategy::kP2cEwma, Strategy::kShuffle, Strategy::kCost, Strategy::kLatency}) {
    std::vector<std::vector<std::string>> runs[3];
    for (int run = 0; run < 3; ++run) {
      FakeClock clock;
      Router r(clock, {.seed = run == 2 ? 99u : 5u});
      for (int k = 0; k < 20; ++k) {
        // Input order must not matter either: reverse the list on odd calls.
        std::vector<AgentInfo> in = agents;
        if (k % 2) std::reverse(in.begin(), in.end());
        runs[run].push_back(RouteIds(r, {.skill = "echo", .strategy = s}, in));
      }
    }
    EXPECT_EQ(runs[0], runs[1]) << StrategyName(s);
    if (s == Strategy::kP2cEwma || s == Strategy::kShuffle) {
      EXPECT_NE(runs[0], runs[2]) << StrategyName(s);
    }
  }
}

TEST(Router, ShuffleFollowsWeights) {
  FakeClock clock;
  Router r(clock, {.seed = 3});
  std::vector<AgentInfo> agents = {Agent("a", 1, 1, 1), Agent("b", 1, 1, 3), Agent("c", 1, 1, 6)};
  std::map<std::string, int> first;
  const int n = 6000;
  for (int i = 0; i < n; ++i) ++first[RouteIds(r, {.skill = "echo", .strategy = Strategy::kShuffle}, agents)[0]];
  EXPECT_NEAR(first["a"] / double(n), 0.1, 0.03);
  EXPECT_NEAR(first["b"] / double(n), 0.3, 0.03);
  EXPECT_NEAR(first["c"] / double(n), 0.6, 0.03);
}

TEST(Router, ThreeFailuresWithinAMinuteCoolFiveSeconds) {
  FakeClock clock;
  Router r(clock);
  std::vector<AgentInfo> agents = {Agent("a"), Agent("b")};
  for (int i = 0; i < 2; ++i) {
    r.OnStart("a");
    r.OnFinish("a", Outcome::Http(503, 1000));
    clock.AdvanceMs(20'000);
  }
  EXPECT_FALSE(r.InCooldown("a"));
  EXPECT_EQ(r.Snapshot("a").recent_failures, 2u);
  clock.AdvanceMs(25'000);  // the first failure is now 65 s old: out of the window
  r.OnStart("a");
  r.OnFinish("a", Outcome::Timeout(1000));
  EXPECT_FALSE(r.InCooldown("a")) << "only 2 failures within 60 s";
  r.OnStart("a");
  r.OnFinish("a", Outcome::ConnectionError(10));
  EXPECT_TRUE(r.InCooldown("a"));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(RouteIds(r, {.skill = "echo"}, agents), std::vector<std::string>{"b"});
  clock.AdvanceMs(4'999);
  EXPECT_TRUE(r.InCooldown("a"));
  clock.AdvanceMs(2);
  EXPECT_FALSE(r.InCooldown("a"));
  EXPECT_EQ(RouteIds(r, {.skill = "echo"}, agents).size(), 2u);
  EXPECT_EQ(r.Snapshot("a").cooldowns, 1u);
}

TEST(Router, Any429CoolsAtOnceAndRetryAfterSetsTheLength) {
  FakeClock clock;
  Router r(clock);
  r.OnStart("a");
  r.OnFinish("a", Outcome::Http(429, 100));
  EXPECT_TRUE(r.InCooldown("a"));
  clock.AdvanceMs(5'001);
  EXPECT_FALSE(r.InCooldown("a"));
  r.OnStart("a");
  r.OnFinish("a", Outcome::Http(429, 100, "12"));
  clock.AdvanceMs(11'000);
  EXPECT_TRUE(r.InCooldown("a"));
  clock.AdvanceMs(1'001);
  EXPECT_FALSE(r.InCooldown("a"));
  // An HTTP date 30 s ahead of the wall clock.
  time_t wall = static_cast<time_t>(clock.WallMicros() / 1'000'000) + 30;
  char date[64];
  std::tm tm{};
  gmtime_r(&wall, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  r.OnStart("a");
  r.OnFinish("a", Outcome::Http(429, 100, date));
  clock.AdvanceMs(29'000);
  EXPECT_TRUE(r.InCooldown("a")) << date;
  clock.AdvanceMs(1'500);
  EXPECT_FALSE(r.InCooldown("a"));
}

TEST(Router, ClientErrorsDoNotCount) {
  FakeClock clock;
  Router r(clock);
  for (int i = 0; i < 10; ++i) {
    r.OnStart("a");
    r.OnFinish("a", Outcome::Http(404, 100));
  }
  EXPECT_FALSE(r.InCooldown("a"));
  EXPECT_EQ(r.Snapshot("a").recent_failures, 0u);
  EXPECT_FALSE(Outcome::Http(400, 0).ShouldFailover());
  EXPECT_TRUE(Outcome::Http(429, 0).ShouldFailover());
  EXPECT_TRUE(Outcome::Http(502, 0).ShouldFailover());
  EXPECT_TRUE(Outcome::Timeout(0).ShouldFailover());
  EXPECT_TRUE(Outcome::ConnectionError(0).ShouldFailover());
  EXPECT_FALSE(Outcome::Success(0).ShouldFailover());
}

TEST(Router, AllCoolingIsUnavailable) {
  FakeClock clock;
  Router r(clock);
  std::vector<AgentInfo> agents = {Agent("a"), Agent("b")};
  for (const char* id : {"a", "b"}) {
    r.OnStart(id);
    r.OnFinish(id, Outcome::Http(429, 1));
  }
  Result<std::vector<AgentInfo>> res = r.Route({.skill = "echo"}, agents);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable);
}

TEST(Router, UnhealthyDroppedUnlessAllAreUnhealthy) {
  FakeClock clock;
  Router r(clock);
  std::vector<AgentInfo> agents = {Agent("a"), Agent("b"), Agent("c")};
  r.SetHealthy("a", false);
  r.SetHealthy("c", false);
  EXPECT_EQ(RouteIds(r, {.skill = "echo"}, agents), std::vector<std::string>{"b"});
  r.SetHealthy("b", false);
  EXPECT_EQ(RouteIds(r, {.skill = "echo", .strategy = Strategy::kCost}, agents),
            (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Router, FailuresLookSlow) {
  FakeClock clock;
  Router r(clock);
  Warm(r, "a", 1'000);
  r.OnStart("a");
  r.OnFinish("a", Outcome::Http(503, 50));  // a fast 503 must not look fast
  EXPECT_GE(r.Snapshot("a").peak_ewma_micros, r.options().failure_penalty_micros);
  EXPECT_EQ(r.Snapshot("a").in_flight, 0u);
}

TEST(RetryAfter, ParsesSecondsAndDates) {
  EXPECT_EQ(ParseRetryAfter("7", 0), 7'000'000);
  EXPECT_EQ(ParseRetryAfter(" 0 ", 0), 0);
  EXPECT_EQ(ParseRetryAfter("", 0), -1);
  EXPECT_EQ(ParseRetryAfter("soon", 0), -1);
  EXPECT_EQ(ParseRetryAfter("-3", 0), -1);
  // 784111777 = Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example).
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111777LL * 1'000'000 - 5'000'000), 5'000'000);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111777LL * 1'000'000 + 1), 0);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 UTC", 0), -1);
}

}  // namespace
}  // namespace cess::agenthub
