// The r2s module: chain randomness, credit per era, and the R²S validator election (DESIGN.md §8,
// reference B1, issue 4 §3).
//
// Randomness. At genesis acc = SHA-256("cess/randomness/v1" ‖ genesis hash). At the start of every
// block, in order: if the block is the first of its epoch e, epoch_rand[e] =
// SHA-256("cess/epoch/v1" ‖ acc(parent) ‖ e (u64 LE)); if it is the first of its era, the era seed
// is epoch_rand of the block's epoch (the era's first epoch seen); then
// acc = SHA-256("cess/randomness/v1" ‖ acc ‖ vrf_output). Genesis stores epoch_rand[0] and the seed
// of era 0 the same way from acc at genesis. Strings are raw ASCII, hashes raw 32 bytes.
// EpochRandomness(parent, e) is therefore epoch_rand[e] when the parent is in epoch e, and
// SHA-256("cess/epoch/v1" ‖ acc(parent) ‖ e) for a later epoch.
//
// Credit. Work in era e = blocks authored in e plus points other modules report with AddWork. At
// the first block of a later era, the raw credit of each account for e is
//   raw = max(0, floor(score_scale · work / total_work) − (10 · penalties)²)     (CESS's code)
// and the smoothed credit used by the election held in era E is
//   credit = floor(Σ_{i=0..4} credit_window_percent[i] · raw(E − 1 − i) / 100)
// (the last five completed eras, newest first; eras before 0 count 0).
//
// Election, for era E + 1, at the first block of the last epoch of era E (before its
// transactions): candidates (staking) with backed stake >= min_validator_stake;
//   stake score = floor(score_scale · backed / max backed),
//   vrf score   = (first 8 bytes of the output as big-endian u64) mod (score_scale + 1) of the
//                 candidate's submit_vrf for era E (0 when it submitted none),
//   score       = (weight_credit·credit + weight_stake·stake + weight_vrf·vrf) / (sum of weights),
// all integer; the top validators_elected by score, ties broken by higher backed stake, then lower
// account id. If no candidate qualifies the set of the latest recorded era is carried over. Era 0's
// set is the genesis validators in genesis order.
//
// Storage (prefix "r2s/"):
//   r2s/acc/                   32 bytes  chain randomness
//   r2s/epoch_rand/            EpochSeed {index u64, seed 32}: the current epoch's randomness
//   r2s/era_seed/              EpochSeed {index u64, seed 32}: the current era's seed
//   r2s/work/<era><id>         u64 work points in era (until the era's credit is computed)
//   r2s/total_work/<era>       u64
//   r2s/penalty/<era><id>      u64 penalties in era
//   r2s/credit/<era><id>       u64 raw credit of a completed era (absent = 0; kept for 5 eras)
//   r2s/vrf/<era><id>          32-byte VRF output submitted for era's election (kept one era)
//   r2s/election/<era>         ElectionRecord of the election for `era` (kept for
//                              bonding_duration_eras + 1 eras, and always the latest)
//
// Calls:
//   submit_vrf(era u64 ‖ proof 81 bytes)  weight 2. A declared candidate proves ECVRF with its
//       candidate VRF key over EraVrfInput(seed of era, era) = "cess/era-vrf/v1" ‖ seed ‖ era (u64
//       LE); verified on chain. Errors: NotACandidate, WrongEra (era is not the current era),
//       ElectionClosed (era's election already held), AlreadySubmitted, BadProof.
// Events: VrfSubmitted  account ‖ era ‖ vrf score (u32); Elected  era (u64) ‖ count (u32) ‖ carried (bool).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "cess/chain/application.h"
#include "cess/chain/runtime/module.h"
#include "cess/chain/state/write_set.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/core/codec.h"
#include "cess/core/ecvrf.h"
#include "cess/core/result.h"

namespace cess::chain::runtime::r2s {

inline constexpr std::string_view kName = "r2s";

enum class Error : uint32_t {
  kNotACandidate = 1,
  kWrongEra = 2,
  kElectionClosed = 3,
  kAlreadySubmitted = 4,
  kBadProof = 5,
};

// A randomness value and the epoch or era it belongs to.
struct EpochSeed {
  uint64_t index = 0;
  Hash256 seed{};
  void Encode(codec::Writer& w) const;
  static Result<EpochSeed> Decode(codec::Reader& r);
};

// One scored candidate of an election.
struct ElectionEntry {
  AccountId account;
  crypto::ecvrf::PublicKey vrf_key{};
  uint64_t backed = 0;
  uint32_t credit = 0;
  uint32_t stake_score = 0;
  uint32_t vrf_score = 0;
  uint32_t score = 0;
  void Encode(codec::Writer& w) const;
  static Result<ElectionEntry> Decode(codec::Reader& r);
  bool operator==(const ElectionEntry&) const = default;
};

// The election for one era: the qualified candidates in rank order and the elected authorities.
struct ElectionRecord {
  uint64_t era = 0;         // the era the set is elected for
  uint64_t held_at = 0;     // height of the block that held it (0: genesis)
  bool carried = false;     // no candidate qualified; the previous set was carried over
  std::vector<ElectionEntry> ranked;  // every qualified candidate, best first
  std::vector<Authority> elected;
  void Encode(codec::Writer& w) const;
  static Result<ElectionRecord> Decode(codec::Reader& r);
};

struct SubmitVrfArgs {
  uint64_t era = 0;
  crypto::ecvrf::Proof proof{};
  void Encode(codec::Writer& w) const;
  static Result<SubmitVrfArgs> Decode(codec::Reader& r);
};

// The call r2s.submit_vrf(era, proof).
Call SubmitVrfCall(uint64_t era, const crypto::ecvrf::Proof& proof);
// The VRF input of an era's election: "cess/era-vrf/v1" ‖ seed ‖ era (u64 LE).
Bytes EraVrfInput(const Hash256& era_seed, uint64_t era);

// Pure maths (tested against hand-computed cases).
// floor(scale · work / total) − (10 · penalties)², clamped at 0 (0 when total is 0).
uint32_t RawCredit(uint64_t work, uint64_t total_work, uint64_t penalties, uint32_t scale);
// floor(Σ percent[i] · raw[i] / 100), raw newest first.
uint32_t SmoothCredit(const std::array<uint32_t, 5>& raw_newest_first, const std::array<uint32_t, 5>& percent);
// floor(scale · backed / max_backed) (0 when max_backed is 0).
uint32_t StakeScore(uint64_t backed, uint64_t max_backed, uint32_t scale);
// (first 8 bytes of output as big-endian u64) mod (scale + 1).
uint32_t VrfScore(const crypto::ecvrf::Output& output, uint32_t scale);
// (wc·credit + ws·stake + wv·vrf) / (wc + ws + wv).
uint32_t Score(uint32_t credit, uint32_t stake, uint32_t vrf, const Profile& profile);
// Sorts entries best first: score desc, backed desc, account asc.
void Rank(std::vector<ElectionEntry>& entries);

// Hooks for other modules (inside a call or hook): add work points / one penalty to `account` in
// the current era. Errors: storage errors.
Status AddWork(Context& ctx, const AccountId& account, uint64_t points);
Status AddPenalty(Context& ctx, const AccountId& account);

// Read helpers. Errors: Corruption on malformed records; IoError.
Result<Hash256> ReadRandomness(const state::StateReader& reader);
Result<EpochSeed> ReadEpochRandomness(const state::StateReader& reader);
Result<EpochSeed> ReadEraSeed(const state::StateReader& reader);
// The randomness of `epoch` for a block whose parent's state is `reader` (see above).
// Errors: InvalidArgument when epoch is before the parent's epoch.
Result<Hash256> EpochRandomnessAfter(const state::StateReader& reader, uint64_t epoch);
// The election recorded for exactly `era`, or nullopt.
Result<std::optional<ElectionRecord>> ReadElection(const state::StateReader& reader, uint64_t era);
// The elected set recorded for exactly `era`, or nullopt.
Result<std::optional<std::vector<Authority>>> ReadElected(const state::StateReader& reader, uint64_t era);
// The set for `era` as Application::Authorities resolves it: the record for the latest era <= era.
// Errors: NotFound when none is recorded at or before `era`.
Result<AuthoritySet> ResolveAuthorities(const state::StateReader& reader, uint64_t era);
Result<uint64_t> ReadWork(const state::StateReader& reader, uint64_t era, const AccountId& id);
Result<uint64_t> ReadTotalWork(const state::StateReader& reader, uint64_t era);
Result<uint64_t> ReadPenalties(const state::StateReader& reader, uint64_t era, const AccountId& id);
Result<uint32_t> ReadRawCredit(const state::StateReader& reader, uint64_t era, const AccountId& id);
// The smoothed credit of `id` for the election held in `era`.
Result<uint32_t> ReadCredit(const state::StateReader& reader, const Profile& profile, uint64_t era,
                            const AccountId& id);
// The VRF output `id` submitted for era's election, or nullopt.
Result<std::optional<crypto::ecvrf::Output>> ReadVrfOutput(const state::StateReader& reader, uint64_t era,
                                                           const AccountId& id);
// The scores an election held now (in era `era`, electing era + 1) would give, best first.
Result<std::vector<ElectionEntry>> ScoreCandidates(const state::StateReader& reader, const Profile& profile,
                                                   uint64_t era);

class R2sModule final : public Module {
 public:
  // `genesis_hash` seeds the chain randomness.
  R2sModule(const Profile& profile, const Hash256& genesis_hash) : profile_(profile), genesis_hash_(genesis_hash) {}

  // Module
  std::string_view name() const override { return kName; }
  std::span<const CallDef> calls() const override;
  std::span<const ErrorDef> errors() const override;
  std::span<const std::string_view> events() const override;
  Result<CallResult> Dispatch(Context& ctx, const AccountId& origin, size_t index, ByteSpan args) const override;
  // Randomness, epoch randomness and seed of era 0, and era 0's elected set (genesis validators).
  Status InitGenesis(Context& ctx, const Genesis& genesis) const override;
  // Epoch / era bookkeeping, credits of the finished era, randomness folding, the author's work
  // point, and the election at the first block of an era's last epoch.
  Status OnBlockStart(Context& ctx) const override;
  // Records decode; an election record exists for some era; elected sets are non-empty, have no
  // duplicate account and at most validators_elected members (carried sets excepted); credits are
  // at most score_scale; total work equals the sum of work in each era.
  Status CheckInvariants(const state::StateReader& reader) const override;

 private:
  Status FinishEra(Context& ctx, uint64_t era) const;
  Status Elect(Context& ctx, uint64_t for_era) const;
  Result<CallResult> SubmitVrf(Context& ctx, const AccountId& who, const SubmitVrfArgs& args) const;

  Profile profile_;
  Hash256 genesis_hash_;
};

}  // namespace cess::chain::runtime::r2s
