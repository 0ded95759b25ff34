// The staking module: bond, unbond, withdraw, nominate, validate, chill (see staking.h). The
// equivocation report lives in staking_report.cc.
#include "cess/chain/runtime/staking.h"

#include <algorithm>
#include <set>
#include <string>

#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/storage.h"
#include "wide_int.h"
#include "staking_internal.h"

namespace cess::chain::runtime::staking {
namespace {

struct BondArgs {
  uint64_t amount = 0;
  void Encode(codec::Writer& w) const { w.PutU64(amount); }
  static Result<BondArgs> Decode(codec::Reader& r) {
    BondArgs a;
    CESS_ASSIGN_OR_RETURN(a.amount, r.ReadU64());
    return a;
  }
};

struct NoArgs {
  void Encode(codec::Writer&) const {}
  static Result<NoArgs> Decode(codec::Reader&) { return NoArgs{}; }
};

struct VrfKeyArgs {
  crypto::ecvrf::PublicKey key{};
  void Encode(codec::Writer& w) const { w.PutFixed(key); }
  static Result<VrfKeyArgs> Decode(codec::Reader& r) {
    VrfKeyArgs a;
    CESS_ASSIGN_OR_RETURN(a.key, r.ReadArray<crypto::ecvrf::kPublicKeySize>());
    return a;
  }
};

constexpr CallDef kCalls[] = {
    {"bond", 1, &DecodesAs<BondArgs>},
    {"unbond", 1, &DecodesAs<BondArgs>},
    {"withdraw_unbonded", 1, &DecodesAs<NoArgs>},
    {"nominate", 1, &DecodesAs<Nominations>},
    {"validate", 1, &DecodesAs<VrfKeyArgs>},
    {"chill", 1, &DecodesAs<NoArgs>},
    {"report_equivocation", 2, &DecodesAs<EquivocationEvidence>},
};
enum CallIndex : size_t { kBond, kUnbond, kWithdraw, kNominate, kValidate, kChill, kReport };

constexpr ErrorDef kErrors[] = {
    {1, "NotBonded"},         {2, "ZeroAmount"},          {3, "InsufficientBalance"},
    {4, "InsufficientBond"},  {5, "TooManyChunks"},       {6, "NothingToWithdraw"},
    {7, "NoTargets"},         {8, "TooManyTargets"},      {9, "DuplicateTarget"},
    {10, "NotACandidate"},    {11, "BadVrfKey"},          {12, "NotStaking"},
    {13, "TooManyCandidates"}, {14, "TooManyNominators"}, {15, "InvalidEvidence"},
    {16, "NotSlotAuthor"},    {17, "EvidenceFromFuture"}, {18, "EvidenceTooOld"},
    {19, "DuplicateReport"},  {20, "SelfReport"},         {21, "UnknownEra"},
};
constexpr std::string_view kEvents[] = {"Bonded",    "Unbonded", "Withdrawn", "Nominated",
                                        "Validating", "Chilled", "Slashed",   "EquivocationReported"};

Call MakeCall(std::string_view function, Bytes args) {
  return Call{std::string(kName), std::string(function), std::move(args)};
}

}  // namespace

// ---- encodings

uint64_t Ledger::total() const {
  uint64_t t = active;
  for (const UnlockChunk& c : unlocking) t += c.amount;
  return t;
}

void Ledger::Encode(codec::Writer& w) const {
  w.PutU64(active);
  w.PutVector(unlocking, [](codec::Writer& w2, const UnlockChunk& c) {
    w2.PutU64(c.amount);
    w2.PutU64(c.era);
  });
}

Result<Ledger> Ledger::Decode(codec::Reader& r) {
  Ledger l;
  CESS_ASSIGN_OR_RETURN(l.active, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(16));
  l.unlocking.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    UnlockChunk c;
    CESS_ASSIGN_OR_RETURN(c.amount, r.ReadU64());
    CESS_ASSIGN_OR_RETURN(c.era, r.ReadU64());
    l.unlocking.push_back(c);
  }
  return l;
}

void Nominations::Encode(codec::Writer& w) const { w.PutVector(targets); }

Result<Nominations> Nominations::Decode(codec::Reader& r) {
  Nominations n;
  CESS_ASSIGN_OR_RETURN(uint32_t count, r.ReadCount(32));
  n.targets.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    CESS_ASSIGN_OR_RETURN(AccountId id, AccountId::Decode(r));
    n.targets.push_back(id);
  }
  return n;
}

// ---- call builders

Call BondCall(uint64_t amount) { return MakeCall("bond", codec::Encode(BondArgs{amount})); }
Call UnbondCall(uint64_t amount) { return MakeCall("unbond", codec::Encode(BondArgs{amount})); }
Call WithdrawUnbondedCall() { return MakeCall("withdraw_unbonded", {}); }
Call NominateCall(const std::vector<AccountId>& targets) {
  return MakeCall("nominate", codec::Encode(Nominations{targets}));
}
Call ValidateCall(const crypto::ecvrf::PublicKey& vrf_key) {
  return MakeCall("validate", codec::Encode(VrfKeyArgs{vrf_key}));
}
Call ChillCall() { return MakeCall("chill", {}); }
Call ReportEquivocationCall(const EquivocationEvidence& evidence) {
  return MakeCall("report_equivocation", codec::Encode(evidence));
}

bool IsValidVrfKey(const crypto::ecvrf::PublicKey& key) {
  // Verify checks the key before the proof: a bad key is InvalidArgument, while this all-zero
  // proof fails on its Gamma with Corruption.
  const crypto::ecvrf::Proof zero{};
  Result<crypto::ecvrf::Output> r = crypto::ecvrf::Verify(key, {}, zero);
  return r.status().code() != StatusCode::kInvalidArgument;
}

// ---- keys and read helpers

namespace internal {

Bytes LedgerKey(const AccountId& id) { return KeyBuilder(kName, "ledger").Add(id.bytes).Take(); }
Bytes CandidateKey(const AccountId& id) { return KeyBuilder(kName, "candidate").Add(id.bytes).Take(); }
Bytes NominatorKey(const AccountId& id) { return KeyBuilder(kName, "nominator").Add(id.bytes).Take(); }
Bytes OffenceKey(const Hash256& key) { return KeyBuilder(kName, "offence").Add(key).Take(); }
Bytes CandidateCountKey() { return KeyBuilder(kName, "count").Add(AsBytes("candidates")).Take(); }
Bytes NominatorCountKey() { return KeyBuilder(kName, "count").Add(AsBytes("nominators")).Take(); }

void StoreLedger(Context& ctx, const AccountId& id, const Ledger& ledger) {
  if (ledger.empty()) {
    ctx.state().Delete(LedgerKey(id));
  } else {
    PutValue(ctx.state(), LedgerKey(id), ledger);
  }
}

Status RemoveCandidacy(Context& ctx, const AccountId& id, bool* removed) {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> c, ctx.state().Get(CandidateKey(id)));
  if (!c) return Status::Ok();
  ctx.state().Delete(CandidateKey(id));
  CESS_ASSIGN_OR_RETURN(uint64_t n, GetU64(ctx.state(), CandidateCountKey()));
  if (n == 0) return Status::Internal("staking: candidate count underflow");
  PutU64(ctx.state(), CandidateCountKey(), n - 1);
  if (removed) *removed = true;
  return Status::Ok();
}

Status RemoveNominations(Context& ctx, const AccountId& id, bool* removed) {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> c, ctx.state().Get(NominatorKey(id)));
  if (!c) return Status::Ok();
  ctx.state().Delete(NominatorKey(id));
  CESS_ASSIGN_OR_RETURN(uint64_t n, GetU64(ctx.state(), NominatorCountKey()));
  if (n == 0) return Status::Internal("staking: nominator count underflow");
  PutU64(ctx.state(), NominatorCountKey(), n - 1);
  if (removed) *removed = true;
  return Status::Ok();
}

Bytes IdAmount(const AccountId& id, uint64_t amount) {
  codec::Writer w;
  id.Encode(w);
  w.PutU64(amount);
  return w.Take();
}

}  // namespace internal

using namespace internal;  // NOLINT(google-build-using-namespace): this module's own helpers

Result<std::optional<Ledger>> ReadLedger(const state::StateReader& reader, const AccountId& id) {
  return GetValue<Ledger>(reader, LedgerKey(id));
}

Result<std::optional<crypto::ecvrf::PublicKey>> ReadCandidate(const state::StateReader& reader, const AccountId& id) {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> raw, reader.Get(CandidateKey(id)));
  if (!raw) return std::optional<crypto::ecvrf::PublicKey>();
  if (raw->size() != crypto::ecvrf::kPublicKeySize) return Status::Corruption("staking: malformed candidate record");
  crypto::ecvrf::PublicKey k;
  std::copy(raw->begin(), raw->end(), k.begin());
  return std::optional<crypto::ecvrf::PublicKey>(k);
}

Result<std::vector<Candidate>> ReadCandidates(const state::StateReader& reader) {
  const Bytes prefix = KeyBuilder(kName, "candidate").Take();
  std::vector<Candidate> out;
  bool bad = false;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    if (key.size() != prefix.size() + 32 || value.size() != crypto::ecvrf::kPublicKeySize) {
      bad = true;
      return false;
    }
    Candidate c;
    std::copy(key.begin() + static_cast<ptrdiff_t>(prefix.size()), key.end(), c.account.bytes.begin());
    std::copy(value.begin(), value.end(), c.vrf_key.begin());
    out.push_back(c);
    return true;
  }));
  if (bad) return Status::Corruption("staking: malformed candidate record");
  return out;
}

Result<std::optional<Nominations>> ReadNominations(const state::StateReader& reader, const AccountId& id) {
  return GetValue<Nominations>(reader, NominatorKey(id));
}

Result<std::vector<std::pair<AccountId, Nominations>>> ReadNominators(const state::StateReader& reader) {
  const Bytes prefix = KeyBuilder(kName, "nominator").Take();
  std::vector<std::pair<AccountId, Nominations>> out;
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    Result<Nominations> n = codec::Decode<Nominations>(value);
    if (key.size() != prefix.size() + 32 || !n.ok()) {
      bad = Status::Corruption("staking: malformed nominator record");
      return false;
    }
    AccountId id;
    std::copy(key.begin() + static_cast<ptrdiff_t>(prefix.size()), key.end(), id.bytes.begin());
    out.emplace_back(id, std::move(n).value());
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  return out;
}

Result<std::vector<std::pair<Candidate, uint64_t>>> ComputeBacking(const state::StateReader& reader) {
  CESS_ASSIGN_OR_RETURN(std::vector<Candidate> candidates, ReadCandidates(reader));
  CESS_ASSIGN_OR_RETURN(auto nominators, ReadNominators(reader));
  std::vector<std::pair<Candidate, uint64_t>> out;
  out.reserve(candidates.size());
  auto index_of = [&](const AccountId& id) -> int {
    auto it = std::lower_bound(out.begin(), out.end(), id,
                               [](const auto& e, const AccountId& k) { return e.first.account < k; });
    return it != out.end() && it->first.account == id ? static_cast<int>(it - out.begin()) : -1;
  };
  for (const Candidate& c : candidates) {
    CESS_ASSIGN_OR_RETURN(std::optional<Ledger> l, ReadLedger(reader, c.account));
    out.emplace_back(c, l ? l->active : 0);
  }
  for (const auto& [who, noms] : nominators) {
    if (noms.targets.empty()) continue;
    CESS_ASSIGN_OR_RETURN(std::optional<Ledger> l, ReadLedger(reader, who));
    const uint64_t active = l ? l->active : 0;
    const uint64_t k = noms.targets.size();
    for (size_t i = 0; i < noms.targets.size(); ++i) {
      const uint64_t share = active / k + (i == 0 ? active % k : 0);
      const int at = index_of(noms.targets[i]);
      if (at >= 0) out[static_cast<size_t>(at)].second += share;
    }
  }
  return out;
}

Result<bool> IsOffenceReported(const state::StateReader& reader, const Hash256& key) {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> v, reader.Get(OffenceKey(key)));
  return v.has_value();
}

// ---- the module

std::span<const CallDef> StakingModule::calls() const { return kCalls; }
std::span<const ErrorDef> StakingModule::errors() const { return kErrors; }
std::span<const std::string_view> StakingModule::events() const { return kEvents; }

Result<CallResult> StakingModule::Dispatch(Context& ctx, const AccountId& origin, size_t index, ByteSpan args) const {
  switch (index) {
    case kBond:
    case kUnbond: {
      Result<BondArgs> a = codec::Decode<BondArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return index == kBond ? Bond(ctx, origin, a->amount) : Unbond(ctx, origin, a->amount);
    }
    case kWithdraw:
    case kChill:
      if (!args.empty()) return CallResult::BadArguments();
      return index == kWithdraw ? WithdrawUnbonded(ctx, origin) : Chill(ctx, origin);
    case kNominate: {
      Result<Nominations> n = codec::Decode<Nominations>(args);
      if (!n.ok()) return CallResult::BadArguments();
      return Nominate(ctx, origin, *n);
    }
    case kValidate: {
      Result<VrfKeyArgs> k = codec::Decode<VrfKeyArgs>(args);
      if (!k.ok()) return CallResult::BadArguments();
      return Validate(ctx, origin, k->key);
    }
    case kReport: {
      Result<EquivocationEvidence> e = codec::Decode<EquivocationEvidence>(args);
      if (!e.ok()) return CallResult::BadArguments();
      return ReportEquivocation(ctx, origin, *e);
    }
    default:
      return Status::Internal("staking: no call " + std::to_string(index));
  }
}

Result<CallResult> StakingModule::Bond(Context& ctx, const AccountId& who, uint64_t amount) const {
  if (amount == 0) return CallResult::Error(Error::kZeroAmount);
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), who));
  if (acct.free < amount) return CallResult::Error(Error::kInsufficientBalance);
  CESS_ASSIGN_OR_RETURN(std::optional<Ledger> ledger, ReadLedger(ctx.state(), who));
  Ledger l = ledger.value_or(Ledger{});
  l.active += amount;
  acct.free -= amount;
  acct.bonded += amount;
  StoreLedger(ctx, who, l);
  CESS_RETURN_IF_ERROR(balances::StoreAccount(ctx, who, acct).status());
  ctx.Emit(kName, "Bonded", IdAmount(who, amount));
  return CallResult::Ok();
}

Result<CallResult> StakingModule::Unbond(Context& ctx, const AccountId& who, uint64_t amount) const {
  CESS_ASSIGN_OR_RETURN(std::optional<Ledger> ledger, ReadLedger(ctx.state(), who));
  if (!ledger) return CallResult::Error(Error::kNotBonded);
  if (amount == 0) return CallResult::Error(Error::kZeroAmount);
  if (ledger->active < amount) return CallResult::Error(Error::kInsufficientBond);
  const uint64_t release = ctx.block().era + profile_.bonding_duration_eras;
  if (!ledger->unlocking.empty() && ledger->unlocking.back().era == release) {
    ledger->unlocking.back().amount += amount;
  } else {
    if (ledger->unlocking.size() >= profile_.max_unlocking_chunks) return CallResult::Error(Error::kTooManyChunks);
    ledger->unlocking.push_back(UnlockChunk{amount, release});
  }
  ledger->active -= amount;
  StoreLedger(ctx, who, *ledger);
  ctx.Emit(kName, "Unbonded", IdAmount(who, amount));
  return CallResult::Ok();
}

Result<CallResult> StakingModule::WithdrawUnbonded(Context& ctx, const AccountId& who) const {
  CESS_ASSIGN_OR_RETURN(std::optional<Ledger> ledger, ReadLedger(ctx.state(), who));
  if (!ledger) return CallResult::Error(Error::kNotBonded);
  uint64_t released = 0;
  std::vector<UnlockChunk> keep;
  for (const UnlockChunk& c : ledger->unlocking) {
    if (c.era <= ctx.block().era) {
      released += c.amount;
    } else {
      keep.push_back(c);
    }
  }
  if (released == 0) return CallResult::Error(Error::kNothingToWithdraw);
  ledger->unlocking = std::move(keep);
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), who));
  if (acct.bonded < released) return Status::Internal("staking: ledger exceeds the bonded balance");
  acct.bonded -= released;
  acct.free += released;
  StoreLedger(ctx, who, *ledger);
  if (ledger->empty()) {
    CESS_RETURN_IF_ERROR(RemoveCandidacy(ctx, who, nullptr));
    CESS_RETURN_IF_ERROR(RemoveNominations(ctx, who, nullptr));
  }
  CESS_RETURN_IF_ERROR(balances::StoreAccount(ctx, who, acct).status());
  ctx.Emit(kName, "Withdrawn", IdAmount(who, released));
  return CallResult::Ok();
}

Result<CallResult> StakingModule::Nominate(Context& ctx, const AccountId& who, const Nominations& n) const {
  CESS_ASSIGN_OR_RETURN(std::optional<Ledger> ledger, ReadLedger(ctx.state(), who));
  if (!ledger) return CallResult::Error(Error::kNotBonded);
  if (n.targets.empty()) return CallResult::Error(Error::kNoTargets);
  if (n.targets.size() > profile_.max_nominations) return CallResult::Error(Error::kTooManyTargets);
  std::set<AccountId> seen;
  for (const AccountId& t : n.targets) {
    if (!seen.insert(t).second) return CallResult::Error(Error::kDuplicateTarget);
    if (t == who) return CallResult::Error(Error::kNotACandidate);
    CESS_ASSIGN_OR_RETURN(auto c, ReadCandidate(ctx.state(), t));
    if (!c) return CallResult::Error(Error::kNotACandidate);
  }
  CESS_ASSIGN_OR_RETURN(std::optional<Nominations> old, ReadNominations(ctx.state(), who));
  if (!old) {
    CESS_ASSIGN_OR_RETURN(uint64_t count, GetU64(ctx.state(), NominatorCountKey()));
    if (count >= profile_.max_nominators) return CallResult::Error(Error::kTooManyNominators);
    PutU64(ctx.state(), NominatorCountKey(), count + 1);
  }
  CESS_RETURN_IF_ERROR(RemoveCandidacy(ctx, who, nullptr));
  PutValue(ctx.state(), NominatorKey(who), n);
  codec::Writer w;
  who.Encode(w);
  w.PutU32(static_cast<uint32_t>(n.targets.size()));
  ctx.Emit(kName, "Nominated", w.Take());
  return CallResult::Ok();
}

Result<CallResult> StakingModule::Validate(Context& ctx, const AccountId& who,
                                           const crypto::ecvrf::PublicKey& key) const {
  CESS_ASSIGN_OR_RETURN(std::optional<Ledger> ledger, ReadLedger(ctx.state(), who));
  if (!ledger) return CallResult::Error(Error::kNotBonded);
  if (!IsValidVrfKey(key)) return CallResult::Error(Error::kBadVrfKey);
  CESS_ASSIGN_OR_RETURN(auto existing, ReadCandidate(ctx.state(), who));
  if (!existing) {
    CESS_ASSIGN_OR_RETURN(uint64_t count, GetU64(ctx.state(), CandidateCountKey()));
    if (count >= profile_.max_candidates) return CallResult::Error(Error::kTooManyCandidates);
    PutU64(ctx.state(), CandidateCountKey(), count + 1);
  }
  CESS_RETURN_IF_ERROR(RemoveNominations(ctx, who, nullptr));
  ctx.state().Put(CandidateKey(who), key);
  codec::Writer w;
  who.Encode(w);
  w.PutFixed(key);
  ctx.Emit(kName, "Validating", w.Take());
  return CallResult::Ok();
}

Result<CallResult> StakingModule::Chill(Context& ctx, const AccountId& who) const {
  bool removed = false;
  CESS_RETURN_IF_ERROR(RemoveCandidacy(ctx, who, &removed));
  CESS_RETURN_IF_ERROR(RemoveNominations(ctx, who, &removed));
  if (!removed) return CallResult::Error(Error::kNotStaking);
  ctx.Emit(kName, "Chilled", Bytes(who.bytes.begin(), who.bytes.end()));
  return CallResult::Ok();
}

Status StakingModule::InitGenesis(Context& ctx, const Genesis& genesis) const {
  for (const GenesisValidator& v : genesis.validators) {
    CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), v.account));
    if (acct.free < v.stake) {
      return Status::InvalidArgument("staking: genesis validator " + v.account.ToHex() + " cannot bond its stake");
    }
    if (!IsValidVrfKey(v.vrf_key)) {
      return Status::InvalidArgument("staking: genesis validator " + v.account.ToHex() + " has a bad VRF key");
    }
    acct.free -= v.stake;
    acct.bonded += v.stake;
    StoreLedger(ctx, v.account, Ledger{v.stake, {}});
    ctx.state().Put(CandidateKey(v.account), v.vrf_key);
    CESS_RETURN_IF_ERROR(balances::StoreAccount(ctx, v.account, acct).status());
  }
  if (genesis.validators.size() > profile_.max_candidates) {
    return Status::InvalidArgument("staking: more genesis validators than max_candidates");
  }
  PutU64(ctx.state(), CandidateCountKey(), genesis.validators.size());
  return Status::Ok();
}

Status StakingModule::OnBlockStart(Context& ctx) const {
  if (!ctx.block().NewEra()) return Status::Ok();
  const uint64_t era = ctx.block().era;
  const Bytes prefix = KeyBuilder(kName, "offence").Take();
  std::vector<Bytes> stale;
  Status bad;
  CESS_RETURN_IF_ERROR(ctx.state().ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    if (value.size() != 8) {
      bad = Status::Corruption("staking: malformed offence record");
      return false;
    }
    uint64_t offence_era = 0;
    for (int i = 7; i >= 0; --i) offence_era = offence_era << 8 | value[static_cast<size_t>(i)];
    if (offence_era + profile_.bonding_duration_eras < era) stale.emplace_back(key.begin(), key.end());
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  for (const Bytes& k : stale) ctx.state().Delete(k);
  return Status::Ok();
}

Status StakingModule::CheckInvariants(const state::StateReader& reader) const {
  auto fail = [](const std::string& what) { return Status::Internal("staking: " + what); };
  // Ledgers against bonded balances.
  const Bytes ledger_prefix = KeyBuilder(kName, "ledger").Take();
  std::vector<std::pair<AccountId, Ledger>> ledgers;
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(ledger_prefix, [&](ByteSpan key, ByteSpan value) {
    Result<Ledger> l = codec::Decode<Ledger>(value);
    if (key.size() != ledger_prefix.size() + 32 || !l.ok()) {
      bad = fail("malformed ledger");
      return false;
    }
    AccountId id;
    std::copy(key.begin() + static_cast<ptrdiff_t>(ledger_prefix.size()), key.end(), id.bytes.begin());
    ledgers.emplace_back(id, std::move(l).value());
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  U128 ledger_sum = 0;
  for (const auto& [id, l] : ledgers) {
    if (l.empty()) return fail("empty ledger stored for " + id.ToHex());
    if (l.unlocking.size() > profile_.max_unlocking_chunks) return fail("too many unlocking chunks");
    for (size_t i = 1; i < l.unlocking.size(); ++i) {
      if (l.unlocking[i - 1].era >= l.unlocking[i].era) return fail("unlocking chunks out of order");
    }
    for (const UnlockChunk& c : l.unlocking) {
      if (c.amount == 0) return fail("an empty unlocking chunk");
    }
    CESS_ASSIGN_OR_RETURN(balances::AccountInfo a, balances::ReadAccount(reader, id));
    if (a.bonded != l.total()) return fail("ledger total differs from the bonded balance of " + id.ToHex());
    ledger_sum += l.total();
  }
  U128 bonded_sum = 0;
  const Bytes acct_prefix = KeyBuilder(balances::kName, "account").Take();
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(acct_prefix, [&](ByteSpan, ByteSpan value) {
    Result<balances::AccountInfo> a = codec::Decode<balances::AccountInfo>(value);
    if (a.ok()) bonded_sum += a->bonded;
    return true;
  }));
  if (bonded_sum != ledger_sum) return fail("a bonded balance without a ledger");
  // Candidates and nominators.
  CESS_ASSIGN_OR_RETURN(std::vector<Candidate> candidates, ReadCandidates(reader));
  for (const Candidate& c : candidates) {
    CESS_ASSIGN_OR_RETURN(std::optional<Ledger> l, ReadLedger(reader, c.account));
    if (!l) return fail("candidate without a ledger");
    if (!IsValidVrfKey(c.vrf_key)) return fail("candidate with a bad VRF key");
  }
  CESS_ASSIGN_OR_RETURN(uint64_t candidate_count, GetU64(reader, CandidateCountKey()));
  if (candidate_count != candidates.size()) return fail("candidate count mismatch");
  if (candidates.size() > profile_.max_candidates) return fail("too many candidates");
  CESS_ASSIGN_OR_RETURN(auto nominators, ReadNominators(reader));
  for (const auto& [who, n] : nominators) {
    CESS_ASSIGN_OR_RETURN(std::optional<Ledger> l, ReadLedger(reader, who));
    if (!l) return fail("nominator without a ledger");
    if (n.targets.empty() || n.targets.size() > profile_.max_nominations) return fail("bad nomination count");
    std::set<AccountId> seen(n.targets.begin(), n.targets.end());
    if (seen.size() != n.targets.size()) return fail("duplicate nomination target");
    CESS_ASSIGN_OR_RETURN(auto c, ReadCandidate(reader, who));
    if (c) return fail("an account both nominates and validates");
  }
  CESS_ASSIGN_OR_RETURN(uint64_t nominator_count, GetU64(reader, NominatorCountKey()));
  if (nominator_count != nominators.size()) return fail("nominator count mismatch");
  if (nominators.size() > profile_.max_nominators) return fail("too many nominators");
  return Status::Ok();
}

}  // namespace cess::chain::runtime::staking
