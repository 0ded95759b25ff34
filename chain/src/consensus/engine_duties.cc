// Engine: the validator's own transactions (equivocation reports, era VRF submissions).
#include <algorithm>
#include <string>
#include <utility>

#include "cess/chain/consensus/engine.h"
#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/r2s.h"
#include "cess/chain/runtime/staking.h"
#include "cess/core/log.h"

namespace cess::chain::consensus {

namespace {
const log::Logger kLog("consensus");
}  // namespace

void Engine::OnEquivocation(const EquivocationEvidence& evidence, bool gossip) {
  if (!offences_.insert(evidence.OffenceKey()).second) return;
  ++stats_.equivocations;
  kLog.Warn("equivocation ({}) by {}", evidence.kind() == EquivocationEvidence::Kind::kVote ? "vote" : "block",
            evidence.offender().ToHex());
  if (gossip) Broadcast(Message{evidence});
  if (!config_.validator || !me_) return;
  Status s = SubmitOwn(runtime::staking::ReportEquivocationCall(evidence));
  if (s.ok()) {
    ++stats_.reports_submitted;
  } else {
    kLog.Warn("equivocation report not submitted: {}", s.ToString());
  }
}

Status Engine::HandleEvidence(const EquivocationEvidence& evidence) {
  if (offences_.count(evidence.OffenceKey()) != 0) return Status::Ok();
  if (evidence.kind() == EquivocationEvidence::Kind::kVote &&
      std::get<VoteEquivocation>(evidence.body).first.vote.set_id == voters_.set_id) {
    CESS_RETURN_IF_ERROR(evidence.Verify(genesis_.chain_id, voters_));
  } else {
    CESS_RETURN_IF_ERROR(evidence.Verify(genesis_.chain_id));
  }
  OnEquivocation(evidence, config_.relay);
  return Status::Ok();
}

Result<uint64_t> Engine::OwnNonce() {
  CESS_ASSIGN_OR_RETURN(std::shared_ptr<const state::StateReader> state, app_.StateAt(best_hash_));
  CESS_ASSIGN_OR_RETURN(runtime::balances::AccountInfo info, runtime::balances::ReadAccount(*state, *me_));
  return std::max(info.nonce, pool_.NextNonceAfterPending(*me_));
}

Status Engine::SubmitOwn(Call call) {
  Transaction tx;
  CESS_ASSIGN_OR_RETURN(tx.nonce, OwnNonce());
  tx.fee = config_.own_tx_fee;
  tx.call = std::move(call);
  CESS_RETURN_IF_ERROR(tx.Sign(*config_.account_key, genesis_.chain_id));
  const TxCheck check = app_.CheckTx(tx, best_hash_);
  if (!check.ok()) return Status::FailedPrecondition("CheckTx refused our own transaction: " + check.message);
  const Hash256 hash = tx.Hash();
  CESS_RETURN_IF_ERROR(pool_.Add(tx, hash));
  recent_txs_.Insert(hash);
  ++stats_.txs_admitted;
  Broadcast(Message{tx});
  return Status::Ok();
}

void Engine::MaybeSubmitVrf() {
  if (!config_.validator || !me_) return;
  const BlockHeader* best = tree_.Header(best_hash_);
  if (best->height == 0 || (vrf_era_done_ && *vrf_era_done_ >= best->era)) return;
  // Not in the era's last epoch: its election is held at that epoch's first block.
  const Profile& p = genesis_.profile;
  if (best->epoch % p.epochs_per_era == p.epochs_per_era - 1 && p.epochs_per_era > 1) return;
  vrf_era_done_ = best->era;  // one attempt per era
  Result<std::shared_ptr<const state::StateReader>> state = app_.StateAt(best_hash_);
  if (!state.ok()) return;
  Result<runtime::r2s::EpochSeed> seed = runtime::r2s::ReadEraSeed(**state);
  if (!seed.ok() || seed->index != best->era) return;
  Result<crypto::ecvrf::Proof> proof =
      crypto::ecvrf::Prove(config_.vrf_secret_key, runtime::r2s::EraVrfInput(seed->seed, best->era));
  if (!proof.ok()) return;
  Status s = SubmitOwn(runtime::r2s::SubmitVrfCall(best->era, *proof));
  if (s.ok()) {
    ++stats_.vrf_submitted;
  } else {
    kLog.Debug("era {} VRF not submitted: {}", best->era, s.ToString());
  }
}

}  // namespace cess::chain::consensus
