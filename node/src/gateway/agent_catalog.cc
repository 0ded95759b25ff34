#include "gateway/agent_catalog.h"

#include <algorithm>
#include <set>
#include <utility>

namespace cess::gateway {

Result<std::vector<agenthub::AgentInfo>> AgentCatalog::ListAgents() const {
  CESS_ASSIGN_OR_RETURN(auto entries, ListEntries());
  std::vector<agenthub::AgentInfo> out;
  out.reserve(entries.size());
  for (auto& e : entries) out.push_back(std::move(e.info));
  return out;
}

Status StaticCatalog::Upsert(CatalogEntry entry) {
  if (entry.info.id.empty()) return Status::InvalidArgument("catalog entry: empty agent id");
  if (entry.info.url.empty())
    return Status::InvalidArgument("catalog entry " + entry.info.id + ": empty url");
  std::lock_guard<std::mutex> lock(mu_);
  std::string id = entry.info.id;
  entries_[std::move(id)] = std::move(entry);
  return Status::Ok();
}

Status StaticCatalog::Remove(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return Status::NotFound("no agent " + std::string(id));
  entries_.erase(it);
  return Status::Ok();
}

Result<std::vector<CatalogEntry>> StaticCatalog::ListEntries() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CatalogEntry> out;
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) out.push_back(e);
  return out;
}

agenthub::AgentInfo InfoFromCard(const agenthub::AgentCard& card) {
  agenthub::AgentInfo info;
  info.name = card.name;
  if (!card.supported_interfaces.empty()) info.url = card.PreferredUrl();
  std::set<std::string> tags;
  for (const auto& s : card.skills) {
    info.skills.push_back(s.id);
    tags.insert(s.tags.begin(), s.tags.end());
  }
  info.tags.assign(tags.begin(), tags.end());
  return info;
}

}  // namespace cess::gateway
