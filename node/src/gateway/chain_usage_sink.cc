#include "gateway/chain_usage_sink.h"

#include <algorithm>

#include "cess/core/log.h"
#include "cessd/remote_state.h"

namespace cess::gateway {
namespace {

namespace agents = chain::runtime::agents;
const log::Logger kLog("gateway");

}  // namespace

Result<agents::ReportUsageArgs> ToReportUsageArgs(const agenthub::UsageBatch& batch, uint64_t sequence) {
  static_assert(agenthub::kLatencyBuckets == agents::kUsageLatencyBuckets, "latency buckets differ");
  if (batch.agents.size() > agents::kMaxUsageEntries) {
    return Status::InvalidArgument("usage batch holds " + std::to_string(batch.agents.size()) +
                                   " agents (max " + std::to_string(agents::kMaxUsageEntries) + ")");
  }
  agents::ReportUsageArgs args;
  args.sequence = sequence;
  args.start_unix_micros = batch.start_unix_micros;
  args.end_unix_micros = batch.end_unix_micros;
  for (const auto& a : batch.agents) {
    agents::UsageEntry e;
    CESS_ASSIGN_OR_RETURN(e.agent, agents::AgentId::FromHex(a.agent_id));
    e.usage.calls = a.calls;
    e.usage.failures = a.failures;
    e.usage.amount = a.amount;
    e.usage.latency_sum_micros = a.latency_sum_micros;
    std::copy(a.latency_buckets.begin(), a.latency_buckets.end(), e.usage.latency_buckets.begin());
    args.entries.push_back(std::move(e));
  }
  std::sort(args.entries.begin(), args.entries.end(),
            [](const agents::UsageEntry& x, const agents::UsageEntry& y) { return x.agent < y.agent; });
  for (size_t i = 1; i < args.entries.size(); ++i) {
    if (args.entries[i].agent == args.entries[i - 1].agent) {
      return Status::InvalidArgument("usage batch names agent " + args.entries[i].agent.ToHex() + " twice");
    }
  }
  return args;
}

ChainUsageSink::ChainUsageSink(const node::NodeClient& client, node::TxSubmitter& tx,
                               ChainUsageSinkOptions options)
    : client_(client), tx_(tx), options_(std::move(options)) {}

Status ChainUsageSink::LoadHubLocked() {
  node::RemoteStateReader reader(client_);
  CESS_ASSIGN_OR_RETURN(auto hub, agents::ReadHub(reader, tx_.account()));
  if (!hub) {
    kLog.Info("registering hub '{}' ({}) on chain", options_.hub_name, tx_.account().ToHex());
    CESS_RETURN_IF_ERROR(
        tx_.SubmitAndWait(agents::RegisterHubCall(options_.hub_name), 0, options_.timeout_ms).status());
    CESS_ASSIGN_OR_RETURN(hub, agents::ReadHub(reader, tx_.account()));
    if (!hub) return Status::Unavailable("hub registration finalized but the hub record is not readable yet");
  }
  next_sequence_ = hub->next_sequence;
  last_end_ = hub->last_end_unix_micros;
  hub_ready_ = true;
  return Status::Ok();
}

Status ChainUsageSink::EnsureHub() {
  std::lock_guard<std::mutex> lock(mu_);
  if (hub_ready_) return Status::Ok();
  return LoadHubLocked();
}

Status ChainUsageSink::Submit(const agenthub::UsageBatch& batch, const Bytes& canonical) {
  (void)canonical;  // the transaction carries the chain's own encoding of the same fields
  std::lock_guard<std::mutex> lock(mu_);
  if (!hub_ready_) CESS_RETURN_IF_ERROR(LoadHubLocked());
  CESS_ASSIGN_OR_RETURN(auto args, ToReportUsageArgs(batch, next_sequence_));
  // A batch kept after a failed submit keeps its old start; if that submit did land after all,
  // the chain wants this one to start at or after the accepted one's end.
  args.start_unix_micros = std::max(args.start_unix_micros, last_end_);
  args.end_unix_micros = std::max(args.end_unix_micros, args.start_unix_micros);
  auto outcome = tx_.SubmitAndWait(agents::ReportUsageCall(args), 0, options_.timeout_ms);
  if (!outcome.ok()) {
    if (outcome.status().code() == StatusCode::kFailedPrecondition) {
      hub_ready_ = false;  // re-read the hub's sequence before the next batch
    }
    return outcome.status();
  }
  ++next_sequence_;
  last_end_ = args.end_unix_micros;
  ++accepted_;
  kLog.Debug("usage batch {} ({} agents) finalized at height {}", args.sequence, args.entries.size(),
             outcome->height);
  return Status::Ok();
}

uint64_t ChainUsageSink::accepted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_;
}

}  // namespace cess::gateway
