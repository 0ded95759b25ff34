// The sminer module: registration, collateral, exit and era rewards, and the helpers file_bank and
// audit call (space, fragment index, penalties) (see sminer.h).
#include "cess/chain/runtime/sminer.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/runtime/storage.h"
#include "cess/core/hash.h"
#include "module_pot.h"
#include "wide_int.h"

namespace cess::chain::runtime::sminer {
namespace {

struct AmountArgs {
  uint64_t amount = 0;
  void Encode(codec::Writer& w) const { w.PutU64(amount); }
  static Result<AmountArgs> Decode(codec::Reader& r) {
    AmountArgs a;
    CESS_ASSIGN_OR_RETURN(a.amount, r.ReadU64());
    return a;
  }
};

struct EndpointArgs {
  std::string endpoint;
  void Encode(codec::Writer& w) const { w.PutString(endpoint); }
  static Result<EndpointArgs> Decode(codec::Reader& r) {
    EndpointArgs a;
    CESS_ASSIGN_OR_RETURN(a.endpoint, r.ReadString(4096));
    return a;
  }
};

struct NoArgs {
  void Encode(codec::Writer&) const {}
  static Result<NoArgs> Decode(codec::Reader&) { return NoArgs{}; }
};

constexpr CallDef kCalls[] = {
    {"register", 1, &DecodesAs<RegisterArgs>},
    {"increase_collateral", 1, &DecodesAs<AmountArgs>},
    {"update_endpoint", 1, &DecodesAs<EndpointArgs>},
    {"exit_prep", 1, &DecodesAs<NoArgs>},
    {"withdraw", 1, &DecodesAs<NoArgs>},
};
enum CallIndex : size_t { kRegister, kIncrease, kUpdateEndpoint, kExitPrep, kWithdraw };

constexpr ErrorDef kErrors[] = {
    {1, "AlreadyRegistered"}, {2, "NotRegistered"},    {3, "BadRegion"},           {4, "EndpointTooLong"},
    {5, "ZeroCapacity"},      {6, "CollateralTooLow"}, {7, "InsufficientBalance"}, {8, "ZeroAmount"},
    {9, "MinerExiting"},      {10, "PendingDeals"},    {11, "NotExiting"},         {12, "StillLocked"},
    {13, "StillHoldsData"},   {14, "Overflow"},
};
constexpr std::string_view kEvents[] = {"MinerRegistered", "CollateralIncreased", "EndpointUpdated",
                                        "MinerExiting",    "MinerWithdrawn",      "MinerRewarded",
                                        "MinerFrozen",     "MinerPositive"};

Call MakeCall(std::string_view function, Bytes args) {
  return Call{std::string(kName), std::string(function), std::move(args)};
}

Bytes IdAmount(const AccountId& id, uint64_t amount) {
  codec::Writer w;
  id.Encode(w);
  w.PutU64(amount);
  return w.Take();
}

Bytes MinerKey(const AccountId& id) { return KeyBuilder(kName, "miner").Add(id.bytes).Take(); }
Bytes FragKey(const AccountId& id, const Hash256& name) {
  return KeyBuilder(kName, "frag").Add(id.bytes).Add(name).Take();
}
Bytes RegionKey(std::string_view region) { return KeyBuilder(kName, "region").Add(AsBytes(region)).Take(); }

// A u32 stored as 4 little-endian bytes (0 when absent; 0 deletes).
Result<uint32_t> GetU32(const state::StateReader& reader, ByteSpan key) {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> raw, reader.Get(key));
  if (!raw) return uint32_t{0};
  if (raw->size() != 4)
    return Status::Corruption("sminer: a u32 value of " + std::to_string(raw->size()) + " bytes");
  return static_cast<uint32_t>((*raw)[0]) | static_cast<uint32_t>((*raw)[1]) << 8 |
         static_cast<uint32_t>((*raw)[2]) << 16 | static_cast<uint32_t>((*raw)[3]) << 24;
}
void PutU32(state::Overlay& overlay, ByteSpan key, uint32_t v) {
  if (v == 0) {
    overlay.Delete(key);
    return;
  }
  const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16),
                        static_cast<uint8_t>(v >> 24)};
  overlay.Put(key, ByteSpan(b, 4));
}

Status AddRegion(Context& ctx, std::string_view region, int delta) {
  const Bytes key = RegionKey(region);
  CESS_ASSIGN_OR_RETURN(uint32_t n, GetU32(ctx.state(), key));
  if (delta < 0 && n == 0) return Status::Internal("sminer: region count underflow");
  PutU32(ctx.state(), key, delta < 0 ? n - 1 : n + 1);
  return Status::Ok();
}

const ModulePot& Pot() {
  static const ModulePot kPot(kName);
  return kPot;
}

// Calls fn(id, info) for every miner in id order.
template <typename F>
Status ScanMiners(const state::StateReader& reader, F&& fn) {
  const Bytes prefix = KeyBuilder(kName, "miner").Take();
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    Result<MinerInfo> m = codec::Decode<MinerInfo>(value);
    if (key.size() != prefix.size() + 32 || !m.ok()) {
      bad = Status::Corruption("sminer: malformed miner record");
      return false;
    }
    AccountId id;
    std::copy(key.begin() + static_cast<ptrdiff_t>(prefix.size()), key.end(), id.bytes.begin());
    fn(id, std::move(m).value());
    return true;
  }));
  return bad;
}

}  // namespace

// ---- encodings and pure helpers

std::string_view MinerStateName(MinerState s) {
  switch (s) {
    case MinerState::kPositive:
      return "positive";
    case MinerState::kFrozen:
      return "frozen";
    case MinerState::kExiting:
      return "exiting";
    case MinerState::kExited:
      return "exited";
  }
  return "unknown";
}

uint64_t MinerInfo::power() const {
  const U128 p = (static_cast<U128>(service) * 7 + static_cast<U128>(idle()) * 3) / 10;
  return p > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(p);
}

void MinerInfo::Encode(codec::Writer& w) const {
  w.PutString(region);
  w.PutString(endpoint);
  w.PutU64(capacity);
  w.PutU64(service);
  w.PutU64(locked);
  w.PutU64(collateral);
  w.PutU8(static_cast<uint8_t>(state));
  w.PutU64(unlock_at);
  w.PutU64(reward_total);
  w.PutU64(last_reward);
  w.PutU32(consecutive_misses);
  w.PutU32(total_misses);
  w.PutU64(registered_at);
}

Result<MinerInfo> MinerInfo::Decode(codec::Reader& r) {
  MinerInfo m;
  CESS_ASSIGN_OR_RETURN(m.region, r.ReadString(kMaxRegionBytes));
  CESS_ASSIGN_OR_RETURN(m.endpoint, r.ReadString(kMaxEndpointBytes));
  CESS_ASSIGN_OR_RETURN(m.capacity, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(m.service, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(m.locked, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(m.collateral, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(uint8_t s, r.ReadU8());
  if (s > static_cast<uint8_t>(MinerState::kExited)) return Status::Corruption("sminer: bad miner state");
  m.state = static_cast<MinerState>(s);
  CESS_ASSIGN_OR_RETURN(m.unlock_at, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(m.reward_total, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(m.last_reward, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(m.consecutive_misses, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(m.total_misses, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(m.registered_at, r.ReadU64());
  return m;
}

void RegisterArgs::Encode(codec::Writer& w) const {
  w.PutString(region);
  w.PutString(endpoint);
  w.PutU64(capacity);
  w.PutU64(collateral);
}

Result<RegisterArgs> RegisterArgs::Decode(codec::Reader& r) {
  RegisterArgs a;
  CESS_ASSIGN_OR_RETURN(a.region, r.ReadString(4096));
  CESS_ASSIGN_OR_RETURN(a.endpoint, r.ReadString(4096));
  CESS_ASSIGN_OR_RETURN(a.capacity, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.collateral, r.ReadU64());
  return a;
}

AccountId ModuleAccount(std::string_view module) {
  const std::string tag = "cess/module/" + std::string(module);
  AccountId id;
  id.bytes = crypto::Sha256(AsBytes(tag));
  return id;
}

AccountId PotAccount() {
  static const AccountId kPot = ModuleAccount(kName);
  return kPot;
}

uint64_t MinCollateral(const Profile& profile, uint64_t capacity) {
  const U128 scaled = static_cast<U128>(capacity) * profile.miner_collateral_per_tib;
  const U128 per_capacity = (scaled + ((U128{1} << 40) - 1)) >> 40;
  const uint64_t c = per_capacity > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(per_capacity);
  return std::max(profile.miner_min_collateral, c);
}

Call RegisterCall(const RegisterArgs& args) { return MakeCall("register", codec::Encode(args)); }
Call IncreaseCollateralCall(uint64_t amount) {
  return MakeCall("increase_collateral", codec::Encode(AmountArgs{amount}));
}
Call UpdateEndpointCall(const std::string& endpoint) {
  return MakeCall("update_endpoint", codec::Encode(EndpointArgs{endpoint}));
}
Call ExitPrepCall() { return MakeCall("exit_prep", {}); }
Call WithdrawCall() { return MakeCall("withdraw", {}); }

// ---- read helpers

Result<std::optional<MinerInfo>> ReadMiner(const state::StateReader& reader, const AccountId& id) {
  return GetValue<MinerInfo>(reader, MinerKey(id));
}

Result<std::vector<MinerSummary>> ListMiners(const state::StateReader& reader) {
  std::vector<MinerSummary> out;
  CESS_RETURN_IF_ERROR(ScanMiners(reader, [&](const AccountId& id, const MinerInfo& m) {
    out.push_back(MinerSummary{id, m.region, m.endpoint, m.free(), m.state, m.power()});
  }));
  return out;
}

Result<std::vector<std::pair<Hash256, uint32_t>>> ListMinerFragments(const state::StateReader& reader,
                                                                     const AccountId& id) {
  const Bytes prefix = KeyBuilder(kName, "frag").Add(id.bytes).Take();
  std::vector<std::pair<Hash256, uint32_t>> out;
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    if (key.size() != prefix.size() + 32 || value.size() != 4) {
      bad = Status::Corruption("sminer: malformed fragment index entry");
      return false;
    }
    Hash256 name;
    std::copy(key.begin() + static_cast<ptrdiff_t>(prefix.size()), key.end(), name.begin());
    const uint32_t n = static_cast<uint32_t>(value[0]) | static_cast<uint32_t>(value[1]) << 8 |
                       static_cast<uint32_t>(value[2]) << 16 | static_cast<uint32_t>(value[3]) << 24;
    out.emplace_back(name, n);
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  return out;
}

Result<std::vector<Hash256>> MinerFragmentNames(const state::StateReader& reader, const AccountId& id) {
  CESS_ASSIGN_OR_RETURN(auto frags, ListMinerFragments(reader, id));
  std::vector<Hash256> names;
  for (const auto& [name, n] : frags) names.insert(names.end(), n, name);
  return names;
}

Result<bool> RegionKnown(const state::StateReader& reader, std::string_view region) {
  if (region.empty() || region.size() > kMaxRegionBytes) return false;
  CESS_ASSIGN_OR_RETURN(uint32_t n, GetU32(reader, RegionKey(region)));
  return n > 0;
}

Result<uint64_t> ReadReserve(const state::StateReader& reader) { return Pot().Reserve(reader); }

// ---- mutators for other modules

Status StoreMiner(Context& ctx, const AccountId& id, const MinerInfo& info) {
  CESS_ASSIGN_OR_RETURN(std::optional<MinerInfo> m, ReadMiner(ctx.state(), id));
  if (!m) return Status::Internal("sminer: storing an unknown miner " + id.ToHex());
  PutValue(ctx.state(), MinerKey(id), info);
  return Status::Ok();
}

namespace {
Status AddSigned(uint64_t& v, int64_t delta, const char* what) {
  if (delta < 0) {
    const uint64_t d = static_cast<uint64_t>(-(delta + 1)) + 1;
    if (v < d) return Status::Internal(std::string("sminer: ") + what + " underflow");
    v -= d;
  } else {
    if (v > UINT64_MAX - static_cast<uint64_t>(delta))
      return Status::Internal(std::string("sminer: ") + what + " overflow");
    v += static_cast<uint64_t>(delta);
  }
  return Status::Ok();
}
}  // namespace

Status AdjustSpace(Context& ctx, const AccountId& id, int64_t locked_delta, int64_t service_delta) {
  CESS_ASSIGN_OR_RETURN(std::optional<MinerInfo> m, ReadMiner(ctx.state(), id));
  if (!m) return Status::Internal("sminer: space of an unknown miner " + id.ToHex());
  CESS_RETURN_IF_ERROR(AddSigned(m->locked, locked_delta, "locked"));
  CESS_RETURN_IF_ERROR(AddSigned(m->service, service_delta, "service"));
  PutValue(ctx.state(), MinerKey(id), *m);
  return Status::Ok();
}

Status AddFragment(Context& ctx, const AccountId& id, const Hash256& name) {
  const Bytes key = FragKey(id, name);
  CESS_ASSIGN_OR_RETURN(uint32_t n, GetU32(ctx.state(), key));
  if (n == UINT32_MAX) return Status::Internal("sminer: fragment refcount overflow");
  PutU32(ctx.state(), key, n + 1);
  return Status::Ok();
}

Status RemoveFragment(Context& ctx, const AccountId& id, const Hash256& name) {
  const Bytes key = FragKey(id, name);
  CESS_ASSIGN_OR_RETURN(uint32_t n, GetU32(ctx.state(), key));
  if (n == 0) return Status::Internal("sminer: removing a fragment the miner's index lacks");
  PutU32(ctx.state(), key, n - 1);
  return Status::Ok();
}

Result<uint64_t> Penalize(Context& ctx, const AccountId& id, uint32_t percent) {
  CESS_ASSIGN_OR_RETURN(std::optional<MinerInfo> m, ReadMiner(ctx.state(), id));
  if (!m) return Status::Internal("sminer: penalizing an unknown miner " + id.ToHex());
  const uint64_t amount =
      static_cast<uint64_t>(static_cast<U128>(m->collateral) * std::min(percent, 100u) / 100);
  CESS_RETURN_IF_ERROR(Pot().Burn(ctx, amount));
  m->collateral -= amount;
  if (m->state == MinerState::kPositive && m->collateral < MinCollateral(ctx.profile(), m->capacity)) {
    m->state = MinerState::kFrozen;
    ctx.Emit(kName, "MinerFrozen", Bytes(id.bytes.begin(), id.bytes.end()));
  }
  PutValue(ctx.state(), MinerKey(id), *m);
  return amount;
}

Status ForceExit(Context& ctx, const AccountId& id) {
  CESS_ASSIGN_OR_RETURN(std::optional<MinerInfo> m, ReadMiner(ctx.state(), id));
  if (!m) return Status::Internal("sminer: forcing out an unknown miner " + id.ToHex());
  m->state = MinerState::kExited;
  m->unlock_at = ctx.block().height + ctx.profile().miner_exit_lock_blocks;
  PutValue(ctx.state(), MinerKey(id), *m);
  return file_bank::OpenRestoralOrdersForMiner(ctx, id).status();
}

// ---- the module

std::span<const CallDef> SminerModule::calls() const { return kCalls; }
std::span<const ErrorDef> SminerModule::errors() const { return kErrors; }
std::span<const std::string_view> SminerModule::events() const { return kEvents; }

Result<CallResult> SminerModule::Dispatch(Context& ctx, const AccountId& origin, size_t index,
                                          ByteSpan args) const {
  switch (index) {
    case kRegister: {
      Result<RegisterArgs> a = codec::Decode<RegisterArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return Register(ctx, origin, *a);
    }
    case kIncrease: {
      Result<AmountArgs> a = codec::Decode<AmountArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return IncreaseCollateral(ctx, origin, a->amount);
    }
    case kUpdateEndpoint: {
      Result<EndpointArgs> a = codec::Decode<EndpointArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return UpdateEndpoint(ctx, origin, a->endpoint);
    }
    case kExitPrep:
    case kWithdraw:
      if (!args.empty()) return CallResult::BadArguments();
      return index == kExitPrep ? ExitPrep(ctx, origin) : Withdraw(ctx, origin);
    default:
      return Status::Internal("sminer: no call " + std::to_string(index));
  }
}

Result<CallResult> SminerModule::Register(Context& ctx, const AccountId& who,
                                          const RegisterArgs& args) const {
  CESS_ASSIGN_OR_RETURN(std::optional<MinerInfo> existing, ReadMiner(ctx.state(), who));
  if (existing) return CallResult::Error(Error::kAlreadyRegistered);
  if (args.region.empty() || args.region.size() > kMaxRegionBytes)
    return CallResult::Error(Error::kBadRegion);
  if (args.endpoint.size() > kMaxEndpointBytes) return CallResult::Error(Error::kEndpointTooLong);
  if (args.capacity == 0) return CallResult::Error(Error::kZeroCapacity);
  if (args.collateral < MinCollateral(profile_, args.capacity))
    return CallResult::Error(Error::kCollateralTooLow);
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), who));
  if (acct.free < args.collateral) return CallResult::Error(Error::kInsufficientBalance);
  CESS_RETURN_IF_ERROR(Pot().PayIn(ctx, who, args.collateral));
  MinerInfo m;
  m.region = args.region;
  m.endpoint = args.endpoint;
  m.capacity = args.capacity;
  m.collateral = args.collateral;
  m.registered_at = ctx.block().height;
  PutValue(ctx.state(), MinerKey(who), m);
  CESS_RETURN_IF_ERROR(AddRegion(ctx, args.region, +1));
  ctx.Emit(kName, "MinerRegistered", IdAmount(who, args.collateral));
  return CallResult::Ok();
}

Result<CallResult> SminerModule::IncreaseCollateral(Context& ctx, const AccountId& who,
                                                    uint64_t amount) const {
  CESS_ASSIGN_OR_RETURN(std::optional<MinerInfo> m, ReadMiner(ctx.state(), who));
  if (!m) return CallResult::Error(Error::kNotRegistered);
  if (amount == 0) return CallResult::Error(Error::kZeroAmount);
  if (m->state == MinerState::kExiting || m->state == MinerState::kExited) {
    return CallResult::Error(Error::kMinerExiting);
  }
  if (m->collateral > UINT64_MAX - amount) return CallResult::Error(Error::kOverflow);
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), who));
  if (acct.free < amount) return CallResult::Error(Error::kInsufficientBalance);
  CESS_RETURN_IF_ERROR(Pot().PayIn(ctx, who, amount));
  m->collateral += amount;
  if (m->state == MinerState::kFrozen && m->collateral >= MinCollateral(profile_, m->capacity)) {
    m->state = MinerState::kPositive;
    ctx.Emit(kName, "MinerPositive", Bytes(who.bytes.begin(), who.bytes.end()));
  }
  PutValue(ctx.state(), MinerKey(who), *m);
  ctx.Emit(kName, "CollateralIncreased", IdAmount(who, amount));
  return CallResult::Ok();
}

Result<CallResult> SminerModule::UpdateEndpoint(Context& ctx, const AccountId& who,
                                                const std::string& endpoint) const {
  CESS_ASSIGN_OR_RETURN(std::optional<MinerInfo> m, ReadMiner(ctx.state(), who));
  if (!m) return CallResult::Error(Error::kNotRegistered);
  if (endpoint.size() > kMaxEndpointBytes) return CallResult::Error(Error::kEndpointTooLong);
  m->endpoint = endpoint;
  PutValue(ctx.state(), MinerKey(who), *m);
  ctx.Emit(kName, "EndpointUpdated", Bytes(who.bytes.begin(), who.bytes.end()));
  return CallResult::Ok();
}

Result<CallResult> SminerModule::ExitPrep(Context& ctx, const AccountId& who) const {
  CESS_ASSIGN_OR_RETURN(std::optional<MinerInfo> m, ReadMiner(ctx.state(), who));
  if (!m) return CallResult::Error(Error::kNotRegistered);
  if (m->state == MinerState::kExiting || m->state == MinerState::kExited) {
    return CallResult::Error(Error::kMinerExiting);
  }
  CESS_ASSIGN_OR_RETURN(bool pending, file_bank::HasPendingDeal(ctx.state(), who));
  if (pending) return CallResult::Error(Error::kPendingDeals);
  m->state = MinerState::kExiting;
  m->unlock_at = ctx.block().height + profile_.miner_exit_lock_blocks;
  PutValue(ctx.state(), MinerKey(who), *m);
  CESS_RETURN_IF_ERROR(file_bank::OpenRestoralOrdersForMiner(ctx, who).status());
  ctx.Emit(kName, "MinerExiting", IdAmount(who, m->unlock_at));
  return CallResult::Ok();
}

Result<CallResult> SminerModule::Withdraw(Context& ctx, const AccountId& who) const {
  CESS_ASSIGN_OR_RETURN(std::optional<MinerInfo> m, ReadMiner(ctx.state(), who));
  if (!m) return CallResult::Error(Error::kNotRegistered);
  if (m->state != MinerState::kExiting && m->state != MinerState::kExited) {
    return CallResult::Error(Error::kNotExiting);
  }
  if (ctx.block().height < m->unlock_at) return CallResult::Error(Error::kStillLocked);
  if (m->locked != 0 || m->service != 0) return CallResult::Error(Error::kStillHoldsData);
  CESS_RETURN_IF_ERROR(Pot().PayOut(ctx, who, m->collateral));
  ctx.state().Delete(MinerKey(who));
  CESS_RETURN_IF_ERROR(AddRegion(ctx, m->region, -1));
  ctx.Emit(kName, "MinerWithdrawn", IdAmount(who, m->collateral));
  return CallResult::Ok();
}

Status SminerModule::OnBlockStart(Context& ctx) const {
  if (!ctx.block().NewEra()) return Status::Ok();
  return PayRewards(ctx);
}

Status SminerModule::PayRewards(Context& ctx) const {
  if (profile_.miner_reward_per_era == 0) return Status::Ok();
  std::vector<std::pair<AccountId, MinerInfo>> miners;
  CESS_RETURN_IF_ERROR(ScanMiners(ctx.state(), [&](const AccountId& id, MinerInfo m) {
    if (m.state == MinerState::kPositive && m.power() > 0) miners.emplace_back(id, std::move(m));
  }));
  U128 total = 0;
  for (const auto& [id, m] : miners) total += m.power();
  if (total == 0) return Status::Ok();
  for (auto& [id, m] : miners) {
    const uint64_t share =
        static_cast<uint64_t>(static_cast<U128>(profile_.miner_reward_per_era) * m.power() / total);
    if (share == 0) continue;
    CESS_RETURN_IF_ERROR(balances::MintIssuance(ctx, share));
    CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), id));
    if (acct.free > UINT64_MAX - share) return Status::Internal("sminer: reward overflows a balance");
    acct.free += share;
    CESS_RETURN_IF_ERROR(balances::StoreAccount(ctx, id, acct).status());
    m.reward_total += share;
    m.last_reward = share;
    PutValue(ctx.state(), MinerKey(id), m);
    codec::Writer w;
    id.Encode(w);
    w.PutU64(share);
    w.PutU64(ctx.block().era);
    ctx.Emit(kName, "MinerRewarded", w.Take());
  }
  return Status::Ok();
}

Status SminerModule::CheckInvariants(const state::StateReader& reader) const {
  auto fail = [](const std::string& what) { return Status::Internal("sminer: " + what); };
  std::vector<std::pair<AccountId, MinerInfo>> miners;
  CESS_RETURN_IF_ERROR(
      ScanMiners(reader, [&](const AccountId& id, MinerInfo m) { miners.emplace_back(id, std::move(m)); }));
  U128 collateral = 0;
  std::map<std::string, uint32_t> regions;
  for (const auto& [id, m] : miners) {
    collateral += m.collateral;
    regions[m.region] += 1;
    CESS_ASSIGN_OR_RETURN(auto frags, ListMinerFragments(reader, id));
    U128 refs = 0;
    for (const auto& [name, n] : frags) {
      if (n == 0) return fail("a zero refcount stored");
      refs += n;
    }
    if (refs * profile_.fragment_size != m.service) {
      return fail("service bytes of " + id.ToHex() + " differ from its fragment index");
    }
    if (m.state == MinerState::kPositive && m.collateral < MinCollateral(profile_, m.capacity)) {
      return fail("a Positive miner below its minimum collateral");
    }
  }
  // No fragment index without a miner.
  const Bytes frag_prefix = KeyBuilder(kName, "frag").Take();
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(frag_prefix, [&](ByteSpan key, ByteSpan) {
    AccountId id;
    if (key.size() != frag_prefix.size() + 64) {
      bad = fail("malformed fragment index key");
      return false;
    }
    std::copy(key.begin() + static_cast<ptrdiff_t>(frag_prefix.size()),
              key.begin() + static_cast<ptrdiff_t>(frag_prefix.size() + 32), id.bytes.begin());
    const bool known =
        std::any_of(miners.begin(), miners.end(), [&](const auto& e) { return e.first == id; });
    if (!known) {
      bad = fail("a fragment index entry of an unknown miner");
      return false;
    }
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  // Regions.
  const Bytes region_prefix = KeyBuilder(kName, "region").Take();
  size_t region_entries = 0;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(region_prefix, [&](ByteSpan key, ByteSpan value) {
    const std::string region(key.begin() + static_cast<ptrdiff_t>(region_prefix.size()), key.end());
    Result<uint32_t> n =
        value.size() == 4
            ? Result<uint32_t>(static_cast<uint32_t>(value[0]) | static_cast<uint32_t>(value[1]) << 8 |
                               static_cast<uint32_t>(value[2]) << 16 | static_cast<uint32_t>(value[3]) << 24)
            : Result<uint32_t>(Status::Corruption("bad region count"));
    auto it = regions.find(region);
    if (!n.ok() || it == regions.end() || it->second != *n) {
      bad = fail("region count of '" + region + "' differs from the miners declaring it");
      return false;
    }
    ++region_entries;
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  if (region_entries != regions.size()) return fail("a declared region without a count");
  // The pot.
  CESS_ASSIGN_OR_RETURN(uint64_t reserve, ReadReserve(reader));
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo pot, balances::ReadAccount(reader, PotAccount()));
  if (pot.bonded != 0 || static_cast<U128>(pot.free) != collateral + reserve) {
    return fail("the pot holds " + std::to_string(pot.free) + ", collateral + reserve is " +
                std::to_string(static_cast<uint64_t>(collateral + reserve)));
  }
  return Status::Ok();
}

}  // namespace cess::chain::runtime::sminer
