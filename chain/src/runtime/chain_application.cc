// ChainApplication (chain_application.h).
#include "cess/chain/runtime/chain_application.h"

#include <algorithm>
#include <string>
#include <utility>

#include "cess/chain/block.h"
#include "cess/chain/runtime/r2s.h"
#include "cess/core/hash.h"
#include "signature_cache.h"
#include "state_views.h"
#include "worker_pool.h"

namespace cess::chain::runtime {
namespace {

constexpr std::string_view kAuxFamily = "runtime";
constexpr std::string_view kHeadKey = "head";
constexpr std::string_view kGenesisKey = "genesis";
constexpr std::string_view kGenesisHeaderKey = "genesis_header";

Bytes KeyBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// What identifies an execution: the header without its roots, and the transactions.
Hash256 ExecutionKey(const BlockHeader& header, const Hash256& transactions_root) {
  BlockHeader h = header;
  h.state_root = kZeroHash;
  h.receipts_root = kZeroHash;
  h.transactions_root = transactions_root;
  return h.Hash();
}

BlockEnv EnvOf(const BlockHeader& header, const BlockHeader& parent) {
  BlockEnv env;
  env.parent_hash = header.parent_hash;
  env.height = header.height;
  env.slot = header.slot;
  env.epoch = header.epoch;
  env.era = header.era;
  env.author = header.author;
  env.vrf_output = header.vrf_output;
  env.parent_epoch = parent.epoch;
  env.parent_era = parent.era;
  return env;
}

}  // namespace

struct ChainApplication::Node {
  BlockHeader header;
  Hash256 hash{};
  std::shared_ptr<const state::WriteSet> writes;
  std::vector<Receipt> receipts;
  std::optional<state::StagedCommit> staged;  // against the committed root at execution; guarded by mu_
};

struct ChainApplication::Execution {
  BlockHeader header;
  std::vector<Transaction> picked;  // PrepareProposal only
  std::vector<Receipt> receipts;
  state::WriteSet writes;
  Hash256 key{};
};

ChainApplication::ChainApplication(state::StateStore& store, ChainApplicationOptions options)
    : store_(store),
      options_(options),
      sig_cache_(std::make_unique<SignatureCache>(options.signature_cache_entries)),
      pool_(std::make_unique<WorkerPool>(options.verify_threads)),
      sync_(std::make_shared<CommitSync>(store)),
      point_(std::make_shared<CommitPoint>()) {}

ChainApplication::~ChainApplication() = default;

Result<BlockHeader> ChainApplication::InitChain(const Genesis& genesis) {
  CESS_RETURN_IF_ERROR(genesis.Validate());
  const Hash256 genesis_hash = genesis.Hash();
  std::lock_guard lock(mu_);
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> stored_genesis, store_.GetAux(kAuxFamily, KeyBytes(kGenesisKey)));
  if (stored_genesis) {
    if (*stored_genesis != Bytes(genesis_hash.begin(), genesis_hash.end())) {
      return Status::FailedPrecondition("the store holds another chain (genesis " + ToHex(*stored_genesis) + ")");
    }
    CESS_ASSIGN_OR_RETURN(std::optional<Bytes> head, store_.GetAux(kAuxFamily, KeyBytes(kHeadKey)));
    CESS_ASSIGN_OR_RETURN(std::optional<Bytes> gh, store_.GetAux(kAuxFamily, KeyBytes(kGenesisHeaderKey)));
    if (!head || !gh) return Status::Corruption("the store's runtime records are incomplete");
    CESS_ASSIGN_OR_RETURN(BlockHeader head_header, codec::Decode<BlockHeader>(*head));
    CESS_ASSIGN_OR_RETURN(BlockHeader genesis_header, codec::Decode<BlockHeader>(*gh));
    if (head_header.state_root != store_.root() || head_header.height != store_.height()) {
      return Status::Corruption("the committed header does not match the store's root");
    }
    if (!runtime_) runtime_ = std::make_unique<Runtime>(genesis);
    committed_header_ = head_header;
    committed_hash_ = head_header.Hash();
    return genesis_header;
  }
  if (store_.has_committed()) return Status::FailedPrecondition("the store holds state but no genesis record");

  auto runtime = std::make_unique<Runtime>(genesis);
  state::Overlay overlay(store_);
  CESS_RETURN_IF_ERROR(runtime->InitGenesis(overlay));
  if (options_.check_invariants) {
    Status s = runtime->CheckInvariants(overlay);
    if (!s.ok()) return Status::Internal("genesis breaks an invariant: " + s.ToString());
  }
  CESS_ASSIGN_OR_RETURN(state::StagedCommit staged, store_.Stage(overlay.writes()));
  BlockHeader header;
  header.state_root = staged.new_root();
  header.transactions_root = TransactionsRoot({});
  header.receipts_root = ReceiptsRoot({});
  const Bytes encoded = codec::Encode(header);
  const state::AuxWrite aux[] = {
      {std::string(kAuxFamily), KeyBytes(kGenesisKey), Bytes(genesis_hash.begin(), genesis_hash.end())},
      {std::string(kAuxFamily), KeyBytes(kGenesisHeaderKey), encoded},
      {std::string(kAuxFamily), KeyBytes(kHeadKey), encoded},
  };
  {
    std::unique_lock commit_lock(sync_->mu);
    CESS_RETURN_IF_ERROR(store_.Commit(std::move(staged), 0, aux));
    sync_->version.fetch_add(1);
  }
  runtime_ = std::move(runtime);
  committed_header_ = header;
  committed_hash_ = header.Hash();
  return header;
}

const Genesis& ChainApplication::genesis() const { return runtime_->genesis(); }

BlockHeader ChainApplication::committed_header() const {
  std::lock_guard lock(mu_);
  return committed_header_;
}

Result<std::pair<BlockHeader, std::shared_ptr<const state::StateReader>>> ChainApplication::Lookup(
    const Hash256& at) const {
  std::lock_guard lock(mu_);
  auto base = std::make_shared<CommittedView>(sync_, point_);
  if (at == committed_hash_) return std::make_pair(committed_header_, std::shared_ptr<const state::StateReader>(base));
  auto it = nodes_.find(at);
  if (it == nodes_.end()) return Status::NotFound("block " + HashToHex(at) + " is neither committed nor executed");
  std::vector<std::shared_ptr<const state::WriteSet>> layers;
  const Node* n = it->second.get();
  for (;;) {
    layers.push_back(n->writes);
    const Hash256& parent = n->header.parent_hash;
    if (parent == committed_hash_) break;
    auto p = nodes_.find(parent);
    if (p == nodes_.end()) return Status::NotFound("block " + HashToHex(at) + " no longer descends from the committed head");
    n = p->second.get();
  }
  return std::make_pair(it->second->header,
                        std::shared_ptr<const state::StateReader>(std::make_shared<LayeredView>(std::move(layers), base)));
}

Status ChainApplication::CheckHeader(const BlockHeader& header, const BlockHeader& parent) const {
  const Profile& p = runtime_->profile();
  if (header.height != parent.height + 1) {
    return Status::InvalidArgument("block height " + std::to_string(header.height) + " does not follow the parent's " +
                                   std::to_string(parent.height));
  }
  if (header.slot <= parent.slot) return Status::InvalidArgument("block slot does not advance past the parent's");
  if (header.epoch != header.slot / p.slots_per_epoch) return Status::InvalidArgument("block epoch does not match its slot");
  if (header.era != header.epoch / p.epochs_per_era) return Status::InvalidArgument("block era does not match its epoch");
  return Status::Ok();
}

void ChainApplication::VerifySignatures(std::span<const Transaction> txs, std::vector<Hash256>& hashes,
                                        std::vector<char>& ok) {
  hashes.assign(txs.size(), Hash256{});
  ok.assign(txs.size(), 0);
  const std::string& chain_id = runtime_->genesis().chain_id;
  pool_->ParallelFor(txs.size(), [&](size_t i) {
    hashes[i] = txs[i].Hash();
    if (sig_cache_->Contains(hashes[i])) {
      ok[i] = 1;
    } else if (txs[i].Verify(chain_id).ok()) {
      sig_cache_->Insert(hashes[i]);
      ok[i] = 1;
    }
  });
}

Result<std::unique_ptr<ChainApplication::Execution>> ChainApplication::Execute(const BlockHeader& header,
                                                                               std::span<const Transaction> txs,
                                                                               bool prepare, size_t max_count,
                                                                               size_t max_bytes) {
  CESS_ASSIGN_OR_RETURN(auto parent, Lookup(header.parent_hash));
  CESS_RETURN_IF_ERROR(CheckHeader(header, parent.first));
  std::vector<Hash256> hashes;
  std::vector<char> verified;
  VerifySignatures(txs, hashes, verified);

  auto exec = std::make_unique<Execution>();
  exec->header = header;
  const BlockEnv env = EnvOf(header, parent.first);
  state::Overlay block(*parent.second);
  BlockScratch scratch;
  CESS_RETURN_IF_ERROR(runtime_->BeginBlock(block, env, scratch));
  exec->receipts.reserve(txs.size());
  size_t bytes = 0;
  for (size_t i = 0; i < txs.size(); ++i) {
    if (prepare) {
      if (exec->picked.size() >= max_count) break;
      const size_t size = txs[i].EncodedSize();
      if (bytes + size > max_bytes || !verified[i]) continue;
      CESS_ASSIGN_OR_RETURN(TxCheck check, runtime_->PreCheck(block, txs[i], true, 0));
      if (!check.ok()) continue;
      bytes += size;
      exec->picked.push_back(txs[i]);
    }
    CESS_ASSIGN_OR_RETURN(Receipt rc, runtime_->ApplyTransaction(block, env, scratch, txs[i], hashes[i], verified[i] != 0));
    exec->receipts.push_back(std::move(rc));
  }
  CESS_RETURN_IF_ERROR(runtime_->EndBlock(block, env, scratch));
  if (options_.check_invariants) {
    Status s = runtime_->CheckInvariants(block);
    if (!s.ok()) return Status::Internal("block " + std::to_string(header.height) + " breaks an invariant: " + s.ToString());
  }
  exec->writes = block.TakeWrites();
  exec->header.transactions_root = prepare ? TransactionsRoot(exec->picked) : TransactionsRoot(txs);
  exec->key = ExecutionKey(header, exec->header.transactions_root);
  return exec;
}

Result<ExecutedBlock> ChainApplication::Keep(std::unique_ptr<Execution> exec) {
  BlockHeader& header = exec->header;
  header.receipts_root = ReceiptsRoot(exec->receipts);
  // The state root: the block's writes on top of those of its executed ancestors, staged on the
  // committed state. Retried if a commit moves the store while the layers are gathered.
  std::optional<state::StagedCommit> staged;
  for (;;) {
    std::vector<std::shared_ptr<const state::WriteSet>> layers;  // top first
    uint64_t version = 0;
    {
      std::lock_guard lock(mu_);
      version = sync_->version.load();
      Hash256 at = header.parent_hash;
      while (at != committed_hash_) {
        auto it = nodes_.find(at);
        if (it == nodes_.end()) return Status::NotFound("the parent of block " + std::to_string(header.height) + " was pruned");
        layers.push_back(it->second->writes);
        at = it->second->header.parent_hash;
      }
    }
    std::shared_lock commit_lock(sync_->mu);
    if (sync_->version.load() != version) continue;
    if (layers.empty()) {
      CESS_ASSIGN_OR_RETURN(state::StagedCommit s, store_.Stage(exec->writes));
      header.state_root = s.new_root();
      staged.emplace(std::move(s));
    } else {
      state::WriteSet merged = *layers.back();
      for (size_t i = layers.size() - 1; i-- > 0;) merged.Merge(*layers[i]);
      merged.Merge(exec->writes);
      CESS_ASSIGN_OR_RETURN(header.state_root, store_.ComputeRoot(merged));
    }
    break;
  }
  auto node = std::make_shared<Node>();
  node->header = header;
  node->hash = header.Hash();
  node->writes = std::make_shared<const state::WriteSet>(std::move(exec->writes));
  node->receipts = std::move(exec->receipts);
  node->staged = std::move(staged);
  std::lock_guard lock(mu_);
  auto [it, inserted] = nodes_.emplace(node->hash, node);
  by_execution_key_[exec->key] = node->hash;
  return ExecutedBlock{it->second->header, it->second->receipts};
}

TxCheck ChainApplication::CheckTx(const Transaction& tx, const Hash256& at) {
  Result<std::pair<BlockHeader, std::shared_ptr<const state::StateReader>>> view = Lookup(at);
  if (!view.ok()) return TxCheck{ResultCode::kResourceLimit, 0, view.status().message()};
  const Hash256 hash = tx.Hash();
  bool verified = sig_cache_->Contains(hash);
  if (!verified && tx.Verify(runtime_->genesis().chain_id).ok()) {
    sig_cache_->Insert(hash);
    verified = true;
  }
  if (!verified) return TxCheck{ResultCode::kBadSignature, 0, "the signature does not verify for this chain"};
  Result<TxCheck> check = runtime_->PreCheck(*view->second, tx, true, 64);
  if (!check.ok()) return TxCheck{ResultCode::kResourceLimit, 0, "state read failed: " + check.status().ToString()};
  return *check;
}

Result<std::vector<Transaction>> ChainApplication::PrepareProposal(const BlockHeader& info,
                                                                   std::span<const Transaction> candidates,
                                                                   size_t max_count, size_t max_bytes) {
  CESS_ASSIGN_OR_RETURN(std::unique_ptr<Execution> exec, Execute(info, candidates, true, max_count, max_bytes));
  std::vector<Transaction> picked = exec->picked;
  std::lock_guard lock(mu_);
  prepared_ = std::move(exec);
  return picked;
}

Result<ExecutedBlock> ChainApplication::FinalizeBlock(const BlockHeader& header,
                                                      std::span<const Transaction> transactions) {
  const Hash256 key = ExecutionKey(header, TransactionsRoot(transactions));
  std::unique_ptr<Execution> exec;
  {
    std::lock_guard lock(mu_);
    if (auto it = by_execution_key_.find(key); it != by_execution_key_.end()) {
      if (auto n = nodes_.find(it->second); n != nodes_.end()) return ExecutedBlock{n->second->header, n->second->receipts};
      if (it->second == committed_hash_) return ExecutedBlock{committed_header_, {}};
    }
    if (prepared_ && prepared_->key == key) exec = std::move(prepared_);
  }
  if (!exec) {
    CESS_ASSIGN_OR_RETURN(exec, Execute(header, transactions, false, 0, 0));
  }
  return Keep(std::move(exec));
}

Result<ExecutedBlock> ChainApplication::ProcessProposal(const Block& block) {
  const Hash256 hash = block.Hash();
  {
    std::lock_guard lock(mu_);
    if (auto n = nodes_.find(hash); n != nodes_.end()) return ExecutedBlock{n->second->header, n->second->receipts};
    if (hash == committed_hash_) return ExecutedBlock{committed_header_, {}};
  }
  if (block.ComputeTransactionsRoot() != block.header.transactions_root) {
    return Status::Corruption("block " + HashToHex(hash) + ": the transactions root differs");
  }
  CESS_ASSIGN_OR_RETURN(std::unique_ptr<Execution> exec, Execute(block.header, block.transactions, false, 0, 0));
  // Compare the roots before keeping anything.
  const Hash256 receipts_root = ReceiptsRoot(exec->receipts);
  if (receipts_root != block.header.receipts_root) {
    return Status::Corruption("block " + HashToHex(hash) + ": the receipts root differs");
  }
  const Hash256 claimed_state_root = block.header.state_root;
  CESS_ASSIGN_OR_RETURN(ExecutedBlock done, Keep(std::move(exec)));
  if (done.header.state_root != claimed_state_root) {
    std::lock_guard lock(mu_);
    const Hash256 wrong = done.header.Hash();
    nodes_.erase(wrong);
    for (auto it = by_execution_key_.begin(); it != by_execution_key_.end();) {
      it = it->second == wrong ? by_execution_key_.erase(it) : std::next(it);
    }
    return Status::Corruption("block " + HashToHex(hash) + ": the state root differs");
  }
  return done;
}

Status ChainApplication::Commit(const Hash256& block_hash, std::span<const state::AuxWrite> aux) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(block_hash);
  if (it == nodes_.end()) return Status::NotFound("block " + HashToHex(block_hash) + " was not executed");
  Node& node = *it->second;
  if (node.header.parent_hash != committed_hash_) {
    return Status::FailedPrecondition("the parent of block " + HashToHex(block_hash) + " is not the committed head");
  }
  std::optional<state::StagedCommit> staged = std::move(node.staged);
  node.staged.reset();
  if (!staged || staged->base_root() != store_.root()) {
    CESS_ASSIGN_OR_RETURN(state::StagedCommit s, store_.Stage(*node.writes));
    staged.emplace(std::move(s));
  }
  if (staged->new_root() != node.header.state_root) {
    return Status::Internal("block " + HashToHex(block_hash) + ": staged root differs from its state root");
  }
  // Old values for views still anchored at the current committed state.
  std::shared_ptr<state::WriteSet> undo;
  if (point_.use_count() > 1) {
    undo = std::make_shared<state::WriteSet>();
    for (const auto& [key, value] : node.writes->entries()) {
      CESS_ASSIGN_OR_RETURN(std::optional<Bytes> old, store_.Get(key));
      if (old) {
        undo->Put(key, *old);
      } else {
        undo->Delete(key);
      }
    }
  }
  std::vector<state::AuxWrite> all(aux.begin(), aux.end());
  all.push_back({std::string(kAuxFamily), KeyBytes(kHeadKey), codec::Encode(node.header)});
  auto next = std::make_shared<CommitPoint>();
  {
    std::unique_lock commit_lock(sync_->mu);
    CESS_RETURN_IF_ERROR(store_.Commit(std::move(*staged), node.header.height, all));
    point_->undo = undo ? std::shared_ptr<const state::WriteSet>(undo) : std::make_shared<const state::WriteSet>();
    point_->next = next;
    sync_->version.fetch_add(1);
  }
  point_ = next;
  committed_header_ = node.header;
  committed_hash_ = block_hash;
  nodes_.erase(it);
  // Prune what no longer descends from the new head: keep a node when its parent is kept.
  std::vector<std::shared_ptr<Node>> by_height;
  by_height.reserve(nodes_.size());
  for (auto& [h, n] : nodes_) by_height.push_back(n);
  std::sort(by_height.begin(), by_height.end(),
            [](const auto& a, const auto& b) { return a->header.height < b->header.height; });
  std::unordered_map<Hash256, std::shared_ptr<Node>, Hash256Hasher> kept;
  for (auto& n : by_height) {
    if (n->header.parent_hash == committed_hash_ || kept.count(n->header.parent_hash) != 0) kept.emplace(n->hash, n);
  }
  nodes_ = std::move(kept);
  for (auto e = by_execution_key_.begin(); e != by_execution_key_.end();) {
    e = nodes_.count(e->second) != 0 ? std::next(e) : by_execution_key_.erase(e);
  }
  if (prepared_ && prepared_->header.parent_hash != committed_hash_ && nodes_.count(prepared_->header.parent_hash) == 0) {
    prepared_.reset();
  }
  return Status::Ok();
}

Result<std::shared_ptr<const state::StateReader>> ChainApplication::StateAt(const Hash256& at) const {
  CESS_ASSIGN_OR_RETURN(auto view, Lookup(at));
  return view.second;
}

Result<AuthoritySet> ChainApplication::Authorities(const Hash256& at, uint64_t era) const {
  CESS_ASSIGN_OR_RETURN(auto view, Lookup(at));
  return r2s::ResolveAuthorities(*view.second, era);
}

Result<Hash256> ChainApplication::EpochRandomness(const Hash256& parent, uint64_t epoch) const {
  CESS_ASSIGN_OR_RETURN(auto view, Lookup(parent));
  return r2s::EpochRandomnessAfter(*view.second, epoch);
}

Result<BlockHeader> ChainApplication::HeaderOf(const Hash256& hash) const {
  std::lock_guard lock(mu_);
  if (hash == committed_hash_) return committed_header_;
  auto it = nodes_.find(hash);
  if (it == nodes_.end()) return Status::NotFound("block " + HashToHex(hash) + " is neither committed nor executed");
  return it->second->header;
}

Result<std::vector<Receipt>> ChainApplication::ReceiptsOf(const Hash256& hash) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(hash);
  if (it == nodes_.end()) return Status::NotFound("block " + HashToHex(hash) + " is not an executed block");
  return it->second->receipts;
}

size_t ChainApplication::executed_count() const {
  std::lock_guard lock(mu_);
  return nodes_.size();
}

}  // namespace cess::chain::runtime
