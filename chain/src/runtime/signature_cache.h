// A bounded set of transaction hashes whose signatures verified (not a public interface).
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <unordered_set>

#include "cess/chain/types.h"

namespace cess::chain::runtime {

// Thread-safe. Forgets the oldest hash once `capacity` are held.
class SignatureCache {
 public:
  explicit SignatureCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  bool Contains(const Hash256& tx_hash) const {
    std::lock_guard lock(mu_);
    return set_.count(tx_hash) != 0;
  }
  void Insert(const Hash256& tx_hash) {
    std::lock_guard lock(mu_);
    if (!set_.insert(tx_hash).second) return;
    order_.push_back(tx_hash);
    if (order_.size() > capacity_) {
      set_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_set<Hash256, Hash256Hasher> set_;
  std::deque<Hash256> order_;
};

}  // namespace cess::chain::runtime
