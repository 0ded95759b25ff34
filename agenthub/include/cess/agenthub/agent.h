// What the router knows about a registered agent, and the directory it reads agents from.
//
// The directory is the seam to the chain (DESIGN.md §2: agenthub never includes chain code): the
// node plugs in an implementation that reads the chain's `agents` registry; tests and the example
// set-up use StaticDirectory.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::agenthub {

enum class AgentStatus : uint8_t {
  kActive = 0,  // routable
  kPaused = 1,  // registered but taking no traffic (owner's choice)
  kExpired = 2, // registration not refreshed in time; not routable
};

// The static, registry-side description of one agent (one endpoint).
struct AgentInfo {
  std::string id;          // unique; the registry's agent id
  std::string name;        // display name (from the card)
  std::string url;         // JSON-RPC endpoint, "http://host:port/path"
  std::string card_url;    // agent card URL for health checks; empty = <origin of url>/.well-known/agent-card.json
  std::vector<std::string> skills;  // skill ids
  std::vector<std::string> tags;    // union of the skills' tags
  AgentStatus status = AgentStatus::kActive;
  uint64_t price = 0;       // per successful call, in the chain's smallest unit
  std::string region;       // free-form, e.g. "eu-west"; empty = unspecified
  uint32_t reputation = 500;  // 0..1000, higher is better (from the chain, per era)
  uint32_t weight = 1;        // endpoint weight for `shuffle`; 0 is treated as 1

  bool HasSkill(std::string_view skill) const;
  bool HasTag(std::string_view tag) const;
  // The card URL to probe: card_url, or the origin of `url` + "/.well-known/agent-card.json".
  std::string HealthUrl() const;
};

// Source of the agents the router may choose from.
// Thread safety: implementations must allow concurrent calls.
class AgentDirectory {
 public:
  virtual ~AgentDirectory() = default;
  // Every known agent (any status); the router filters. Errors: Unavailable when the source
  // (e.g. the chain client) cannot be read now.
  virtual Result<std::vector<AgentInfo>> ListAgents() const = 0;
};

// An in-memory directory (tests, the example set-up, a static gateway config). Thread-safe.
class StaticDirectory final : public AgentDirectory {
 public:
  StaticDirectory() = default;
  explicit StaticDirectory(std::vector<AgentInfo> agents);
  // Adds or replaces the agent with info.id. Errors: InvalidArgument for an empty id or url.
  Status Upsert(AgentInfo info);
  // Removes the agent. Errors: NotFound.
  Status Remove(std::string_view id);
  Result<std::vector<AgentInfo>> ListAgents() const override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, AgentInfo, std::less<>> agents_;  // guarded by mu_
};

}  // namespace cess::agenthub
