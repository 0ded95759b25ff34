// Engine: transaction intake (client submissions and gossip, checked outside the mutex), gossip in
// batches, and the deferred re-check of the pool after a new best head.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "cess/chain/consensus/engine.h"
#include "cess/core/log.h"
#include "consensus/engine_util.h"
#include "runtime/worker_pool.h"

namespace cess::chain::consensus {

namespace {
const log::Logger kLog("consensus");

// Outcomes of transactions a node cannot take because it halted.
TxCheck Halted(const Status& health) {
  return TxCheck{ResultCode::kResourceLimit, 0, "node halted: " + health.ToString()};
}

// A stale transaction (included already, nonce passed) or a full pool is nobody's fault; anything
// else a peer sends that fails the check is an invalid message.
bool PeerFault(const TxCheck& check) {
  return !check.ok() && check.code != ResultCode::kBadNonce && check.code != ResultCode::kResourceLimit;
}

}  // namespace

TxCheck Engine::SubmitTransaction(const Transaction& tx) {
  std::vector<TxCheck> checks =
      Admit(std::span<const Transaction>(&tx, 1), nullptr, MessageKind::kTransaction);
  return std::move(checks.front());
}

std::vector<TxCheck> Engine::SubmitTransactions(std::span<const Transaction> txs) {
  if (txs.empty()) return {};
  return Admit(txs, nullptr, MessageKind::kTransactions);
}

std::vector<TxCheck> Engine::Admit(std::span<const Transaction> txs, const PeerId* from, MessageKind kind) {
  const size_t n = txs.size();
  uint64_t check_us = 0;  // added to the stats under the mutex
  std::optional<ScopedTimer> check_timer(std::in_place, check_us);
  std::vector<TxCheck> out(n);
  std::vector<Hash256> hashes(n);
  verify_pool_->ParallelFor(n, [&](size_t i) { hashes[i] = txs[i].Hash(); });

  // Snapshot: the head to check at, and what the pool already holds.
  Hash256 at{};
  std::vector<char> known(n, 0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!health_.ok()) {
      std::fill(out.begin(), out.end(), Halted(health_));
      return out;
    }
    at = best_hash_;
    for (size_t i = 0; i < n; ++i) {
      known[i] = pool_.Contains(hashes[i]) || (from != nullptr && recent_txs_.Contains(hashes[i])) ? 1 : 0;
    }
  }

  // The expensive part, in parallel and without the mutex: the signature (verified once, then
  // cached by the application) and the state checks at `at`.
  verify_pool_->ParallelFor(n, [&](size_t i) {
    if (!known[i]) out[i] = app_.CheckTx(txs[i], at);
  });

  check_timer.reset();

  // Admission in order, under the mutex.
  std::vector<const Transaction*> admitted;
  admitted.reserve(n);
  bool peer_fault = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ScopedTimer admit_timer(stats_.tx_admit_us);
    stats_.tx_check_us += check_us;
    if (!health_.ok()) {
      std::fill(out.begin(), out.end(), Halted(health_));
      return out;
    }
    const bool moved = best_hash_ != at;
    for (size_t i = 0; i < n; ++i) {
      if (known[i] || pool_.Contains(hashes[i]) || (from != nullptr && recent_txs_.Contains(hashes[i]))) {
        out[i] = TxCheck{};  // a duplicate is not an error
        continue;
      }
      TxCheck& check = out[i];
      // Checked at a head that is no longer the best (or an unknown one): check again at the
      // best head; the signature is cached by now, so this only reads state.
      if (check.code != ResultCode::kBadSignature && (moved || check.code == ResultCode::kResourceLimit)) {
        check = app_.CheckTx(txs[i], best_hash_);
      }
      if (!check.ok()) {
        ++stats_.txs_refused;
        peer_fault = peer_fault || PeerFault(check);
        continue;
      }
      Status s = pool_.Add(txs[i], hashes[i]);
      if (s.code() == StatusCode::kAlreadyExists) {
        check = TxCheck{ResultCode::kBadNonce, 0, s.message()};
        ++stats_.txs_refused;
        continue;
      }
      if (!s.ok()) {
        check = TxCheck{ResultCode::kResourceLimit, 0, s.message()};
        ++stats_.txs_refused;
        continue;
      }
      ++stats_.txs_admitted;
      recent_txs_.Insert(hashes[i]);
      admitted.push_back(&txs[i]);
    }
    if (from != nullptr && peer_fault) {
      ++stats_.rejected[static_cast<size_t>(kind)];
      kLog.Debug("transactions from {} failed the admission check", *from);
    }
    if (!admitted.empty() && (from == nullptr || config_.relay)) BroadcastTransactions(admitted, from);
  }
  return out;
}

void Engine::OnTransactionsMessage(const PeerId& from, ByteSpan message, MessageKind kind) {
  Result<Message> decoded = DecodeMessage(message);
  if (!decoded.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.received[static_cast<size_t>(kind)];
    ++stats_.malformed;
    ++stats_.rejected[static_cast<size_t>(kind)];
    kLog.Debug("malformed message from {}: {}", from, decoded.status().ToString());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.received[static_cast<size_t>(kind)];
    if (!health_.ok()) return;
  }
  if (Transaction* tx = std::get_if<Transaction>(&decoded->body)) {
    (void)Admit(std::span<const Transaction>(tx, 1), &from, kind);
  } else if (TransactionBatch* batch = std::get_if<TransactionBatch>(&decoded->body)) {
    (void)Admit(batch->transactions, &from, kind);
  }
}

void Engine::BroadcastTransactions(std::span<const Transaction* const> txs, const PeerId* from) {
  // Relayed transactions go to every reachable peer but the one they came from.
  std::vector<PeerId> targets;
  if (from != nullptr) {
    targets = net_.Peers();
    targets.erase(std::remove(targets.begin(), targets.end(), *from), targets.end());
    if (targets.empty()) return;
  }
  auto send = [&](const Message& m) {
    const Bytes bytes = EncodeMessage(m);
    if (from == nullptr) {
      net_.Broadcast(bytes);
    } else {
      for (const PeerId& p : targets) net_.Send(p, bytes);
    }
  };
  if (txs.size() == 1) {
    send(Message{*txs.front()});
    return;
  }
  size_t i = 0;
  while (i < txs.size()) {
    TransactionBatch batch;
    size_t bytes = 0;
    while (i < txs.size() && batch.transactions.size() < kMaxTransactionsPerBatch) {
      const size_t size = txs[i]->EncodedSize();
      if (!batch.transactions.empty() && bytes + size > config_.gossip_batch_bytes) break;
      batch.transactions.push_back(*txs[i]);
      bytes += size;
      ++i;
    }
    send(Message{std::move(batch)});
    ++stats_.tx_batches_gossiped;
  }
}

const std::vector<Hash256>& Engine::BlockTxHashes(const Block& block) {
  const Hash256 hash = block.Hash();
  auto it = block_tx_hashes_.find(hash);
  if (it != block_tx_hashes_.end()) return it->second;
  if (block_tx_hashes_.size() >= 1024) {
    // Forget blocks that left the tree (finalized over or pruned).
    for (auto e = block_tx_hashes_.begin(); e != block_tx_hashes_.end();) {
      e = tree_.Contains(e->first) && e->first != tree_.root_hash() ? std::next(e)
                                                                    : block_tx_hashes_.erase(e);
    }
  }
  std::vector<Hash256> hashes(block.transactions.size());
  verify_pool_->ParallelFor(hashes.size(), [&](size_t i) { hashes[i] = block.transactions[i].Hash(); });
  for (const Hash256& h : hashes) recent_txs_.Insert(h);
  return block_tx_hashes_.emplace(hash, std::move(hashes)).first->second;
}

void Engine::RevalidatePool() {
  uint64_t took_us = 0;
  std::optional<ScopedTimer> timer(std::in_place, took_us);
  Hash256 at{};
  std::vector<std::pair<Hash256, Transaction>> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!revalidate_pending_ || !health_.ok()) return;
    revalidate_pending_ = false;
    at = best_hash_;
    held = pool_.Snapshot();
  }
  std::vector<char> refused(held.size(), 0);
  verify_pool_->ParallelFor(held.size(), [&](size_t i) {
    const TxCheck check = app_.CheckTx(held[i].second, at);
    // An unknown head (pruned meanwhile) says nothing about the transaction.
    refused[i] = !check.ok() && !(check.code == ResultCode::kResourceLimit) ? 1 : 0;
  });
  std::vector<Hash256> drop;
  for (size_t i = 0; i < held.size(); ++i) {
    if (refused[i]) drop.push_back(held[i].first);
  }
  timer.reset();
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.pool_revalidations;
  stats_.revalidate_us += took_us;
  if (best_hash_ != at) {
    revalidate_pending_ = true;  // checked against a head that is no longer the best: again later
    return;
  }
  stats_.pool_revalidated_out += pool_.Remove(drop);
}

}  // namespace cess::chain::consensus
