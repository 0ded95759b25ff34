#include "cess/storage/local_fetcher.h"

namespace cess::storage {

void LocalFetcher::AddMiner(const Hash256& miner, FragmentStore* store) {
  std::lock_guard lock(mu_);
  stores_[miner] = store;
}

void LocalFetcher::RemoveMiner(const Hash256& miner) {
  std::lock_guard lock(mu_);
  stores_.erase(miner);
}

Result<Bytes> LocalFetcher::Fetch(const FragmentLocation& location) {
  FragmentStore* store = nullptr;
  {
    std::lock_guard lock(mu_);
    auto it = stores_.find(location.miner);
    if (it == stores_.end())
      return Status::Unavailable("miner " + ToHex(location.miner) + " is not reachable");
    store = it->second;
  }
  return store->Get(location.hash, /*verify=*/false);
}

}  // namespace cess::storage
