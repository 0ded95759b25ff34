// Placement of a file's fragments on miners (DESIGN.md §9, LBSS): `count` distinct miners drawn
// at random, without replacement, with probability proportional to free space, among the miners
// in the caller's region set that have room.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess::storage {

struct MinerCandidate {
  Hash256 id{};        // the miner's account
  std::string region;  // the region it declared when registering
  uint64_t free_bytes = 0;
  std::string endpoint;  // where it serves fragments
};

// Draws `count` distinct miners. Eligible: region in `allowed_regions` (empty = any region),
// free_bytes >= bytes_per_miner and free_bytes > 0. Each draw picks an eligible, not yet chosen
// miner with probability free_bytes / (sum of free_bytes of those left). The result is in draw
// order (the first gets fragment index 0, and so on, by the caller's convention).
// Deterministic: the same candidates (in any order), regions, count, size and seed give the same
// result, on every platform (integer arithmetic on a SHA-256 stream of the seed).
// Errors: InvalidArgument for count == 0, a duplicate candidate id, or an allowed region that no
// candidate declares (named); FailedPrecondition naming how many miners were eligible when fewer
// than `count` are. Thread-safe (pure).
Result<std::vector<MinerCandidate>> Place(const std::vector<MinerCandidate>& candidates,
                                          const std::vector<std::string>& allowed_regions, uint32_t count,
                                          uint64_t bytes_per_miner, uint64_t seed);

}  // namespace cess::storage
