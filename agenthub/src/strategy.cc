#include "cess/agenthub/strategy.h"

#include <algorithm>
#include <numeric>

namespace cess::agenthub {

std::string_view StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kP2cEwma: return "p2c-ewma";
    case Strategy::kLeastBusy: return "least-busy";
    case Strategy::kLatency: return "latency";
    case Strategy::kCost: return "cost";
    case Strategy::kReputation: return "reputation";
    case Strategy::kShuffle: return "shuffle";
  }
  return "p2c-ewma";
}

std::optional<Strategy> ParseStrategy(std::string_view name) {
  for (Strategy s : {Strategy::kP2cEwma, Strategy::kLeastBusy, Strategy::kLatency, Strategy::kCost,
                     Strategy::kReputation, Strategy::kShuffle}) {
    if (StrategyName(s) == name) return s;
  }
  return std::nullopt;
}

uint64_t SplitMix64::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::Below(uint64_t n) {
  // Rejection: draw until the value falls below the largest multiple of n.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t x = Next();
  while (x >= limit) x = Next();
  return x % n;
}

namespace {

// Sorts indices by `less`, ties broken by id (ids are unique in practice; index as a last resort).
template <typename Less>
std::vector<size_t> SortedBy(const std::vector<Candidate>& c, Less less) {
  std::vector<size_t> idx(c.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    if (less(c[a], c[b])) return true;
    if (less(c[b], c[a])) return false;
    if (c[a].id != c[b].id) return c[a].id < c[b].id;
    return a < b;
  });
  return idx;
}

std::vector<size_t> P2c(const std::vector<Candidate>& c, SplitMix64& rng) {
  auto by_load = [](const Candidate& a, const Candidate& b) { return a.Load() < b.Load(); };
  std::vector<size_t> rest = SortedBy(c, by_load);
  if (c.size() < 2) return rest;
  // Draw from the id-sorted order so the result does not depend on the input order.
  std::vector<size_t> by_id = SortedBy(c, [](const Candidate&, const Candidate&) { return false; });
  size_t i = by_id[rng.Below(c.size())];
  size_t j = by_id[rng.Below(c.size() - 1)];
  if (j == i) j = by_id[c.size() - 1];  // distinct: the last slot stands in for the first pick
  size_t first = i, second = j;
  if (by_load(c[j], c[i]) || (!by_load(c[i], c[j]) && c[j].id < c[i].id)) std::swap(first, second);
  std::vector<size_t> out = {first, second};
  for (size_t k : rest) {
    if (k != first && k != second) out.push_back(k);
  }
  return out;
}

std::vector<size_t> WeightedShuffle(const std::vector<Candidate>& c, SplitMix64& rng) {
  std::vector<size_t> pool = SortedBy(c, [](const Candidate&, const Candidate&) { return false; });
  std::vector<size_t> out;
  out.reserve(c.size());
  while (!pool.empty()) {
    uint64_t total = 0;
    for (size_t k : pool) total += std::max<uint32_t>(c[k].weight, 1);
    uint64_t r = rng.Below(total);
    size_t pick = 0;
    for (; pick < pool.size(); ++pick) {
      uint64_t w = std::max<uint32_t>(c[pool[pick]].weight, 1);
      if (r < w) break;
      r -= w;
    }
    out.push_back(pool[pick]);
    pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  return out;
}

}  // namespace

std::vector<size_t> OrderCandidates(Strategy strategy, const std::vector<Candidate>& c, SplitMix64& rng) {
  switch (strategy) {
    case Strategy::kP2cEwma: return P2c(c, rng);
    case Strategy::kLeastBusy:
      return SortedBy(c, [](const Candidate& a, const Candidate& b) {
        return a.in_flight != b.in_flight ? a.in_flight < b.in_flight : a.peak_ewma_micros < b.peak_ewma_micros;
      });
    case Strategy::kLatency:
      return SortedBy(c, [](const Candidate& a, const Candidate& b) { return a.peak_ewma_micros < b.peak_ewma_micros; });
    case Strategy::kCost:
      return SortedBy(c, [](const Candidate& a, const Candidate& b) {
        return a.price != b.price ? a.price < b.price : a.reputation > b.reputation;
      });
    case Strategy::kReputation:
      return SortedBy(c, [](const Candidate& a, const Candidate& b) {
        return a.reputation != b.reputation ? a.reputation > b.reputation : a.price < b.price;
      });
    case Strategy::kShuffle: return WeightedShuffle(c, rng);
  }
  return SortedBy(c, [](const Candidate&, const Candidate&) { return false; });
}

}  // namespace cess::agenthub
