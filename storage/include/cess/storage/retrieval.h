// Download and repair (DESIGN.md §9): fetch any k fragments of a segment in parallel, fastest
// first, verify each hash, decode, verify the segment hash, decrypt; and rebuild one lost fragment
// from any k others.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/core/status.h"
#include "cess/kernels/backend.h"
#include "cess/storage/layout.h"
#include "cess/storage/manifest.h"
#include "cess/storage/segment_codec.h"

namespace cess::storage {

// Where fragment `index` of a segment lives.
struct FragmentLocation {
  uint32_t index = 0;  // 0..k+m-1, data first
  Hash256 hash{};      // the fragment's hash (the manifest's value is the one checked)
  Hash256 miner{};     // the miner holding it
  std::string endpoint;
};

// Fetches one fragment's bytes from wherever it lives (gRPC to a miner in node/, a local
// FragmentStore in tests and benchmarks). Implementations must be thread-safe: the retriever calls
// Fetch from several threads at once. The bytes need not be verified; the retriever checks them.
class FragmentFetcher {
 public:
  virtual ~FragmentFetcher() = default;
  // Errors: any; the retriever records them and tries another location.
  virtual Result<Bytes> Fetch(const FragmentLocation& location) = 0;
};

// A fetch that failed or returned bytes with the wrong hash, so the caller can open a restoral
// order for it.
struct FetchFailure {
  uint32_t segment = 0;
  FragmentLocation location;
  Status status;  // the fetcher's error, or Corruption for a hash mismatch
};

// A miner that holds fragment index i of every segment (CESS places one index per miner).
struct MinerRef {
  Hash256 id{};
  std::string endpoint;
};

// Locations for every segment of `manifest` when miners[i] holds fragment index i of all
// segments. Entries of `miners` with an all-zero id are skipped (a known-lost miner).
// REQUIRES: miners.size() == k + m (extra entries are ignored, missing ones skipped).
std::vector<std::vector<FragmentLocation>> LocationsByIndex(const FileManifest& manifest,
                                                            std::span<const MinerRef> miners);

struct RetrieverOptions {
  // Worker threads running fetches, shared by all calls. Default 12.
  size_t threads = 12;
  // Fetches of one segment running at once; data fragments are tried first (they decode without
  // RS work), then parity. A failed fetch starts the next location. Default 6 (k + 2).
  size_t max_in_flight = 6;
  // When no fetch of a segment has finished for this long, one more location is started
  // (hedging against slow miners). Zero disables hedging. Default 300 ms.
  std::chrono::milliseconds hedge_after{300};
  // The longest one segment may take; then the call fails with DeadlineExceeded. Fetches still
  // running finish in the background and are discarded. Default 120 s.
  std::chrono::milliseconds segment_timeout{120000};
  // ReadFile / ReadRange: segments fetched ahead of the one being decrypted and sunk (at least
  // 1). Default 4.
  size_t segments_ahead = 4;
  // The kernels' backend for decoding and hashing. Default kAuto.
  kernels::Backend backend = kernels::Backend::kAuto;
};

// Receives consecutive pieces of the file (or range) being read, in order. A non-OK return
// aborts the read with it.
using ByteSink = std::function<Status(ByteSpan bytes)>;

// Thread safety: all methods may be called concurrently. A call returns as soon as it has k
// verified fragments; fetches still running then finish in the background and are discarded, so
// every FragmentFetcher passed in must outlive the Retriever (whose destructor waits for them).
class Retriever {
 public:
  ~Retriever();
  Retriever(const Retriever&) = delete;
  Retriever& operator=(const Retriever&) = delete;

  // Errors: InvalidArgument for a bad layout or options (threads or max_in_flight 0); Unavailable
  // when the backend cannot run here.
  static Result<std::unique_ptr<Retriever>> Create(const Layout& layout,
                                                   const RetrieverOptions& options = {});

  const SegmentCodec& codec() const;

  // Fetches fragments of one segment until k verified ones are in (fastest first), then decodes
  // and checks the segment hash. Returns the stored segment bytes (still encrypted for an
  // encrypted file). Failed or corrupt fetches are appended to `failures` (when not null), with
  // `segment_index` filled in. Errors: Unavailable when fewer than k fragments could be fetched
  // and verified (the message lists the failures); DeadlineExceeded; Corruption when the segment
  // hash fails after decoding; InvalidArgument for `info` not matching the layout.
  Result<Bytes> FetchSegment(const SegmentInfo& info, uint32_t segment_index,
                             std::span<const FragmentLocation> locations, FragmentFetcher& fetcher,
                             std::vector<FetchFailure>* failures = nullptr) const;

  // FetchSegment then SegmentPlaintext (pipeline.h): the file bytes segment `segment` carries.
  // Errors: as both; InvalidArgument when the manifest's layout is not this retriever's.
  Result<Bytes> RetrieveSegment(const FileManifest& manifest, uint32_t segment,
                                std::span<const FragmentLocation> locations, FragmentFetcher& fetcher,
                                ByteSpan master_key, std::vector<FetchFailure>* failures = nullptr) const;

  // Reads the whole file into `sink`, in order (up to segments_ahead segments are fetched while
  // the current one is decrypted and sunk). `locations[i]` lists segment i's locations.
  // Errors: as RetrieveSegment; InvalidArgument when locations.size() != segment count; the
  // sink's errors. The sink may have received a prefix of the file when an error is returned.
  Status ReadFile(const FileManifest& manifest, std::span<const std::vector<FragmentLocation>> locations,
                  FragmentFetcher& fetcher, ByteSpan master_key, const ByteSink& sink,
                  std::vector<FetchFailure>* failures = nullptr) const;

  // Reads file bytes [offset, offset + length) (end clamped to the file size, see PlanRange),
  // fetching only the segments that cover them. Errors: as ReadFile; OutOfRange when
  // offset > file_size.
  Status ReadRange(const FileManifest& manifest, uint64_t offset, uint64_t length,
                   std::span<const std::vector<FragmentLocation>> locations, FragmentFetcher& fetcher,
                   ByteSpan master_key, const ByteSink& sink,
                   std::vector<FetchFailure>* failures = nullptr) const;

  // Repair: rebuilds fragment `target` of a segment from any k verified others fetched from
  // `locations` (locations for `target` itself are ignored), and checks the rebuilt fragment's
  // hash. Errors: as FetchSegment; InvalidArgument for a target out of range.
  Result<Bytes> RebuildFragment(const SegmentInfo& info, uint32_t segment_index, uint32_t target,
                                std::span<const FragmentLocation> locations, FragmentFetcher& fetcher,
                                std::vector<FetchFailure>* failures = nullptr) const;

 private:
  class Impl;
  explicit Retriever(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cess::storage
