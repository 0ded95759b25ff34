// Internal: a thread-safe LRU of decode entries keyed by erasure mask (Ceph's ISA plugin keeps
// the same kind of cache). Entries are shared_ptr<const Entry>, so a caller keeps using an entry
// that another thread evicts meanwhile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "cess/core/result.h"

namespace cess::kernels::erasure::internal {

template <typename Entry>
class DecodeCache {
 public:
  // Keeps at most `capacity` entries; 0 disables caching.
  explicit DecodeCache(size_t capacity) : capacity_(capacity) {}

  // Returns the entry for `mask`, building it with `make()` (-> Result<shared_ptr<const Entry>>)
  // on a miss. `make` runs without the lock held; when two threads miss at once both build and
  // the first insert wins. Errors: those of `make`.
  template <typename Make>
  Result<std::shared_ptr<const Entry>> GetOrCreate(uint64_t mask, Make&& make) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = index_.find(mask);
      if (it != index_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        ++hits_;
        return it->second->second;
      }
      ++misses_;
    }
    Result<std::shared_ptr<const Entry>> built = make();
    if (!built.ok() || capacity_ == 0) return built;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(mask);
    if (it != index_.end()) return it->second->second;
    lru_.emplace_front(mask, *built);
    index_[mask] = lru_.begin();
    while (lru_.size() > capacity_) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    return built;
  }

  // Counters, for tests and benchmarks.
  size_t hits() const {
    std::lock_guard<std::mutex> lock(mu_);
    return hits_;
  }
  size_t misses() const {
    std::lock_guard<std::mutex> lock(mu_);
    return misses_;
  }

 private:
  using Item = std::pair<uint64_t, std::shared_ptr<const Entry>>;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::list<Item> lru_;  // most recent first
  std::unordered_map<uint64_t, typename std::list<Item>::iterator> index_;
  size_t hits_ = 0;
  size_t misses_ = 0;
};

}  // namespace cess::kernels::erasure::internal
