// The r2s block hook: epoch and era bookkeeping, credits, randomness and the election (r2s.h).
#include <map>
#include <set>
#include <string>

#include "cess/chain/runtime/r2s.h"
#include "cess/chain/runtime/staking.h"
#include "cess/chain/runtime/storage.h"
#include "wide_int.h"
#include "cess/core/hash.h"
#include "r2s_internal.h"

namespace cess::chain::runtime::r2s {

using namespace internal;  // NOLINT(google-build-using-namespace): this module's own helpers

namespace {

// Keys under `prefix` whose 8-byte big-endian era (right after the prefix) satisfies `pred`.
template <typename Pred>
Result<std::vector<Bytes>> KeysByEra(const state::StateReader& reader, const Bytes& prefix, Pred pred) {
  std::vector<Bytes> out;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan) {
    if (key.size() >= prefix.size() + 8 && pred(ReadU64BE(key, prefix.size()))) out.emplace_back(key.begin(), key.end());
    return true;
  }));
  return out;
}

// Every (account, u64 value) under a per-era prefix.
Result<std::map<AccountId, uint64_t>> ReadPerAccount(const state::StateReader& reader, const Bytes& prefix) {
  std::map<AccountId, uint64_t> out;
  bool bad = false;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    if (key.size() != prefix.size() + 32 || value.size() != 8) {
      bad = true;
      return false;
    }
    AccountId id;
    std::copy(key.begin() + static_cast<ptrdiff_t>(prefix.size()), key.end(), id.bytes.begin());
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | value[static_cast<size_t>(i)];
    out[id] = v;
    return true;
  }));
  if (bad) return Status::Corruption("r2s: malformed per-account record under " + ToHex(prefix));
  return out;
}

}  // namespace

Status R2sModule::InitGenesis(Context& ctx, const Genesis& genesis) const {
  crypto::Sha256Hasher h;
  h.Update(AsBytes("cess/randomness/v1")).Update(genesis_hash_);
  const Hash256 acc = h.Finish();
  ctx.state().Put(AccKey(), acc);
  const EpochSeed epoch0{0, EpochRandomnessFrom(acc, 0)};
  PutValue(ctx.state(), EpochRandKey(), epoch0);
  PutValue(ctx.state(), EraSeedKey(), epoch0);
  ElectionRecord rec;
  rec.era = 0;
  for (const GenesisValidator& v : genesis.validators) rec.elected.push_back(Authority{v.account, v.vrf_key});
  if (rec.elected.empty()) return Status::InvalidArgument("r2s: genesis has no validators");
  PutValue(ctx.state(), ElectionKey(0), rec);
  return Status::Ok();
}

Status R2sModule::OnBlockStart(Context& ctx) const {
  const BlockEnv& b = ctx.block();
  CESS_ASSIGN_OR_RETURN(Hash256 acc, ReadRandomness(ctx.state()));
  if (b.NewEpoch()) {
    PutValue(ctx.state(), EpochRandKey(), EpochSeed{b.epoch, EpochRandomnessFrom(acc, b.epoch)});
  }
  if (b.NewEra()) {
    CESS_RETURN_IF_ERROR(FinishEra(ctx, b.parent_era));
    PutValue(ctx.state(), EraSeedKey(), EpochSeed{b.era, EpochRandomnessFrom(acc, b.epoch)});
  }
  ctx.state().Put(AccKey(), FoldRandomness(acc, b.vrf_output));
  if (!b.author.IsZero()) CESS_RETURN_IF_ERROR(AddWork(ctx, b.author, 1));
  if (b.NewEpoch() && b.epoch % profile_.epochs_per_era == profile_.epochs_per_era - 1) {
    CESS_RETURN_IF_ERROR(Elect(ctx, b.era + 1));
  }
  return Status::Ok();
}

Status R2sModule::FinishEra(Context& ctx, uint64_t era) const {
  state::Overlay& s = ctx.state();
  // Raw credits of the finished era.
  CESS_ASSIGN_OR_RETURN(auto work, ReadPerAccount(s, WorkPrefix(era)));
  CESS_ASSIGN_OR_RETURN(auto penalties, ReadPerAccount(s, PenaltyPrefix(era)));
  CESS_ASSIGN_OR_RETURN(uint64_t total, ReadTotalWork(s, era));
  std::set<AccountId> accounts;
  for (const auto& [id, w] : work) accounts.insert(id);
  for (const auto& [id, p] : penalties) accounts.insert(id);
  for (const AccountId& id : accounts) {
    auto w = work.find(id);
    auto p = penalties.find(id);
    const uint32_t raw = RawCredit(w == work.end() ? 0 : w->second, total, p == penalties.end() ? 0 : p->second,
                                   profile_.score_scale);
    PutU64(s, CreditKey(era, id), raw);
    s.Delete(WorkKey(era, id));
    s.Delete(PenaltyKey(era, id));
  }
  s.Delete(TotalWorkKey(era));
  // Prune: credits older than the five-era window, VRF outputs of past eras, old elections.
  const uint64_t now = ctx.block().era;
  CESS_ASSIGN_OR_RETURN(auto old_credits,
                        KeysByEra(s, KeyBuilder(kName, "credit").Take(), [&](uint64_t e) { return e + 5 < now; }));
  for (const Bytes& k : old_credits) s.Delete(k);
  CESS_ASSIGN_OR_RETURN(auto old_vrf, KeysByEra(s, KeyBuilder(kName, "vrf").Take(), [&](uint64_t e) { return e < now; }));
  for (const Bytes& k : old_vrf) s.Delete(k);
  const Bytes election_prefix = KeyBuilder(kName, "election").Take();
  CESS_ASSIGN_OR_RETURN(auto elections, KeysByEra(s, election_prefix, [](uint64_t) { return true; }));
  for (size_t i = 0; i + 1 < elections.size(); ++i) {  // never the latest
    const uint64_t e = ReadU64BE(elections[i], election_prefix.size());
    if (e + profile_.bonding_duration_eras + 1 < now) s.Delete(elections[i]);
  }
  return Status::Ok();
}

Status R2sModule::Elect(Context& ctx, uint64_t for_era) const {
  ElectionRecord rec;
  rec.era = for_era;
  rec.held_at = ctx.block().height;
  CESS_ASSIGN_OR_RETURN(rec.ranked, ScoreCandidates(ctx.state(), profile_, ctx.block().era));
  if (rec.ranked.empty()) {
    CESS_ASSIGN_OR_RETURN(AuthoritySet previous, ResolveAuthorities(ctx.state(), ctx.block().era));
    rec.carried = true;
    rec.elected = std::move(previous.authorities);
  } else {
    const size_t n = std::min<size_t>(rec.ranked.size(), profile_.validators_elected);
    for (size_t i = 0; i < n; ++i) rec.elected.push_back(Authority{rec.ranked[i].account, rec.ranked[i].vrf_key});
  }
  PutValue(ctx.state(), ElectionKey(for_era), rec);
  codec::Writer w;
  w.PutU64(for_era);
  w.PutU32(static_cast<uint32_t>(rec.elected.size()));
  w.PutBool(rec.carried);
  ctx.Emit(kName, "Elected", w.Take());
  return Status::Ok();
}

Status R2sModule::CheckInvariants(const state::StateReader& reader) const {
  auto fail = [](const std::string& what) { return Status::Internal("r2s: " + what); };
  CESS_RETURN_IF_ERROR(ReadRandomness(reader).status());
  CESS_RETURN_IF_ERROR(ReadEpochRandomness(reader).status());
  CESS_RETURN_IF_ERROR(ReadEraSeed(reader).status());
  const Bytes election_prefix = KeyBuilder(kName, "election").Take();
  size_t elections = 0;
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(election_prefix, [&](ByteSpan key, ByteSpan value) {
    Result<ElectionRecord> rec = codec::Decode<ElectionRecord>(value);
    if (!rec.ok() || key.size() != election_prefix.size() + 8 || rec->era != ReadU64BE(key, election_prefix.size())) {
      bad = fail("malformed election record");
      return false;
    }
    std::set<AccountId> seen;
    for (const Authority& a : rec->elected) seen.insert(a.account);
    if (rec->elected.empty() || seen.size() != rec->elected.size()) {
      bad = fail("an elected set is empty or names an account twice");
      return false;
    }
    if (!rec->carried && rec->held_at > 0 && rec->elected.size() > profile_.validators_elected) {
      bad = fail("more validators elected than validators_elected");
      return false;
    }
    ++elections;
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  if (elections == 0) return fail("no election recorded");
  // Credits within the scale; total work equals the sum of work per era.
  const Bytes credit_prefix = KeyBuilder(kName, "credit").Take();
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(credit_prefix, [&](ByteSpan, ByteSpan value) {
    uint64_t v = 0;
    for (size_t i = value.size(); i-- > 0;) v = v << 8 | value[i];
    if (value.size() != 8 || v > profile_.score_scale) {
      bad = fail("a raw credit above the score scale");
      return false;
    }
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  std::map<uint64_t, U128> work_sum;
  const Bytes work_prefix = KeyBuilder(kName, "work").Take();
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(work_prefix, [&](ByteSpan key, ByteSpan value) {
    uint64_t v = 0;
    for (size_t i = value.size(); i-- > 0;) v = v << 8 | value[i];
    work_sum[ReadU64BE(key, work_prefix.size())] += v;
    return true;
  }));
  std::map<uint64_t, uint64_t> totals;
  const Bytes total_prefix = KeyBuilder(kName, "total_work").Take();
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(total_prefix, [&](ByteSpan key, ByteSpan value) {
    uint64_t v = 0;
    for (size_t i = value.size(); i-- > 0;) v = v << 8 | value[i];
    totals[ReadU64BE(key, total_prefix.size())] = v;
    return true;
  }));
  if (totals.size() != work_sum.size()) return fail("work without a total (or a total without work)");
  for (const auto& [era, sum] : work_sum) {
    auto it = totals.find(era);
    if (it == totals.end() || it->second != sum) return fail("total work of era " + std::to_string(era) + " differs");
  }
  return Status::Ok();
}

}  // namespace cess::chain::runtime::r2s
