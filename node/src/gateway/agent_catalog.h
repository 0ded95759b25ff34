// The gateway's view of the registered agents: the router's AgentInfo plus each agent's Agent Card
// and its registry record, for the discovery routes (GET /api/v1/agents) and the hub's own card.
// ChainAgentDirectory (chain_directory.h) reads it from the chain; StaticCatalog holds it in memory
// (tests, a gateway without a chain).
#pragma once

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cess/agenthub/agent.h"
#include "cess/agenthub/agent_card.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::gateway {

// One registered agent as the gateway serves it.
struct CatalogEntry {
  agenthub::AgentInfo info;  // what the router routes on
  agenthub::AgentCard card;  // the registered card
  nlohmann::json registry;   // registry fields shown by the REST routes (owner, stake, digest, ...);
                             //   an object, or null when there are none
};

// An AgentDirectory that also knows the cards. Thread safety: implementations allow concurrent calls.
class AgentCatalog : public agenthub::AgentDirectory {
 public:
  // Every known agent (any status). Errors: Unavailable when the source cannot be read now.
  virtual Result<std::vector<CatalogEntry>> ListEntries() const = 0;
  // AgentDirectory: the `info` of every entry. Errors: as ListEntries.
  Result<std::vector<agenthub::AgentInfo>> ListAgents() const override;
};

// An in-memory catalog. Thread-safe.
class StaticCatalog final : public AgentCatalog {
 public:
  // Adds or replaces the entry with entry.info.id. Errors: InvalidArgument for an empty id or url.
  Status Upsert(CatalogEntry entry);
  // Removes an entry. Errors: NotFound.
  Status Remove(std::string_view id);
  Result<std::vector<CatalogEntry>> ListEntries() const override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, CatalogEntry, std::less<>> entries_;  // guarded by mu_
};

// The AgentInfo the router needs, derived from a card: name, the preferred interface URL, skill
// ids and the union of their tags (sorted, deduplicated). Registry-only fields (id, price, region,
// status, reputation, weight) are left for the caller to fill.
agenthub::AgentInfo InfoFromCard(const agenthub::AgentCard& card);

}  // namespace cess::gateway
