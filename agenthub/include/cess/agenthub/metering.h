// Per-agent usage, accumulated in memory and flushed every interval as ONE batch record to a
// UsageSink (the chain wiring signs it and submits it as one transaction) — never one record per
// call (issue 6, Metering).
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cess/agenthub/clock.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::agenthub {

// Fixed latency bucket upper bounds in milliseconds (inclusive); a last bucket holds the rest.
inline constexpr std::array<uint32_t, 12> kLatencyBucketBoundsMs = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
inline constexpr size_t kLatencyBuckets = kLatencyBucketBoundsMs.size() + 1;
// The bucket index for a latency.
size_t LatencyBucket(int64_t latency_micros);

// One agent's usage within a batch. Canonical encoding: fields in declared order.
struct AgentUsage {
  std::string agent_id;
  uint64_t calls = 0;     // every call attempted to this agent (fallback attempts included)
  uint64_t failures = 0;  // calls that ended in a failure (Outcome::CountsAsFailure)
  uint64_t amount = 0;    // price × successful calls
  uint64_t latency_sum_micros = 0;
  std::array<uint64_t, kLatencyBuckets> latency_buckets{};  // counts per bucket

  void Encode(codec::Writer& w) const;
  static Result<AgentUsage> Decode(codec::Reader& r);
  // Adds `other`'s counters into this one (same agent).
  void Merge(const AgentUsage& other);
  friend bool operator==(const AgentUsage&, const AgentUsage&) = default;
};

// One flush: every agent with activity in [start, end), sorted by agent_id.
struct UsageBatch {
  std::string hub_id;          // which hub metered it
  uint64_t sequence = 0;       // 0, 1, 2, ... per meter; lets the chain reject replays and gaps
  int64_t start_unix_micros = 0;
  int64_t end_unix_micros = 0;
  std::vector<AgentUsage> agents;

  void Encode(codec::Writer& w) const;
  static Result<UsageBatch> Decode(codec::Reader& r);
  friend bool operator==(const UsageBatch&, const UsageBatch&) = default;
};

// Where batches go. The node implements it by signing `canonical` into one chain transaction.
// Thread safety: Submit is called from one thread at a time (the meter serializes flushes).
class UsageSink {
 public:
  virtual ~UsageSink() = default;
  // Takes one batch and its canonical bytes (codec::Encode(batch)). An error makes the meter keep
  // the usage and send it again, merged into the next batch (with the same sequence number).
  virtual Status Submit(const UsageBatch& batch, const Bytes& canonical) = 0;
};

struct UsageMeterOptions {
  std::string hub_id = "hub";
  int64_t flush_interval_micros = 6'000'000;  // background flush period (Start); default 6 s (one cess slot)
};

// Thread-safe. Record is cheap (one short lock, no allocation for a known agent).
class UsageMeter {
 public:
  UsageMeter(UsageSink& sink, const Clock& clock, UsageMeterOptions options = {});
  ~UsageMeter();  // stops the background thread (without a final flush; call Flush first)
  UsageMeter(const UsageMeter&) = delete;
  UsageMeter& operator=(const UsageMeter&) = delete;

  // Records one call to `agent_id`: a success adds `price` to the amount.
  void Record(std::string_view agent_id, uint64_t price, bool success, int64_t latency_micros);
  // Sends everything recorded since the last successful flush as one batch. Does nothing (OK,
  // returns false) when nothing was recorded. Errors: the sink's error (usage kept for later).
  Result<bool> Flush();
  // Starts a background thread that calls Flush every flush_interval (errors are logged).
  // Errors: FailedPrecondition when already started.
  Status Start();
  // Stops the background thread, then flushes once more. Errors: the final flush's error.
  Status Stop();
  // Batches submitted successfully so far.
  uint64_t batches_sent() const;

 private:
  void Loop();
  UsageSink& sink_;
  const Clock& clock_;
  const UsageMeterOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, AgentUsage, std::less<>> pending_;  // guarded by mu_
  int64_t window_start_;                                    // guarded by mu_
  std::mutex flush_mu_;  // serializes Flush (and the sink)
  uint64_t sequence_ = 0;  // guarded by flush_mu_
  uint64_t sent_ = 0;      // guarded by mu_
  std::thread thread_;
  std::condition_variable cv_;
  bool stop_ = false;     // guarded by mu_
};

}  // namespace cess::agenthub
