#include "cess/agenthub/agent.h"

#include <algorithm>

#include "cess/agenthub/forwarder.h"

namespace cess::agenthub {

bool AgentInfo::HasSkill(std::string_view skill) const {
  return std::find(skills.begin(), skills.end(), skill) != skills.end();
}

bool AgentInfo::HasTag(std::string_view tag) const { return std::find(tags.begin(), tags.end(), tag) != tags.end(); }

std::string AgentInfo::HealthUrl() const {
  if (!card_url.empty()) return card_url;
  Result<HttpUrl> u = ParseHttpUrl(url);
  if (!u.ok()) return url;
  return "http://" + u->Authority() + "/.well-known/agent-card.json";
}

StaticDirectory::StaticDirectory(std::vector<AgentInfo> agents) {
  for (AgentInfo& a : agents) agents_[a.id] = std::move(a);
}

Status StaticDirectory::Upsert(AgentInfo info) {
  if (info.id.empty()) return Status::InvalidArgument("agent id must not be empty");
  if (info.url.empty()) return Status::InvalidArgument("agent " + info.id + ": url must not be empty");
  std::lock_guard lock(mu_);
  std::string id = info.id;
  agents_[id] = std::move(info);
  return Status::Ok();
}

Status StaticDirectory::Remove(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = agents_.find(id);
  if (it == agents_.end()) return Status::NotFound("no agent " + std::string(id));
  agents_.erase(it);
  return Status::Ok();
}

Result<std::vector<AgentInfo>> StaticDirectory::ListAgents() const {
  std::lock_guard lock(mu_);
  std::vector<AgentInfo> out;
  out.reserve(agents_.size());
  for (const auto& [id, a] : agents_) out.push_back(a);
  return out;
}

}  // namespace cess::agenthub
