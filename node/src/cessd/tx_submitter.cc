#include "cessd/tx_submitter.h"

#include <chrono>
#include <thread>
#include <utility>

#include "cess/chain/genesis.h"
#include "cess/chain/runtime/runtime.h"

namespace cess::node {
namespace {

// The declared weight of `call` (1 for an unknown call: the node then refuses it by name).
uint32_t DeclaredWeight(const chain::Call& call) {
  static const chain::runtime::Runtime* runtime = [] {
    chain::Genesis g;
    g.chain_id = "weights";
    g.profile = chain::Profile::Devnet();
    return new chain::runtime::Runtime(g);  // never freed: one per process
  }();
  const chain::runtime::Module* m = runtime->FindModule(call.module);
  if (m == nullptr) return 1;
  const int i = m->FindCall(call.function);
  return i < 0 ? 1 : m->calls()[static_cast<size_t>(i)].weight;
}

}  // namespace

std::string TxOutcome::Describe(const chain::Call& call) const {
  if (ok) return "ok";
  std::string s = call.module + "." + call.function + ": " + code_name;
  if (!module_error_name.empty()) s += " " + module_error_name;
  return s;
}

TxSubmitter::TxSubmitter(const NodeClient& client, crypto::Ed25519PrivateKey key)
    : client_(client), key_(std::move(key)), account_(chain::AccountId::Of(key_)) {}

Status TxSubmitter::LoadChainInfo() {
  if (have_info_) return Status::Ok();
  CESS_ASSIGN_OR_RETURN(auto status, client_.Status());
  chain_id_ = status.chain_id();
  min_fee_ = status.min_tx_fee();
  have_info_ = true;
  return Status::Ok();
}

Result<Hash256> TxSubmitter::Submit(const chain::Call& call, uint32_t weight) {
  std::lock_guard lock(mu_);
  CESS_RETURN_IF_ERROR(LoadChainInfo());
  if (!have_nonce_) {
    CESS_ASSIGN_OR_RETURN(auto account, client_.GetAccount(account_));
    next_nonce_ = account.nonce();
    have_nonce_ = true;
  }
  chain::Transaction tx;
  tx.nonce = next_nonce_;
  tx.fee = min_fee_ * (weight == 0 ? DeclaredWeight(call) : weight);
  tx.call = call;
  CESS_RETURN_IF_ERROR(tx.Sign(key_, chain_id_));
  auto reply = client_.Submit(tx);
  if (!reply.ok()) {
    have_nonce_ = false;
    return reply.status();
  }
  if (!reply->accepted()) {
    have_nonce_ = false;  // re-read: another process may have used this account
    return Status::FailedPrecondition(call.module + "." + call.function + " refused by the node: " +
                                      reply->code_name() + (reply->message().empty() ? "" : " (" + reply->message() + ")"));
  }
  ++next_nonce_;
  return tx.Hash();
}

Result<TxOutcome> TxSubmitter::Wait(const Hash256& tx_hash, uint32_t timeout_ms, uint32_t poll_ms) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    auto r = client_.GetReceipt(tx_hash);
    if (r.ok()) {
      TxOutcome out;
      out.tx_hash = tx_hash;
      out.height = r->height();
      out.ok = r->code() == 0;
      out.code_name = r->code_name();
      out.module_error_name = r->module_error_name();
      out.receipt = std::move(r).value();
      return out;
    }
    if (r.status().code() != StatusCode::kNotFound) return r.status();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::DeadlineExceeded("transaction " + chain::HashToHex(tx_hash) + " not finalized after " +
                                      std::to_string(timeout_ms) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
}

Result<TxOutcome> TxSubmitter::SubmitAndWait(const chain::Call& call, uint32_t weight, uint32_t timeout_ms) {
  CESS_ASSIGN_OR_RETURN(Hash256 hash, Submit(call, weight));
  CESS_ASSIGN_OR_RETURN(TxOutcome out, Wait(hash, timeout_ms));
  if (!out.ok) return Status::FailedPrecondition(out.Describe(call));
  return out;
}

}  // namespace cess::node
