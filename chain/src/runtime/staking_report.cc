// staking.report_equivocation: verify the evidence against the recorded authority sets, slash the
// offender and its nominators, reward the reporter, record the offence (see staking.h).
#include <string>

#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/r2s.h"
#include "cess/chain/runtime/staking.h"
#include "cess/chain/runtime/storage.h"
#include "wide_int.h"
#include "staking_internal.h"

namespace cess::chain::runtime::staking {
namespace {

using internal::IdAmount;

uint64_t Percent(uint64_t amount, uint32_t percent) {
  return static_cast<uint64_t>(static_cast<U128>(amount) * percent / 100);
}

// Takes up to `amount` from the ledger: active first, then unlocking chunks newest first.
uint64_t SlashLedger(Ledger& l, uint64_t amount) {
  uint64_t taken = std::min(amount, l.active);
  l.active -= taken;
  while (taken < amount && !l.unlocking.empty()) {
    UnlockChunk& c = l.unlocking.back();
    const uint64_t t = std::min(amount - taken, c.amount);
    c.amount -= t;
    taken += t;
    if (c.amount == 0) l.unlocking.pop_back();
  }
  return taken;
}

// Slashes `amount` from `who`'s ledger and bonded balance; returns what was taken.
Result<uint64_t> SlashAccount(Context& ctx, const AccountId& who, uint64_t amount) {
  if (amount == 0) return uint64_t{0};
  CESS_ASSIGN_OR_RETURN(std::optional<Ledger> ledger, ReadLedger(ctx.state(), who));
  if (!ledger) return uint64_t{0};
  const uint64_t taken = SlashLedger(*ledger, amount);
  if (taken == 0) return uint64_t{0};
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), who));
  if (acct.bonded < taken) return Status::Internal("staking: ledger exceeds the bonded balance");
  acct.bonded -= taken;
  internal::StoreLedger(ctx, who, *ledger);
  if (ledger->empty()) {
    CESS_RETURN_IF_ERROR(internal::RemoveCandidacy(ctx, who, nullptr));
    CESS_RETURN_IF_ERROR(internal::RemoveNominations(ctx, who, nullptr));
  }
  CESS_RETURN_IF_ERROR(balances::StoreAccount(ctx, who, acct).status());
  ctx.Emit(kName, "Slashed", IdAmount(who, taken));
  return taken;
}

}  // namespace

Result<CallResult> StakingModule::ReportEquivocation(Context& ctx, const AccountId& reporter,
                                                     const EquivocationEvidence& evidence) const {
  const uint64_t now = ctx.block().era;
  // The era of the offence, and the authority set it is judged against.
  uint64_t offence_era = 0;
  if (evidence.kind() == EquivocationEvidence::Kind::kVote) {
    offence_era = std::get<VoteEquivocation>(evidence.body).first.vote.set_id;
  } else {
    const uint64_t slot = std::get<BlockEquivocation>(evidence.body).first.header.slot;
    offence_era = slot / profile_.slots_per_era();
  }
  if (offence_era > now) return CallResult::Error(Error::kEvidenceFromFuture);
  if (offence_era + profile_.bonding_duration_eras < now) return CallResult::Error(Error::kEvidenceTooOld);
  Result<AuthoritySet> set = r2s::ResolveAuthorities(ctx.state(), offence_era);
  if (!set.ok()) {
    if (set.status().code() == StatusCode::kNotFound) return CallResult::Error(Error::kUnknownEra);
    return set.status();
  }
  if (set->authorities.empty()) return CallResult::Error(Error::kUnknownEra);
  if (evidence.kind() == EquivocationEvidence::Kind::kVote) {
    if (!evidence.Verify(ctx.chain_id(), set->ToVoterSet()).ok()) return CallResult::Error(Error::kInvalidEvidence);
  } else {
    if (!evidence.Verify(ctx.chain_id()).ok()) return CallResult::Error(Error::kInvalidEvidence);
    const uint64_t slot = std::get<BlockEquivocation>(evidence.body).first.header.slot;
    if (set->AuthorOf(slot).account != evidence.offender()) return CallResult::Error(Error::kNotSlotAuthor);
  }
  const AccountId offender = evidence.offender();
  if (offender == reporter) return CallResult::Error(Error::kSelfReport);
  const Hash256 key = evidence.OffenceKey();
  CESS_ASSIGN_OR_RETURN(bool reported, IsOffenceReported(ctx.state(), key));
  if (reported) return CallResult::Error(Error::kDuplicateReport);

  // Slash the offender, then each nominator's share backing it (shares from the bonds before the
  // offender's own slash; nominators are other accounts).
  CESS_ASSIGN_OR_RETURN(std::optional<Ledger> offender_ledger, ReadLedger(ctx.state(), offender));
  uint64_t slashed = 0;
  if (offender_ledger) {
    CESS_ASSIGN_OR_RETURN(uint64_t t,
                          SlashAccount(ctx, offender, Percent(offender_ledger->total(), profile_.slash_percent)));
    slashed += t;
  }
  CESS_ASSIGN_OR_RETURN(auto nominators, ReadNominators(ctx.state()));
  for (const auto& [who, noms] : nominators) {
    for (size_t i = 0; i < noms.targets.size(); ++i) {
      if (noms.targets[i] != offender) continue;
      CESS_ASSIGN_OR_RETURN(std::optional<Ledger> l, ReadLedger(ctx.state(), who));
      if (!l) break;
      const uint64_t k = noms.targets.size();
      const uint64_t share = l->active / k + (i == 0 ? l->active % k : 0);
      CESS_ASSIGN_OR_RETURN(uint64_t t, SlashAccount(ctx, who, Percent(share, profile_.slash_percent)));
      slashed += t;
      break;
    }
  }
  // Reward the reporter and burn the rest.
  const uint64_t reward = Percent(slashed, profile_.reporter_reward_percent);
  if (reward > 0) {
    CESS_ASSIGN_OR_RETURN(balances::AccountInfo r, balances::ReadAccount(ctx.state(), reporter));
    r.free += reward;
    CESS_RETURN_IF_ERROR(balances::StoreAccount(ctx, reporter, r).status());
  }
  CESS_RETURN_IF_ERROR(balances::BurnIssuance(ctx, slashed - reward));
  // Record the offence, the penalty, and chill the offender.
  uint8_t era_le[8];
  for (int i = 0; i < 8; ++i) era_le[i] = static_cast<uint8_t>(offence_era >> (8 * i));
  ctx.state().Put(internal::OffenceKey(key), ByteSpan(era_le, 8));
  CESS_RETURN_IF_ERROR(r2s::AddPenalty(ctx, offender));
  CESS_RETURN_IF_ERROR(internal::RemoveCandidacy(ctx, offender, nullptr));
  CESS_RETURN_IF_ERROR(internal::RemoveNominations(ctx, offender, nullptr));
  codec::Writer w;
  offender.Encode(w);
  reporter.Encode(w);
  w.PutFixed(key);
  w.PutU64(slashed);
  w.PutU64(reward);
  ctx.Emit(kName, "EquivocationReported", w.Take());
  return CallResult::Ok();
}

}  // namespace cess::chain::runtime::staking
