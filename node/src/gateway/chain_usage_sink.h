// The gateway's UsageSink: each batch the UsageMeter flushes becomes ONE agents.report_usage
// transaction, signed with the gateway's account (issue 6 §5). The sink registers that account as
// a hub (agents.register_hub) when the chain does not know it yet.
//
// Sequence numbers: the chain wants the hub's next sequence, which survives gateway restarts,
// while a UsageMeter counts from 0 in every process. The sink therefore numbers the transactions
// itself from the hub record (read at registration, then counted locally; re-read after a
// refusal) and ignores the meter's number.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "cess/agenthub/metering.h"
#include "cess/chain/runtime/agents.h"
#include "cessd/node_client.h"
#include "cessd/tx_submitter.h"

namespace cess::gateway {

struct ChainUsageSinkOptions {
  std::string hub_name = "cess-gateway";  // the name registered with register_hub (1..64 bytes)
  uint32_t timeout_ms = 30000;            // wait for a transaction to finalize
};

// The report_usage arguments for `batch` with sequence `sequence`: agents in id order, agent ids
// parsed from hex. Errors: InvalidArgument for an agent id that is not 32 hex digits (a batch the
// chain could not take), or more than kMaxUsageEntries agents.
Result<chain::runtime::agents::ReportUsageArgs> ToReportUsageArgs(const agenthub::UsageBatch& batch,
                                                                  uint64_t sequence);

// Thread-safe (the meter calls Submit from one thread; EnsureHub may run from another).
class ChainUsageSink final : public agenthub::UsageSink {
 public:
  // `client` and `tx` must outlive the sink; `tx` signs as the hub account.
  ChainUsageSink(const node::NodeClient& client, node::TxSubmitter& tx, ChainUsageSinkOptions options = {});

  // Registers the hub when needed and loads its next sequence. Idempotent.
  // Errors: the node API's, or FailedPrecondition "agents.register_hub: ..." when the chain refuses.
  Status EnsureHub();
  // UsageSink: EnsureHub, then one report_usage transaction, waited for until finalized.
  // Errors: as EnsureHub; FailedPrecondition when the chain refuses the batch (the hub record is
  // re-read so the next batch carries the right sequence); the node API's.
  Status Submit(const agenthub::UsageBatch& batch, const Bytes& canonical) override;

  // Batches the chain accepted through this sink.
  uint64_t accepted() const;

 private:
  Status LoadHubLocked();

  const node::NodeClient& client_;
  node::TxSubmitter& tx_;
  const ChainUsageSinkOptions options_;
  mutable std::mutex mu_;
  bool hub_ready_ = false;      // guarded by mu_
  uint64_t next_sequence_ = 0;  // guarded by mu_
  int64_t last_end_ = 0;        // guarded by mu_: the end of the last accepted interval
  uint64_t accepted_ = 0;       // guarded by mu_
};

}  // namespace cess::gateway
