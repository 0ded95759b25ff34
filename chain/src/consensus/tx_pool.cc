#include "cess/chain/consensus/tx_pool.h"

#include <queue>
#include <string>
#include <utility>

namespace cess::chain::consensus {

Status TxPool::Add(const Transaction& tx) { return Add(tx, tx.Hash()); }

Status TxPool::Add(const Transaction& tx, const Hash256& hash) {
  if (by_hash_.count(hash) != 0) return Status::AlreadyExists("transaction already in the pool");
  auto signer_it = by_signer_.find(tx.signer);
  if (signer_it != by_signer_.end()) {
    auto same_nonce = signer_it->second.find(tx.nonce);
    if (same_nonce != signer_it->second.end()) {
      const Entry& old = by_hash_.at(same_nonce->second);
      if (tx.fee <= old.tx.fee) {
        return Status::AlreadyExists("the pool holds a transaction with nonce " + std::to_string(tx.nonce) +
                                     " of this signer paying at least as much");
      }
      Erase(same_nonce->second);
    }
  }
  signer_it = by_signer_.find(tx.signer);
  if (signer_it != by_signer_.end() && signer_it->second.size() >= options_.max_per_signer) {
    if (tx.nonce > signer_it->second.rbegin()->first) {
      return Status::ResourceExhausted("the signer has " + std::to_string(signer_it->second.size()) +
                                       " transactions pending");
    }
    Erase(signer_it->second.rbegin()->second);  // keep the lower nonces, which can be included first
  }
  const size_t size = tx.EncodedSize();
  while (!by_priority_.empty() &&
         (by_hash_.size() >= options_.max_transactions || bytes_ + size > options_.max_bytes)) {
    auto worst = std::prev(by_priority_.end());
    if (tx.fee <= worst->first.fee) return Status::ResourceExhausted("transaction pool full");
    Erase(worst->second);
  }
  if (size > options_.max_bytes) return Status::ResourceExhausted("transaction larger than the pool");
  const uint64_t arrival = next_arrival_++;
  by_hash_.emplace(hash, Entry{tx, arrival, size});
  by_signer_[tx.signer][tx.nonce] = hash;
  by_priority_.emplace(PriorityKey{tx.fee, arrival}, hash);
  bytes_ += size;
  return Status::Ok();
}

void TxPool::Erase(const Hash256& hash) {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return;
  const Entry& e = it->second;
  auto s = by_signer_.find(e.tx.signer);
  if (s != by_signer_.end()) {
    s->second.erase(e.tx.nonce);
    if (s->second.empty()) by_signer_.erase(s);
  }
  by_priority_.erase(PriorityKey{e.tx.fee, e.arrival});
  bytes_ -= e.size;
  by_hash_.erase(it);
}

std::vector<Transaction> TxPool::Ordered(size_t max_count, size_t max_bytes) const {
  // A heap of each signer's next transaction; taking one pushes that signer's following nonce.
  struct Head {
    PriorityKey key;
    const std::map<uint64_t, Hash256>* nonces;
    std::map<uint64_t, Hash256>::const_iterator it;
    bool operator<(const Head& o) const { return o.key < key; }  // max-heap on priority
  };
  std::priority_queue<Head> heap;
  for (const auto& [signer, nonces] : by_signer_) {
    const Entry& e = by_hash_.at(nonces.begin()->second);
    heap.push(Head{PriorityKey{e.tx.fee, e.arrival}, &nonces, nonces.begin()});
  }
  std::vector<Transaction> out;
  size_t total = 0;
  while (!heap.empty() && out.size() < max_count) {
    Head h = heap.top();
    heap.pop();
    const Entry& e = by_hash_.at(h.it->second);
    if (total + e.size > max_bytes) continue;  // this signer's later nonces cannot go first
    out.push_back(e.tx);
    total += e.size;
    auto next = std::next(h.it);
    if (next != h.nonces->end() && next->first == h.it->first + 1) {
      const Entry& n = by_hash_.at(next->second);
      heap.push(Head{PriorityKey{n.tx.fee, n.arrival}, h.nonces, next});
    }
  }
  return out;
}

size_t TxPool::Remove(std::span<const Hash256> hashes) {
  size_t n = 0;
  for (const Hash256& h : hashes) {
    if (by_hash_.count(h) != 0) {
      Erase(h);
      ++n;
    }
  }
  return n;
}

size_t TxPool::Revalidate(const CheckFn& check) {
  std::vector<Hash256> bad;
  for (const auto& [hash, e] : by_hash_) {
    if (!check(e.tx).ok()) bad.push_back(hash);
  }
  for (const Hash256& h : bad) Erase(h);
  return bad.size();
}

std::vector<std::pair<Hash256, Transaction>> TxPool::Snapshot() const {
  std::vector<std::pair<Hash256, Transaction>> out;
  out.reserve(by_hash_.size());
  for (const auto& [hash, e] : by_hash_) out.emplace_back(hash, e.tx);
  return out;
}

uint64_t TxPool::NextNonceAfterPending(const AccountId& signer) const {
  auto it = by_signer_.find(signer);
  if (it == by_signer_.end() || it->second.empty()) return 0;
  return it->second.rbegin()->first + 1;
}

void RecentTxSet::Insert(const Hash256& hash) {
  if (!set_.insert(hash).second) return;
  order_.push_back(hash);
  if (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace cess::chain::consensus
