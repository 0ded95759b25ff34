// The agents registered on the chain (module `agents`) as the gateway's AgentCatalog: read over the
// node API through RemoteStateReader and the module's read helpers, cached for a short time so a
// busy gateway does not read the chain on every request.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "cess/chain/runtime/agents.h"
#include "cessd/node_client.h"
#include "gateway/agent_catalog.h"

namespace cess::gateway {

struct ChainDirectoryOptions {
  int64_t cache_ttl_ms = 1000;  // how long one read of the registry is served; default 1 s
};

// The catalog entry of one on-chain record: info.id = the agent id in hex, url = the registered
// endpoint, status/price/region/reputation/weight from the record, and the card parsed from the
// registered JSON. A card the chain accepted but agenthub's stricter 1.0 check refuses becomes a
// minimal card (name, the record's skills, the endpoint) with registry.card_error saying why.
CatalogEntry EntryFromRecord(const chain::runtime::agents::AgentRecord& record);

// Thread-safe. Within the TTL every call returns the cached registry; after it, one caller reads
// the chain again (the others wait for that read). When a read fails and an earlier one succeeded,
// the earlier registry keeps being served (a chain hiccup does not stop routing) and the failure
// is logged; before any successful read the error is returned.
class ChainAgentDirectory final : public AgentCatalog {
 public:
  // `client` must outlive the directory.
  explicit ChainAgentDirectory(const node::NodeClient& client, ChainDirectoryOptions options = {});

  // Errors: Unavailable / DeadlineExceeded from the node API before any successful read;
  // Corruption for a malformed record.
  Result<std::vector<CatalogEntry>> ListEntries() const override;
  Result<std::vector<agenthub::AgentInfo>> ListAgents() const override;

 private:
  struct Snapshot {
    std::vector<CatalogEntry> entries;
    std::vector<agenthub::AgentInfo> infos;
  };
  Result<std::shared_ptr<const Snapshot>> Current() const;
  Result<std::shared_ptr<const Snapshot>> Load() const;

  const node::NodeClient& client_;
  const ChainDirectoryOptions options_;
  mutable std::mutex load_mu_;  // one chain read at a time
  mutable std::mutex mu_;
  mutable std::shared_ptr<const Snapshot> snapshot_;  // guarded by mu_
  mutable int64_t loaded_at_ms_ = 0;                  // guarded by mu_ (steady clock)
};

}  // namespace cess::gateway
