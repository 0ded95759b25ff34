#include "cess/storage/placement.h"

#include <algorithm>
#include <set>
#include <string>

#include "cess/core/random.h"

namespace cess::storage {
namespace {

// A uniform integer in [0, bound) from the deterministic stream, by rejection (no modulo bias).
Result<uint64_t> Below(crypto::Rng& rng, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
  for (;;) {
    std::array<uint8_t, 8> b{};
    CESS_RETURN_IF_ERROR(rng.Fill(b));
    uint64_t r = 0;
    for (int i = 7; i >= 0; --i) r = (r << 8) | b[static_cast<size_t>(i)];
    if (r >= threshold) return r % bound;
  }
}

}  // namespace

Result<std::vector<MinerCandidate>> Place(const std::vector<MinerCandidate>& candidates,
                                          const std::vector<std::string>& allowed_regions, uint32_t count,
                                          uint64_t bytes_per_miner, uint64_t seed) {
  if (count == 0) return Status::InvalidArgument("placement: count is 0");
  std::set<std::string> declared;
  std::set<Hash256> ids;
  for (const MinerCandidate& c : candidates) {
    declared.insert(c.region);
    if (!ids.insert(c.id).second)
      return Status::InvalidArgument("placement: miner " + ToHex(c.id) + " listed twice");
  }
  const std::set<std::string> allowed(allowed_regions.begin(), allowed_regions.end());
  for (const std::string& r : allowed) {
    if (declared.count(r) == 0) return Status::InvalidArgument("placement: unknown region \"" + r + "\"");
  }
  // Eligible miners, sorted by id so that the input order does not matter.
  std::vector<const MinerCandidate*> eligible;
  for (const MinerCandidate& c : candidates) {
    if (!allowed.empty() && allowed.count(c.region) == 0) continue;
    if (c.free_bytes == 0 || c.free_bytes < bytes_per_miner) continue;
    eligible.push_back(&c);
  }
  if (eligible.size() < count) {
    return Status::FailedPrecondition("placement: " + std::to_string(eligible.size()) +
                                      " eligible miners (region and free space), " + std::to_string(count) +
                                      " needed");
  }
  std::sort(eligible.begin(), eligible.end(),
            [](const MinerCandidate* a, const MinerCandidate* b) { return a->id < b->id; });
  // Weights are the free bytes, shifted right as far as needed for their sum to fit in 64 bits.
  int shift = 0;
  for (;; ++shift) {
    uint64_t sum = 0;
    bool overflow = false;
    for (const MinerCandidate* c : eligible) {
      const uint64_t w = std::max<uint64_t>(1, c->free_bytes >> shift);
      if (sum > UINT64_MAX - w) {
        overflow = true;
        break;
      }
      sum += w;
    }
    if (!overflow) break;
  }
  std::vector<uint64_t> weight(eligible.size());
  uint64_t total = 0;
  for (size_t i = 0; i < eligible.size(); ++i) {
    weight[i] = std::max<uint64_t>(1, eligible[i]->free_bytes >> shift);
    total += weight[i];
  }
  crypto::DeterministicRng rng(seed);
  std::vector<MinerCandidate> out;
  out.reserve(count);
  for (uint32_t draw = 0; draw < count; ++draw) {
    CESS_ASSIGN_OR_RETURN(uint64_t r, Below(rng, total));
    size_t pick = 0;
    for (; pick < eligible.size(); ++pick) {
      if (r < weight[pick]) break;
      r -= weight[pick];
    }
    out.push_back(*eligible[pick]);
    total -= weight[pick];
    weight[pick] = 0;  // drawn: never again
  }
  return out;
}

}  // namespace cess::storage
