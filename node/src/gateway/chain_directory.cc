#include "gateway/chain_directory.h"

#include <chrono>
#include <string>
#include <utility>

#include "cess/core/log.h"
#include "cessd/remote_state.h"

namespace cess::gateway {
namespace {

namespace agents = chain::runtime::agents;
using json = nlohmann::json;
const log::Logger kLog("gateway");

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

agenthub::AgentStatus ToHubStatus(agents::AgentStatus s) {
  switch (s) {
    case agents::AgentStatus::kActive:
      return agenthub::AgentStatus::kActive;
    case agents::AgentStatus::kPaused:
      return agenthub::AgentStatus::kPaused;
    case agents::AgentStatus::kExpired:
      return agenthub::AgentStatus::kExpired;
  }
  return agenthub::AgentStatus::kExpired;
}

// A card built from what the chain extracted, for a registered card agenthub cannot parse.
agenthub::AgentCard MinimalCard(const agents::AgentRecord& r) {
  static const std::string kText = "text/plain";
  agenthub::AgentCard c;
  c.name = r.name;
  c.description = r.name;
  c.version = std::string(1, '0');
  agenthub::AgentInterface iface;
  iface.url = r.endpoint;
  c.supported_interfaces.push_back(std::move(iface));
  c.default_input_modes.push_back(kText);
  c.default_output_modes.push_back(kText);
  for (const auto& s : r.skills) {
    agenthub::AgentSkill skill;
    skill.id = s.id;
    skill.name = s.id;
    skill.description = s.id;
    skill.tags = s.tags;
    c.skills.push_back(std::move(skill));
  }
  return c;
}

}  // namespace

CatalogEntry EntryFromRecord(const agents::AgentRecord& r) {
  CatalogEntry e;
  e.registry = {{"owner", r.owner.ToHex()},
                {"stake", r.stake},
                {"digest", chain::HashToHex(r.digest)},
                {"endpoint", r.endpoint},
                {"paused", r.paused},
                {"registered_at", r.registered_at},
                {"expires_at", r.expires_at},
                {"reputation_era", r.reputation_era},
                {"total_calls", r.total_calls},
                {"total_failures", r.total_failures},
                {"total_amount", r.total_amount}};
  auto card = agenthub::ParseAgentCard(std::string(r.card.begin(), r.card.end()));
  if (card.ok()) {
    e.card = std::move(*card);
  } else {
    e.registry["card_error"] = card.status().message();
    e.card = MinimalCard(r);
  }
  agenthub::AgentInfo& info = e.info;
  info.id = r.id.ToHex();
  info.name = r.name;
  info.url = r.endpoint;
  for (const auto& s : r.skills) info.skills.push_back(s.id);
  info.tags = r.AllTags();
  info.status = ToHubStatus(r.status);
  info.price = r.price;
  info.region = r.region;
  info.reputation = r.reputation;
  info.weight = r.weight == 0 ? 1 : r.weight;
  return e;
}

ChainAgentDirectory::ChainAgentDirectory(const node::NodeClient& client, ChainDirectoryOptions options)
    : client_(client), options_(options) {}

Result<std::shared_ptr<const ChainAgentDirectory::Snapshot>> ChainAgentDirectory::Load() const {
  CESS_ASSIGN_OR_RETURN(auto status, client_.Status());
  node::RemoteStateReader reader(client_);
  // Judge status as the next block would (agents.h: head height + 1).
  CESS_ASSIGN_OR_RETURN(auto records, agents::ListAgents(reader, status.best_height() + 1));
  auto snap = std::make_shared<Snapshot>();
  snap->entries.reserve(records.size());
  for (const auto& r : records) {
    snap->entries.push_back(EntryFromRecord(r));
    snap->infos.push_back(snap->entries.back().info);
  }
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

Result<std::shared_ptr<const ChainAgentDirectory::Snapshot>> ChainAgentDirectory::Current() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (snapshot_ && NowMs() - loaded_at_ms_ < options_.cache_ttl_ms) return snapshot_;
  }
  std::lock_guard<std::mutex> load_lock(load_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);  // another caller may have loaded it meanwhile
    if (snapshot_ && NowMs() - loaded_at_ms_ < options_.cache_ttl_ms) return snapshot_;
  }
  auto loaded = Load();
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded.ok()) {
    if (!snapshot_) return loaded.status().WithContext("agent registry");
    kLog.Warn("agent registry read failed, serving the last one: {}", loaded.status().ToString());
    loaded_at_ms_ = NowMs();  // retry after another TTL, not on every request
    return snapshot_;
  }
  snapshot_ = std::move(*loaded);
  loaded_at_ms_ = NowMs();
  return snapshot_;
}

Result<std::vector<CatalogEntry>> ChainAgentDirectory::ListEntries() const {
  CESS_ASSIGN_OR_RETURN(auto snap, Current());
  return snap->entries;
}

Result<std::vector<agenthub::AgentInfo>> ChainAgentDirectory::ListAgents() const {
  CESS_ASSIGN_OR_RETURN(auto snap, Current());
  return snap->infos;
}

}  // namespace cess::gateway
