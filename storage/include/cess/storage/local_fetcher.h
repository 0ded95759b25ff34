// A FragmentFetcher over FragmentStores in this process: the retrieval path of a node that holds
// fragments itself, and of tests and benchmarks with several miners in one process.
#pragma once

#include <map>
#include <mutex>

#include "cess/storage/fragment_store.h"
#include "cess/storage/retrieval.h"

namespace cess::storage {

// Maps miner ids to stores it does not own. Thread-safe.
class LocalFetcher final : public FragmentFetcher {
 public:
  // Serves fetches for `miner` from `store`, which must outlive this fetcher (or be removed).
  // Replaces an earlier store for the same miner.
  void AddMiner(const Hash256& miner, FragmentStore* store);
  // Stops serving `miner`: its fetches then fail with Unavailable (a miner that went away).
  void RemoveMiner(const Hash256& miner);

  // FragmentFetcher. Errors: Unavailable for an unknown miner; the store's Get errors (unverified
  // read; the retriever checks the hash).
  Result<Bytes> Fetch(const FragmentLocation& location) override;

 private:
  std::mutex mu_;
  std::map<Hash256, FragmentStore*> stores_;  // guarded by mu_
};

}  // namespace cess::storage
