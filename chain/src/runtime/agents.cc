// The agents module: registration, updates, expiry, hubs, usage reports and era reputation (see
// agents.h).
#include "cess/chain/runtime/agents.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/storage.h"
#include "cess/core/hash.h"
#include "module_pot.h"
#include "wide_int.h"

namespace cess::chain::runtime::agents {
namespace {

struct HubNameArgs {
  std::string name;
  void Encode(codec::Writer& w) const { w.PutString(name); }
  static Result<HubNameArgs> Decode(codec::Reader& r) {
    HubNameArgs a;
    CESS_ASSIGN_OR_RETURN(a.name, r.ReadString(4096));
    return a;
  }
};

constexpr CallDef kCalls[] = {
    {"register", 2, &DecodesAs<RegisterArgs>},    {"update", 2, &DecodesAs<UpdateArgs>},
    {"refresh", 1, &DecodesAs<AgentId>},          {"pause", 1, &DecodesAs<AgentId>},
    {"resume", 1, &DecodesAs<AgentId>},           {"deregister", 1, &DecodesAs<AgentId>},
    {"register_hub", 1, &DecodesAs<HubNameArgs>}, {"report_usage", 1, &DecodesAs<ReportUsageArgs>},
};
enum CallIndex : size_t {
  kRegister,
  kUpdate,
  kRefresh,
  kPause,
  kResume,
  kDeregister,
  kRegisterHub,
  kReportUsage
};

constexpr ErrorDef kErrors[] = {
    {1, "CardTooLarge"},
    {2, "BadCard"},
    {3, "NoSkills"},
    {4, "EndpointTooLong"},
    {5, "BadEndpoint"},
    {6, "BadRegion"},
    {7, "BadWeight"},
    {8, "StakeTooLow"},
    {9, "InsufficientBalance"},
    {10, "AlreadyRegistered"},
    {11, "TooManyAgents"},
    {12, "NoSuchAgent"},
    {13, "NotOwner"},
    {14, "NameChanged"},
    {15, "NothingToUpdate"},
    {16, "AlreadyPaused"},
    {17, "NotPaused"},
    {18, "BadHubName"},
    {19, "HubAlreadyRegistered"},
    {20, "NotHub"},
    {21, "StaleSequence"},
    {22, "SequenceGap"},
    {23, "BadInterval"},
    {24, "TooManyEntries"},
    {25, "UnsortedUsage"},
    {26, "BadUsage"},
    {27, "Overflow"},
};
constexpr std::string_view kEvents[] = {
    "AgentRegistered",   "AgentUpdated",  "AgentRefreshed", "AgentPaused",   "AgentResumed",
    "AgentDeregistered", "StakeReleased", "HubRegistered",  "UsageReported", "ReputationUpdated"};

// ---- keys

Bytes AgentKey(const AgentId& id) { return KeyBuilder(kName, "agent").Add(id.bytes).Take(); }
Bytes SkillPrefix(std::string_view skill) {
  const uint8_t len = static_cast<uint8_t>(skill.size());
  return KeyBuilder(kName, "skill").Add(ByteSpan(&len, 1)).Add(AsBytes(skill)).Take();
}
Bytes SkillKey(std::string_view skill, const AgentId& id) {
  Bytes k = SkillPrefix(skill);
  k.insert(k.end(), id.bytes.begin(), id.bytes.end());
  return k;
}
Bytes OwnerPrefix(const AccountId& owner) { return KeyBuilder(kName, "owner").Add(owner.bytes).Take(); }
Bytes OwnerKey(const AccountId& owner, const AgentId& id) {
  return KeyBuilder(kName, "owner").Add(owner.bytes).Add(id.bytes).Take();
}
Bytes HubKey(const AccountId& hub) { return KeyBuilder(kName, "hub").Add(hub.bytes).Take(); }
Bytes UsageKey(uint64_t era, const AgentId& id) {
  return KeyBuilder(kName, "usage").AddU64(era).Add(id.bytes).Take();
}
Bytes UnbondKey(uint64_t height, const AgentId& id) {
  return KeyBuilder(kName, "unbond").AddU64(height).Add(id.bytes).Take();
}

AgentId IdAt(ByteSpan key, size_t offset) {
  AgentId id;
  std::copy(key.begin() + static_cast<ptrdiff_t>(offset), key.begin() + static_cast<ptrdiff_t>(offset + 16),
            id.bytes.begin());
  return id;
}

Bytes IdBytes(const AgentId& id) { return Bytes(id.bytes.begin(), id.bytes.end()); }

// ---- the pot (module_pot.h)

const ModulePot& Pot() {
  static const ModulePot kPot(kName);
  return kPot;
}

// ---- scans

// Calls fn(record) (id set, status not derived) for every agent in id order.
template <typename F>
Status ScanAgents(const state::StateReader& reader, F&& fn) {
  const Bytes prefix = KeyBuilder(kName, "agent").Take();
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    Result<AgentRecord> a = codec::Decode<AgentRecord>(value);
    if (key.size() != prefix.size() + 16 || !a.ok()) {
      bad = Status::Corruption("agents: malformed agent record");
      return false;
    }
    a->id = IdAt(key, prefix.size());
    fn(std::move(a).value());
    return true;
  }));
  return bad;
}

// The agent ids under `prefix` whose keys are prefix ‖ id 16.
Result<std::vector<AgentId>> IdsUnder(const state::StateReader& reader, const Bytes& prefix) {
  std::vector<AgentId> ids;
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan) {
    if (key.size() != prefix.size() + 16) {
      bad = Status::Corruption("agents: malformed index key");
      return false;
    }
    ids.push_back(IdAt(key, prefix.size()));
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  return ids;
}

// Calls fn(key, release height, agent, entry) for unbondings in release order while fn returns true.
template <typename F>
Status ScanUnbonding(const state::StateReader& reader, F&& fn) {
  const Bytes prefix = KeyBuilder(kName, "unbond").Take();
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    Result<Unbonding> u = codec::Decode<Unbonding>(value);
    if (key.size() != prefix.size() + 24 || !u.ok()) {
      bad = Status::Corruption("agents: malformed unbonding entry");
      return false;
    }
    u->release_at = ReadU64BE(key, prefix.size());
    u->agent = IdAt(key, prefix.size() + 8);
    return fn(key, std::move(u).value());
  }));
  return bad;
}

void IndexSkills(state::Overlay& state, const AgentRecord& a, bool add) {
  for (const SkillEntry& s : a.skills) {
    const Bytes key = SkillKey(s.id, a.id);
    if (add) {
      state.Put(key, ByteSpan());
    } else {
      state.Delete(key);
    }
  }
}

// Endpoint rule: http:// or https:// followed by a host (a character that is not '/'), no
// whitespace or control characters anywhere.
bool GoodEndpoint(std::string_view e) {
  size_t rest = 0;
  if (e.starts_with("http://")) {
    rest = 7;
  } else if (e.starts_with("https://")) {
    rest = 8;
  } else {
    return false;
  }
  if (e.size() <= rest || e[rest] == '/') return false;
  return std::none_of(e.begin(), e.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

}  // namespace

// ---- read helpers

Result<std::optional<AgentRecord>> ReadAgent(const state::StateReader& reader, const AgentId& id,
                                             uint64_t height) {
  CESS_ASSIGN_OR_RETURN(std::optional<AgentRecord> a, GetValue<AgentRecord>(reader, AgentKey(id)));
  if (a) {
    a->id = id;
    a->status = a->StatusAt(height);
  }
  return a;
}

Result<std::vector<AgentRecord>> ListAgents(const state::StateReader& reader, uint64_t height) {
  std::vector<AgentRecord> out;
  CESS_RETURN_IF_ERROR(ScanAgents(reader, [&](AgentRecord a) {
    a.status = a.StatusAt(height);
    out.push_back(std::move(a));
  }));
  return out;
}

namespace {
Result<std::vector<AgentRecord>> ReadAll(const state::StateReader& reader, const std::vector<AgentId>& ids,
                                         uint64_t height) {
  std::vector<AgentRecord> out;
  out.reserve(ids.size());
  for (const AgentId& id : ids) {
    CESS_ASSIGN_OR_RETURN(std::optional<AgentRecord> a, ReadAgent(reader, id, height));
    if (!a) return Status::Corruption("agents: an index names a missing agent " + id.ToHex());
    out.push_back(std::move(*a));
  }
  return out;
}
}  // namespace

Result<std::vector<AgentRecord>> AgentsWithSkill(const state::StateReader& reader, std::string_view skill,
                                                 uint64_t height) {
  if (skill.empty() || skill.size() > kMaxSkillIdBytes) return std::vector<AgentRecord>();
  CESS_ASSIGN_OR_RETURN(std::vector<AgentId> ids, IdsUnder(reader, SkillPrefix(skill)));
  return ReadAll(reader, ids, height);
}

Result<std::vector<AgentRecord>> AgentsOf(const state::StateReader& reader, const AccountId& owner,
                                          uint64_t height) {
  CESS_ASSIGN_OR_RETURN(std::vector<AgentId> ids, IdsUnder(reader, OwnerPrefix(owner)));
  return ReadAll(reader, ids, height);
}

Result<std::optional<HubRecord>> ReadHub(const state::StateReader& reader, const AccountId& hub) {
  return GetValue<HubRecord>(reader, HubKey(hub));
}

Result<UsageCounters> ReadUsage(const state::StateReader& reader, uint64_t era, const AgentId& agent) {
  CESS_ASSIGN_OR_RETURN(std::optional<UsageCounters> u,
                        GetValue<UsageCounters>(reader, UsageKey(era, agent)));
  return u ? *u : UsageCounters{};
}

Result<std::vector<Unbonding>> ListUnbonding(const state::StateReader& reader) {
  std::vector<Unbonding> out;
  CESS_RETURN_IF_ERROR(ScanUnbonding(reader, [&](ByteSpan, Unbonding u) {
    out.push_back(std::move(u));
    return true;
  }));
  return out;
}

Result<uint64_t> ReadReserve(const state::StateReader& reader) { return Pot().Reserve(reader); }

// ---- the module

std::span<const CallDef> AgentsModule::calls() const { return kCalls; }
std::span<const ErrorDef> AgentsModule::errors() const { return kErrors; }
std::span<const std::string_view> AgentsModule::events() const { return kEvents; }

Result<CallResult> AgentsModule::Dispatch(Context& ctx, const AccountId& origin, size_t index,
                                          ByteSpan args) const {
  switch (index) {
    case kRegister: {
      Result<RegisterArgs> a = codec::Decode<RegisterArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return Register(ctx, origin, *a);
    }
    case kUpdate: {
      Result<UpdateArgs> a = codec::Decode<UpdateArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return Update(ctx, origin, *a);
    }
    case kRefresh:
    case kPause:
    case kResume:
    case kDeregister: {
      Result<AgentId> id = codec::Decode<AgentId>(args);
      if (!id.ok()) return CallResult::BadArguments();
      if (index == kRefresh) return Refresh(ctx, origin, *id);
      if (index == kDeregister) return Deregister(ctx, origin, *id);
      return SetPaused(ctx, origin, *id, index == kPause);
    }
    case kRegisterHub: {
      Result<HubNameArgs> a = codec::Decode<HubNameArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return RegisterHub(ctx, origin, a->name);
    }
    case kReportUsage: {
      Result<ReportUsageArgs> a = codec::Decode<ReportUsageArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return ReportUsage(ctx, origin, *a);
    }
    default:
      return Status::Internal("agents: no call " + std::to_string(index));
  }
}

Result<CallResult> AgentsModule::Register(Context& ctx, const AccountId& who,
                                          const RegisterArgs& args) const {
  Error card_error = Error::kBadCard;
  Result<CardSummary> card = ParseCard(args.card, &card_error);
  if (!card.ok()) return CallResult::Error(card_error);
  if (args.endpoint.size() > kMaxEndpointBytes) return CallResult::Error(Error::kEndpointTooLong);
  if (!GoodEndpoint(args.endpoint)) return CallResult::Error(Error::kBadEndpoint);
  if (args.region.size() > kMaxRegionBytes) return CallResult::Error(Error::kBadRegion);
  if (args.weight == 0 || args.weight > kMaxWeight) return CallResult::Error(Error::kBadWeight);
  if (args.stake < profile_.agent_min_stake) return CallResult::Error(Error::kStakeTooLow);
  AgentRecord a;
  a.id = MakeAgentId(who, card->name);
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> existing, ctx.state().Get(AgentKey(a.id)));
  if (existing) return CallResult::Error(Error::kAlreadyRegistered);
  CESS_ASSIGN_OR_RETURN(std::vector<AgentId> mine, IdsUnder(ctx.state(), OwnerPrefix(who)));
  if (mine.size() >= profile_.agent_max_per_owner) return CallResult::Error(Error::kTooManyAgents);
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), who));
  if (acct.free < args.stake) return CallResult::Error(Error::kInsufficientBalance);
  CESS_RETURN_IF_ERROR(Pot().PayIn(ctx, who, args.stake));
  a.owner = who;
  a.name = card->name;
  a.card = args.card;
  a.digest = crypto::Sha256(args.card);
  a.skills = std::move(card->skills);
  a.endpoint = args.endpoint;
  a.region = args.region;
  a.price = args.price;
  a.stake = args.stake;
  a.weight = args.weight;
  a.registered_at = ctx.block().height;
  a.expires_at = ctx.block().height + profile_.agent_ttl_blocks;
  PutValue(ctx.state(), AgentKey(a.id), a);
  IndexSkills(ctx.state(), a, true);
  ctx.state().Put(OwnerKey(who, a.id), ByteSpan());
  codec::Writer w;
  a.id.Encode(w);
  who.Encode(w);
  w.PutU64(a.stake);
  w.PutFixed(a.digest);
  ctx.Emit(kName, "AgentRegistered", w.Take());
  return CallResult::Ok();
}

Result<CallResult> AgentsModule::Update(Context& ctx, const AccountId& who, const UpdateArgs& args) const {
  CESS_ASSIGN_OR_RETURN(std::optional<AgentRecord> a, ReadAgent(ctx.state(), args.agent, ctx.block().height));
  if (!a) return CallResult::Error(Error::kNoSuchAgent);
  if (a->owner != who) return CallResult::Error(Error::kNotOwner);
  if (args.fields == 0) return CallResult::Error(Error::kNothingToUpdate);
  std::optional<CardSummary> card;
  if (args.fields & kUpdateCard) {
    Error card_error = Error::kBadCard;
    Result<CardSummary> c = ParseCard(args.card, &card_error);
    if (!c.ok()) return CallResult::Error(card_error);
    if (c->name != a->name) return CallResult::Error(Error::kNameChanged);
    card = std::move(c).value();
  }
  if (args.fields & kUpdateEndpoint) {
    if (args.endpoint.size() > kMaxEndpointBytes) return CallResult::Error(Error::kEndpointTooLong);
    if (!GoodEndpoint(args.endpoint)) return CallResult::Error(Error::kBadEndpoint);
  }
  if ((args.fields & kUpdateRegion) && args.region.size() > kMaxRegionBytes) {
    return CallResult::Error(Error::kBadRegion);
  }
  if ((args.fields & kUpdateWeight) && (args.weight == 0 || args.weight > kMaxWeight)) {
    return CallResult::Error(Error::kBadWeight);
  }
  if (card) {
    IndexSkills(ctx.state(), *a, false);
    a->card = args.card;
    a->digest = crypto::Sha256(args.card);
    a->skills = std::move(card->skills);
    IndexSkills(ctx.state(), *a, true);
  }
  if (args.fields & kUpdateEndpoint) a->endpoint = args.endpoint;
  if (args.fields & kUpdateRegion) a->region = args.region;
  if (args.fields & kUpdatePrice) a->price = args.price;
  if (args.fields & kUpdateWeight) a->weight = args.weight;
  PutValue(ctx.state(), AgentKey(a->id), *a);
  codec::Writer w;
  a->id.Encode(w);
  w.PutU8(args.fields);
  w.PutFixed(a->digest);
  ctx.Emit(kName, "AgentUpdated", w.Take());
  return CallResult::Ok();
}

Result<CallResult> AgentsModule::Refresh(Context& ctx, const AccountId& who, const AgentId& id) const {
  CESS_ASSIGN_OR_RETURN(std::optional<AgentRecord> a, ReadAgent(ctx.state(), id, ctx.block().height));
  if (!a) return CallResult::Error(Error::kNoSuchAgent);
  if (a->owner != who) return CallResult::Error(Error::kNotOwner);
  a->expires_at = ctx.block().height + profile_.agent_ttl_blocks;
  PutValue(ctx.state(), AgentKey(id), *a);
  codec::Writer w;
  id.Encode(w);
  w.PutU64(a->expires_at);
  ctx.Emit(kName, "AgentRefreshed", w.Take());
  return CallResult::Ok();
}

Result<CallResult> AgentsModule::SetPaused(Context& ctx, const AccountId& who, const AgentId& id,
                                           bool paused) const {
  CESS_ASSIGN_OR_RETURN(std::optional<AgentRecord> a, ReadAgent(ctx.state(), id, ctx.block().height));
  if (!a) return CallResult::Error(Error::kNoSuchAgent);
  if (a->owner != who) return CallResult::Error(Error::kNotOwner);
  if (paused && a->paused) return CallResult::Error(Error::kAlreadyPaused);
  if (!paused && !a->paused) return CallResult::Error(Error::kNotPaused);
  a->paused = paused;
  PutValue(ctx.state(), AgentKey(id), *a);
  ctx.Emit(kName, paused ? "AgentPaused" : "AgentResumed", IdBytes(id));
  return CallResult::Ok();
}

Result<CallResult> AgentsModule::Deregister(Context& ctx, const AccountId& who, const AgentId& id) const {
  CESS_ASSIGN_OR_RETURN(std::optional<AgentRecord> a, ReadAgent(ctx.state(), id, ctx.block().height));
  if (!a) return CallResult::Error(Error::kNoSuchAgent);
  if (a->owner != who) return CallResult::Error(Error::kNotOwner);
  ctx.state().Delete(AgentKey(id));
  IndexSkills(ctx.state(), *a, false);
  ctx.state().Delete(OwnerKey(who, id));
  const uint64_t release = ctx.block().height + profile_.agent_unbond_blocks;
  const Bytes key = UnbondKey(release, id);
  CESS_ASSIGN_OR_RETURN(std::optional<Unbonding> u, GetValue<Unbonding>(ctx.state(), key));
  if (!u) {
    u = Unbonding{};
    u->owner = who;
  }
  if (u->owner != who)
    return Status::Internal("agents: an unbonding entry of another owner for " + id.ToHex());
  if (u->amount > UINT64_MAX - a->stake) return Status::Internal("agents: unbonding overflow");
  u->amount += a->stake;
  PutValue(ctx.state(), key, *u);
  codec::Writer w;
  id.Encode(w);
  w.PutU64(release);
  w.PutU64(a->stake);
  ctx.Emit(kName, "AgentDeregistered", w.Take());
  return CallResult::Ok();
}

Result<CallResult> AgentsModule::RegisterHub(Context& ctx, const AccountId& who,
                                             const std::string& name) const {
  if (name.empty() || name.size() > kMaxHubNameBytes) return CallResult::Error(Error::kBadHubName);
  CESS_ASSIGN_OR_RETURN(std::optional<HubRecord> existing, ReadHub(ctx.state(), who));
  if (existing) return CallResult::Error(Error::kHubAlreadyRegistered);
  HubRecord h;
  h.name = name;
  h.registered_at = ctx.block().height;
  PutValue(ctx.state(), HubKey(who), h);
  codec::Writer w;
  who.Encode(w);
  w.PutString(name);
  ctx.Emit(kName, "HubRegistered", w.Take());
  return CallResult::Ok();
}

Result<CallResult> AgentsModule::ReportUsage(Context& ctx, const AccountId& who,
                                             const ReportUsageArgs& args) const {
  CESS_ASSIGN_OR_RETURN(std::optional<HubRecord> hub, ReadHub(ctx.state(), who));
  if (!hub) return CallResult::Error(Error::kNotHub);
  if (args.sequence < hub->next_sequence) return CallResult::Error(Error::kStaleSequence);
  if (args.sequence > hub->next_sequence) return CallResult::Error(Error::kSequenceGap);
  if (args.end_unix_micros < args.start_unix_micros || args.start_unix_micros < hub->last_end_unix_micros) {
    return CallResult::Error(Error::kBadInterval);
  }
  if (args.entries.size() > kMaxUsageEntries) return CallResult::Error(Error::kTooManyEntries);
  for (size_t i = 1; i < args.entries.size(); ++i) {
    if (!(args.entries[i - 1].agent < args.entries[i].agent)) return CallResult::Error(Error::kUnsortedUsage);
  }
  for (const UsageEntry& e : args.entries) {
    U128 n = 0;
    for (uint64_t b : e.usage.latency_buckets) n += b;
    if (e.usage.failures > e.usage.calls || n != e.usage.calls) return CallResult::Error(Error::kBadUsage);
  }
  // The fee for the entries beyond what weight 1 covers.
  const uint64_t extra_units = args.entries.empty() ? 0 : (args.entries.size() - 1) / kUsageEntriesPerWeight;
  const U128 extra_fee = static_cast<U128>(extra_units) * profile_.min_tx_fee;
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), who));
  if (extra_fee > UINT64_MAX ||
      !balances::CanPayFee(acct, static_cast<uint64_t>(extra_fee), profile_.existential_deposit)) {
    return CallResult::Error(Error::kInsufficientBalance);
  }
  // Every check passed: record.
  const uint64_t era = ctx.block().era;
  uint32_t skipped = 0;
  for (const UsageEntry& e : args.entries) {
    CESS_ASSIGN_OR_RETURN(std::optional<AgentRecord> a, ReadAgent(ctx.state(), e.agent, ctx.block().height));
    if (!a) {
      ++skipped;
      continue;
    }
    const Bytes key = UsageKey(era, e.agent);
    CESS_ASSIGN_OR_RETURN(UsageCounters u, ReadUsage(ctx.state(), era, e.agent));
    u.Add(e.usage);
    PutValue(ctx.state(), key, u);
    UsageCounters totals;
    totals.calls = a->total_calls;
    totals.failures = a->total_failures;
    totals.amount = a->total_amount;
    totals.Add(e.usage);
    a->total_calls = totals.calls;
    a->total_failures = totals.failures;
    a->total_amount = totals.amount;
    PutValue(ctx.state(), AgentKey(e.agent), *a);
  }
  hub->next_sequence += 1;
  hub->last_end_unix_micros = args.end_unix_micros;
  hub->batches += 1;
  PutValue(ctx.state(), HubKey(who), *hub);
  if (extra_fee > 0) {
    acct.free -= static_cast<uint64_t>(extra_fee);
    CESS_RETURN_IF_ERROR(balances::StoreAccount(ctx, who, acct).status());
    // Last step: the scratch is not rolled back with the call's writes.
    ctx.scratch().fees += static_cast<uint64_t>(extra_fee);
  }
  codec::Writer w;
  who.Encode(w);
  w.PutU64(args.sequence);
  w.PutU32(static_cast<uint32_t>(args.entries.size()));
  w.PutU32(skipped);
  ctx.Emit(kName, "UsageReported", w.Take());
  return CallResult::Ok();
}

Status AgentsModule::OnBlockStart(Context& ctx) const {
  CESS_RETURN_IF_ERROR(ReleaseUnbonding(ctx));
  if (!ctx.block().NewEra()) return Status::Ok();
  return UpdateReputations(ctx);
}

Status AgentsModule::ReleaseUnbonding(Context& ctx) const {
  std::vector<std::pair<Bytes, Unbonding>> due;
  CESS_RETURN_IF_ERROR(ScanUnbonding(ctx.state(), [&](ByteSpan key, Unbonding u) {
    if (u.release_at > ctx.block().height) return false;
    due.emplace_back(Bytes(key.begin(), key.end()), std::move(u));
    return true;
  }));
  for (const auto& [key, u] : due) {
    CESS_RETURN_IF_ERROR(Pot().PayOut(ctx, u.owner, u.amount));
    ctx.state().Delete(key);
    codec::Writer w;
    u.agent.Encode(w);
    u.owner.Encode(w);
    w.PutU64(u.amount);
    ctx.Emit(kName, "StakeReleased", w.Take());
  }
  return Status::Ok();
}

Status AgentsModule::UpdateReputations(Context& ctx) const {
  const uint64_t era = ctx.block().parent_era;
  const Bytes prefix = KeyBuilder(kName, "usage").AddU64(era).Take();
  std::vector<std::pair<AgentId, UsageCounters>> used;
  Status bad;
  CESS_RETURN_IF_ERROR(ctx.state().ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    Result<UsageCounters> u = codec::Decode<UsageCounters>(value);
    if (key.size() != prefix.size() + 16 || !u.ok()) {
      bad = Status::Corruption("agents: malformed usage entry");
      return false;
    }
    used.emplace_back(IdAt(key, prefix.size()), std::move(u).value());
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  for (const auto& [id, u] : used) {
    if (u.calls == 0) continue;
    CESS_ASSIGN_OR_RETURN(std::optional<AgentRecord> a, ReadAgent(ctx.state(), id, ctx.block().height));
    if (!a) continue;  // deregistered since
    a->reputation = SmoothReputation(a->reputation, EraReputation(u));
    a->reputation_era = era;
    PutValue(ctx.state(), AgentKey(id), *a);
    codec::Writer w;
    id.Encode(w);
    w.PutU64(era);
    w.PutU32(a->reputation);
    ctx.Emit(kName, "ReputationUpdated", w.Take());
  }
  // Prune usage older than the kept window [era + 1 − kUsageErasKept, now].
  if (era + 1 >= kUsageErasKept) {
    const uint64_t cutoff = era + 1 - kUsageErasKept;
    const Bytes all = KeyBuilder(kName, "usage").Take();
    std::vector<Bytes> old;
    CESS_RETURN_IF_ERROR(ctx.state().ScanPrefix(all, [&](ByteSpan key, ByteSpan) {
      if (key.size() < all.size() + 8 || ReadU64BE(key, all.size()) >= cutoff) return false;
      old.emplace_back(key.begin(), key.end());
      return true;
    }));
    for (const Bytes& k : old) ctx.state().Delete(k);
  }
  return Status::Ok();
}

Status AgentsModule::CheckInvariants(const state::StateReader& reader) const {
  auto fail = [](const std::string& what) { return Status::Internal("agents: " + what); };
  std::vector<AgentRecord> agents;
  CESS_RETURN_IF_ERROR(ScanAgents(reader, [&](AgentRecord a) { agents.push_back(std::move(a)); }));
  U128 held = 0;
  std::set<Bytes, state::BytesLess> skill_keys;
  std::set<Bytes, state::BytesLess> owner_keys;
  std::map<AccountId, uint32_t> per_owner;
  for (const AgentRecord& a : agents) {
    held += a.stake;
    if (crypto::Sha256(a.card) != a.digest)
      return fail("the digest of " + a.id.ToHex() + " differs from its card");
    Result<CardSummary> card = ParseCard(a.card);
    if (!card.ok() || card->name != a.name)
      return fail("the card of " + a.id.ToHex() + " does not parse to its name");
    if (card->skills != a.skills) return fail("the skills of " + a.id.ToHex() + " differ from its card");
    if (MakeAgentId(a.owner, a.name) != a.id)
      return fail("agent " + a.id.ToHex() + " is stored under a wrong id");
    for (const SkillEntry& s : a.skills) skill_keys.insert(SkillKey(s.id, a.id));
    owner_keys.insert(OwnerKey(a.owner, a.id));
    if (++per_owner[a.owner] > profile_.agent_max_per_owner)
      return fail("an owner above agent_max_per_owner");
    if (a.reputation > 1000) return fail("a reputation above 1000");
  }
  auto same_keys = [&](std::string_view item, const std::set<Bytes, state::BytesLess>& want) -> Status {
    std::set<Bytes, state::BytesLess> have;
    CESS_RETURN_IF_ERROR(reader.ScanPrefix(KeyBuilder(kName, item).Take(), [&](ByteSpan key, ByteSpan value) {
      if (!value.empty()) have.insert(Bytes());  // forces a mismatch below
      have.emplace(key.begin(), key.end());
      return true;
    }));
    if (have != want) return fail(std::string(item) + " index differs from the agent records");
    return Status::Ok();
  };
  CESS_RETURN_IF_ERROR(same_keys("skill", skill_keys));
  CESS_RETURN_IF_ERROR(same_keys("owner", owner_keys));
  // Usage keys and hubs decode.
  const Bytes usage_prefix = KeyBuilder(kName, "usage").Take();
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(usage_prefix, [&](ByteSpan key, ByteSpan value) {
    if (key.size() != usage_prefix.size() + 24 || !codec::Decode<UsageCounters>(value).ok()) {
      bad = fail("malformed usage entry");
      return false;
    }
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  const Bytes hub_prefix = KeyBuilder(kName, "hub").Take();
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(hub_prefix, [&](ByteSpan key, ByteSpan value) {
    if (key.size() != hub_prefix.size() + 32 || !codec::Decode<HubRecord>(value).ok()) {
      bad = fail("malformed hub record");
      return false;
    }
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  // The pot.
  CESS_RETURN_IF_ERROR(ScanUnbonding(reader, [&](ByteSpan, const Unbonding& u) {
    held += u.amount;
    return true;
  }));
  CESS_ASSIGN_OR_RETURN(uint64_t reserve, ReadReserve(reader));
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo pot, balances::ReadAccount(reader, PotAccount()));
  if (pot.bonded != 0 || static_cast<U128>(pot.free) != held + reserve) {
    return fail("the pot holds " + std::to_string(pot.free) + ", stakes + unbonding + reserve is " +
                std::to_string(static_cast<uint64_t>(held + reserve)));
  }
  return Status::Ok();
}

}  // namespace cess::chain::runtime::agents
