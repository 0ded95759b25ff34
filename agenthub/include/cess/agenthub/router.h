// The router: per-agent live state (Peak-EWMA latency, in-flight count, health, cooldown) plus the
// filter -> strategy pipeline that turns a query into an ordered list of agents to try.
//
// Pure logic, no I/O: the clock and the seed are injected, so every decision is reproducible.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cess/agenthub/agent.h"
#include "cess/agenthub/clock.h"
#include "cess/agenthub/outcome.h"
#include "cess/agenthub/peak_ewma.h"
#include "cess/agenthub/strategy.h"
#include "cess/core/result.h"

namespace cess::agenthub {

struct RouterOptions {
  uint64_t seed = 0;                          // seeds the strategy RNG; default 0
  Strategy default_strategy = Strategy::kP2cEwma;
  int64_t ewma_tau_micros = 10'000'000;       // Peak-EWMA decay constant; default 10 s (Linkerd)
  double default_rtt_micros = 30'000;         // estimate before any sample; default 30 ms (Linkerd)
  double failure_penalty_micros = 500'000;    // a failed call is observed as at least this slow,
                                              //   so fast 5xx/429 never look "fast"; default 0.5 s
  uint32_t failures_to_cooldown = 3;          // failures within failure_window cool an agent; default 3
  int64_t failure_window_micros = 60'000'000; // default 60 s
  int64_t cooldown_micros = 5'000'000;        // default 5 s; Retry-After overrides it
  int64_t max_cooldown_micros = 3'600'000'000;  // Retry-After is capped here; default 1 h
};

// What a caller asks for. Empty / unset fields do not filter.
struct RouteQuery {
  std::string skill;               // the agent must offer this skill id
  std::vector<std::string> tags;   // the agent must carry every one of these tags
  std::optional<uint64_t> max_price;  // price ceiling per call
  std::string region;              // exact region match
  std::optional<Strategy> strategy;   // default: RouterOptions::default_strategy
  std::vector<std::string> exclude;   // agent ids not to use
};

// A copy of one agent's live state (for tests, metrics and the dashboard).
struct EndpointSnapshot {
  double peak_ewma_micros = 0;
  uint32_t in_flight = 0;
  bool healthy = true;
  int64_t cooldown_until_micros = 0;  // 0 = never cooled
  uint32_t recent_failures = 0;       // within the failure window
  uint64_t cooldowns = 0;             // how many times it entered cooldown
};

// Thread-safe: every method may be called from any thread.
class Router {
 public:
  Router(const Clock& clock, RouterOptions options = {});

  // Filters `agents` by `query` and orders the survivors by the strategy. Filter order: status
  // Active, skill, tags, price ceiling, region, not excluded, not in cooldown; then health: the
  // unhealthy are dropped unless every remaining candidate is unhealthy (then health is ignored).
  // Returns the ordered agents: the chosen one first, then the fallbacks.
  // Errors: NotFound when nothing matches skill/tags/price/region/status; Unavailable when matches
  // exist but all are in cooldown (no traffic is sent to a cooling agent).
  Result<std::vector<AgentInfo>> Route(const RouteQuery& query, const std::vector<AgentInfo>& agents);

  // Marks the start of a call to `agent_id` (in_flight + 1). Pair every OnStart with OnFinish.
  void OnStart(const std::string& agent_id);
  // Ends a call: in_flight - 1, the latency goes into the Peak-EWMA (at least the failure penalty
  // for a failure), and failures drive the cooldown: any 429 cools the agent at once; otherwise
  // failures_to_cooldown failures within the window do. A Retry-After header sets the cooldown's
  // length (capped at max_cooldown). Failures of fallback attempts count exactly the same.
  void OnFinish(const std::string& agent_id, const Outcome& outcome);
  // Records the active health-check verdict for an agent.
  void SetHealthy(const std::string& agent_id, bool healthy);
  // True when the agent is cooling down now.
  bool InCooldown(const std::string& agent_id) const;
  // A copy of the agent's state (a fresh default one for an unknown id).
  EndpointSnapshot Snapshot(const std::string& agent_id) const;

  const RouterOptions& options() const { return options_; }

 private:
  struct State {
    explicit State(const RouterOptions& o, int64_t now) : ewma(o.default_rtt_micros, o.ewma_tau_micros, now) {}
    PeakEwma ewma;
    uint32_t in_flight = 0;
    bool healthy = true;
    int64_t cooldown_until = 0;
    std::deque<int64_t> failures;  // timestamps within the window
    uint64_t cooldowns = 0;
  };
  State& StateLocked(const std::string& id);  // REQUIRES: mu_ held
  void PruneLocked(State& s, int64_t now) const;

  const Clock& clock_;
  const RouterOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, State, std::less<>> states_;  // guarded by mu_
  SplitMix64 rng_;                                    // guarded by mu_
};

}  // namespace cess::agenthub
