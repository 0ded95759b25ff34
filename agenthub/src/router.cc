#include "cess/agenthub/router.h"

#include <algorithm>

namespace cess::agenthub {

Router::Router(const Clock& clock, RouterOptions options)
    : clock_(clock), options_(options), rng_(options.seed) {}

Router::State& Router::StateLocked(const std::string& id) {
  auto it = states_.find(id);
  if (it == states_.end()) it = states_.emplace(id, State(options_, clock_.NowMicros())).first;
  return it->second;
}

void Router::PruneLocked(State& s, int64_t now) const {
  while (!s.failures.empty() && now - s.failures.front() > options_.failure_window_micros) s.failures.pop_front();
}

Result<std::vector<AgentInfo>> Router::Route(const RouteQuery& query, const std::vector<AgentInfo>& agents) {
  std::vector<const AgentInfo*> matched;
  for (const AgentInfo& a : agents) {
    if (a.status != AgentStatus::kActive) continue;
    if (!query.skill.empty() && !a.HasSkill(query.skill)) continue;
    bool tags_ok = true;
    for (const std::string& t : query.tags) tags_ok = tags_ok && a.HasTag(t);
    if (!tags_ok) continue;
    if (query.max_price && a.price > *query.max_price) continue;
    if (!query.region.empty() && a.region != query.region) continue;
    if (std::find(query.exclude.begin(), query.exclude.end(), a.id) != query.exclude.end()) continue;
    matched.push_back(&a);
  }
  if (matched.empty()) {
    std::string what = query.skill.empty() ? "the query" : "skill '" + query.skill + "'";
    return Status::NotFound("no active agent matches " + what);
  }

  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMicros();
  std::vector<const AgentInfo*> warm;
  size_t healthy = 0;
  for (const AgentInfo* a : matched) {
    State& s = StateLocked(a->id);
    if (s.cooldown_until > now) continue;
    warm.push_back(a);
    if (s.healthy) ++healthy;
  }
  if (warm.empty()) {
    return Status::Unavailable("all " + std::to_string(matched.size()) + " matching agents are cooling down");
  }
  std::vector<const AgentInfo*> chosen;
  for (const AgentInfo* a : warm) {
    if (healthy == 0 || StateLocked(a->id).healthy) chosen.push_back(a);
  }
  std::vector<Candidate> cands;
  cands.reserve(chosen.size());
  for (const AgentInfo* a : chosen) {
    const State& s = StateLocked(a->id);
    cands.push_back(Candidate{a->id, s.ewma.value(), s.in_flight, a->price, a->reputation, a->weight});
  }
  std::vector<size_t> order = OrderCandidates(query.strategy.value_or(options_.default_strategy), cands, rng_);
  std::vector<AgentInfo> out;
  out.reserve(order.size());
  for (size_t i : order) out.push_back(*chosen[i]);
  return out;
}

void Router::OnStart(const std::string& agent_id) {
  std::lock_guard lock(mu_);
  ++StateLocked(agent_id).in_flight;
}

void Router::OnFinish(const std::string& agent_id, const Outcome& outcome) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMicros();
  State& s = StateLocked(agent_id);
  if (s.in_flight > 0) --s.in_flight;
  double sample = static_cast<double>(std::max<int64_t>(outcome.latency_micros, 0));
  if (outcome.CountsAsFailure()) sample = std::max(sample, options_.failure_penalty_micros);
  s.ewma.Observe(sample, now);
  if (!outcome.CountsAsFailure()) return;

  PruneLocked(s, now);
  s.failures.push_back(now);
  const bool rate_limited = outcome.kind == Outcome::Kind::kHttpError && outcome.http_status == 429;
  if (!rate_limited && s.failures.size() < options_.failures_to_cooldown) return;
  int64_t length = options_.cooldown_micros;
  int64_t retry = ParseRetryAfter(outcome.retry_after, clock_.WallMicros());
  if (retry >= 0) length = std::min(retry, options_.max_cooldown_micros);
  s.cooldown_until = std::max(s.cooldown_until, now + length);
  s.failures.clear();
  ++s.cooldowns;
}

void Router::SetHealthy(const std::string& agent_id, bool healthy) {
  std::lock_guard lock(mu_);
  StateLocked(agent_id).healthy = healthy;
}

bool Router::InCooldown(const std::string& agent_id) const {
  std::lock_guard lock(mu_);
  auto it = states_.find(agent_id);
  return it != states_.end() && it->second.cooldown_until > clock_.NowMicros();
}

EndpointSnapshot Router::Snapshot(const std::string& agent_id) const {
  std::lock_guard lock(mu_);
  EndpointSnapshot snap;
  auto it = states_.find(agent_id);
  if (it == states_.end()) {
    snap.peak_ewma_micros = options_.default_rtt_micros;
    return snap;
  }
  const State& s = it->second;
  snap.peak_ewma_micros = s.ewma.value();
  snap.in_flight = s.in_flight;
  snap.healthy = s.healthy;
  snap.cooldown_until_micros = s.cooldown_until;
  int64_t now = clock_.NowMicros();
  snap.recent_failures = static_cast<uint32_t>(
      std::count_if(s.failures.begin(), s.failures.end(),
                    [&](int64_t t) { return now - t <= options_.failure_window_micros; }));
  snap.cooldowns = s.cooldowns;
  return snap;
}

}  // namespace cess::agenthub
