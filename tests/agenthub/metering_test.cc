#include "cess/agenthub/metering.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <thread>

namespace cess::agenthub {
namespace {

class RecordingSink : public UsageSink {
 public:
  Status Submit(const UsageBatch& batch, const Bytes& canonical) override {
    std::lock_guard lock(mu);
    if (fail_next) {
      fail_next = false;
      return Status::Unavailable("chain busy");
    }
    batches.push_back(batch);
    bytes.push_back(canonical);
    return Status::Ok();
  }
  std::mutex mu;
  bool fail_next = false;
  std::vector<UsageBatch> batches;
  std::vector<Bytes> bytes;
};

TEST(Metering, BucketsAreFixed) {
  EXPECT_EQ(LatencyBucket(0), 0u);
  EXPECT_EQ(LatencyBucket(1000), 0u);
  EXPECT_EQ(LatencyBucket(1001), 1u);
  EXPECT_EQ(LatencyBucket(5'000'000), 11u);
  EXPECT_EQ(LatencyBucket(5'000'001), 12u);
  EXPECT_EQ(kLatencyBuckets, 13u);
}

// Random calls from several threads: one flush gives ONE batch whose per-agent counters equal a
// plain reference tally, and whose canonical bytes decode back to it.
TEST(Metering, OneBatchPerFlushMatchesReference) {
  FakeClock clock;
  RecordingSink sink;
  UsageMeter meter(sink, clock, {.hub_id = "hub-1"});
  struct Call {
    std::string agent;
    uint64_t price;
    bool ok;
    int64_t latency;
  };
  std::mt19937_64 rng(std::random_device{}());
  std::vector<std::vector<Call>> per_thread(4);
  for (auto& calls : per_thread) {
    for (int i = 0; i < 2000; ++i) {
      calls.push_back({"agent-" + std::to_string(rng() % 5), rng() % 100, rng() % 4 != 0,
                       static_cast<int64_t>(rng() % 7'000'000)});
    }
  }
  std::map<std::string, AgentUsage> ref;
  for (const auto& calls : per_thread) {
    for (const Call& c : calls) {
      AgentUsage& u = ref[c.agent];
      u.agent_id = c.agent;
      ++u.calls;
      if (c.ok) u.amount += c.price;
      else ++u.failures;
      u.latency_sum_micros += static_cast<uint64_t>(c.latency);
      ++u.latency_buckets[LatencyBucket(c.latency)];
    }
  }
  std::vector<std::thread> threads;
  for (const auto& calls : per_thread) {
    threads.emplace_back([&meter, &calls] {
      for (const Call& c : calls) meter.Record(c.agent, c.price, c.ok, c.latency);
    });
  }
  for (auto& t : threads) t.join();
  clock.AdvanceMs(6000);
  Result<bool> flushed = meter.Flush();
  ASSERT_TRUE(flushed.ok());
  EXPECT_TRUE(*flushed);
  ASSERT_EQ(sink.batches.size(), 1u);
  const UsageBatch& b = sink.batches[0];
  EXPECT_EQ(b.hub_id, "hub-1");
  EXPECT_EQ(b.sequence, 0u);
  EXPECT_EQ(b.end_unix_micros - b.start_unix_micros, 6'000'000);
  ASSERT_EQ(b.agents.size(), ref.size());
  size_t i = 0;
  for (const auto& [id, u] : ref) EXPECT_EQ(b.agents[i++], u) << id;
  Result<UsageBatch> decoded = codec::Decode<UsageBatch>(sink.bytes[0]);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, b);
  EXPECT_EQ(codec::Encode(*decoded), sink.bytes[0]);
  // Nothing new: no batch.
  Result<bool> again = meter.Flush();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(sink.batches.size(), 1u);
}

TEST(Metering, FailedSubmitKeepsUsageForTheNextBatch) {
  FakeClock clock;
  RecordingSink sink;
  UsageMeter meter(sink, clock);
  meter.Record("a", 10, true, 1000);
  sink.fail_next = true;
  EXPECT_FALSE(meter.Flush().ok());
  meter.Record("a", 10, false, 3000);
  meter.Record("b", 5, true, 1000);
  ASSERT_TRUE(meter.Flush().ok());
  ASSERT_EQ(sink.batches.size(), 1u);
  const UsageBatch& b = sink.batches[0];
  EXPECT_EQ(b.sequence, 0u);  // the failed attempt did not use up a sequence number
  ASSERT_EQ(b.agents.size(), 2u);
  EXPECT_EQ(b.agents[0].agent_id, "a");
  EXPECT_EQ(b.agents[0].calls, 2u);
  EXPECT_EQ(b.agents[0].failures, 1u);
  EXPECT_EQ(b.agents[0].amount, 10u);
  EXPECT_EQ(b.agents[1].amount, 5u);
  meter.Record("a", 1, true, 1);
  ASSERT_TRUE(meter.Flush().ok());
  EXPECT_EQ(sink.batches.back().sequence, 1u);
  EXPECT_EQ(meter.batches_sent(), 2u);
}

TEST(Metering, DecodeRejectsInconsistentOrTruncatedBytes) {
  UsageBatch b;
  b.hub_id = "h";
  AgentUsage u;
  u.agent_id = "a";
  u.calls = 2;
  u.latency_buckets[0] = 2;
  b.agents.push_back(u);
  Bytes bytes = codec::Encode(b);
  ASSERT_TRUE(codec::Decode<UsageBatch>(bytes).ok());
  Bytes truncated(bytes.begin(), bytes.end() - 1);
  EXPECT_FALSE(codec::Decode<UsageBatch>(truncated).ok());
  b.agents[0].failures = 3;  // more failures than calls
  EXPECT_FALSE(codec::Decode<UsageBatch>(codec::Encode(b)).ok());
  b.agents[0].failures = 0;
  b.agents.push_back(u);  // duplicate agent id
  EXPECT_FALSE(codec::Decode<UsageBatch>(codec::Encode(b)).ok());
}

TEST(Metering, BackgroundThreadFlushesEveryInterval) {
  RecordingSink sink;
  UsageMeter meter(sink, RealClock(), {.hub_id = "h", .flush_interval_micros = 20'000});
  ASSERT_TRUE(meter.Start().ok());
  EXPECT_FALSE(meter.Start().ok());
  for (int i = 0; i < 5; ++i) {
    meter.Record("a", 1, true, 100);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  ASSERT_TRUE(meter.Stop().ok());
  std::lock_guard lock(sink.mu);
  uint64_t calls = 0;
  for (const UsageBatch& b : sink.batches) {
    ASSERT_EQ(b.agents.size(), 1u);
    calls += b.agents[0].calls;
  }
  EXPECT_EQ(calls, 5u);
  EXPECT_GE(sink.batches.size(), 2u);
  EXPECT_LE(sink.batches.size(), 5u);  // batched: never more batches than calls here
}

}  // namespace
}  // namespace cess::agenthub
