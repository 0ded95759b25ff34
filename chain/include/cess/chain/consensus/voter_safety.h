// The finality voter's safety state, persisted before every vote it casts so that a restarted
// validator never signs two different votes of one kind in one round (see engine.h).
//
// File format (canonical codec), written with WriteFileAtomic (a crash leaves the old or the new
// file, never a mix):
//   version (u8 = 1) ‖ set_id (u64) ‖ round (u64) ‖ prevote (bool ‖ [SignedVote]) ‖
//   precommit (bool ‖ [SignedVote]) ‖ lock (bool ‖ [hash (32) ‖ height (u64) ‖ round (u64)])
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cess/chain/types.h"
#include "cess/chain/vote.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain::consensus {

// The block a voter is locked on: the last block it precommitted (engine.h, lock rule).
struct VoteLock {
  Hash256 hash{};
  uint64_t height = 0;
  uint64_t round = 0;
  bool operator==(const VoteLock&) const = default;
};

struct VoterSafety {
  uint64_t set_id = 0;
  uint64_t round = 0;                   // the current round of the set
  std::optional<SignedVote> prevote;    // cast in `round`
  std::optional<SignedVote> precommit;  // cast in `round`
  std::optional<VoteLock> lock;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on bad bytes or an unknown version.
  static Result<VoterSafety> Decode(codec::Reader& r);
  bool operator==(const VoterSafety&) const = default;
};

// Reads the state at `path`: nullopt when the file does not exist. Errors: IoError; Corruption.
Result<std::optional<VoterSafety>> LoadVoterSafety(const std::string& path);
// Writes the state to `path` atomically (and durably). Errors: IoError.
Status SaveVoterSafety(const std::string& path, const VoterSafety& state);

}  // namespace cess::chain::consensus
