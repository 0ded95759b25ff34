// The application boundary between the consensus engine and the runtime (DESIGN.md §8, CometBFT's
// ABCI shape): the engine (slots, finality, p2p, sync) calls the runtime through this interface to
// check transactions, build and apply blocks and answer queries; the runtime knows nothing of the
// network.
//
// Lifecycle of a block:
//   author:   PrepareProposal -> FinalizeBlock (fills the roots) -> seal -> gossip
//   importer: ProcessProposal (executes and checks the roots)
//   both:     ... the block becomes final ... -> Commit (one RocksDB WriteBatch)
// Executed but not yet final blocks live in memory as write sets stacked on their parent's state,
// so forks need no rollback: Commit writes a final block's writes to the store, and Prune drops
// every executed block that no longer descends from the committed head. Only final blocks reach
// RocksDB; a restarted node re-executes anything above its committed head.
//
// Determinism: state transitions read no wall clock, no unseeded randomness and no floating point;
// two nodes that execute the same block on the same state produce the same state root and receipts.
//
// Thread safety: every method may be called from any thread; implementations serialize internally.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cess/chain/block.h"
#include "cess/chain/genesis.h"
#include "cess/chain/receipt.h"
#include "cess/chain/state/state_store.h"
#include "cess/chain/state/write_set.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/chain/vote.h"
#include "cess/core/ecvrf.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain {

// A validator as the consensus engine sees it: its account (block seals, votes) and its VRF key.
struct Authority {
  AccountId account;
  crypto::ecvrf::PublicKey vrf_key{};
  bool operator==(const Authority&) const = default;
};

// The validators elected for one era, in election order: the author of slot s is
// authorities[s mod size]; the finality voter set is the same accounts with set_id = era.
struct AuthoritySet {
  uint64_t era = 0;
  std::vector<Authority> authorities;
  // The finality voters: set_id = era, voters = the accounts in order.
  VoterSet ToVoterSet() const;
  // The authority for `slot`. REQUIRES: not empty.
  const Authority& AuthorOf(uint64_t slot) const { return authorities[slot % authorities.size()]; }
  // The index of `account`, or -1.
  int IndexOf(const AccountId& account) const;
  bool operator==(const AuthoritySet&) const = default;
};

// The outcome of a mempool admission check.
struct TxCheck {
  ResultCode code = ResultCode::kOk;
  uint32_t module_error = 0;
  std::string message;  // human-readable reason when not ok
  bool ok() const { return code == ResultCode::kOk; }
};

// A block the runtime has executed: its receipts (in transaction order) and the header with every
// root filled in.
struct ExecutedBlock {
  BlockHeader header;  // transactions_root, receipts_root and state_root set
  std::vector<Receipt> receipts;
};

class Application {
 public:
  virtual ~Application() = default;

  // Sets the chain up. On an empty store: builds the genesis state, commits it at height 0 and
  // returns the genesis header (height 0, zero parent and author, the genesis state root). On a
  // store that already holds this genesis: returns its genesis header without writing. Errors:
  // InvalidArgument when the genesis fails Validate; FailedPrecondition when the store holds another
  // chain (different genesis hash); IoError / Corruption from the store.
  virtual Result<BlockHeader> InitChain(const Genesis& genesis) = 0;

  // The genesis this application was initialized with. REQUIRES: InitChain succeeded.
  virtual const Genesis& genesis() const = 0;

  // The last committed (final) block: its header. REQUIRES: InitChain succeeded.
  virtual BlockHeader committed_header() const = 0;

  // Mempool admission against the state after block `at` (the committed head or an executed block,
  // normally the best head): signature for this chain, nonce not below the signer's next nonce (and
  // at most 64 ahead), fee at least the call's minimum and payable, module and function known, args
  // decodable. Changes nothing. An unknown `at` gives code kResourceLimit with a message.
  virtual TxCheck CheckTx(const Transaction& tx, const Hash256& at) = 0;

  // Picks the block's transactions from `candidates` (in the pool's priority order): keeps each one
  // that would be included validly after the ones already picked (nonce in sequence, fee payable),
  // up to `max_count` transactions and `max_bytes` of encoded transactions in all. Changes nothing.
  // Errors: NotFound when info.parent_hash is neither committed nor executed.
  virtual Result<std::vector<Transaction>> PrepareProposal(const BlockHeader& info,
                                                           std::span<const Transaction> candidates,
                                                           size_t max_count, size_t max_bytes) = 0;

  // Executes `transactions` as the block described by `header` (parent_hash, height, slot, epoch,
  // era, author and vrf_output are read; the roots are ignored) on its parent's state, keeps the
  // result in memory under the completed header's hash, and returns the completed header and the
  // receipts. Executing the same block twice returns the kept result. Errors: NotFound when the
  // parent is unknown; InvalidArgument when height is not parent + 1, or slot / epoch / era do not
  // follow the profile and the parent; Corruption / IoError from the store.
  virtual Result<ExecutedBlock> FinalizeBlock(const BlockHeader& header,
                                              std::span<const Transaction> transactions) = 0;

  // Validates a received block: executes it as FinalizeBlock does and checks that its state root,
  // transactions root and receipts root equal the header's. On success the result is kept (as by
  // FinalizeBlock). Does not check the seal, the author or the VRF (the engine's job). Errors:
  // NotFound (unknown parent); InvalidArgument (bad height/slot/epoch/era); Corruption naming the
  // root that differs.
  virtual Result<ExecutedBlock> ProcessProposal(const Block& block) = 0;

  // Makes the executed block `block_hash` final: writes its state writes at its height together with
  // `aux` (the engine's records: block body, justification, ...) in ONE RocksDB WriteBatch, then
  // prunes executed blocks that do not descend from it. Errors: NotFound when the block was not
  // executed; FailedPrecondition when its parent is not the committed head; IoError from RocksDB (the
  // store is unchanged).
  virtual Status Commit(const Hash256& block_hash, std::span<const state::AuxWrite> aux) = 0;

  // The state after block `at` (committed head or an executed block) for queries. The reader stays
  // valid while the application lives, even if `at` is later pruned or committed over — it reads a
  // frozen view. Errors: NotFound for an unknown block.
  // The receipts of executed, not yet pruned block `block_hash`, in transaction order.
  // Errors: NotFound when the block is not an executed block.
  virtual Result<std::vector<Receipt>> ReceiptsOf(const Hash256& block_hash) const = 0;
  virtual Result<std::shared_ptr<const state::StateReader>> StateAt(const Hash256& at) const = 0;

  // The validators elected for `era`, as recorded in the state after block `at`; when no election
  // recorded `era` (e.g. its election epoch had no blocks) the latest recorded era before it.
  // Errors: NotFound for an unknown block.
  virtual Result<AuthoritySet> Authorities(const Hash256& at, uint64_t era) const = 0;

  // The randomness a block in `epoch` whose parent is `parent` proves its slot VRF over
  // (BlockHeader::ProveVrf): derived from the chain randomness, into which every block's VRF output
  // is folded. Errors: NotFound for an unknown parent; InvalidArgument when epoch is before the
  // parent's.
  virtual Result<Hash256> EpochRandomness(const Hash256& parent, uint64_t epoch) const = 0;

  // The committed store (for the engine's auxiliary records: blocks, justifications).
  virtual const state::StateStore& store() const = 0;
};

}  // namespace cess::chain
