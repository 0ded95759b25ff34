// The staking module: bonding with an unbonding period, validator candidacy, nominations, and
// equivocation reports with slashing.
//
// Storage (prefix "staking/"):
//   staking/ledger/<id>        Ledger       active (u64) ‖ unlocking (vector of {amount u64, era u64})
//   staking/candidate/<id>     VRF key (33 bytes): the account declared itself a validator candidate
//   staking/nominator/<id>     Nominations  targets (vector of 32-byte ids)
//   staking/offence/<key 32>   u64 era of the offence (refuses a second report; pruned once the
//                              offence is older than bonding_duration_eras)
//   staking/count/candidates   u64, staking/count/nominators  u64  (bounded by the profile)
// The funds of a ledger (active + unlocking) are exactly the account's balances `bonded`.
//
// Calls (each weight 1 except report_equivocation, weight 2):
//   bond(amount u64)               free -> bonded (active). Errors: ZeroAmount, InsufficientBalance,
//                                  TooManyChunks never; the account may bond all of its free balance.
//   unbond(amount u64)             active -> an unlocking chunk released at era
//                                  current + bonding_duration_eras. Errors: NotBonded, ZeroAmount,
//                                  InsufficientBond, TooManyChunks.
//   withdraw_unbonded()            released chunks -> free; a ledger left empty is removed with its
//                                  candidacy and nominations. Errors: NotBonded, NothingToWithdraw.
//   nominate(vector<id> targets)   1..max_nominations distinct declared candidates (not oneself);
//                                  replaces earlier nominations and ends a candidacy. Errors:
//                                  NotBonded, NoTargets, TooManyTargets, DuplicateTarget,
//                                  NotACandidate, TooManyNominators.
//   validate(vrf key 33 bytes)     declares (or updates) candidacy with the VRF key used for
//                                  elections and slots; ends nominations. Errors: NotBonded,
//                                  BadVrfKey, TooManyCandidates.
//   chill()                        ends candidacy and nominations. Errors: NotStaking.
//   report_equivocation(EquivocationEvidence encoding)   anyone but the offender. See below.
//
// Backing: a candidate's backed stake is its own active bond plus, for every nominator naming it,
// that nominator's active bond divided equally among its targets (integer division; the remainder
// goes to the first target). Only active bonds count (unlocking funds do not).
//
// Equivocation report: the evidence must verify for this chain, and
//   vote:  its set id (= era) is at most the current era, the elected set for that era (the latest
//          recorded at or before it, as Application::Authorities resolves it) contains the voter;
//   block: the slot's era (slot / slots_per_era) is at most the current era, and the offender is
//          authorities[slot mod N] of that era's elected set;
// and the offence era must be within bonding_duration_eras of the current era (older: EvidenceTooOld)
// and not reported before (DuplicateReport, by EquivocationEvidence::OffenceKey).
// Then: slash_percent % of the offender's ledger (active first, then unlocking chunks newest first),
// and slash_percent % of each nominator's share backing the offender (from its active bond, then its
// chunks); pay reporter_reward_percent % of the total slashed to the reporter's free balance and burn
// the rest; record one r2s penalty for the offender in the current era; chill the offender (it stays
// in the current era's authority set; it is not a candidate in later elections unless it validates
// again). Events: Slashed(account, amount) for each account slashed, then
// EquivocationReported(offender 32 ‖ reporter 32 ‖ offence key 32 ‖ slashed u64 ‖ reward u64).
//
// Other events: Bonded / Unbonded / Withdrawn  account ‖ amount; Nominated  account ‖ count (u32);
// Validating  account ‖ vrf key; Chilled  account.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "cess/chain/evidence.h"
#include "cess/chain/runtime/module.h"
#include "cess/chain/state/write_set.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/core/codec.h"
#include "cess/core/ecvrf.h"
#include "cess/core/result.h"

namespace cess::chain::runtime::staking {

inline constexpr std::string_view kName = "staking";

enum class Error : uint32_t {
  kNotBonded = 1,            // the account has no staking ledger
  kZeroAmount = 2,           // bond / unbond of nothing
  kInsufficientBalance = 3,  // bond above the free balance
  kInsufficientBond = 4,     // unbond above the active bond
  kTooManyChunks = 5,        // max_unlocking_chunks chunks already
  kNothingToWithdraw = 6,    // no chunk has been released yet
  kNoTargets = 7,            // nominate with an empty list
  kTooManyTargets = 8,       // more than max_nominations targets
  kDuplicateTarget = 9,      // a target named twice
  kNotACandidate = 10,       // a target is not a declared candidate (or is the nominator)
  kBadVrfKey = 11,           // not a valid compressed P-256 point
  kNotStaking = 12,          // chill without candidacy or nominations
  kTooManyCandidates = 13,   // max_candidates candidates already
  kTooManyNominators = 14,   // max_nominators nominators already
  kInvalidEvidence = 15,     // the evidence does not verify (signatures, shape, voter set)
  kNotSlotAuthor = 16,       // block evidence whose author was not the slot's elected author
  kEvidenceFromFuture = 17,  // the offence's era is after the current era
  kEvidenceTooOld = 18,      // the offence is older than bonding_duration_eras
  kDuplicateReport = 19,     // this offence was reported already
  kSelfReport = 20,          // the offender reports itself
  kUnknownEra = 21,          // no elected set is recorded for the offence's era
};

struct UnlockChunk {
  uint64_t amount = 0;
  uint64_t era = 0;  // withdrawable from the start of this era
  bool operator==(const UnlockChunk&) const = default;
};

struct Ledger {
  uint64_t active = 0;
  std::vector<UnlockChunk> unlocking;  // in increasing era order

  uint64_t total() const;
  bool empty() const { return active == 0 && unlocking.empty(); }
  void Encode(codec::Writer& w) const;
  static Result<Ledger> Decode(codec::Reader& r);
  bool operator==(const Ledger&) const = default;
};

struct Nominations {
  std::vector<AccountId> targets;
  void Encode(codec::Writer& w) const;
  static Result<Nominations> Decode(codec::Reader& r);
  bool operator==(const Nominations&) const = default;
};

// A declared candidate and its VRF key.
struct Candidate {
  AccountId account;
  crypto::ecvrf::PublicKey vrf_key{};
};

// Call builders.
Call BondCall(uint64_t amount);
Call UnbondCall(uint64_t amount);
Call WithdrawUnbondedCall();
Call NominateCall(const std::vector<AccountId>& targets);
Call ValidateCall(const crypto::ecvrf::PublicKey& vrf_key);
Call ChillCall();
Call ReportEquivocationCall(const EquivocationEvidence& evidence);

// True when `key` is a valid compressed P-256 point (usable as a VRF public key).
bool IsValidVrfKey(const crypto::ecvrf::PublicKey& key);

// Read helpers. Errors: Corruption on malformed records; IoError.
Result<std::optional<Ledger>> ReadLedger(const state::StateReader& reader, const AccountId& id);
Result<std::optional<crypto::ecvrf::PublicKey>> ReadCandidate(const state::StateReader& reader, const AccountId& id);
// Every declared candidate, in account order.
Result<std::vector<Candidate>> ReadCandidates(const state::StateReader& reader);
Result<std::optional<Nominations>> ReadNominations(const state::StateReader& reader, const AccountId& id);
// Every nominator with its nominations, in account order.
Result<std::vector<std::pair<AccountId, Nominations>>> ReadNominators(const state::StateReader& reader);
// The backed stake of every declared candidate (see "Backing"), in account order.
Result<std::vector<std::pair<Candidate, uint64_t>>> ComputeBacking(const state::StateReader& reader);
// True when the offence `key` was reported (and not yet pruned).
Result<bool> IsOffenceReported(const state::StateReader& reader, const Hash256& key);

class StakingModule final : public Module {
 public:
  explicit StakingModule(const Profile& profile) : profile_(profile) {}

  // Module
  std::string_view name() const override { return kName; }
  std::span<const CallDef> calls() const override;
  std::span<const ErrorDef> errors() const override;
  std::span<const std::string_view> events() const override;
  Result<CallResult> Dispatch(Context& ctx, const AccountId& origin, size_t index, ByteSpan args) const override;
  // Bonds each genesis validator's stake and declares it a candidate with its VRF key.
  Status InitGenesis(Context& ctx, const Genesis& genesis) const override;
  // At the first block of an era: prunes offence records older than bonding_duration_eras.
  Status OnBlockStart(Context& ctx) const override;
  // Every ledger's total equals its account's bonded balance and every bonded account has a ledger;
  // chunks are ordered and bounded; candidates and nominators have ledgers, valid keys and bounded
  // target lists; the counters match.
  Status CheckInvariants(const state::StateReader& reader) const override;

 private:
  Result<CallResult> Bond(Context& ctx, const AccountId& who, uint64_t amount) const;
  Result<CallResult> Unbond(Context& ctx, const AccountId& who, uint64_t amount) const;
  Result<CallResult> WithdrawUnbonded(Context& ctx, const AccountId& who) const;
  Result<CallResult> Nominate(Context& ctx, const AccountId& who, const Nominations& n) const;
  Result<CallResult> Validate(Context& ctx, const AccountId& who, const crypto::ecvrf::PublicKey& key) const;
  Result<CallResult> Chill(Context& ctx, const AccountId& who) const;
  Result<CallResult> ReportEquivocation(Context& ctx, const AccountId& reporter,
                                        const EquivocationEvidence& evidence) const;

  Profile profile_;
};

}  // namespace cess::chain::runtime::staking
