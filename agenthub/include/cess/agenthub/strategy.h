// Selection strategies: pure functions from a candidate list (and a seeded generator) to an order.
// The first index is the chosen agent; the rest are the fallbacks in strategy order. Equal inputs
// and equal seeds give equal orders; ties always break by agent id, so nothing depends on the
// order the directory listed the agents in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cess::agenthub {

enum class Strategy {
  kP2cEwma,     // "p2c-ewma" (default): two random distinct candidates, lower load wins, where
                //   load = peak_ewma * (in_flight + 1); then the loser; then the rest by load
  kLeastBusy,   // "least-busy": fewest in-flight, then lower peak_ewma
  kLatency,     // "latency": lowest peak_ewma
  kCost,        // "cost": lowest price, then higher reputation
  kReputation,  // "reputation": highest reputation, then lower price
  kShuffle,     // "shuffle": weighted random order (without replacement) by endpoint weight
};

// "p2c-ewma", "least-busy", ...
std::string_view StrategyName(Strategy s);
// Parses a name (as StrategyName); nullopt for unknown names.
std::optional<Strategy> ParseStrategy(std::string_view name);

// A small deterministic generator (SplitMix64): the same seed gives the same stream on every
// platform, unlike std:: distributions. Not thread-safe.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n). REQUIRES: n > 0. Unbiased (rejection sampling).
  uint64_t Below(uint64_t n);

 private:
  uint64_t state_;
};

// What a strategy looks at for one candidate.
struct Candidate {
  std::string id;
  double peak_ewma_micros = 0;
  uint32_t in_flight = 0;
  uint64_t price = 0;
  uint32_t reputation = 0;
  uint32_t weight = 1;  // 0 counts as 1
  double Load() const { return peak_ewma_micros * (static_cast<double>(in_flight) + 1.0); }
};

// Orders `candidates` by `strategy`; returns a permutation of indices into `candidates`. Draws
// from `rng` only for kP2cEwma (two draws when there are at least 2 candidates) and kShuffle.
std::vector<size_t> OrderCandidates(Strategy strategy, const std::vector<Candidate>& candidates,
                                    SplitMix64& rng);

}  // namespace cess::agenthub
