// The audit module: PoDR² challenges from chain randomness, proofs verified on chain, and escalating
// penalties (DESIGN.md §8, §9; issue 5 §3, §4; reference cess-real-implementation.md §2).
//
// Issuing. At the start of every block whose height is a multiple of audit_interval_blocks, when
// the network's PoDR² key is set: seed = SHA-256("cess/audit/v1" ‖ r2s randomness (after this
// block's fold) ‖ height u64 LE). The candidates are the Positive miners with service bytes > 0 and
// no open challenge, in id order; the miner at (first 8 bytes of seed, big-endian) mod count is
// challenged with podr2::Challenge::Derive(seed, podr2_blocks_per_fragment,
// podr2_challenged_blocks, podr2_coefficient_bytes). The challenge records the miner's fragment
// count and podr2::CoverageCommitment of its fragment index (names repeated by refcount) at that
// moment, and deadline = height + service / audit_bytes_per_block + audit_deadline_base_blocks.
//
// Proving. submit_proof(seed, names ascending, sigma, mu) by the challenged miner, naming the
// challenge it answers by its seed, at a height <= the
// deadline. The names must be exactly the committed set (CoverageCommitment equal: the coverage
// check that replaces CESS's counter "bloom filter") or exactly the miner's current fragment set
// (it may change while the challenge is open); then podr2::Verify with the network key. A
// proof that verifies passes (consecutive misses reset to 0); one that does not is a miss. Either
// way the result is recorded (the last audit_history_len per miner) and the challenge cleared.
//
// Misses. A failed verification, or a deadline passing with no proof (checked at the start of the
// block after the deadline), is a miss: consecutive and total misses + 1, then
// audit_penalty_percent[min(consecutive, 3) − 1] % of the miner's collateral is burned
// (sminer::Penalize; the miner may become Frozen); at audit_max_misses consecutive misses the
// miner is forced out (sminer::ForceExit: state Exited, restoral orders for all its fragments). A
// challenge whose miner is no longer Positive or Frozen when its deadline passes is dropped
// without penalty.
//
// Storage (prefix "audit/"):
//   audit/challenge/<miner>   ChallengeInfo (below)
//   audit/history/<miner>     AuditHistory  vector of AuditRecord, oldest first
//
// Calls:
//   submit_proof(seed 32 ‖ names (vector of 32) ‖ sigma (bytes) ‖ mu (bytes))   weight 4. Errors:
//       NoChallenge, DeadlinePassed, WrongChallenge (seed of another challenge), NamesNotSorted,
//       CoverageMismatch (wrong count or commitment), NoNetworkKey.
//       (A proof that does not verify is not an error: the call succeeds and records a miss.)
// Events:
//   ChallengeIssued   miner 32 ‖ seed 32 ‖ fragments u64 ‖ deadline u64
//   ProofAccepted     miner 32 ‖ fragments u64
//   ProofRejected     miner 32 ‖ fragments u64
//   ChallengeMissed   miner 32 ‖ deadline u64
//   MinerPenalized    miner 32 ‖ amount u64 ‖ consecutive misses u32
//   MinerForcedExit   miner 32 ‖ consecutive misses u32
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "cess/chain/runtime/module.h"
#include "cess/chain/state/write_set.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"
#include "cess/storage/proofs/podr2.h"

namespace cess::chain::runtime::audit {

inline constexpr std::string_view kName = "audit";
inline constexpr size_t kMaxSigmaBytes = 1024;
inline constexpr size_t kMaxMuBytes = 64 << 10;

enum class Error : uint32_t {
  kNoChallenge = 1,       // the caller has no open challenge
  kDeadlinePassed = 2,    // unreachable in practice (expired challenges are cleared first)
  kNamesNotSorted = 3,    // names not in ascending order
  kCoverageMismatch = 4,  // not the committed fragment set
  kNoNetworkKey = 5,      // no PoDR² key registered (tee)
  kBadProof = 6,          // sigma / mu sizes out of bounds
  kWrongChallenge = 7,    // the proof names another challenge's seed (a late proof)
};

struct ChallengeInfo {
  AccountId miner;  // key part (not encoded in the value)
  Hash256 seed{};
  proofs::podr2::Challenge challenge;
  uint64_t fragment_count = 0;
  Hash256 coverage{};
  uint64_t issued_at = 0;
  uint64_t deadline = 0;                // last height at which a proof is accepted
  void Encode(codec::Writer& w) const;  // without miner
  static Result<ChallengeInfo> Decode(codec::Reader& r);
  bool operator==(const ChallengeInfo&) const = default;
};

struct AuditRecord {
  uint64_t height = 0;  // when the result was recorded
  bool passed = false;
  uint64_t fragment_count = 0;
  bool operator==(const AuditRecord&) const = default;
};

struct AuditHistory {
  std::vector<AuditRecord> records;  // oldest first
  void Encode(codec::Writer& w) const;
  static Result<AuditHistory> Decode(codec::Reader& r);
};

struct SubmitProofArgs {
  Hash256 seed{};  // the seed of the challenge answered
  std::vector<Hash256> names;
  Bytes sigma;
  Bytes mu;
  void Encode(codec::Writer& w) const;
  static Result<SubmitProofArgs> Decode(codec::Reader& r);
};

// The call audit.submit_proof.
Call SubmitProofCall(const Hash256& seed, const std::vector<Hash256>& names, const proofs::podr2::Proof& proof);
// The challenge seed of `height` given the r2s randomness after that block's fold.
Hash256 ChallengeSeed(const Hash256& randomness, uint64_t height);

// Read helpers. Errors: Corruption on malformed records; IoError.
Result<std::optional<ChallengeInfo>> ReadChallenge(const state::StateReader& reader, const AccountId& miner);
// Every open challenge, in miner order.
Result<std::vector<ChallengeInfo>> ListChallenges(const state::StateReader& reader);
// The recorded results of `miner`, oldest first (empty when none).
Result<std::vector<AuditRecord>> ReadAuditHistory(const state::StateReader& reader, const AccountId& miner);

class AuditModule final : public Module {
 public:
  explicit AuditModule(const Profile& profile) : profile_(profile) {}

  // Module
  std::string_view name() const override { return kName; }
  std::span<const CallDef> calls() const override;
  std::span<const ErrorDef> errors() const override;
  std::span<const std::string_view> events() const override;
  Result<CallResult> Dispatch(Context& ctx, const AccountId& origin, size_t index,
                              ByteSpan args) const override;
  // Expired challenges become misses; then, on an audit height, a new challenge.
  Status OnBlockStart(Context& ctx) const override;
  // Records decode; every challenge names a registered miner; histories are at most
  // audit_history_len long.
  Status CheckInvariants(const state::StateReader& reader) const override;

 private:
  Result<CallResult> SubmitProof(Context& ctx, const AccountId& who, const SubmitProofArgs& args) const;
  // A miss of `miner`: counters, the escalating penalty and, at the limit, the forced exit.
  Status RecordMiss(Context& ctx, const AccountId& miner) const;
  // Appends a result to the miner's history (keeping the last audit_history_len).
  Status Record(Context& ctx, const AccountId& miner, bool passed, uint64_t fragment_count) const;
  Status IssueChallenge(Context& ctx) const;

  Profile profile_;
};

}  // namespace cess::chain::runtime::audit
