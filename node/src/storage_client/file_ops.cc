#include "storage_client/file_ops.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>

#include "cess/chain/runtime/sminer.h"
#include "cess/core/hkdf.h"
#include "cess/core/random.h"
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

// Re-encodes the file with `sink` receiving every fragment (the second pass).
using SecondPass = std::function<Status(const storage::HashedFragmentSink& sink)>;

// Pushes one fragment to `endpoint`, retrying Unavailable / DeadlineExceeded up to four times.
Status PushOne(const MinerClient& client, const Hash256& fid, const Hash256& hash, ByteSpan bytes) {
  Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {  // waits 0.2 + 0.4 + 0.8 + 1.6 s between tries
    auto r = client.Put(fid, hash, bytes);
    last = r.status();
    if (r.ok() || (last.code() != StatusCode::kUnavailable && last.code() != StatusCode::kDeadlineExceeded)) break;
    if (attempt < 4) std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
  }
  return last.WithContext("miner " + client.endpoint());
}

// Runs the flow after encoding: placement, declaration, push, wait. The fragments come from
// `fragments` (held in memory) or, when it is empty, from `second_pass`.
Result<PutResult> Store(const NodeClient& node, TxSubmitter& tx, const chain::Profile& profile,
                        const storage::FileManifest& manifest, const std::vector<std::vector<Bytes>>& fragments,
                        const SecondPass& second_pass, const PutOptions& o, PutResult out) {
  RemoteStateReader reader(node);
  const uint32_t n = profile.ec_data + profile.ec_parity;
  out.fid = manifest.fid;
  out.file_size = manifest.file_size;
  out.segments = static_cast<uint32_t>(manifest.segments.size());

  file_bank::UploadArgs args;
  args.fid = manifest.fid;
  args.file_size = manifest.file_size;
  args.name = o.name;
  args.regions = o.regions;
  for (const storage::SegmentInfo& s : manifest.segments) {
    args.segments.push_back(file_bank::SegmentDecl{s.hash, s.fragment_hashes});
  }
  if (manifest.encrypted) args.cipher_info = codec::Encode(manifest.cipher);

  CESS_ASSIGN_OR_RETURN(auto existing, file_bank::ReadFile(reader, manifest.fid));
  std::vector<storage::MinerCandidate> placed;
  if (existing) {
    out.dedup = true;
  } else {
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
    const uint64_t per_miner = profile.fragment_size * manifest.segments.size();
    auto chosen = storage::Place(candidates, o.regions, n, per_miner, seed);
    if (!chosen.ok()) return chosen.status().WithContext("placing " + std::to_string(n) + " fragments");
    placed = std::move(chosen).value();
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

  // Push: one thread per miner, each sending its fragment index of every segment.
  const auto t_push = std::chrono::steady_clock::now();
  const uint64_t total = uint64_t{n} * manifest.segments.size() * profile.fragment_size;
  std::atomic<uint64_t> done{0};
  std::mutex mu;
  Status first_error;
  std::vector<std::unique_ptr<MinerClient>> clients;
  for (uint32_t j = 0; j < n; ++j) {
    CESS_ASSIGN_OR_RETURN(auto c, MinerClient::Connect(placed[j].endpoint, o.timeout_ms));
    clients.push_back(std::move(c));
  }
  auto note_done = [&] {
    const uint64_t d = done.fetch_add(profile.fragment_size) + profile.fragment_size;
    if (o.progress) {
      std::lock_guard lock(mu);
      o.progress("push", d, total);
    }
  };
  if (!fragments.empty()) {
    std::vector<std::thread> threads;
    for (uint32_t j = 0; j < n; ++j) {
      threads.emplace_back([&, j] {
        for (size_t s = 0; s < manifest.segments.size(); ++s) {
          Status st = PushOne(*clients[j], manifest.fid, manifest.segments[s].fragment_hashes[j], fragments[s][j]);
          if (!st.ok()) {
            std::lock_guard lock(mu);
            if (first_error.ok()) first_error = st;
            return;
          }
          note_done();
        }
      });
    }
    for (auto& t : threads) t.join();
  } else {
    // Streaming: each segment's fragments go out in parallel while nothing else is held.
    std::vector<Bytes> row(n);
    first_error = second_pass([&](uint32_t segment, uint32_t fragment, const Hash256& hash, ByteSpan bytes) -> Status {
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
      for (uint32_t j = 0; j < n; ++j) note_done();
      return Status::Ok();
    });
  }
  CESS_RETURN_IF_ERROR(first_error);
  out.push_s = Since(t_push);

  if (o.wait_active) {
    const auto t_active = std::chrono::steady_clock::now();
    const auto deadline = t_active + std::chrono::milliseconds(o.timeout_ms);
    while (true) {
      CESS_ASSIGN_OR_RETURN(auto file, file_bank::ReadFile(reader, manifest.fid));
      if (file) out.state = file->state;
      if (file && file->state == file_bank::FileState::kActive) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        return Status::DeadlineExceeded("file " + chain::HashToHex(manifest.fid) + " is still " +
                                        std::string(file ? file_bank::FileStateName(file->state) : "unknown") +
                                        " after " + std::to_string(o.timeout_ms) + " ms");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    out.active_s = Since(t_active);
  }
  return out;
}

Result<PutResult> EncodeAndStore(const NodeClient& node, TxSubmitter& tx, const PutOptions& o, uint64_t file_size,
                                 const std::function<Result<storage::FileManifest>(const storage::EncodeOptions&)>& encode) {
  if (o.name.empty()) return Status::InvalidArgument("a file name is required");
  if (!o.master_key.empty() && o.master_key.size() != 32) return Status::InvalidArgument("the master key must be 32 bytes");
  CESS_ASSIGN_OR_RETURN(chain::Profile profile, ProfileOf(node));
  storage::EncodeOptions eo;
  eo.layout = LayoutOf(profile);
  eo.master_key = o.master_key;
  std::vector<std::vector<Bytes>> fragments;
  const bool in_memory = file_size <= kInMemoryLimit;
  if (in_memory) eo.sink = [&](uint32_t segment, uint32_t fragment, ByteSpan bytes) -> Status {
    if (fragments.size() <= segment) fragments.resize(segment + 1);
    auto& row = fragments[segment];
    if (row.size() <= fragment) row.resize(fragment + 1);
    row[fragment].assign(bytes.begin(), bytes.end());
    return Status::Ok();
  };
  if (o.progress) eo.progress = [&](uint64_t d, uint64_t t) { o.progress("encode", d, t); };
  PutResult out;
  const auto t0 = std::chrono::steady_clock::now();
  CESS_ASSIGN_OR_RETURN(storage::FileManifest manifest, encode(eo));
  out.encode_s = Since(t0);
  if (manifest.segments.size() > profile.max_segments_per_file) {
    return Status::InvalidArgument("the file needs " + std::to_string(manifest.segments.size()) +
                                   " segments; the chain takes at most " + std::to_string(profile.max_segments_per_file) +
                                   " per file (" + std::to_string(profile.max_segments_per_file * manifest.PlainBytesPerSegment()) +
                                   " bytes)");
  }
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
