// Helpers for the gateway's discovery routes and the hub's own Agent Card (issue 6 §2, §4):
//   GET /api/v1/agents?skill=&tag=&q=   -> MatchesDiscovery over the registered cards
//   GET /.well-known/agent-card.json    -> MakeHubCard over the registered cards
#pragma once

#include <string>
#include <vector>

#include "cess/agenthub/agent_card.h"

namespace cess::agenthub {

// Empty fields match everything. `skill`: a skill id, exact. `tag`: a tag of any skill,
// ASCII-case-insensitive. `q`: ASCII-case-insensitive substring of the card's name or
// description, or of any skill's id, name, description or tags.
struct DiscoveryQuery {
  std::string skill;
  std::string tag;
  std::string q;
};

// True when `card` satisfies every non-empty field of `query`. Pure; thread-safe.
bool MatchesDiscovery(const AgentCard& card, const DiscoveryQuery& query);

// The hub's own card: `name`, `description`, one JSONRPC interface at `url`, streaming on, text
// modes, and the union of the agents' skills (deduplicated by id, the first card's version of a
// skill wins; sorted by id). With no agents the card has one `route` skill describing the hub,
// so it stays valid. Pure; thread-safe.
AgentCard MakeHubCard(const std::string& name, const std::string& description, const std::string& url,
                      const std::vector<AgentCard>& agent_cards);

}  // namespace cess::agenthub
