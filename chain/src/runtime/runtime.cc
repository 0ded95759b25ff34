// The runtime: module list and transaction dispatch (see runtime.h).
#include "cess/chain/runtime/runtime.h"

#include <string>
#include <utility>

#include "cess/chain/runtime/agents.h"
#include "cess/chain/runtime/audit.h"
#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/runtime/r2s.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/chain/runtime/staking.h"
#include "cess/chain/runtime/tee.h"
#include "wide_int.h"

namespace cess::chain::runtime {
namespace {

TxCheck Refuse(ResultCode code, std::string message, uint32_t module_error = 0) {
  return TxCheck{code, module_error, std::move(message)};
}

}  // namespace

Runtime::Runtime(const Genesis& genesis) : genesis_(genesis), genesis_hash_(genesis.Hash()) {
  modules_.push_back(std::make_unique<balances::BalancesModule>(genesis_.profile));
  modules_.push_back(std::make_unique<staking::StakingModule>(genesis_.profile));
  modules_.push_back(std::make_unique<r2s::R2sModule>(genesis_.profile, genesis_hash_));
  // The storage modules (issue 5); audit last so it sees this block's randomness and sminer state.
  modules_.push_back(std::make_unique<tee::TeeModule>(genesis_.profile));
  modules_.push_back(std::make_unique<sminer::SminerModule>(genesis_.profile));
  modules_.push_back(std::make_unique<file_bank::FileBankModule>(genesis_.profile));
  modules_.push_back(std::make_unique<audit::AuditModule>(genesis_.profile));
  modules_.push_back(std::make_unique<agents::AgentsModule>(genesis_.profile));  // issue 6
}

const Module* Runtime::FindModule(std::string_view name) const {
  for (const auto& m : modules_) {
    if (m->name() == name) return m.get();
  }
  return nullptr;
}

Status Runtime::InitGenesis(state::Overlay& state) const {
  BlockEnv env;
  env.genesis = true;
  BlockScratch scratch;
  std::vector<Event> events;
  Context ctx(state, env, profile(), genesis_.chain_id, scratch, events);
  for (const auto& m : modules_) {
    CESS_RETURN_IF_ERROR(m->InitGenesis(ctx, genesis_).WithContext(std::string(m->name())));
  }
  return Status::Ok();
}

Status Runtime::BeginBlock(state::Overlay& state, const BlockEnv& block, BlockScratch& scratch) const {
  std::vector<Event> events;  // hook events are not part of any receipt
  Context ctx(state, block, profile(), genesis_.chain_id, scratch, events);
  for (const auto& m : modules_) CESS_RETURN_IF_ERROR(m->OnBlockStart(ctx));
  return Status::Ok();
}

Status Runtime::EndBlock(state::Overlay& state, const BlockEnv& block, BlockScratch& scratch) const {
  std::vector<Event> events;
  Context ctx(state, block, profile(), genesis_.chain_id, scratch, events);
  for (const auto& m : modules_) CESS_RETURN_IF_ERROR(m->OnBlockEnd(ctx));
  return Status::Ok();
}

Result<TxCheck> Runtime::PreCheck(const state::StateReader& reader, const Transaction& tx, bool signature_verified,
                                  uint64_t nonce_ahead) const {
  if (!signature_verified && !tx.Verify(genesis_.chain_id).ok()) {
    return Refuse(ResultCode::kBadSignature, "the signature does not verify for chain " + genesis_.chain_id);
  }
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(reader, tx.signer));
  if (tx.nonce < acct.nonce || tx.nonce - acct.nonce > nonce_ahead) {
    return Refuse(ResultCode::kBadNonce,
                  "nonce " + std::to_string(tx.nonce) + ", the signer's next nonce is " + std::to_string(acct.nonce));
  }
  if (!balances::CanPayFee(acct, tx.fee, profile().existential_deposit)) {
    return Refuse(ResultCode::kInsufficientFunds, "the signer cannot pay the fee " + std::to_string(tx.fee));
  }
  const Module* m = FindModule(tx.call.module);
  if (m == nullptr) return Refuse(ResultCode::kUnknownModule, "no module '" + tx.call.module + "'");
  const int index = m->FindCall(tx.call.function);
  if (index < 0) {
    return Refuse(ResultCode::kUnknownFunction, "module " + tx.call.module + " has no call '" + tx.call.function + "'");
  }
  const CallDef& def = m->calls()[static_cast<size_t>(index)];
  const U128 min_fee = static_cast<U128>(def.weight) * profile().min_tx_fee;
  if (tx.fee < min_fee) {
    return Refuse(ResultCode::kFeeTooLow, "fee " + std::to_string(tx.fee) + " is below the call's minimum " +
                                              std::to_string(static_cast<uint64_t>(min_fee)));
  }
  if (def.check_args != nullptr && !def.check_args(tx.call.args).ok()) {
    return Refuse(ResultCode::kBadArguments, "the arguments of " + tx.call.module + "." + tx.call.function +
                                                 " do not decode");
  }
  return TxCheck{};
}

Result<Receipt> Runtime::ApplyTransaction(state::Overlay& state, const BlockEnv& block, BlockScratch& scratch,
                                          const Transaction& tx, const Hash256& tx_hash,
                                          bool signature_verified) const {
  Receipt rc;
  rc.tx_hash = tx_hash;
  // Steps 1-3: nothing is charged when these fail.
  if (!signature_verified && !tx.Verify(genesis_.chain_id).ok()) {
    rc.code = ResultCode::kBadSignature;
    return rc;
  }
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(state, tx.signer));
  if (tx.nonce != acct.nonce) {
    rc.code = ResultCode::kBadNonce;
    return rc;
  }
  if (!balances::CanPayFee(acct, tx.fee, profile().existential_deposit)) {
    rc.code = ResultCode::kInsufficientFunds;
    return rc;
  }
  // Step 4: charge the fee and advance the nonce (kept whatever the call does).
  acct.free -= tx.fee;
  acct.nonce += 1;
  std::vector<Event> fee_events;
  {
    Context ctx(state, block, profile(), genesis_.chain_id, scratch, fee_events);
    CESS_RETURN_IF_ERROR(balances::StoreAccount(ctx, tx.signer, acct).status());
  }
  scratch.fees += tx.fee;
  rc.fee_charged = tx.fee;
  // Step 5: the call's static checks.
  const Module* m = FindModule(tx.call.module);
  int index = m == nullptr ? -1 : m->FindCall(tx.call.function);
  if (m == nullptr) {
    rc.code = ResultCode::kUnknownModule;
  } else if (index < 0) {
    rc.code = ResultCode::kUnknownFunction;
  } else {
    const CallDef& def = m->calls()[static_cast<size_t>(index)];
    if (tx.fee < static_cast<U128>(def.weight) * profile().min_tx_fee) {
      rc.code = ResultCode::kFeeTooLow;
    }
  }
  if (rc.code != ResultCode::kOk) {
    rc.events = std::move(fee_events);
    return rc;
  }
  // Step 6: the call, in a child overlay.
  state::Overlay child = state.Child();
  std::vector<Event> events;
  Context ctx(child, block, profile(), genesis_.chain_id, scratch, events);
  CESS_ASSIGN_OR_RETURN(CallResult outcome, m->Dispatch(ctx, tx.signer, static_cast<size_t>(index), tx.call.args));
  rc.code = outcome.code;
  rc.module_error = outcome.code == ResultCode::kModuleError ? outcome.module_error : 0;
  if (outcome.ok()) {
    state.Apply(child.TakeWrites());
    fee_events.insert(fee_events.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
  }
  rc.events = std::move(fee_events);
  return rc;
}

Status Runtime::CheckInvariants(const state::StateReader& reader) const {
  for (const auto& m : modules_) {
    CESS_RETURN_IF_ERROR(m->CheckInvariants(reader).WithContext(std::string(m->name())));
  }
  return Status::Ok();
}

}  // namespace cess::chain::runtime
