// The runtime: the modules of a chain and the dispatch of transactions into them.
//
// Applying a transaction (ApplyTransaction), in order:
//   1. signature for this chain (skipped when the caller verified it)   else kBadSignature, fee 0
//   2. nonce == the signer's next nonce                                   else kBadNonce, fee 0
//   3. fee payable (balances::CanPayFee)                                  else kInsufficientFunds, fee 0
//   4. the fee is charged in full and the nonce advanced; these writes stay whatever follows
//   5. module known / function known / fee >= weight × min_tx_fee / args decode
//                                     else kUnknownModule / kUnknownFunction / kFeeTooLow / kBadArguments
//   6. the call runs in a child Overlay; its writes and events are kept only when it succeeds
//      (otherwise kModuleError with the module's error number, or kBadOrigin / kBadArguments).
// A failed call therefore changes no state except the signer's fee and nonce.
// Thread safety: immutable after construction; every method may run concurrently.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "cess/chain/application.h"
#include "cess/chain/genesis.h"
#include "cess/chain/receipt.h"
#include "cess/chain/runtime/module.h"
#include "cess/chain/state/write_set.h"
#include "cess/chain/transaction.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain::runtime {

class Runtime {
 public:
  // The modules balances, staking and r2s for `genesis` (its profile and hash). REQUIRES: the
  // genesis validates.
  explicit Runtime(const Genesis& genesis);

  const Genesis& genesis() const { return genesis_; }
  const Hash256& genesis_hash() const { return genesis_hash_; }
  const Profile& profile() const { return genesis_.profile; }
  std::span<const std::unique_ptr<Module>> modules() const { return modules_; }
  // The module named `name`, or nullptr.
  const Module* FindModule(std::string_view name) const;

  // Writes the genesis state of every module into `state`. Errors: as Module::InitGenesis.
  Status InitGenesis(state::Overlay& state) const;

  // The block hooks of every module, in module order. Errors: storage errors / broken state.
  Status BeginBlock(state::Overlay& state, const BlockEnv& block, BlockScratch& scratch) const;
  Status EndBlock(state::Overlay& state, const BlockEnv& block, BlockScratch& scratch) const;

  // The checks of steps 1-5 without changing anything, against `reader`. `nonce_ahead` is how far
  // beyond the next nonce the transaction's nonce may be (0: exactly the next). Returns the code a
  // block would give the transaction at steps 1-5 (kOk when it would reach its call).
  // Errors: storage errors.
  Result<TxCheck> PreCheck(const state::StateReader& reader, const Transaction& tx, bool signature_verified,
                           uint64_t nonce_ahead) const;

  // Applies `tx` (whose hash is `tx_hash`) to `state` as described above and returns its receipt.
  // Errors: storage errors / broken state only (the node must stop).
  Result<Receipt> ApplyTransaction(state::Overlay& state, const BlockEnv& block, BlockScratch& scratch,
                                   const Transaction& tx, const Hash256& tx_hash, bool signature_verified) const;

  // Every module's CheckInvariants. Errors: the first failure, prefixed by the module name.
  Status CheckInvariants(const state::StateReader& reader) const;

 private:
  Genesis genesis_;
  Hash256 genesis_hash_{};
  std::vector<std::unique_ptr<Module>> modules_;
};

}  // namespace cess::chain::runtime
