// Engine: block import, orphans, fork choice and the slot worker (authoring).
#include <algorithm>
#include <string>
#include <utility>

#include "cess/chain/consensus/engine.h"
#include "cess/core/log.h"
#include "consensus/engine_util.h"

namespace cess::chain::consensus {

namespace {
const log::Logger kLog("consensus");
}  // namespace

Result<Engine::ImportOutcome> Engine::ImportBlock(const Block& block, const PeerId& from, bool relay) {
  const Hash256 hash = block.Hash();
  if (tree_.Contains(hash)) return ImportOutcome::kKnown;
  if (orphans_.count(hash) != 0) return ImportOutcome::kOrphan;
  CESS_RETURN_IF_ERROR(block.CheckIntegrity(genesis_.chain_id));
  RecordHeader(block.Sealed());  // before the staleness check: an old double seal is still evidence
  if (block.header.height <= tree_.root().height) return ImportOutcome::kStale;
  if (!tree_.Contains(block.header.parent_hash)) {
    if (orphans_.size() >= config_.max_orphans) {
      auto oldest = std::min_element(orphans_.begin(), orphans_.end(), [](const auto& a, const auto& b) {
        return a.second.received_ms < b.second.received_ms;
      });
      orphans_.erase(oldest);
    }
    orphans_.emplace(hash, Orphan{block, now_ms_});
    ++stats_.orphans;
    MaybeRequestBlocks(from, tree_.root().height + 1);
    return ImportOutcome::kOrphan;
  }
  CESS_RETURN_IF_ERROR(ValidateAndExecute(block));
  ++stats_.blocks_imported;
  if (relay && config_.relay) Broadcast(Message{block});
  ImportOrphansOf(hash, from);
  OnTreeChanged();
  return ImportOutcome::kImported;
}

Status Engine::ValidateAndExecute(const Block& block) {
  const BlockHeader& h = block.header;
  const BlockHeader parent = *tree_.Header(h.parent_hash);
  const Profile& p = genesis_.profile;
  if (h.height != parent.height + 1) return Status::InvalidArgument("block height is not parent + 1");
  if (h.slot <= parent.slot) return Status::InvalidArgument("block slot not after parent's");
  const std::optional<uint64_t> now_slot = CurrentSlot();
  if (!now_slot || h.slot > *now_slot + 1) return Status::InvalidArgument("block from a future slot");
  if (h.epoch != h.slot / p.slots_per_epoch || h.era != h.epoch / p.epochs_per_era) {
    return Status::InvalidArgument("block epoch/era do not follow its slot");
  }
  CESS_ASSIGN_OR_RETURN(AuthoritySet auths, app_.Authorities(h.parent_hash, h.era));
  if (auths.authorities.empty()) return Status::FailedPrecondition("no authorities for the block's era");
  const Authority& author = auths.AuthorOf(h.slot);
  if (author.account != h.author) return Status::InvalidArgument("block author is not the slot's elected author");
  CESS_ASSIGN_OR_RETURN(Hash256 randomness, app_.EpochRandomness(h.parent_hash, h.epoch));
  CESS_RETURN_IF_ERROR(h.VerifyVrf(author.vrf_key, randomness));
  if (h.parent_hash != tree_.root_hash()) ++stats_.executed_above_unfinalized;
  Result<ExecutedBlock> executed = [&] {
    ScopedTimer timer(stats_.import_us);
    return app_.ProcessProposal(block);
  }();
  if (!executed.ok()) return executed.status().WithContext("ProcessProposal");
  tree_.Insert(block);
  return Status::Ok();
}

void Engine::ImportOrphansOf(const Hash256& parent, const PeerId& from) {
  std::vector<Hash256> ready{parent};
  while (!ready.empty()) {
    const Hash256 p = ready.back();
    ready.pop_back();
    std::vector<Block> children;
    for (auto it = orphans_.begin(); it != orphans_.end();) {
      if (it->second.block.header.parent_hash == p) {
        children.push_back(std::move(it->second.block));
        it = orphans_.erase(it);
      } else {
        ++it;
      }
    }
    for (const Block& child : children) {
      Status s = ValidateAndExecute(child);
      if (!s.ok()) {
        kLog.Debug("orphan from {} refused: {}", from, s.ToString());
        continue;
      }
      ++stats_.blocks_imported;
      ready.push_back(child.Hash());
    }
  }
}

void Engine::ExpireOrphans() {
  for (auto it = orphans_.begin(); it != orphans_.end();) {
    if (now_ms_ >= it->second.received_ms + config_.orphan_ttl_ms ||
        it->second.block.header.height <= tree_.root().height) {
      it = orphans_.erase(it);
    } else {
      ++it;
    }
  }
}

Hash256 Engine::ForkChoiceAnchor() const {
  if (estimate_ && tree_.Contains(estimate_->first) && tree_.IsAncestor(tree_.root_hash(), estimate_->first)) {
    return estimate_->first;
  }
  return tree_.root_hash();
}

void Engine::OnTreeChanged() {
  const Hash256 best = tree_.BestDescendant(ForkChoiceAnchor());
  if (best == best_hash_) return;
  ReturnOrphanedTransactions(best_hash_, best);
  best_hash_ = best;
  stats_.best_height = tree_.Header(best)->height;
  // Drop what the new best chain includes now; the rest is re-checked against its state on the
  // next Tick, outside the mutex (RevalidatePool).
  for (const Block* b : tree_.PathFromRoot(best)) pool_.Remove(BlockTxHashes(*b));
  revalidate_pending_ = true;
}

void Engine::ReturnOrphanedTransactions(const Hash256& old_best, const Hash256& new_best) {
  if (!tree_.Contains(old_best) || !tree_.Contains(new_best) || tree_.IsAncestor(old_best, new_best)) return;
  std::vector<const Block*> abandoned;  // old_best down to (excluding) the common ancestor
  for (Hash256 at = old_best; at != tree_.root_hash() && !tree_.IsAncestor(at, new_best);) {
    const Block* b = tree_.Get(at);
    if (b == nullptr) break;
    abandoned.push_back(b);
    at = b->header.parent_hash;
  }
  size_t returned = 0;
  for (auto it = abandoned.rbegin(); it != abandoned.rend(); ++it) {
    const std::vector<Hash256>& hashes = BlockTxHashes(**it);
    for (size_t i = 0; i < hashes.size(); ++i) {
      if (pool_.Add((*it)->transactions[i], hashes[i]).ok()) ++returned;
    }
  }
  // The new chain's own transactions are dropped again by the caller; the rest are re-checked
  // with the pool.
  if (returned > 0) kLog.Debug("{} transactions of {} abandoned blocks back in the pool", returned, abandoned.size());
}

void Engine::RecordHeader(const SealedHeader& sealed) {
  const auto key = std::make_pair(sealed.header.author, sealed.header.slot);
  auto [it, inserted] = seen_headers_.emplace(key, sealed);
  if (!inserted && it->second.Hash() != sealed.Hash()) {
    OnEquivocation(EquivocationEvidence{BlockEquivocation{it->second, sealed}}, true);
  }
  // Forget headers more than an era of slots old.
  const uint64_t keep = genesis_.profile.slots_per_era();
  const std::optional<uint64_t> slot = CurrentSlot();
  if (slot && *slot > keep && seen_headers_.size() > 4096) {
    for (auto i = seen_headers_.begin(); i != seen_headers_.end();) {
      i = i->first.second + keep < *slot ? seen_headers_.erase(i) : std::next(i);
    }
  }
}

void Engine::MaybeAuthor() {
  if (!config_.validator || !me_) return;
  const std::optional<uint64_t> slot = CurrentSlot();
  if (!slot || (last_authored_slot_ && *slot <= *last_authored_slot_)) return;
  if (Syncing()) return;
  const BlockHeader parent = *tree_.Header(best_hash_);
  if (*slot <= parent.slot) return;
  last_authored_slot_ = *slot;  // one attempt per slot
  const Profile& p = genesis_.profile;
  BlockHeader header;
  header.parent_hash = best_hash_;
  header.height = parent.height + 1;
  header.slot = *slot;
  header.epoch = *slot / p.slots_per_epoch;
  header.era = header.epoch / p.epochs_per_era;
  header.author = *me_;
  Result<AuthoritySet> auths = app_.Authorities(best_hash_, header.era);
  if (!auths.ok() || auths->authorities.empty()) return;
  const Authority& author = auths->AuthorOf(*slot);
  if (author.account != *me_) return;
  Result<Hash256> randomness = app_.EpochRandomness(best_hash_, header.epoch);
  if (!randomness.ok()) {
    kLog.Warn("slot {}: no epoch randomness: {}", *slot, randomness.status().ToString());
    return;
  }
  ScopedTimer timer(stats_.author_us);
  if (best_hash_ != tree_.root_hash()) ++stats_.executed_above_unfinalized;
  // A block above unfinalized ones costs every node more (its state root covers the unfinalized
  // ancestors' writes too, and is computed again at commit), which slows finality further: while
  // finality lags, author smaller blocks so that it catches up.
  size_t max_txs = config_.max_block_transactions;
  size_t max_bytes = config_.max_block_bytes;
  if (config_.shrink_blocks_while_unfinalized) {
    const uint64_t unfinalized = std::min<uint64_t>(parent.height - tree_.root().height, 3);
    max_txs = std::max<size_t>(1, max_txs >> unfinalized);
    max_bytes = std::max<size_t>(kMaxBlockBytes / 1024, max_bytes >> unfinalized);
    if (unfinalized > 0) ++stats_.blocks_shrunk;
  }
  const std::vector<Transaction> candidates = pool_.Ordered(max_txs + max_txs / 4, max_bytes * 2);
  // The VRF first: PrepareProposal then executes the completed header, and FinalizeBlock reuses
  // that execution instead of running the block a second time.
  Status s = header.ProveVrf(config_.vrf_secret_key, *randomness);
  if (!s.ok()) {
    kLog.Warn("slot {}: VRF: {}", *slot, s.ToString());
    return;
  }
  Result<std::vector<Transaction>> txs =
      app_.PrepareProposal(header, candidates, max_txs, max_bytes);
  if (!txs.ok()) {
    kLog.Warn("slot {}: PrepareProposal: {}", *slot, txs.status().ToString());
    return;
  }
  header.transactions_root = TransactionsRoot(*txs);  // FinalizeBlock recomputes it; set it anyway
  Result<ExecutedBlock> executed = app_.FinalizeBlock(header, *txs);
  if (!executed.ok()) {
    kLog.Warn("slot {}: FinalizeBlock: {}", *slot, executed.status().ToString());
    return;
  }
  Block block;
  block.header = executed->header;
  block.transactions = std::move(txs).value();
  if (block.header.transactions_root != header.transactions_root) {
    kLog.Error("slot {}: FinalizeBlock returned a header without the transactions root", *slot);
    return;
  }
  s = block.Seal(*config_.account_key, genesis_.chain_id);
  if (!s.ok()) {
    kLog.Warn("slot {}: seal: {}", *slot, s.ToString());
    return;
  }
  tree_.Insert(block);
  seen_headers_.emplace(std::make_pair(*me_, *slot), block.Sealed());
  ++stats_.blocks_authored;
  kLog.Debug("authored block {} at slot {} with {} txs", block.header.height, *slot, block.transactions.size());
  Broadcast(Message{block});
  OnTreeChanged();
}

}  // namespace cess::chain::consensus
