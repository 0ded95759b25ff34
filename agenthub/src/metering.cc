#include "cess/agenthub/metering.h"

#include <chrono>

#include "cess/core/log.h"

namespace cess::agenthub {
namespace {
const log::Logger kLog("agenthub");
constexpr size_t kMaxAgentIdLen = 256;
}  // namespace

size_t LatencyBucket(int64_t latency_micros) {
  for (size_t i = 0; i < kLatencyBucketBoundsMs.size(); ++i) {
    if (latency_micros <= static_cast<int64_t>(kLatencyBucketBoundsMs[i]) * 1000) return i;
  }
  return kLatencyBucketBoundsMs.size();
}

void AgentUsage::Encode(codec::Writer& w) const {
  w.PutString(agent_id);
  w.PutU64(calls);
  w.PutU64(failures);
  w.PutU64(amount);
  w.PutU64(latency_sum_micros);
  w.PutCount(latency_buckets.size());
  for (uint64_t b : latency_buckets) w.PutU64(b);
}

Result<AgentUsage> AgentUsage::Decode(codec::Reader& r) {
  AgentUsage u;
  CESS_ASSIGN_OR_RETURN(u.agent_id, r.ReadString(kMaxAgentIdLen));
  CESS_ASSIGN_OR_RETURN(u.calls, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(u.failures, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(u.amount, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(u.latency_sum_micros, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(8));
  if (n != kLatencyBuckets) {
    return Status::Corruption("usage of " + u.agent_id + ": " + std::to_string(n) + " latency buckets, want " +
                              std::to_string(kLatencyBuckets));
  }
  uint64_t total = 0;
  for (uint64_t& b : u.latency_buckets) {
    CESS_ASSIGN_OR_RETURN(b, r.ReadU64());
    total += b;
  }
  if (u.failures > u.calls || total != u.calls) {
    return Status::Corruption("usage of " + u.agent_id + ": counters disagree (calls, failures, buckets)");
  }
  return u;
}

void AgentUsage::Merge(const AgentUsage& o) {
  calls += o.calls;
  failures += o.failures;
  amount += o.amount;
  latency_sum_micros += o.latency_sum_micros;
  for (size_t i = 0; i < kLatencyBuckets; ++i) latency_buckets[i] += o.latency_buckets[i];
}

void UsageBatch::Encode(codec::Writer& w) const {
  w.PutString(hub_id);
  w.PutU64(sequence);
  w.PutI64(start_unix_micros);
  w.PutI64(end_unix_micros);
  w.PutVector(agents);
}

Result<UsageBatch> UsageBatch::Decode(codec::Reader& r) {
  UsageBatch b;
  CESS_ASSIGN_OR_RETURN(b.hub_id, r.ReadString(kMaxAgentIdLen));
  CESS_ASSIGN_OR_RETURN(b.sequence, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(b.start_unix_micros, r.ReadI64());
  CESS_ASSIGN_OR_RETURN(b.end_unix_micros, r.ReadI64());
  CESS_ASSIGN_OR_RETURN(b.agents, r.ReadVector<AgentUsage>());
  for (size_t i = 1; i < b.agents.size(); ++i) {
    if (!(b.agents[i - 1].agent_id < b.agents[i].agent_id)) {
      return Status::Corruption("usage batch: agents not sorted and unique at " + std::to_string(i));
    }
  }
  return b;
}

UsageMeter::UsageMeter(UsageSink& sink, const Clock& clock, UsageMeterOptions options)
    : sink_(sink), clock_(clock), options_(std::move(options)), window_start_(clock.WallMicros()) {}

UsageMeter::~UsageMeter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void UsageMeter::Record(std::string_view agent_id, uint64_t price, bool success, int64_t latency_micros) {
  if (latency_micros < 0) latency_micros = 0;
  std::lock_guard lock(mu_);
  auto it = pending_.find(agent_id);
  if (it == pending_.end()) {
    it = pending_.emplace(std::string(agent_id), AgentUsage{}).first;
    it->second.agent_id = std::string(agent_id);
  }
  AgentUsage& u = it->second;
  ++u.calls;
  if (success) {
    u.amount += price;
  } else {
    ++u.failures;
  }
  u.latency_sum_micros += static_cast<uint64_t>(latency_micros);
  ++u.latency_buckets[LatencyBucket(latency_micros)];
}

Result<bool> UsageMeter::Flush() {
  std::lock_guard flush_lock(flush_mu_);
  UsageBatch batch;
  {
    std::lock_guard lock(mu_);
    if (pending_.empty()) return false;
    batch.start_unix_micros = window_start_;
    batch.end_unix_micros = clock_.WallMicros();
    window_start_ = batch.end_unix_micros;
    batch.agents.reserve(pending_.size());
    for (auto& [id, u] : pending_) batch.agents.push_back(std::move(u));  // map order = sorted by id
    pending_.clear();
  }
  batch.hub_id = options_.hub_id;
  batch.sequence = sequence_;
  Bytes canonical = codec::Encode(batch);
  Status st = sink_.Submit(batch, canonical);
  if (!st.ok()) {
    // Put the usage back so the next batch carries it; keep the window's original start.
    std::lock_guard lock(mu_);
    for (AgentUsage& u : batch.agents) {
      auto it = pending_.find(u.agent_id);
      if (it == pending_.end()) {
        pending_.emplace(u.agent_id, std::move(u));
      } else {
        it->second.Merge(u);
      }
    }
    window_start_ = batch.start_unix_micros;
    return st;
  }
  ++sequence_;
  std::lock_guard lock(mu_);
  ++sent_;
  return true;
}

Status UsageMeter::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return Status::FailedPrecondition("usage meter already started");
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

Status UsageMeter::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  Result<bool> r = Flush();
  return r.status();
}

uint64_t UsageMeter::batches_sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

void UsageMeter::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::microseconds(options_.flush_interval_micros), [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    Result<bool> r = Flush();
    if (!r.ok()) kLog.Warn("usage flush failed (kept for the next batch): {}", r.status().ToString());
    lock.lock();
  }
}

}  // namespace cess::agenthub
