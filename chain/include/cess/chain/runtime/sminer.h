// The sminer module: storage miners, their collateral, space, power and era rewards (DESIGN.md §8,
// §9; issue 5 §3; reference cess-real-implementation.md §1-§2).
//
// Collateral lives in the module account PotAccount() = SHA-256("cess/module/sminer"), a plain
// balances account (free balance), so balances' invariant keeps holding. The pot never drops below
// the existential deposit: the first time anything is paid into it, sminer mints a reserve of one
// existential deposit into it (recorded under sminer/reserve/). Invariant:
//   pot free == reserve + Σ miners' collateral.
// Penalties burn what they take from the pot; era rewards are minted.
//
// Space. A miner declares `capacity` bytes. `locked` counts fragments assigned to it whose tags are
// not yet reported; `service` counts its tagged fragments (fragment_size each). idle = capacity −
// service − locked (never negative), free = idle.
//   power = (7·service + 3·idle) / 10      (the whitepaper's 0.7 / 0.3; integer)
// Minimum collateral for a capacity: max(miner_min_collateral, ceil(capacity · per_tib / 2^40)).
//
// States: Positive (may take new fragments, is audited, is rewarded); Frozen (collateral below its
// minimum after a penalty; back to Positive when topped up); Exiting (after exit_prep, until
// withdraw); Exited (forced out by audit; may withdraw after the lock).
//
// Rewards. At the first block of each era, miner_reward_per_era is split among Positive miners in
// proportion to power (floor(reward · power / Σ power) each); only what is paid is minted. Each
// payment goes to the miner's free balance. Event MinerRewarded.
//
// Storage (prefix "sminer/"):
//   sminer/miner/<id>               MinerInfo (below)
//   sminer/frag/<id><fragment 32>   u32 (4 bytes LE) refcount of the tagged fragment at the miner
//                                   (the audit's fragment index: a prefix scan lists them)
//   sminer/region/<region bytes>    u32 (4 bytes LE) miners declaring the region
//   sminer/reserve/                 u64 the existential reserve minted into the pot
//
// Calls (weight 1):
//   register(region string 1..32 ‖ endpoint string ‖ capacity u64 ‖ collateral u64)
//       collateral moves from free balance to the pot. Errors: AlreadyRegistered, BadRegion,
//       EndpointTooLong, ZeroCapacity, CollateralTooLow, InsufficientBalance.
//   increase_collateral(amount u64)   Errors: NotRegistered, ZeroAmount, InsufficientBalance,
//       MinerExiting (Exiting / Exited). A Frozen miner that reaches its minimum becomes Positive.
//   update_endpoint(endpoint string)  Errors: NotRegistered, EndpointTooLong.
//   exit_prep()   Positive or Frozen -> Exiting, unlock at height + miner_exit_lock_blocks; every
//       fragment it holds gets a restoral order (file_bank). Errors: NotRegistered, MinerExiting,
//       PendingDeals (it is named in a deal still waiting for transfer reports).
//   withdraw()    Exiting / Exited after the unlock height: the rest of the collateral returns to
//       the free balance and the miner is removed. Errors: NotRegistered, NotExiting, StillLocked,
//       StillHoldsData (locked or service bytes left).
// Events:
//   MinerRegistered     id 32 ‖ collateral u64
//   CollateralIncreased id 32 ‖ amount u64
//   EndpointUpdated     id 32
//   MinerExiting        id 32 ‖ unlock height u64
//   MinerWithdrawn      id 32 ‖ amount u64
//   MinerRewarded       id 32 ‖ amount u64 ‖ era u64
//   MinerFrozen         id 32
//   MinerPositive       id 32
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cess/chain/runtime/module.h"
#include "cess/chain/state/write_set.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"

namespace cess::chain::runtime::sminer {

inline constexpr std::string_view kName = "sminer";
inline constexpr size_t kMaxRegionBytes = 32;
inline constexpr size_t kMaxEndpointBytes = 256;

enum class Error : uint32_t {
  kAlreadyRegistered = 1,
  kNotRegistered = 2,
  kBadRegion = 3,        // region not 1..32 bytes
  kEndpointTooLong = 4,  // endpoint longer than kMaxEndpointBytes
  kZeroCapacity = 5,
  kCollateralTooLow = 6,     // below MinCollateral(capacity)
  kInsufficientBalance = 7,  // free balance below the amount
  kZeroAmount = 8,
  kMinerExiting = 9,     // Exiting or Exited
  kPendingDeals = 10,    // exit_prep while named in a deal awaiting transfer reports
  kNotExiting = 11,      // withdraw before exit_prep
  kStillLocked = 12,     // withdraw before the unlock height
  kStillHoldsData = 13,  // withdraw while locked or service bytes remain
  kOverflow = 14,
};

enum class MinerState : uint8_t { kPositive = 0, kFrozen = 1, kExiting = 2, kExited = 3 };
std::string_view MinerStateName(MinerState s);

struct MinerInfo {
  std::string region;
  std::string endpoint;
  uint64_t capacity = 0;    // declared bytes
  uint64_t service = 0;     // bytes of tagged fragments
  uint64_t locked = 0;      // bytes assigned but not yet tagged
  uint64_t collateral = 0;  // base units held in the pot
  MinerState state = MinerState::kPositive;
  uint64_t unlock_at = 0;  // height from which withdraw works (Exiting / Exited)
  uint64_t reward_total = 0;
  uint64_t last_reward = 0;
  uint32_t consecutive_misses = 0;
  uint32_t total_misses = 0;
  uint64_t registered_at = 0;

  // capacity − service − locked, or 0.
  uint64_t idle() const { return service + locked >= capacity ? 0 : capacity - service - locked; }
  uint64_t free() const { return idle(); }
  // (7·service + 3·idle) / 10.
  uint64_t power() const;

  void Encode(codec::Writer& w) const;
  static Result<MinerInfo> Decode(codec::Reader& r);
  bool operator==(const MinerInfo&) const = default;
};

// One row of ListMiners.
struct MinerSummary {
  AccountId id;
  std::string region;
  std::string endpoint;
  uint64_t free = 0;
  MinerState state = MinerState::kPositive;
  uint64_t power = 0;
};

struct RegisterArgs {
  std::string region;
  std::string endpoint;
  uint64_t capacity = 0;
  uint64_t collateral = 0;
  void Encode(codec::Writer& w) const;
  static Result<RegisterArgs> Decode(codec::Reader& r);
};

// The module account of `module`: SHA-256("cess/module/<module>") as an account id.
AccountId ModuleAccount(std::string_view module);
// The collateral pot.
AccountId PotAccount();
// max(profile.miner_min_collateral, ceil(capacity · miner_collateral_per_tib / 2^40)) (saturating).
uint64_t MinCollateral(const Profile& profile, uint64_t capacity);

// Call builders.
Call RegisterCall(const RegisterArgs& args);
Call IncreaseCollateralCall(uint64_t amount);
Call UpdateEndpointCall(const std::string& endpoint);
Call ExitPrepCall();
Call WithdrawCall();

// Read helpers. Errors: Corruption on malformed records; IoError.
Result<std::optional<MinerInfo>> ReadMiner(const state::StateReader& reader, const AccountId& id);
// Every miner, in id order.
Result<std::vector<MinerSummary>> ListMiners(const state::StateReader& reader);
// The miner's tagged fragments with their refcounts, in hash order.
Result<std::vector<std::pair<Hash256, uint32_t>>> ListMinerFragments(const state::StateReader& reader,
                                                                     const AccountId& id);
// The same list expanded by refcount (each name repeated refcount times), ascending: the names a
// proof over the miner's whole fragment set lists.
Result<std::vector<Hash256>> MinerFragmentNames(const state::StateReader& reader, const AccountId& id);
// True when some registered miner declares `region`.
Result<bool> RegionKnown(const state::StateReader& reader, std::string_view region);
Result<uint64_t> ReadReserve(const state::StateReader& reader);

// Mutators for file_bank and audit (inside a call or hook). Errors: storage errors; Internal when
// the miner is missing or a counter would underflow / overflow (broken state).
// Stores `info` for `id` (which must exist already).
Status StoreMiner(Context& ctx, const AccountId& id, const MinerInfo& info);
// Adds `locked_delta` / `service_delta` (signed) to the miner's locked / service bytes.
Status AdjustSpace(Context& ctx, const AccountId& id, int64_t locked_delta, int64_t service_delta);
// Adds one reference to / drops one reference from fragment `name` in the miner's index.
Status AddFragment(Context& ctx, const AccountId& id, const Hash256& name);
Status RemoveFragment(Context& ctx, const AccountId& id, const Hash256& name);
// Burns `percent` % of the miner's collateral from the pot; a Positive miner left below its
// minimum collateral becomes Frozen (event MinerFrozen). Returns the amount burned.
Result<uint64_t> Penalize(Context& ctx, const AccountId& id, uint32_t percent);
// Forces the miner out: state Exited, unlock at height + miner_exit_lock_blocks, restoral orders for
// every fragment it holds (file_bank::OpenRestoralOrdersForMiner).
Status ForceExit(Context& ctx, const AccountId& id);

class SminerModule final : public Module {
 public:
  explicit SminerModule(const Profile& profile) : profile_(profile) {}

  // Module
  std::string_view name() const override { return kName; }
  std::span<const CallDef> calls() const override;
  std::span<const ErrorDef> errors() const override;
  std::span<const std::string_view> events() const override;
  Result<CallResult> Dispatch(Context& ctx, const AccountId& origin, size_t index,
                              ByteSpan args) const override;
  // At the first block of an era: the era reward (see above).
  Status OnBlockStart(Context& ctx) const override;
  // Pot == reserve + Σ collateral; service == fragment_size · Σ refcounts of each miner's index;
  // region counts match the miners; Positive miners hold at least their minimum collateral;
  // records decode.
  Status CheckInvariants(const state::StateReader& reader) const override;

 private:
  Result<CallResult> Register(Context& ctx, const AccountId& who, const RegisterArgs& args) const;
  Result<CallResult> IncreaseCollateral(Context& ctx, const AccountId& who, uint64_t amount) const;
  Result<CallResult> UpdateEndpoint(Context& ctx, const AccountId& who, const std::string& endpoint) const;
  Result<CallResult> ExitPrep(Context& ctx, const AccountId& who) const;
  Result<CallResult> Withdraw(Context& ctx, const AccountId& who) const;
  Status PayRewards(Context& ctx) const;

  Profile profile_;
};

}  // namespace cess::chain::runtime::sminer
