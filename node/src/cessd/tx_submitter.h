// Signs calls with one account key, submits them to a node with consecutive nonces, and waits for
// their receipts: what the CLI, the miner and the gateway use to act on the chain.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/core/ed25519.h"
#include "cess/core/result.h"
#include "cessd/node_client.h"

namespace cess::node {

// A finalized transaction's outcome.
struct TxOutcome {
  Hash256 tx_hash{};
  uint64_t height = 0;
  bool ok = false;
  std::string code_name;          // "ok", "module_error", ...
  std::string module_error_name;  // when code_name is "module_error"
  v1::GetReceiptResponse receipt;

  // "ok", or e.g. "module_error file_bank.QuotaExceeded".
  std::string Describe(const chain::Call& call) const;
};

class TxSubmitter {
 public:
  // Signs with `key` for the chain `client` serves (its id and minimum fee are read on the first
  // submission). `client` must outlive the submitter. Thread-safe: submissions are serialized so
  // nonces stay consecutive.
  TxSubmitter(const NodeClient& client, crypto::Ed25519PrivateKey key);

  const chain::AccountId& account() const { return account_; }

  // Signs `call` with the next nonce and a fee of weight × the chain's minimum (weight 0: the
  // call's declared weight), and submits it.
  // Returns the transaction hash. Errors: FailedPrecondition when the node refuses it at admission
  // (the message says why); node API errors. After a refusal the nonce is re-read from the node.
  Result<Hash256> Submit(const chain::Call& call, uint32_t weight = 0);

  // Waits until `tx_hash` is finalized (polling GetReceipt every poll_ms) and returns its outcome.
  // Errors: DeadlineExceeded after timeout_ms; node API errors.
  Result<TxOutcome> Wait(const Hash256& tx_hash, uint32_t timeout_ms = 30000, uint32_t poll_ms = 100) const;

  // Submit, then Wait; a call that fails on chain is an error: FailedPrecondition
  // "<module>.<function>: <module error name>" (the outcome's Describe).
  Result<TxOutcome> SubmitAndWait(const chain::Call& call, uint32_t weight = 0, uint32_t timeout_ms = 30000);

 private:
  Status LoadChainInfo();

  const NodeClient& client_;
  crypto::Ed25519PrivateKey key_;
  chain::AccountId account_;
  std::mutex mu_;
  bool have_info_ = false;
  std::string chain_id_;
  uint64_t min_fee_ = 0;
  bool have_nonce_ = false;
  uint64_t next_nonce_ = 0;
};

}  // namespace cess::node
