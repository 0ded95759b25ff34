// The transaction pool (mempool) of the consensus engine.
//
// Admission: a transaction enters only after the application's CheckTx accepted it (the caller
// passes the check), and only when the pool has room: at most max_transactions and max_bytes in all
// and max_per_signer per signer. A full pool evicts its lowest-priority transaction when the newcomer
// pays a higher fee; otherwise the newcomer is refused.
// Priority: fee (higher first), then arrival (earlier first), with each signer's transactions in
// nonce order: Ordered() repeatedly takes the best of the signers' lowest-nonce transactions, so a
// high-fee transaction never overtakes its signer's lower nonces.
// Revalidation: after every new best block the engine drops what was included at once and later
// re-checks the rest (Snapshot, then Remove of the refused ones, or Revalidate), dropping whatever
// the new state refuses.
//
// Thread safety: none; the engine guards it with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cess/chain/application.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/core/status.h"

namespace cess::chain::consensus {

struct TxPoolOptions {
  // Transactions held at most. Default 50,000.
  size_t max_transactions = 50'000;
  // Encoded bytes held at most. Default 128 MiB.
  size_t max_bytes = size_t{128} << 20;
  // Transactions of one signer held at most (CheckTx accepts nonces up to 64 ahead). Default 64.
  size_t max_per_signer = 64;
};

class TxPool {
 public:
  // The admission check (the application's CheckTx at the best head).
  using CheckFn = std::function<TxCheck(const Transaction&)>;

  explicit TxPool(TxPoolOptions options = {}) : options_(options) {}

  // Adds `tx` (already accepted by CheckTx). Errors: AlreadyExists when the same transaction (hash)
  // or another one with the signer's nonce is held (a replacement must pay a higher fee: then the old
  // one is dropped and this one admitted); ResourceExhausted when the pool or the signer's quota is
  // full and `tx` does not outbid the lowest-priority transaction.
  Status Add(const Transaction& tx);
  // As Add, with `hash` = tx.Hash() already computed by the caller.
  Status Add(const Transaction& tx, const Hash256& hash);

  bool Contains(const Hash256& hash) const { return by_hash_.count(hash) != 0; }
  size_t size() const { return by_hash_.size(); }
  size_t bytes() const { return bytes_; }

  // Up to `max_count` transactions of at most `max_bytes` encoded bytes in priority order (see
  // above), for PrepareProposal.
  std::vector<Transaction> Ordered(size_t max_count, size_t max_bytes) const;

  // Drops the transactions with these hashes (e.g. included in a new best block). Unknown hashes
  // are ignored. Returns how many were dropped.
  size_t Remove(std::span<const Hash256> hashes);
  // Re-checks every held transaction with `check` and drops the refused ones. Returns how many.
  size_t Revalidate(const CheckFn& check);
  // Copies of every held transaction with its hash, in no particular order.
  std::vector<std::pair<Hash256, Transaction>> Snapshot() const;
  // The highest nonce held for `signer` plus one; 0 when none is held.
  uint64_t NextNonceAfterPending(const AccountId& signer) const;

 private:
  struct Entry {
    Transaction tx;
    uint64_t arrival = 0;
    size_t size = 0;
  };
  // Lower is better: higher fee, then earlier arrival.
  struct PriorityKey {
    uint64_t fee;
    uint64_t arrival;
    bool operator<(const PriorityKey& o) const { return fee != o.fee ? fee > o.fee : arrival < o.arrival; }
  };
  void Erase(const Hash256& hash);

  TxPoolOptions options_;
  uint64_t next_arrival_ = 0;
  size_t bytes_ = 0;
  std::unordered_map<Hash256, Entry, Hash256Hasher> by_hash_;
  std::map<AccountId, std::map<uint64_t, Hash256>> by_signer_;  // signer -> nonce -> hash
  std::map<PriorityKey, Hash256> by_priority_;
};

// The hashes of recently seen transactions (admitted to the pool or included in a block), so that a
// transaction gossiped again by other peers is dropped before anything is checked. Bounded: once
// `capacity` hashes are held, the oldest is forgotten first. Thread safety: none.
class RecentTxSet {
 public:
  explicit RecentTxSet(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  bool Contains(const Hash256& hash) const { return set_.count(hash) != 0; }
  // Remembers `hash` (no-op when held).
  void Insert(const Hash256& hash);
  size_t size() const { return set_.size(); }

 private:
  size_t capacity_;
  std::unordered_set<Hash256, Hash256Hasher> set_;
  std::deque<Hash256> order_;
};

}  // namespace cess::chain::consensus
