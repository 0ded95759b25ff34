// ChainApplication: the Application (application.h) over a RocksDB StateStore and the runtime
// modules (balances, staking, r2s).
//
// Executed blocks. A block executed by FinalizeBlock / ProcessProposal is kept in memory as its
// write set, stacked on its parent's (by hash), up to the committed head. Its state root is computed
// incrementally: StateStore::Stage of the union of the write sets between the committed head and
// the block (only the changed keys' paths are rehashed, never all state). Commit writes the block's
// staged writes (reusing the staging done at execution when its parent was already the committed
// head), the engine's aux records and this application's own record of the committed header in one
// WriteBatch, then prunes every executed block that does not descend from the new head.
//
// Frozen views. StateAt returns a view that keeps reading the state after `at` even when later
// commits change the store: each commit records, for anyone still holding a view of the previous
// committed state, the old values of the keys it overwrote (only when such a view exists).
//
// Speed. Signatures are checked once: a bounded cache remembers the hashes of transactions whose
// signatures verified (CheckTx, PrepareProposal or execution), and blocks verify the rest on a
// small thread pool before executing in order. PrepareProposal runs the block it proposes; a
// FinalizeBlock of the same header (vrf_output included) and the same transactions reuses that
// execution instead of running it again.
//
// Records in the store: aux column family "runtime", key "head" = the committed BlockHeader, key
// "genesis" = the genesis hash.
//
// Thread safety: every method may be called from any thread. Executions run concurrently with
// queries and with each other; Commit is serialized with root computations.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "cess/chain/application.h"
#include "cess/chain/runtime/runtime.h"
#include "cess/chain/state/state_store.h"

namespace cess::chain::runtime {

class SignatureCache;
class WorkerPool;
struct CommitPoint;
struct CommitSync;

struct ChainApplicationOptions {
  // Threads verifying signatures of a block (the calling thread included). Default 2.
  int verify_threads = 2;
  // Verified transaction hashes remembered (oldest forgotten first). Default 262144.
  size_t signature_cache_entries = size_t{1} << 18;
  // Run every module's CheckInvariants on the state after each executed block and fail the
  // execution (Internal) when one breaks. O(state) per block: for tests. Default false.
  bool check_invariants = false;
};

class ChainApplication final : public Application {
 public:
  // An application over `store`, which must outlive it. Call InitChain before anything else.
  explicit ChainApplication(state::StateStore& store, ChainApplicationOptions options = {});
  ~ChainApplication() override;
  ChainApplication(const ChainApplication&) = delete;
  ChainApplication& operator=(const ChainApplication&) = delete;

  // Application (see application.h for the contracts).
  Result<BlockHeader> InitChain(const Genesis& genesis) override;
  const Genesis& genesis() const override;
  BlockHeader committed_header() const override;
  TxCheck CheckTx(const Transaction& tx, const Hash256& at) override;
  Result<std::vector<Transaction>> PrepareProposal(const BlockHeader& info, std::span<const Transaction> candidates,
                                                   size_t max_count, size_t max_bytes) override;
  Result<ExecutedBlock> FinalizeBlock(const BlockHeader& header, std::span<const Transaction> transactions) override;
  Result<ExecutedBlock> ProcessProposal(const Block& block) override;
  Status Commit(const Hash256& block_hash, std::span<const state::AuxWrite> aux) override;
  Result<std::shared_ptr<const state::StateReader>> StateAt(const Hash256& at) const override;
  Result<AuthoritySet> Authorities(const Hash256& at, uint64_t era) const override;
  Result<Hash256> EpochRandomness(const Hash256& parent, uint64_t epoch) const override;
  const state::StateStore& store() const override { return store_; }

  // The runtime (modules, profile). REQUIRES: InitChain succeeded.
  const Runtime& runtime() const { return *runtime_; }
  // The header of an executed (not yet pruned) or the committed block. Errors: NotFound.
  Result<BlockHeader> HeaderOf(const Hash256& hash) const;
  // The receipts of an executed, not yet committed block. Errors: NotFound.
  Result<std::vector<Receipt>> ReceiptsOf(const Hash256& hash) const override;
  // Executed blocks held in memory (not committed, not pruned).
  size_t executed_count() const;

 private:
  struct Node;
  struct Execution;

  // The header and view of block `at` (committed head or executed). Errors: NotFound.
  Result<std::pair<BlockHeader, std::shared_ptr<const state::StateReader>>> Lookup(const Hash256& at) const;
  // Executes `txs` on `parent` as the block `header`; `drop_unincludable` picks transactions as
  // PrepareProposal does (then `picked` receives them).
  Result<std::unique_ptr<Execution>> Execute(const BlockHeader& header, std::span<const Transaction> txs,
                                             bool prepare, size_t max_count, size_t max_bytes);
  // Fills the roots, computes the state root and keeps the block. Returns the kept node.
  Result<ExecutedBlock> Keep(std::unique_ptr<Execution> exec);
  // Checks height / slot / epoch / era of `header` against its parent. Errors: InvalidArgument.
  Status CheckHeader(const BlockHeader& header, const BlockHeader& parent) const;
  // Signature-verified flags for `txs` (cache, then the pool), and their hashes.
  void VerifySignatures(std::span<const Transaction> txs, std::vector<Hash256>& hashes, std::vector<char>& ok);

  state::StateStore& store_;
  ChainApplicationOptions options_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<SignatureCache> sig_cache_;
  std::unique_ptr<WorkerPool> pool_;
  std::shared_ptr<CommitSync> sync_;

  mutable std::mutex mu_;  // guards the fields below
  BlockHeader committed_header_;
  Hash256 committed_hash_{};
  std::shared_ptr<CommitPoint> point_;
  std::unordered_map<Hash256, std::shared_ptr<Node>, Hash256Hasher> nodes_;
  // Executions keyed by (header without roots, transactions root) -> block hash.
  std::unordered_map<Hash256, Hash256, Hash256Hasher> by_execution_key_;
  std::unique_ptr<Execution> prepared_;  // the last PrepareProposal's execution
};

}  // namespace cess::chain::runtime
