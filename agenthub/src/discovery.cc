#include "cess/agenthub/discovery.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace cess::agenthub {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Contains(std::string_view hay, const std::string& needle_lower) {
  return Lower(hay).find(needle_lower) != std::string::npos;
}

}  // namespace

bool MatchesDiscovery(const AgentCard& card, const DiscoveryQuery& query) {
  if (!query.skill.empty() && card.FindSkill(query.skill) == nullptr) return false;
  if (!query.tag.empty()) {
    const std::string tag = Lower(query.tag);
    bool found = false;
    for (const AgentSkill& s : card.skills) {
      for (const std::string& t : s.tags) found = found || Lower(t) == tag;
    }
    if (!found) return false;
  }
  if (!query.q.empty()) {
    const std::string q = Lower(query.q);
    bool found = Contains(card.name, q) || Contains(card.description, q);
    for (const AgentSkill& s : card.skills) {
      if (found) break;
      found = Contains(s.id, q) || Contains(s.name, q) || Contains(s.description, q);
      for (const std::string& t : s.tags) found = found || Contains(t, q);
    }
    if (!found) return false;
  }
  return true;
}

AgentCard MakeHubCard(const std::string& name, const std::string& description, const std::string& url,
                      const std::vector<AgentCard>& agent_cards) {
  AgentCard hub;
  hub.name = name;
  hub.description = description;
  hub.version = "1.0.0";
  hub.supported_interfaces = {AgentInterface{url, "JSONRPC", "1.0", ""}};
  hub.has_provider = true;
  hub.provider = AgentProvider{"CESS", "https://cess.network"};
  hub.capabilities.streaming = true;
  hub.default_input_modes = {"text/plain"};
  hub.default_output_modes = {"text/plain"};
  std::map<std::string, AgentSkill> skills;
  for (const AgentCard& c : agent_cards) {
    for (const AgentSkill& s : c.skills) skills.emplace(s.id, s);
  }
  for (auto& [id, s] : skills) hub.skills.push_back(std::move(s));
  if (hub.skills.empty()) {
    hub.skills.push_back(AgentSkill{"route", "Route", "Routes A2A messages to registered agents by skill (none registered yet).",
                                    {"hub"}, {}, {}, {}});
  }
  return hub;
}

}  // namespace cess::agenthub
