#include "storage_client/file_ops.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>

#include "cess/chain/runtime/sminer.h"
#include "cess/core/hkdf.h"
#include "cess/core/random.h"
#include "cess/core/log.h"
#include "cess/storage/fid.h"
#include "cess/storage/pipeline.h"
#include "cess/storage/placement.h"
#include "cess/storage/retrieval.h"
#include "cessd/remote_state.h"
#include "storage_client/chain_view.h"
#include "storage_client/miner_client.h"

namespace cess::node {
namespace {

namespace fs = std::filesystem;
namespace file_bank = chain::runtime::file_bank;
namespace sminer = chain::runtime::sminer;

const log::Logger kLog("storage-put");

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

Result<chain::Profile> ProfileOf(const NodeClient& node) {
  CESS_ASSIGN_OR_RETURN(auto status, node.Status());
  return chain::Profile::ByName(status.profile());
}

// Files above this size are encoded twice instead of held in memory: the first pass computes the
// manifest for the declaration, the second (same salt and nonces) streams the fragments to the
// miners segment by segment.
constexpr uint64_t kInMemoryLimit = uint64_t{256} << 20;

// Every fragment of a file held in memory, in one anonymous mapping (segment-major): one
// allocation instead of one per fragment. (Asking for huge pages with MADV_HUGEPAGE made encoding
// 1.5x slower on the 2-vCPU VM, compaction stalls; bench/RESULTS.md §6e.)
class FragmentTable {
 public:
  FragmentTable() = default;
  FragmentTable(const FragmentTable&) = delete;
  FragmentTable& operator=(const FragmentTable&) = delete;
  ~FragmentTable() { Free(); }

  void Reset(uint64_t segments, uint32_t per_segment, uint64_t fragment_size) {
    Free();
    segments_ = segments;
    per_segment_ = per_segment;
    fragment_size_ = fragment_size;
    bytes_ = segments * per_segment * fragment_size;
    if (bytes_ == 0) return;
    void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      bytes_ = 0;
      return;  // Put then fails with ResourceExhausted
    }
    base_ = static_cast<uint8_t*>(p);
  }
  bool empty() const { return base_ == nullptr; }
  Status Put(uint32_t segment, uint32_t fragment, ByteSpan bytes) {
    if (base_ == nullptr) return Status::ResourceExhausted("cannot map " + std::to_string(bytes_) + " bytes for the fragments");
    if (segment >= segments_ || fragment >= per_segment_ || bytes.size() != fragment_size_) {
      return Status::Internal("the encoder made a fragment outside the planned layout");
    }
    std::memcpy(Slot(segment, fragment), bytes.data(), bytes.size());
    return Status::Ok();
  }
  ByteSpan at(uint64_t segment, uint32_t fragment) const { return {Slot(segment, fragment), fragment_size_}; }

 private:
  uint8_t* Slot(uint64_t segment, uint32_t fragment) const {
    return base_ + (segment * per_segment_ + fragment) * fragment_size_;
  }
  void Free() {
    if (base_ != nullptr) ::munmap(base_, bytes_);
    base_ = nullptr;
  }
  uint8_t* base_ = nullptr;
  uint64_t bytes_ = 0, segments_ = 0, fragment_size_ = 0;
  uint32_t per_segment_ = 0;
};

// Re-encodes the file with `sink` receiving every fragment (the second pass).
using SecondPass = std::function<Status(const storage::HashedFragmentSink& sink)>;

// Runs `call` (a push to `client`), retrying Unavailable / DeadlineExceeded up to four times.
template <typename Call>
Status WithRetries(const MinerClient& client, const Call& call) {
  Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {  // waits 0.2 + 0.4 + 0.8 + 1.6 s between tries
    last = call().status();
    if (last.ok() || (last.code() != StatusCode::kUnavailable && last.code() != StatusCode::kDeadlineExceeded)) break;
    if (attempt < 4) std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
  }
  return last.WithContext("miner " + client.endpoint());
}

// Pushes one fragment with PutFragment.
Status PushOne(const MinerClient& client, const Hash256& fid, const Hash256& hash, ByteSpan bytes) {
  return WithRetries(client, [&] { return client.Put(fid, hash, bytes); });
}

// The most fragment bytes one PutFragments stream carries before its group commit.
constexpr uint64_t kPushBatchBytes = uint64_t{64} << 20;

// Pushes fragment `j` of every segment (held in `fragments`) to `client` in PutFragments streams of
// at most kPushBatchBytes, each retried; `acked(bytes)` after each acknowledged stream.
Status PushMinerFragments(const MinerClient& client, const storage::FileManifest& manifest,
                          const FragmentTable& fragments, uint32_t j, uint64_t fragment_size,
                          const std::function<void(uint64_t)>& acked) {
  const size_t per_batch = std::max<size_t>(1, kPushBatchBytes / std::max<uint64_t>(1, fragment_size));
  for (size_t begin = 0; begin < manifest.segments.size(); begin += per_batch) {
    const size_t end = std::min(manifest.segments.size(), begin + per_batch);
    std::vector<MinerClient::FragmentRef> batch;
    for (size_t s = begin; s < end; ++s) batch.push_back({manifest.segments[s].fragment_hashes[j], fragments.at(s, j)});
    CESS_RETURN_IF_ERROR(WithRetries(client, [&] { return client.PutMany(manifest.fid, batch); }));
    if (acked) acked((end - begin) * fragment_size);
  }
  return Status::Ok();
}

// The declaration of `manifest` (its miners are added by the caller).
file_bank::UploadArgs DeclarationArgs(const storage::FileManifest& manifest, const PutOptions& o) {
  file_bank::UploadArgs args;
  args.fid = manifest.fid;
  args.file_size = manifest.file_size;
  args.name = o.name;
  args.regions = o.regions;
  for (const storage::SegmentInfo& s : manifest.segments) {
    args.segments.push_back(file_bank::SegmentDecl{s.hash, s.fragment_hashes});
  }
  if (manifest.encrypted) args.cipher_info = codec::Encode(manifest.cipher);
  return args;
}

// Picks `n` distinct positive miners within the caller's regions, weighted by free space, each
// with room for `per_miner` bytes.
Result<std::vector<storage::MinerCandidate>> PlaceMiners(const RemoteStateReader& reader, const PutOptions& o,
                                                         uint32_t n, uint64_t per_miner) {
  CESS_ASSIGN_OR_RETURN(auto miners, sminer::ListMiners(reader));
  std::vector<storage::MinerCandidate> candidates;
  for (const sminer::MinerSummary& m : miners) {
    if (m.state != sminer::MinerState::kPositive) continue;
    candidates.push_back({m.id.bytes, m.region, m.free, m.endpoint});
  }
  uint64_t seed = o.placement_seed;
  if (seed == 0) {
    CESS_ASSIGN_OR_RETURN(auto r, crypto::RandomArray<8>());
    for (uint8_t b : r) seed = (seed << 8) | b;
  }
  auto chosen = storage::Place(candidates, o.regions, n, per_miner, seed);
  if (!chosen.ok()) return chosen.status().WithContext("placing " + std::to_string(n) + " fragments");
  return chosen;
}

// Waits (when asked) until the file is Active, recording its state.
Status WaitActive(const RemoteStateReader& reader, const Hash256& fid, const PutOptions& o, PutResult& out) {
  if (!o.wait_active) return Status::Ok();
  const auto t_active = std::chrono::steady_clock::now();
  const auto deadline = t_active + std::chrono::milliseconds(o.timeout_ms);
  while (true) {
    CESS_ASSIGN_OR_RETURN(auto file, file_bank::ReadFile(reader, fid));
    if (file) out.state = file->state;
    if (file && file->state == file_bank::FileState::kActive) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::DeadlineExceeded("file " + chain::HashToHex(fid) + " is still " +
                                      std::string(file ? file_bank::FileStateName(file->state) : "unknown") +
                                      " after " + std::to_string(o.timeout_ms) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  out.active_s = Since(t_active);
  return Status::Ok();
}

Status SegmentLimit(const chain::Profile& profile, const storage::FileManifest& manifest) {
  if (manifest.segments.size() <= profile.max_segments_per_file) return Status::Ok();
  return Status::InvalidArgument("the file needs " + std::to_string(manifest.segments.size()) +
                                 " segments; the chain takes at most " + std::to_string(profile.max_segments_per_file) +
                                 " per file (" + std::to_string(profile.max_segments_per_file * manifest.PlainBytesPerSegment()) +
                                 " bytes)");
}

// The upload of a file held in memory, pipelined: miners are placed first, each gets an early
// PutFragments stream, and every fragment is pushed as soon as it is encoded. Once encoded, the
// declaration is submitted while the streams end with the FID; the miners commit (as pending
// until they see the declaration). A miner whose early push failed gets its fragments again,
// declared, after the declaration.
Result<PutResult> PipelinedStore(const NodeClient& node, TxSubmitter& tx, const chain::Profile& profile,
                                 const PutOptions& o, uint64_t file_size,
                                 const std::function<Result<storage::FileManifest>(const storage::EncodeOptions&)>& encode) {
  RemoteStateReader reader(node);
  const uint32_t n = profile.ec_data + profile.ec_parity;
  const storage::Layout layout = LayoutOf(profile);
  const uint64_t segments = storage::SegmentCount(file_size, layout.PlainBytesPerSegment(!o.master_key.empty()));
  CESS_ASSIGN_OR_RETURN(std::vector<storage::MinerCandidate> placed,
                        PlaceMiners(reader, o, n, profile.fragment_size * std::max<uint64_t>(1, segments)));
  std::vector<std::unique_ptr<MinerClient>> clients;
  for (uint32_t j = 0; j < n; ++j) {
    CESS_ASSIGN_OR_RETURN(auto c, MinerClient::Connect(placed[j].endpoint, o.timeout_ms));
    clients.push_back(std::move(c));
  }

  // One sender thread per miner: fragments queue up as they are encoded (the bytes are held in
  // `fragments` until the end, for a push after the declaration if the early one fails).
  struct Lane {
    std::unique_ptr<FragmentPush> push;
    std::deque<MinerClient::FragmentRef> queue;
    Result<miner::v1::PutFragmentsResponse> result = Status::Internal("not finished");
    std::chrono::steady_clock::time_point finished;
    std::thread thread;
  };
  std::vector<Lane> lanes(n);
  std::mutex mu;
  std::condition_variable cv;
  bool encoded = false, cancelled = false;
  Hash256 fid{};
  const uint64_t total = uint64_t{n} * std::max<uint64_t>(1, segments) * profile.fragment_size;
  uint64_t sent = 0;
  const auto t0 = std::chrono::steady_clock::now();  // the fragments' memory counts as encoding
  FragmentTable fragments;
  fragments.Reset(segments, n, profile.fragment_size);
  for (uint32_t j = 0; j < n; ++j) {
    lanes[j].push = clients[j]->OpenPush(nullptr);
    lanes[j].thread = std::thread([&, j] {
      Lane& lane = lanes[j];
      bool ok = true;
      for (;;) {
        MinerClient::FragmentRef next;
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return !lane.queue.empty() || encoded || cancelled; });
          if (cancelled) return;
          if (lane.queue.empty()) break;  // encoded, and all sent
          next = lane.queue.front();
          lane.queue.pop_front();
        }
        if (ok) ok = lane.push->Write(next.hash, next.bytes);  // on failure, Finish says why
        if (ok && o.progress) {
          std::lock_guard lock(mu);
          sent += next.bytes.size();
          o.progress("push", sent, total);
        }
      }
      lane.result = lane.push->Finish(&fid);
      lane.finished = std::chrono::steady_clock::now();
    });
  }
  auto stop_lanes = [&] {
    {
      std::lock_guard lock(mu);
      cancelled = true;
    }
    cv.notify_all();
    for (Lane& lane : lanes) {
      lane.push->Cancel();
      if (lane.thread.joinable()) lane.thread.join();
    }
  };

  storage::EncodeOptions eo;
  eo.layout = layout;
  eo.master_key = o.master_key;
  eo.hashed_sink = [&](uint32_t segment, uint32_t fragment, const Hash256& hash, ByteSpan bytes) -> Status {
    CESS_RETURN_IF_ERROR(fragments.Put(segment, fragment, bytes));
    {
      std::lock_guard lock(mu);
      lanes[fragment].queue.push_back({hash, fragments.at(segment, fragment)});
    }
    cv.notify_all();
    return Status::Ok();
  };
  if (o.progress) eo.progress = [&](uint64_t d, uint64_t t) { o.progress("encode", d, t); };
  Result<storage::FileManifest> encoded_manifest = encode(eo);
  PutResult out;
  out.encode_s = Since(t0);
  Status ready = encoded_manifest.status();
  if (ready.ok()) ready = SegmentLimit(profile, *encoded_manifest);
  if (!ready.ok()) {
    stop_lanes();
    return ready;
  }
  const storage::FileManifest& manifest = *encoded_manifest;
  out.fid = manifest.fid;
  out.file_size = manifest.file_size;
  out.segments = static_cast<uint32_t>(manifest.segments.size());
  file_bank::UploadArgs args = DeclarationArgs(manifest, o);

  // Deduplication: the file exists, so the caller only becomes an owner; nothing is pushed.
  auto existing = file_bank::ReadFile(reader, manifest.fid);
  if (!existing.ok() || existing->has_value()) {
    stop_lanes();
    if (!existing.ok()) return existing.status();
    out.dedup = true;
    const auto t_declare = std::chrono::steady_clock::now();
    CESS_RETURN_IF_ERROR(tx.SubmitAndWait(file_bank::UploadDeclarationCall(args), 4, o.timeout_ms).status());
    out.declare_s = Since(t_declare);
    CESS_ASSIGN_OR_RETURN(auto file, file_bank::ReadFile(reader, manifest.fid));
    if (file) out.state = file->state;
    return out;
  }
  for (const auto& c : placed) {
    chain::AccountId id;
    id.bytes = c.id;
    args.miners.push_back(id);
  }
  out.miners = args.miners;
  out.early_push = true;

  // The streams end with the FID (the miners commit) while the declaration is on its way.
  {
    std::lock_guard lock(mu);
    fid = manifest.fid;
    encoded = true;
  }
  cv.notify_all();
  const auto t_encoded = std::chrono::steady_clock::now();
  auto declared = tx.SubmitAndWait(file_bank::UploadDeclarationCall(args), 4, o.timeout_ms);
  out.declare_s = Since(t_encoded);
  if (!declared.ok()) {
    stop_lanes();  // the miners drop what they received (or keep it as pending, to expire)
    return declared.status();
  }
  for (Lane& lane : lanes) lane.thread.join();

  // Miners whose early push failed get their fragments again, now that the file is declared.
  std::vector<uint32_t> again;
  for (uint32_t j = 0; j < n; ++j) {
    if (!lanes[j].result.ok()) {
      kLog.Info("early push to {} failed ({}); pushing after the declaration", clients[j]->endpoint(),
                lanes[j].result.status().ToString());
      again.push_back(j);
    }
  }
  out.push_retries = static_cast<uint32_t>(again.size());
  auto last_ack = t_encoded;
  for (const Lane& lane : lanes) last_ack = std::max(last_ack, lane.finished);
  std::vector<Status> results(again.size());
  std::vector<std::thread> threads;
  for (size_t a = 0; a < again.size(); ++a) {
    threads.emplace_back([&, a] {
      const uint32_t j = again[a];
      results[a] = PushMinerFragments(*clients[j], manifest, fragments, j, profile.fragment_size, nullptr);
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& r : results) CESS_RETURN_IF_ERROR(r);
  if (!again.empty()) last_ack = std::chrono::steady_clock::now();
  out.push_s = std::chrono::duration<double>(last_ack - t_encoded).count();
  CESS_RETURN_IF_ERROR(WaitActive(reader, manifest.fid, o, out));
  return out;
}

// The upload after encoding: placement, declaration, push, wait. The fragments come from
// `fragments` (held in memory: one PutFragments stream per miner, one group commit per batch) or,
// when it is empty, from `second_pass` (a file too large to hold, streamed segment by segment).
Result<PutResult> Store(const NodeClient& node, TxSubmitter& tx, const chain::Profile& profile,
                        const storage::FileManifest& manifest, const FragmentTable& fragments,
                        const SecondPass& second_pass, const PutOptions& o, PutResult out) {
  RemoteStateReader reader(node);
  const uint32_t n = profile.ec_data + profile.ec_parity;
  out.fid = manifest.fid;
  out.file_size = manifest.file_size;
  out.segments = static_cast<uint32_t>(manifest.segments.size());
  file_bank::UploadArgs args = DeclarationArgs(manifest, o);

  CESS_ASSIGN_OR_RETURN(auto existing, file_bank::ReadFile(reader, manifest.fid));
  std::vector<storage::MinerCandidate> placed;
  if (existing) {
    out.dedup = true;
  } else {
    CESS_ASSIGN_OR_RETURN(placed, PlaceMiners(reader, o, n, profile.fragment_size * manifest.segments.size()));
    for (const auto& c : placed) {
      chain::AccountId id;
      id.bytes = c.id;
      args.miners.push_back(id);
    }
  }
  out.miners = args.miners;

  const auto t_declare = std::chrono::steady_clock::now();
  CESS_RETURN_IF_ERROR(tx.SubmitAndWait(file_bank::UploadDeclarationCall(args), 4, o.timeout_ms).status());
  out.declare_s = Since(t_declare);
  if (out.dedup) {
    CESS_ASSIGN_OR_RETURN(auto file, file_bank::ReadFile(reader, manifest.fid));
    if (file) out.state = file->state;
    return out;
  }

  const auto t_push = std::chrono::steady_clock::now();
  const uint64_t total = uint64_t{n} * manifest.segments.size() * profile.fragment_size;
  uint64_t done = 0;
  std::vector<std::unique_ptr<MinerClient>> clients;
  for (uint32_t j = 0; j < n; ++j) {
    CESS_ASSIGN_OR_RETURN(auto c, MinerClient::Connect(placed[j].endpoint, o.timeout_ms));
    clients.push_back(std::move(c));
  }
  if (!fragments.empty()) {
    // One thread per miner, sending its fragment of every segment in PutFragments batches.
    std::mutex mu;
    Status first_error;
    std::vector<std::thread> threads;
    for (uint32_t j = 0; j < n; ++j) {
      threads.emplace_back([&, j] {
        Status st = PushMinerFragments(*clients[j], manifest, fragments, j, profile.fragment_size, [&](uint64_t bytes) {
          std::lock_guard lock(mu);
          done += bytes;
          if (o.progress) o.progress("push", done, total);
        });
        std::lock_guard lock(mu);
        if (!st.ok() && first_error.ok()) first_error = st;
      });
    }
    for (auto& t : threads) t.join();
    CESS_RETURN_IF_ERROR(first_error);
    out.push_s = Since(t_push);
    CESS_RETURN_IF_ERROR(WaitActive(reader, manifest.fid, o, out));
    return out;
  }
  // Each segment's fragments go out in parallel while nothing else is held.
  std::vector<Bytes> row(n);
  const Status pushed = second_pass([&](uint32_t segment, uint32_t fragment, const Hash256& hash, ByteSpan bytes) -> Status {
    if (fragment >= n || hash != manifest.segments[segment].fragment_hashes[fragment]) {
      return Status::Internal("the second encoding pass differs from the first");
    }
    row[fragment].assign(bytes.begin(), bytes.end());
    if (fragment + 1 < n) return Status::Ok();
    std::vector<std::thread> threads;
    std::vector<Status> results(n);
    for (uint32_t j = 0; j < n; ++j) {
      threads.emplace_back([&, j] {
        results[j] = PushOne(*clients[j], manifest.fid, manifest.segments[segment].fragment_hashes[j], row[j]);
      });
    }
    for (auto& t : threads) t.join();
    for (const Status& r : results) CESS_RETURN_IF_ERROR(r);
    done += uint64_t{n} * profile.fragment_size;
    if (o.progress) o.progress("push", done, total);
    return Status::Ok();
  });
  CESS_RETURN_IF_ERROR(pushed);
  out.push_s = Since(t_push);
  CESS_RETURN_IF_ERROR(WaitActive(reader, manifest.fid, o, out));
  return out;
}

Result<PutResult> EncodeAndStore(const NodeClient& node, TxSubmitter& tx, const PutOptions& o, uint64_t file_size,
                                 const std::function<Result<storage::FileManifest>(const storage::EncodeOptions&)>& encode) {
  if (o.name.empty()) return Status::InvalidArgument("a file name is required");
  if (!o.master_key.empty() && o.master_key.size() != 32) return Status::InvalidArgument("the master key must be 32 bytes");
  CESS_ASSIGN_OR_RETURN(chain::Profile profile, ProfileOf(node));
  const bool in_memory = file_size <= kInMemoryLimit;
  if (in_memory && o.early_push) return PipelinedStore(node, tx, profile, o, file_size, encode);
  storage::EncodeOptions eo;
  eo.layout = LayoutOf(profile);
  eo.master_key = o.master_key;
  const auto t0 = std::chrono::steady_clock::now();  // the fragments' memory counts as encoding
  FragmentTable fragments;
  if (in_memory) {
    const uint32_t n = profile.ec_data + profile.ec_parity;
    fragments.Reset(storage::SegmentCount(file_size, eo.layout.PlainBytesPerSegment(!o.master_key.empty())), n,
                    profile.fragment_size);
    eo.sink = [&](uint32_t segment, uint32_t fragment, ByteSpan bytes) { return fragments.Put(segment, fragment, bytes); };
  }
  if (o.progress) eo.progress = [&](uint64_t d, uint64_t t) { o.progress("encode", d, t); };
  PutResult out;
  CESS_ASSIGN_OR_RETURN(storage::FileManifest manifest, encode(eo));
  out.encode_s = Since(t0);
  CESS_RETURN_IF_ERROR(SegmentLimit(profile, manifest));
  SecondPass second = [&](const storage::HashedFragmentSink& sink) -> Status {
    storage::EncodeOptions again;
    again.layout = eo.layout;
    again.master_key = o.master_key;
    again.reuse_cipher = manifest.encrypted ? &manifest.cipher : nullptr;
    again.hashed_sink = sink;
    CESS_ASSIGN_OR_RETURN(storage::FileManifest m2, encode(again));
    if (m2.fid != manifest.fid) return Status::Internal("the file changed between the two encoding passes");
    return Status::Ok();
  };
  return Store(node, tx, profile, manifest, fragments, second, o, out);
}

}  // namespace

Result<PutResult> PutFile(const NodeClient& node, TxSubmitter& tx, const std::string& path, const PutOptions& options) {
  PutOptions o = options;
  if (o.name.empty()) o.name = fs::path(path).filename().string();
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  if (ec) return Status::NotFound("cannot read " + path + ": " + ec.message());
  return EncodeAndStore(node, tx, o, size,
                        [&](const storage::EncodeOptions& eo) { return storage::EncodeFile(path, eo); });
}

Result<PutResult> PutBytes(const NodeClient& node, TxSubmitter& tx, ByteSpan data, const PutOptions& options) {
  return EncodeAndStore(node, tx, options, data.size(),
                        [&](const storage::EncodeOptions& eo) { return storage::EncodeBytes(data, eo); });
}

namespace {

Status ReadInto(const NodeClient& node, const Hash256& fid, const GetOptions& o, const storage::ByteSink& sink,
                GetResult* result) {
  const auto t0 = std::chrono::steady_clock::now();
  CESS_ASSIGN_OR_RETURN(chain::Profile profile, ProfileOf(node));
  RemoteStateReader reader(node);
  CESS_ASSIGN_OR_RETURN(auto file, file_bank::ReadFile(reader, fid));
  if (!file) return Status::NotFound("no file " + chain::HashToHex(fid) + " on chain");
  CESS_ASSIGN_OR_RETURN(storage::FileManifest manifest, ManifestOf(profile, fid, *file));
  if (manifest.encrypted && o.master_key.size() != 32) {
    return Status::InvalidArgument("file " + chain::HashToHex(fid) + " is encrypted: the owner's key is needed");
  }
  CESS_ASSIGN_OR_RETURN(auto locations, LocationsOf(reader, *file));
  // k fetches per segment (the data fragments first), one more only when a miner is slow (hedging)
  // or fails: fetching k + 2 eagerly costs the miners a third more reads and hashes for nothing
  // when they are healthy.
  storage::RetrieverOptions ro;
  ro.max_in_flight = manifest.layout.data_shards;
  ro.hedge_after = std::chrono::milliseconds(200);
  ro.threads = 16;
  CESS_ASSIGN_OR_RETURN(auto retriever, storage::Retriever::Create(manifest.layout, ro));
  GrpcFragmentFetcher fetcher;
  std::vector<storage::FetchFailure> failures;
  uint64_t written = 0;
  const uint64_t want = o.length == 0 ? (o.offset <= manifest.file_size ? manifest.file_size - o.offset : 0)
                                      : std::min(o.length, o.offset <= manifest.file_size ? manifest.file_size - o.offset : 0);
  storage::ByteSink counting = [&](ByteSpan bytes) -> Status {
    written += bytes.size();
    if (o.progress) o.progress("fetch", written, want);
    return sink(bytes);
  };
  Status s;
  if (o.offset == 0 && o.length == 0) {
    s = retriever->ReadFile(manifest, locations, fetcher, o.master_key, counting, &failures);
  } else {
    s = retriever->ReadRange(manifest, o.offset, o.length == 0 ? manifest.file_size : o.length, locations, fetcher,
                             o.master_key, counting, &failures);
  }
  if (result != nullptr) {
    result->bytes = written;
    result->failed_fetches = static_cast<uint32_t>(failures.size());
    result->segments_read = static_cast<uint32_t>(manifest.segments.size());
    result->seconds = Since(t0);
  }
  return s;
}

}  // namespace

Result<GetResult> GetFile(const NodeClient& node, const Hash256& fid, const std::string& out_path,
                          const GetOptions& options) {
  const std::string part = out_path + ".part";
  const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Status::IoError("cannot create " + part + ": " + std::strerror(errno));
  GetResult result;
  Status s = ReadInto(node, fid, options, [&](ByteSpan bytes) -> Status {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t w = ::write(fd, bytes.data() + off, bytes.size() - off);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::IoError("writing " + part + ": " + std::strerror(errno));
      }
      off += static_cast<size_t>(w);
    }
    return Status::Ok();
  }, &result);
  if (s.ok() && ::fsync(fd) != 0) s = Status::IoError("fsync " + part + ": " + std::strerror(errno));
  ::close(fd);
  std::error_code ec;
  if (!s.ok()) {
    fs::remove(part, ec);
    return s;
  }
  fs::rename(part, out_path, ec);
  if (ec) {
    fs::remove(part, ec);
    return Status::IoError("cannot rename " + part + " to " + out_path);
  }
  return result;
}

Result<Bytes> GetBytes(const NodeClient& node, const Hash256& fid, const GetOptions& options, GetResult* result) {
  Bytes out;
  CESS_RETURN_IF_ERROR(ReadInto(node, fid, options, [&](ByteSpan bytes) -> Status {
    out.insert(out.end(), bytes.begin(), bytes.end());
    return Status::Ok();
  }, result));
  return out;
}

Result<Bytes> MasterKeyFromAccountKey(const crypto::Ed25519PrivateKey& key) {
  static constexpr std::string_view kSalt = "cess/storage-master/v1";
  return crypto::Hkdf(AsBytes(kSalt), key.seed(), {}, 32);
}

}  // namespace cess::node
