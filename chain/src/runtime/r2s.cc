// The r2s module: encodings, maths, storage helpers and the submit_vrf call. The block hook and
// the election are in r2s_election.cc.
#include "cess/chain/runtime/r2s.h"

#include <algorithm>
#include <string>

#include "cess/chain/runtime/staking.h"
#include "cess/chain/runtime/storage.h"
#include "wide_int.h"
#include "cess/core/hash.h"
#include "r2s_internal.h"

namespace cess::chain::runtime::r2s {
namespace {

constexpr CallDef kCalls[] = {
    {"submit_vrf", 2, [](ByteSpan args) { return codec::Decode<SubmitVrfArgs>(args).status(); }},
};
constexpr ErrorDef kErrors[] = {
    {1, "NotACandidate"}, {2, "WrongEra"}, {3, "ElectionClosed"}, {4, "AlreadySubmitted"}, {5, "BadProof"},
};
constexpr std::string_view kEvents[] = {"VrfSubmitted", "Elected"};

void EncodeAuthority(codec::Writer& w, const Authority& a) {
  a.account.Encode(w);
  w.PutFixed(a.vrf_key);
}

Result<Authority> DecodeAuthority(codec::Reader& r) {
  Authority a;
  CESS_ASSIGN_OR_RETURN(a.account, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(a.vrf_key, r.ReadArray<crypto::ecvrf::kPublicKeySize>());
  return a;
}

}  // namespace

namespace internal {

Bytes AccKey() { return KeyBuilder(kName, "acc").Take(); }
Bytes EpochRandKey() { return KeyBuilder(kName, "epoch_rand").Take(); }
Bytes EraSeedKey() { return KeyBuilder(kName, "era_seed").Take(); }
Bytes WorkKey(uint64_t era, const AccountId& id) { return KeyBuilder(kName, "work").AddU64(era).Add(id.bytes).Take(); }
Bytes WorkPrefix(uint64_t era) { return KeyBuilder(kName, "work").AddU64(era).Take(); }
Bytes TotalWorkKey(uint64_t era) { return KeyBuilder(kName, "total_work").AddU64(era).Take(); }
Bytes PenaltyKey(uint64_t era, const AccountId& id) {
  return KeyBuilder(kName, "penalty").AddU64(era).Add(id.bytes).Take();
}
Bytes PenaltyPrefix(uint64_t era) { return KeyBuilder(kName, "penalty").AddU64(era).Take(); }
Bytes CreditKey(uint64_t era, const AccountId& id) {
  return KeyBuilder(kName, "credit").AddU64(era).Add(id.bytes).Take();
}
Bytes VrfKey(uint64_t era, const AccountId& id) { return KeyBuilder(kName, "vrf").AddU64(era).Add(id.bytes).Take(); }
Bytes ElectionKey(uint64_t era) { return KeyBuilder(kName, "election").AddU64(era).Take(); }

Hash256 FoldRandomness(const Hash256& acc, ByteSpan vrf_output) {
  crypto::Sha256Hasher h;
  h.Update(AsBytes("cess/randomness/v1")).Update(acc).Update(vrf_output);
  return h.Finish();
}

Hash256 EpochRandomnessFrom(const Hash256& acc, uint64_t epoch) {
  codec::Writer w;
  w.PutU64(epoch);
  crypto::Sha256Hasher h;
  h.Update(AsBytes("cess/epoch/v1")).Update(acc).Update(w.data());
  return h.Finish();
}

}  // namespace internal

using namespace internal;  // NOLINT(google-build-using-namespace): this module's own helpers

// ---- encodings

void EpochSeed::Encode(codec::Writer& w) const {
  w.PutU64(index);
  w.PutFixed(seed);
}

Result<EpochSeed> EpochSeed::Decode(codec::Reader& r) {
  EpochSeed s;
  CESS_ASSIGN_OR_RETURN(s.index, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(s.seed, r.ReadArray<32>());
  return s;
}

void ElectionEntry::Encode(codec::Writer& w) const {
  account.Encode(w);
  w.PutFixed(vrf_key);
  w.PutU64(backed);
  w.PutU32(credit);
  w.PutU32(stake_score);
  w.PutU32(vrf_score);
  w.PutU32(score);
}

Result<ElectionEntry> ElectionEntry::Decode(codec::Reader& r) {
  ElectionEntry e;
  CESS_ASSIGN_OR_RETURN(e.account, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(e.vrf_key, r.ReadArray<crypto::ecvrf::kPublicKeySize>());
  CESS_ASSIGN_OR_RETURN(e.backed, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(e.credit, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(e.stake_score, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(e.vrf_score, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(e.score, r.ReadU32());
  return e;
}

void ElectionRecord::Encode(codec::Writer& w) const {
  w.PutU64(era);
  w.PutU64(held_at);
  w.PutBool(carried);
  w.PutVector(ranked);
  w.PutVector(elected, EncodeAuthority);
}

Result<ElectionRecord> ElectionRecord::Decode(codec::Reader& r) {
  ElectionRecord rec;
  CESS_ASSIGN_OR_RETURN(rec.era, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(rec.held_at, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(rec.carried, r.ReadBool());
  CESS_ASSIGN_OR_RETURN(uint32_t n_ranked, r.ReadCount(81));
  rec.ranked.reserve(n_ranked);
  for (uint32_t i = 0; i < n_ranked; ++i) {
    CESS_ASSIGN_OR_RETURN(ElectionEntry e, ElectionEntry::Decode(r));
    rec.ranked.push_back(e);
  }
  CESS_ASSIGN_OR_RETURN(uint32_t n_elected, r.ReadCount(65));
  rec.elected.reserve(n_elected);
  for (uint32_t i = 0; i < n_elected; ++i) {
    CESS_ASSIGN_OR_RETURN(Authority a, DecodeAuthority(r));
    rec.elected.push_back(a);
  }
  return rec;
}

void SubmitVrfArgs::Encode(codec::Writer& w) const {
  w.PutU64(era);
  w.PutFixed(proof);
}

Result<SubmitVrfArgs> SubmitVrfArgs::Decode(codec::Reader& r) {
  SubmitVrfArgs a;
  CESS_ASSIGN_OR_RETURN(a.era, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.proof, r.ReadArray<crypto::ecvrf::kProofSize>());
  return a;
}

Call SubmitVrfCall(uint64_t era, const crypto::ecvrf::Proof& proof) {
  return Call{std::string(kName), "submit_vrf", codec::Encode(SubmitVrfArgs{era, proof})};
}

Bytes EraVrfInput(const Hash256& era_seed, uint64_t era) {
  codec::Writer w;
  w.PutFixed(AsBytes("cess/era-vrf/v1"));
  w.PutFixed(era_seed);
  w.PutU64(era);
  return w.Take();
}

// ---- maths

uint32_t RawCredit(uint64_t work, uint64_t total_work, uint64_t penalties, uint32_t scale) {
  if (total_work == 0) return 0;
  const auto share = static_cast<uint64_t>(static_cast<U128>(scale) * work / total_work);
  const U128 p = static_cast<U128>(10) * penalties;
  const U128 penalty = p * p;
  if (penalty >= share) return 0;
  return static_cast<uint32_t>(share - static_cast<uint64_t>(penalty));
}

uint32_t SmoothCredit(const std::array<uint32_t, 5>& raw_newest_first, const std::array<uint32_t, 5>& percent) {
  uint64_t sum = 0;
  for (size_t i = 0; i < 5; ++i) sum += uint64_t{raw_newest_first[i]} * percent[i];
  return static_cast<uint32_t>(sum / 100);
}

uint32_t StakeScore(uint64_t backed, uint64_t max_backed, uint32_t scale) {
  if (max_backed == 0) return 0;
  return static_cast<uint32_t>(static_cast<U128>(scale) * backed / max_backed);
}

uint32_t VrfScore(const crypto::ecvrf::Output& output, uint32_t scale) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | output[i];
  return static_cast<uint32_t>(v % (uint64_t{scale} + 1));
}

uint32_t Score(uint32_t credit, uint32_t stake, uint32_t vrf, const Profile& profile) {
  const uint64_t weights = uint64_t{profile.weight_credit} + profile.weight_stake + profile.weight_vrf;
  if (weights == 0) return 0;
  const uint64_t sum = uint64_t{profile.weight_credit} * credit + uint64_t{profile.weight_stake} * stake +
                       uint64_t{profile.weight_vrf} * vrf;
  return static_cast<uint32_t>(sum / weights);
}

void Rank(std::vector<ElectionEntry>& entries) {
  std::sort(entries.begin(), entries.end(), [](const ElectionEntry& a, const ElectionEntry& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.backed != b.backed) return a.backed > b.backed;
    return a.account < b.account;
  });
}

// ---- hooks for other modules

Status AddWork(Context& ctx, const AccountId& account, uint64_t points) {
  if (points == 0) return Status::Ok();
  const uint64_t era = ctx.block().era;
  const Bytes key = WorkKey(era, account);
  CESS_ASSIGN_OR_RETURN(uint64_t work, GetU64(ctx.state(), key));
  CESS_ASSIGN_OR_RETURN(uint64_t total, GetU64(ctx.state(), TotalWorkKey(era)));
  if (total > UINT64_MAX - points) return Status::Internal("r2s: work overflows");
  PutU64(ctx.state(), key, work + points);
  PutU64(ctx.state(), TotalWorkKey(era), total + points);
  return Status::Ok();
}

Status AddPenalty(Context& ctx, const AccountId& account) {
  const Bytes key = PenaltyKey(ctx.block().era, account);
  CESS_ASSIGN_OR_RETURN(uint64_t n, GetU64(ctx.state(), key));
  PutU64(ctx.state(), key, n + 1);
  return Status::Ok();
}

// ---- read helpers

Result<Hash256> ReadRandomness(const state::StateReader& reader) {
  CESS_ASSIGN_OR_RETURN(std::optional<Hash256> acc, GetHash(reader, AccKey()));
  if (!acc) return Status::Corruption("r2s: no chain randomness in state");
  return *acc;
}

Result<EpochSeed> ReadEpochRandomness(const state::StateReader& reader) {
  CESS_ASSIGN_OR_RETURN(std::optional<EpochSeed> s, GetValue<EpochSeed>(reader, EpochRandKey()));
  if (!s) return Status::Corruption("r2s: no epoch randomness in state");
  return *s;
}

Result<EpochSeed> ReadEraSeed(const state::StateReader& reader) {
  CESS_ASSIGN_OR_RETURN(std::optional<EpochSeed> s, GetValue<EpochSeed>(reader, EraSeedKey()));
  if (!s) return Status::Corruption("r2s: no era seed in state");
  return *s;
}

Result<Hash256> EpochRandomnessAfter(const state::StateReader& reader, uint64_t epoch) {
  CESS_ASSIGN_OR_RETURN(EpochSeed current, ReadEpochRandomness(reader));
  if (epoch < current.index) {
    return Status::InvalidArgument("r2s: epoch " + std::to_string(epoch) + " is before the parent's epoch " +
                                   std::to_string(current.index));
  }
  if (epoch == current.index) return current.seed;
  CESS_ASSIGN_OR_RETURN(Hash256 acc, ReadRandomness(reader));
  return EpochRandomnessFrom(acc, epoch);
}

Result<std::optional<ElectionRecord>> ReadElection(const state::StateReader& reader, uint64_t era) {
  return GetValue<ElectionRecord>(reader, ElectionKey(era));
}

Result<std::optional<std::vector<Authority>>> ReadElected(const state::StateReader& reader, uint64_t era) {
  CESS_ASSIGN_OR_RETURN(std::optional<ElectionRecord> rec, ReadElection(reader, era));
  if (!rec) return std::optional<std::vector<Authority>>();
  return std::optional<std::vector<Authority>>(std::move(rec->elected));
}

Result<AuthoritySet> ResolveAuthorities(const state::StateReader& reader, uint64_t era) {
  const Bytes prefix = KeyBuilder(kName, "election").Take();
  std::optional<Bytes> best;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    if (key.size() != prefix.size() + 8) return true;
    if (ReadU64BE(key, prefix.size()) > era) return false;
    best.emplace(value.begin(), value.end());
    return true;
  }));
  if (!best) return Status::NotFound("r2s: no authority set recorded at or before era " + std::to_string(era));
  CESS_ASSIGN_OR_RETURN(ElectionRecord rec, codec::Decode<ElectionRecord>(*best));
  return AuthoritySet{era, std::move(rec.elected)};
}

Result<uint64_t> ReadWork(const state::StateReader& reader, uint64_t era, const AccountId& id) {
  return GetU64(reader, WorkKey(era, id));
}
Result<uint64_t> ReadTotalWork(const state::StateReader& reader, uint64_t era) {
  return GetU64(reader, TotalWorkKey(era));
}
Result<uint64_t> ReadPenalties(const state::StateReader& reader, uint64_t era, const AccountId& id) {
  return GetU64(reader, PenaltyKey(era, id));
}
Result<uint32_t> ReadRawCredit(const state::StateReader& reader, uint64_t era, const AccountId& id) {
  CESS_ASSIGN_OR_RETURN(uint64_t v, GetU64(reader, CreditKey(era, id)));
  return static_cast<uint32_t>(v);
}

Result<uint32_t> ReadCredit(const state::StateReader& reader, const Profile& profile, uint64_t era,
                            const AccountId& id) {
  std::array<uint32_t, 5> raw{};
  for (uint64_t i = 0; i < 5; ++i) {
    if (era < i + 1) break;
    CESS_ASSIGN_OR_RETURN(raw[i], ReadRawCredit(reader, era - 1 - i, id));
  }
  return SmoothCredit(raw, profile.credit_window_percent);
}

Result<std::optional<crypto::ecvrf::Output>> ReadVrfOutput(const state::StateReader& reader, uint64_t era,
                                                           const AccountId& id) {
  CESS_ASSIGN_OR_RETURN(std::optional<Hash256> h, GetHash(reader, VrfKey(era, id)));
  if (!h) return std::optional<crypto::ecvrf::Output>();
  return std::optional<crypto::ecvrf::Output>(*h);
}

Result<std::vector<ElectionEntry>> ScoreCandidates(const state::StateReader& reader, const Profile& profile,
                                                   uint64_t era) {
  CESS_ASSIGN_OR_RETURN(auto backing, staking::ComputeBacking(reader));
  std::vector<ElectionEntry> entries;
  uint64_t max_backed = 0;
  for (const auto& [c, backed] : backing) {
    if (backed < profile.min_validator_stake || backed == 0) continue;
    ElectionEntry e;
    e.account = c.account;
    e.vrf_key = c.vrf_key;
    e.backed = backed;
    max_backed = std::max(max_backed, backed);
    entries.push_back(e);
  }
  for (ElectionEntry& e : entries) {
    CESS_ASSIGN_OR_RETURN(e.credit, ReadCredit(reader, profile, era, e.account));
    e.credit = std::min(e.credit, profile.score_scale);
    e.stake_score = StakeScore(e.backed, max_backed, profile.score_scale);
    CESS_ASSIGN_OR_RETURN(std::optional<crypto::ecvrf::Output> out, ReadVrfOutput(reader, era, e.account));
    e.vrf_score = out ? VrfScore(*out, profile.score_scale) : 0;
    e.score = Score(e.credit, e.stake_score, e.vrf_score, profile);
  }
  Rank(entries);
  return entries;
}

// ---- the module's call

std::span<const CallDef> R2sModule::calls() const { return kCalls; }
std::span<const ErrorDef> R2sModule::errors() const { return kErrors; }
std::span<const std::string_view> R2sModule::events() const { return kEvents; }

Result<CallResult> R2sModule::Dispatch(Context& ctx, const AccountId& origin, size_t index, ByteSpan args) const {
  if (index != 0) return Status::Internal("r2s: no call " + std::to_string(index));
  Result<SubmitVrfArgs> a = codec::Decode<SubmitVrfArgs>(args);
  if (!a.ok()) return CallResult::BadArguments();
  return SubmitVrf(ctx, origin, *a);
}

Result<CallResult> R2sModule::SubmitVrf(Context& ctx, const AccountId& who, const SubmitVrfArgs& args) const {
  CESS_ASSIGN_OR_RETURN(std::optional<crypto::ecvrf::PublicKey> key, staking::ReadCandidate(ctx.state(), who));
  if (!key) return CallResult::Error(Error::kNotACandidate);
  if (args.era != ctx.block().era) return CallResult::Error(Error::kWrongEra);
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> held, ctx.state().Get(ElectionKey(args.era + 1)));
  if (held) return CallResult::Error(Error::kElectionClosed);
  const Bytes vrf_key = VrfKey(args.era, who);
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> existing, ctx.state().Get(vrf_key));
  if (existing) return CallResult::Error(Error::kAlreadySubmitted);
  CESS_ASSIGN_OR_RETURN(EpochSeed seed, ReadEraSeed(ctx.state()));
  if (seed.index != args.era) return CallResult::Error(Error::kWrongEra);
  Result<crypto::ecvrf::Output> out = crypto::ecvrf::Verify(*key, EraVrfInput(seed.seed, args.era), args.proof);
  if (!out.ok()) return CallResult::Error(Error::kBadProof);
  ctx.state().Put(vrf_key, *out);
  codec::Writer w;
  who.Encode(w);
  w.PutU64(args.era);
  w.PutU32(VrfScore(*out, profile_.score_scale));
  ctx.Emit(kName, "VrfSubmitted", w.Take());
  return CallResult::Ok();
}

}  // namespace cess::chain::runtime::r2s
