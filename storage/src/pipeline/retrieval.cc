#include "cess/storage/retrieval.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include "cess/core/hash.h"
#include "cess/storage/pipeline.h"
#include "thread_pool.h"

namespace cess::storage {
namespace {

using Clock = std::chrono::steady_clock;

// State shared between one fetch call and its background tasks.
struct FetchState {
  std::mutex mu;
  std::condition_variable cv;
  std::map<uint32_t, Bytes> good;    // verified fragments by index; guarded by mu
  std::vector<FetchFailure> failed;  // guarded by mu
  size_t completed = 0;              // tasks finished; guarded by mu
  bool abandoned = false;            // the call returned; late results are dropped; guarded by mu
};

std::string Short(const Hash256& h) { return ToHex(ByteSpan(h.data(), 4)); }

}  // namespace

std::vector<std::vector<FragmentLocation>> LocationsByIndex(const FileManifest& manifest,
                                                            std::span<const MinerRef> miners) {
  std::vector<std::vector<FragmentLocation>> out(manifest.segments.size());
  const uint32_t n = manifest.layout.fragment_count();
  for (size_t s = 0; s < manifest.segments.size(); ++s) {
    for (uint32_t i = 0; i < n && i < miners.size(); ++i) {
      if (miners[i].id == Hash256{}) continue;
      if (i >= manifest.segments[s].fragment_hashes.size()) break;
      out[s].push_back(
          FragmentLocation{i, manifest.segments[s].fragment_hashes[i], miners[i].id, miners[i].endpoint});
    }
  }
  return out;
}

class Retriever::Impl {
 public:
  Impl(const Layout& layout, const RetrieverOptions& options, std::unique_ptr<SegmentCodec> codec)
      : layout_(layout), options_(options), codec_(std::move(codec)), pool_(options.threads) {}

  const SegmentCodec& codec() const { return *codec_; }
  const Layout& layout() const { return layout_; }

  // Fetches until k verified fragments (other than `exclude`, when >= 0) are in.
  Result<std::map<uint32_t, Bytes>> FetchFragments(const SegmentInfo& info, uint32_t segment_index,
                                                   std::span<const FragmentLocation> locations,
                                                   FragmentFetcher& fetcher, int exclude,
                                                   std::vector<FetchFailure>* failures) const;

  Result<Bytes> FetchSegment(const SegmentInfo& info, uint32_t segment_index,
                             std::span<const FragmentLocation> locations, FragmentFetcher& fetcher,
                             std::vector<FetchFailure>* failures) const {
    CESS_ASSIGN_OR_RETURN(auto good, FetchFragments(info, segment_index, locations, fetcher, -1, failures));
    std::vector<IndexedFragment> frags;
    frags.reserve(good.size());
    for (const auto& [idx, bytes] : good) frags.push_back(IndexedFragment{idx, bytes});
    Result<Bytes> seg = codec_->Decode(info, frags, /*verify_fragments=*/false);
    if (!seg.ok()) return seg.status().WithContext("segment " + std::to_string(segment_index));
    return seg;
  }

  Status ReadSlices(const FileManifest& manifest, std::span<const SegmentSlice> slices,
                    std::span<const std::vector<FragmentLocation>> locations, FragmentFetcher& fetcher,
                    ByteSpan master_key, const ByteSink& sink, std::vector<FetchFailure>* failures) const;

 private:
  Layout layout_;
  RetrieverOptions options_;
  std::unique_ptr<SegmentCodec> codec_;
  mutable internal::ThreadPool pool_;
};

Result<std::map<uint32_t, Bytes>> Retriever::Impl::FetchFragments(const SegmentInfo& info,
                                                                  uint32_t segment_index,
                                                                  std::span<const FragmentLocation> locations,
                                                                  FragmentFetcher& fetcher, int exclude,
                                                                  std::vector<FetchFailure>* failures) const {
  const uint32_t n = layout_.fragment_count();
  const size_t k = layout_.data_shards;
  if (info.fragment_hashes.size() != n) {
    return Status::InvalidArgument("segment " + std::to_string(segment_index) + " has " +
                                   std::to_string(info.fragment_hashes.size()) +
                                   " fragment hashes, layout wants " + std::to_string(n));
  }
  // Data fragments first (they decode without RS work), then parity; stable for replicas.
  std::vector<FragmentLocation> order;
  for (const FragmentLocation& l : locations) {
    if (l.index < n && static_cast<int>(l.index) != exclude) order.push_back(l);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const FragmentLocation& a, const FragmentLocation& b) { return a.index < b.index; });

  auto state = std::make_shared<FetchState>();
  size_t launched = 0;
  auto launch = [&] {
    FragmentLocation loc = order[launched++];
    const Hash256 want = info.fragment_hashes[loc.index];
    FragmentFetcher* f = &fetcher;
    pool_.Submit([state, loc, want, f, segment_index] {
      Result<Bytes> r = f->Fetch(loc);
      Status st;
      if (r.ok() && crypto::Sha256(*r) != want) {
        st = Status::Corruption("fragment " + std::to_string(loc.index) + " from miner " + Short(loc.miner) +
                                " fails its hash");
      } else if (!r.ok()) {
        st = r.status();
      }
      {
        std::lock_guard lock(state->mu);
        ++state->completed;
        if (!state->abandoned) {
          if (st.ok()) {
            state->good.try_emplace(loc.index, std::move(r).value());
          } else {
            state->failed.push_back(FetchFailure{segment_index, loc, st});
          }
        }
      }
      state->cv.notify_all();
    });
  };

  const auto deadline = Clock::now() + options_.segment_timeout;
  size_t target = std::min(order.size(), std::max(options_.max_in_flight, k));
  std::unique_lock lock(state->mu);
  size_t seen = 0;
  Status error;
  for (;;) {
    // Keep `target` fetches that have not failed (running or good) started.
    while (launched < order.size() && launched - state->failed.size() < target) launch();
    if (state->good.size() >= k) break;
    if (state->completed == launched && launched == order.size()) break;  // nothing left to try
    const auto now = Clock::now();
    if (now >= deadline) {
      error = Status::DeadlineExceeded("segment " + std::to_string(segment_index) + ": fewer than " +
                                       std::to_string(k) + " fragments within the timeout");
      break;
    }
    auto wake = deadline;
    if (options_.hedge_after.count() > 0) wake = std::min(wake, now + options_.hedge_after);
    const bool progressed =
        state->cv.wait_until(lock, wake, [&] { return state->completed > seen || state->good.size() >= k; });
    if (progressed) {
      seen = state->completed;
    } else if (Clock::now() < deadline && target < order.size()) {
      ++target;  // hedge: nothing finished for hedge_after; try one more location
    }
  }
  state->abandoned = true;
  std::map<uint32_t, Bytes> good = std::move(state->good);
  std::vector<FetchFailure> failed = state->failed;
  lock.unlock();
  if (failures != nullptr) failures->insert(failures->end(), failed.begin(), failed.end());
  if (!error.ok()) return error;
  if (good.size() < k) {
    std::string msg = "segment " + std::to_string(segment_index) + ": only " + std::to_string(good.size()) +
                      " of " + std::to_string(k) + " needed fragments could be fetched and verified (" +
                      std::to_string(order.size()) + " locations)";
    for (const FetchFailure& f : failed) {
      msg += "; fragment " + std::to_string(f.location.index) + " @" + Short(f.location.miner) + ": " +
             f.status.ToString();
    }
    return Status::Unavailable(msg);
  }
  // Keep exactly k (lowest indices first), so decoding uses what it prefers.
  while (good.size() > k) good.erase(std::prev(good.end()));
  return good;
}

Status Retriever::Impl::ReadSlices(const FileManifest& manifest, std::span<const SegmentSlice> slices,
                                   std::span<const std::vector<FragmentLocation>> locations,
                                   FragmentFetcher& fetcher, ByteSpan master_key, const ByteSink& sink,
                                   std::vector<FetchFailure>* failures) const {
  if (!(manifest.layout == layout_))
    return Status::InvalidArgument("manifest layout differs from the retriever's");
  if (locations.size() != manifest.segments.size()) {
    return Status::InvalidArgument("locations for " + std::to_string(locations.size()) +
                                   " segments, file has " + std::to_string(manifest.segments.size()));
  }
  if (manifest.encrypted && master_key.size() != 32) {
    return Status::InvalidArgument("the file is encrypted: a 32-byte master key is needed");
  }
  // Up to segments_ahead segments are fetched while the oldest is decrypted and sunk, in order.
  struct Fetched {
    Result<Bytes> stored = Status::Internal("not fetched");
    std::vector<FetchFailure> failures;
  };
  auto fetch = [&](size_t s) {
    Fetched f;
    const uint32_t seg = slices[s].segment;
    f.stored = FetchSegment(manifest.segments[seg], seg, locations[seg], fetcher, &f.failures);
    return f;
  };
  const size_t ahead = std::max<size_t>(1, options_.segments_ahead);
  std::deque<std::future<Fetched>> pending;
  size_t launched = 0;
  auto top_up = [&] {
    while (launched < slices.size() && pending.size() < ahead) {
      pending.push_back(std::async(std::launch::async, fetch, launched++));
    }
  };
  top_up();
  Status result;
  for (size_t s = 0; s < slices.size(); ++s) {
    Fetched cur = pending.front().get();
    pending.pop_front();
    top_up();
    if (failures != nullptr) failures->insert(failures->end(), cur.failures.begin(), cur.failures.end());
    if (!cur.stored.ok()) {
      result = cur.stored.status();
      break;
    }
    const SegmentSlice& sl = slices[s];
    Result<Bytes> plain = SegmentPlaintext(manifest, sl.segment, *cur.stored, master_key);
    if (!plain.ok()) {
      result = plain.status();
      break;
    }
    result = sink(ByteSpan(plain->data() + sl.offset, sl.length));
    if (!result.ok()) break;
  }
  // Wait for fetches still running before returning (they use `fetcher` and `locations`).
  while (!pending.empty()) {
    Fetched late = pending.front().get();
    pending.pop_front();
    if (failures != nullptr) failures->insert(failures->end(), late.failures.begin(), late.failures.end());
  }
  return result;
}

Retriever::Retriever(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Retriever::~Retriever() = default;

Result<std::unique_ptr<Retriever>> Retriever::Create(const Layout& layout, const RetrieverOptions& options) {
  if (options.threads == 0) return Status::InvalidArgument("retriever: threads is 0");
  if (options.max_in_flight == 0) return Status::InvalidArgument("retriever: max_in_flight is 0");
  CESS_ASSIGN_OR_RETURN(auto codec, SegmentCodec::Create(layout, options.backend));
  return std::unique_ptr<Retriever>(new Retriever(std::make_unique<Impl>(layout, options, std::move(codec))));
}

const SegmentCodec& Retriever::codec() const { return impl_->codec(); }

Result<Bytes> Retriever::FetchSegment(const SegmentInfo& info, uint32_t segment_index,
                                      std::span<const FragmentLocation> locations, FragmentFetcher& fetcher,
                                      std::vector<FetchFailure>* failures) const {
  return impl_->FetchSegment(info, segment_index, locations, fetcher, failures);
}

Result<Bytes> Retriever::RetrieveSegment(const FileManifest& manifest, uint32_t segment,
                                         std::span<const FragmentLocation> locations,
                                         FragmentFetcher& fetcher, ByteSpan master_key,
                                         std::vector<FetchFailure>* failures) const {
  if (!(manifest.layout == impl_->layout())) {
    return Status::InvalidArgument("manifest layout differs from the retriever's");
  }
  if (segment >= manifest.segments.size()) {
    return Status::InvalidArgument("segment " + std::to_string(segment) + " out of range");
  }
  CESS_ASSIGN_OR_RETURN(
      Bytes stored, impl_->FetchSegment(manifest.segments[segment], segment, locations, fetcher, failures));
  return SegmentPlaintext(manifest, segment, stored, master_key);
}

Status Retriever::ReadFile(const FileManifest& manifest,
                           std::span<const std::vector<FragmentLocation>> locations, FragmentFetcher& fetcher,
                           ByteSpan master_key, const ByteSink& sink,
                           std::vector<FetchFailure>* failures) const {
  CESS_ASSIGN_OR_RETURN(auto slices, PlanRange(manifest, 0, manifest.file_size));
  return impl_->ReadSlices(manifest, slices, locations, fetcher, master_key, sink, failures);
}

Status Retriever::ReadRange(const FileManifest& manifest, uint64_t offset, uint64_t length,
                            std::span<const std::vector<FragmentLocation>> locations,
                            FragmentFetcher& fetcher, ByteSpan master_key, const ByteSink& sink,
                            std::vector<FetchFailure>* failures) const {
  CESS_ASSIGN_OR_RETURN(auto slices, PlanRange(manifest, offset, length));
  return impl_->ReadSlices(manifest, slices, locations, fetcher, master_key, sink, failures);
}

Result<Bytes> Retriever::RebuildFragment(const SegmentInfo& info, uint32_t segment_index, uint32_t target,
                                         std::span<const FragmentLocation> locations,
                                         FragmentFetcher& fetcher,
                                         std::vector<FetchFailure>* failures) const {
  if (target >= impl_->layout().fragment_count()) {
    return Status::InvalidArgument("fragment index " + std::to_string(target) + " out of range");
  }
  CESS_ASSIGN_OR_RETURN(auto good, impl_->FetchFragments(info, segment_index, locations, fetcher,
                                                         static_cast<int>(target), failures));
  std::vector<IndexedFragment> frags;
  for (const auto& [idx, bytes] : good) frags.push_back(IndexedFragment{idx, bytes});
  Result<Bytes> rebuilt = impl_->codec().RebuildFragment(info, target, frags);
  if (!rebuilt.ok()) return rebuilt.status().WithContext("segment " + std::to_string(segment_index));
  return rebuilt;
}

}  // namespace cess::storage
