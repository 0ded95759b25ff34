// The audit module (see audit.h).
#include "cess/chain/runtime/audit.h"

#include <algorithm>
#include <string>
#include <utility>

#include "cess/chain/runtime/r2s.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/chain/runtime/storage.h"
#include "cess/chain/runtime/tee.h"
#include "cess/core/hash.h"

namespace cess::chain::runtime::audit {
namespace {

namespace podr2 = proofs::podr2;

constexpr CallDef kCalls[] = {
    {"submit_proof", 4, &DecodesAs<SubmitProofArgs>},
};
enum CallIndex : size_t { kSubmitProof };

constexpr ErrorDef kErrors[] = {
    {1, "NoChallenge"},      {2, "DeadlinePassed"}, {3, "NamesNotSorted"},
    {4, "CoverageMismatch"}, {5, "NoNetworkKey"},   {6, "BadProof"}, {7, "WrongChallenge"},
};
constexpr std::string_view kEvents[] = {"ChallengeIssued", "ProofAccepted",  "ProofRejected",
                                        "ChallengeMissed", "MinerPenalized", "MinerForcedExit"};

Bytes ChallengeKey(const AccountId& miner) { return KeyBuilder(kName, "challenge").Add(miner.bytes).Take(); }
Bytes HistoryKey(const AccountId& miner) { return KeyBuilder(kName, "history").Add(miner.bytes).Take(); }

Bytes IdU64(const AccountId& id, uint64_t v) {
  codec::Writer w;
  id.Encode(w);
  w.PutU64(v);
  return w.Take();
}

}  // namespace

void ChallengeInfo::Encode(codec::Writer& w) const {
  w.PutFixed(seed);
  challenge.Encode(w);
  w.PutU64(fragment_count);
  w.PutFixed(coverage);
  w.PutU64(issued_at);
  w.PutU64(deadline);
}

Result<ChallengeInfo> ChallengeInfo::Decode(codec::Reader& r) {
  ChallengeInfo c;
  CESS_ASSIGN_OR_RETURN(c.seed, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(c.challenge, podr2::Challenge::Decode(r));
  CESS_ASSIGN_OR_RETURN(c.fragment_count, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(c.coverage, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(c.issued_at, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(c.deadline, r.ReadU64());
  return c;
}

void AuditHistory::Encode(codec::Writer& w) const {
  w.PutVector(records, [](codec::Writer& w2, const AuditRecord& a) {
    w2.PutU64(a.height);
    w2.PutBool(a.passed);
    w2.PutU64(a.fragment_count);
  });
}

Result<AuditHistory> AuditHistory::Decode(codec::Reader& r) {
  AuditHistory h;
  CESS_ASSIGN_OR_RETURN(h.records, r.ReadVector<AuditRecord>(
                                       [](codec::Reader& r2) -> Result<AuditRecord> {
                                         AuditRecord a;
                                         CESS_ASSIGN_OR_RETURN(a.height, r2.ReadU64());
                                         CESS_ASSIGN_OR_RETURN(a.passed, r2.ReadBool());
                                         CESS_ASSIGN_OR_RETURN(a.fragment_count, r2.ReadU64());
                                         return a;
                                       },
                                       17));
  return h;
}

void SubmitProofArgs::Encode(codec::Writer& w) const {
  w.PutFixed(seed);
  w.PutVector(names, [](codec::Writer& w2, const Hash256& h) { w2.PutFixed(h); });
  w.PutBytes(sigma);
  w.PutBytes(mu);
}

Result<SubmitProofArgs> SubmitProofArgs::Decode(codec::Reader& r) {
  SubmitProofArgs a;
  CESS_ASSIGN_OR_RETURN(a.seed, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(a.names,
                        r.ReadVector<Hash256>([](codec::Reader& r2) { return r2.ReadArray<32>(); }, 32));
  CESS_ASSIGN_OR_RETURN(a.sigma, r.ReadBytes(kMaxSigmaBytes));
  CESS_ASSIGN_OR_RETURN(a.mu, r.ReadBytes(kMaxMuBytes));
  return a;
}

Call SubmitProofCall(const Hash256& seed, const std::vector<Hash256>& names, const podr2::Proof& proof) {
  SubmitProofArgs a{seed, names, proof.sigma, proof.mu};
  return Call{std::string(kName), "submit_proof", codec::Encode(a)};
}

Hash256 ChallengeSeed(const Hash256& randomness, uint64_t height) {
  codec::Writer w;
  w.PutFixed(AsBytes(std::string_view("cess/audit/v1")));
  w.PutFixed(randomness);
  w.PutU64(height);
  return crypto::Sha256(w.data());
}

Result<std::optional<ChallengeInfo>> ReadChallenge(const state::StateReader& reader, const AccountId& miner) {
  CESS_ASSIGN_OR_RETURN(std::optional<ChallengeInfo> c, GetValue<ChallengeInfo>(reader, ChallengeKey(miner)));
  if (c) c->miner = miner;
  return c;
}

Result<std::vector<ChallengeInfo>> ListChallenges(const state::StateReader& reader) {
  const Bytes prefix = KeyBuilder(kName, "challenge").Take();
  std::vector<ChallengeInfo> out;
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    Result<ChallengeInfo> c = codec::Decode<ChallengeInfo>(value);
    if (key.size() != prefix.size() + 32 || !c.ok()) {
      bad = Status::Corruption("audit: malformed challenge");
      return false;
    }
    std::copy(key.begin() + static_cast<ptrdiff_t>(prefix.size()), key.end(), c->miner.bytes.begin());
    out.push_back(std::move(c).value());
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  return out;
}

Result<std::vector<AuditRecord>> ReadAuditHistory(const state::StateReader& reader, const AccountId& miner) {
  CESS_ASSIGN_OR_RETURN(std::optional<AuditHistory> h, GetValue<AuditHistory>(reader, HistoryKey(miner)));
  return h ? h->records : std::vector<AuditRecord>{};
}

std::span<const CallDef> AuditModule::calls() const { return kCalls; }
std::span<const ErrorDef> AuditModule::errors() const { return kErrors; }
std::span<const std::string_view> AuditModule::events() const { return kEvents; }

Result<CallResult> AuditModule::Dispatch(Context& ctx, const AccountId& origin, size_t index,
                                         ByteSpan args) const {
  switch (index) {
    case kSubmitProof: {
      Result<SubmitProofArgs> a = codec::Decode<SubmitProofArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return SubmitProof(ctx, origin, *a);
    }
    default:
      return Status::Internal("audit: no call " + std::to_string(index));
  }
}

Result<CallResult> AuditModule::SubmitProof(Context& ctx, const AccountId& who,
                                            const SubmitProofArgs& args) const {
  CESS_ASSIGN_OR_RETURN(std::optional<ChallengeInfo> c, ReadChallenge(ctx.state(), who));
  if (!c) return CallResult::Error(Error::kNoChallenge);
  if (ctx.block().height > c->deadline) return CallResult::Error(Error::kDeadlinePassed);
  // A proof answers one challenge: a late proof for an earlier challenge is refused, never judged
  // against the newer one.
  if (args.seed != c->seed) return CallResult::Error(Error::kWrongChallenge);
  if (!std::is_sorted(args.names.begin(), args.names.end())) return CallResult::Error(Error::kNamesNotSorted);
  // The names must be the miner's whole fragment set: the one committed when the challenge was
  // issued, or the one it holds now (its set may change while the challenge is open: tag reports
  // and restorals add fragments, restoral orders remove them; proving over the current set is at
  // least as strong, since the challenge's indices and coefficients stay fixed).
  const Hash256 commitment = podr2::CoverageCommitment(args.names);
  if (args.names.size() != c->fragment_count || commitment != c->coverage) {
    CESS_ASSIGN_OR_RETURN(std::vector<Hash256> current, sminer::MinerFragmentNames(ctx.state(), who));
    if (current.empty() || current != args.names) return CallResult::Error(Error::kCoverageMismatch);
  }
  if (args.sigma.empty() || args.mu.empty()) return CallResult::Error(Error::kBadProof);
  CESS_ASSIGN_OR_RETURN(std::optional<podr2::PublicKey> pk, tee::ReadNetworkPodr2Key(ctx.state()));
  if (!pk) return CallResult::Error(Error::kNoNetworkKey);
  const podr2::Proof proof{args.sigma, args.mu};
  const bool passed = podr2::Verify(*pk, c->challenge, args.names, proof).ok();
  ctx.state().Delete(ChallengeKey(who));
  ctx.Emit(kName, passed ? "ProofAccepted" : "ProofRejected", IdU64(who, args.names.size()));
  CESS_RETURN_IF_ERROR(Record(ctx, who, passed, args.names.size()));
  if (passed) {
    CESS_ASSIGN_OR_RETURN(std::optional<sminer::MinerInfo> m, sminer::ReadMiner(ctx.state(), who));
    if (m && m->consecutive_misses != 0) {
      m->consecutive_misses = 0;
      CESS_RETURN_IF_ERROR(sminer::StoreMiner(ctx, who, *m));
    }
  } else {
    CESS_RETURN_IF_ERROR(RecordMiss(ctx, who));
  }
  return CallResult::Ok();
}

Status AuditModule::Record(Context& ctx, const AccountId& miner, bool passed, uint64_t fragment_count) const {
  CESS_ASSIGN_OR_RETURN(std::optional<AuditHistory> h,
                        GetValue<AuditHistory>(ctx.state(), HistoryKey(miner)));
  AuditHistory hist = h.value_or(AuditHistory{});
  hist.records.push_back(AuditRecord{ctx.block().height, passed, fragment_count});
  if (hist.records.size() > profile_.audit_history_len) {
    hist.records.erase(
        hist.records.begin(),
        hist.records.begin() + static_cast<ptrdiff_t>(hist.records.size() - profile_.audit_history_len));
  }
  PutValue(ctx.state(), HistoryKey(miner), hist);
  return Status::Ok();
}

Status AuditModule::RecordMiss(Context& ctx, const AccountId& miner) const {
  CESS_ASSIGN_OR_RETURN(std::optional<sminer::MinerInfo> m, sminer::ReadMiner(ctx.state(), miner));
  if (!m) return Status::Ok();
  m->consecutive_misses += 1;
  m->total_misses += 1;
  const uint32_t consecutive = m->consecutive_misses;
  CESS_RETURN_IF_ERROR(sminer::StoreMiner(ctx, miner, *m));
  const uint32_t percent = profile_.audit_penalty_percent[std::min<uint32_t>(consecutive, 3) - 1];
  CESS_ASSIGN_OR_RETURN(uint64_t burned, sminer::Penalize(ctx, miner, percent));
  codec::Writer w;
  miner.Encode(w);
  w.PutU64(burned);
  w.PutU32(consecutive);
  ctx.Emit(kName, "MinerPenalized", w.Take());
  if (consecutive >= profile_.audit_max_misses) {
    CESS_RETURN_IF_ERROR(sminer::ForceExit(ctx, miner));
    // Drop an open challenge of the miner (none normally: the miss cleared it).
    ctx.state().Delete(ChallengeKey(miner));
    codec::Writer e;
    miner.Encode(e);
    e.PutU32(consecutive);
    ctx.Emit(kName, "MinerForcedExit", e.Take());
  }
  return Status::Ok();
}

Status AuditModule::OnBlockStart(Context& ctx) const {
  const uint64_t now = ctx.block().height;
  if (now == 0) return Status::Ok();
  // Expired challenges.
  CESS_ASSIGN_OR_RETURN(std::vector<ChallengeInfo> open, ListChallenges(ctx.state()));
  for (const ChallengeInfo& c : open) {
    if (c.deadline >= now) continue;
    ctx.state().Delete(ChallengeKey(c.miner));
    CESS_ASSIGN_OR_RETURN(std::optional<sminer::MinerInfo> m, sminer::ReadMiner(ctx.state(), c.miner));
    if (!m || (m->state != sminer::MinerState::kPositive && m->state != sminer::MinerState::kFrozen))
      continue;
    ctx.Emit(kName, "ChallengeMissed", IdU64(c.miner, c.deadline));
    CESS_RETURN_IF_ERROR(Record(ctx, c.miner, false, c.fragment_count));
    CESS_RETURN_IF_ERROR(RecordMiss(ctx, c.miner));
  }
  if (now % profile_.audit_interval_blocks != 0) return Status::Ok();
  return IssueChallenge(ctx);
}

Status AuditModule::IssueChallenge(Context& ctx) const {
  CESS_ASSIGN_OR_RETURN(std::optional<podr2::PublicKey> pk, tee::ReadNetworkPodr2Key(ctx.state()));
  if (!pk) return Status::Ok();
  CESS_ASSIGN_OR_RETURN(std::vector<sminer::MinerSummary> miners, sminer::ListMiners(ctx.state()));
  std::vector<std::pair<AccountId, uint64_t>> candidates;  // id, service
  for (const sminer::MinerSummary& s : miners) {
    if (s.state != sminer::MinerState::kPositive) continue;
    CESS_ASSIGN_OR_RETURN(std::optional<sminer::MinerInfo> m, sminer::ReadMiner(ctx.state(), s.id));
    if (!m || m->service == 0) continue;
    CESS_ASSIGN_OR_RETURN(std::optional<Bytes> open, ctx.state().Get(ChallengeKey(s.id)));
    if (open) continue;
    candidates.emplace_back(s.id, m->service);
  }
  if (candidates.empty()) return Status::Ok();
  CESS_ASSIGN_OR_RETURN(Hash256 randomness, r2s::ReadRandomness(ctx.state()));
  const uint64_t now = ctx.block().height;
  ChallengeInfo c;
  c.seed = ChallengeSeed(randomness, now);
  uint64_t pick = 0;
  for (int i = 0; i < 8; ++i) pick = pick << 8 | c.seed[static_cast<size_t>(i)];
  const auto& [miner, service] = candidates[pick % candidates.size()];
  Result<podr2::Challenge> ch =
      podr2::Challenge::Derive(c.seed, profile_.podr2_blocks_per_fragment, profile_.podr2_challenged_blocks,
                               profile_.podr2_coefficient_bytes);
  if (!ch.ok()) return ch.status().WithContext("audit: deriving a challenge");
  c.challenge = std::move(ch).value();
  CESS_ASSIGN_OR_RETURN(std::vector<Hash256> names, sminer::MinerFragmentNames(ctx.state(), miner));
  c.fragment_count = names.size();
  c.coverage = podr2::CoverageCommitment(names);
  c.issued_at = now;
  c.deadline = now + service / profile_.audit_bytes_per_block + profile_.audit_deadline_base_blocks;
  PutValue(ctx.state(), ChallengeKey(miner), c);
  codec::Writer w;
  miner.Encode(w);
  w.PutFixed(c.seed);
  w.PutU64(c.fragment_count);
  w.PutU64(c.deadline);
  ctx.Emit(kName, "ChallengeIssued", w.Take());
  return Status::Ok();
}

Status AuditModule::CheckInvariants(const state::StateReader& reader) const {
  CESS_ASSIGN_OR_RETURN(std::vector<ChallengeInfo> open, ListChallenges(reader));
  for (const ChallengeInfo& c : open) {
    CESS_ASSIGN_OR_RETURN(std::optional<sminer::MinerInfo> m, sminer::ReadMiner(reader, c.miner));
    if (!m) return Status::Internal("audit: a challenge of an unknown miner");
    if (c.deadline < c.issued_at) return Status::Internal("audit: a deadline before its challenge");
  }
  const Bytes prefix = KeyBuilder(kName, "history").Take();
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan, ByteSpan value) {
    Result<AuditHistory> h = codec::Decode<AuditHistory>(value);
    if (!h.ok() || h->records.size() > profile_.audit_history_len) {
      bad = Status::Internal("audit: malformed or overlong history");
      return false;
    }
    return true;
  }));
  return bad;
}

}  // namespace cess::chain::runtime::audit
