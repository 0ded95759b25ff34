// A client of a storage miner's fragment service (proto/storage/miner.proto), and a
// storage::FragmentFetcher over it: what uploaders, downloaders and repairing miners use.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/storage/retrieval.h"
#include "storage/miner.grpc.pb.h"

namespace cess::node {

// Chunk size of fragment streams.
inline constexpr size_t kFragmentChunkBytes = size_t{1} << 20;

// One open PutFragments stream (MinerClient::OpenPush). One thread drives it; Cancel may come from
// any thread.
class FragmentPush {
 public:
  ~FragmentPush();
  // Sends fragment `hash` in chunks. False when the stream broke (Finish says why).
  bool Write(const Hash256& hash, ByteSpan bytes);
  // Ends the stream (an early one first sends `fid`, which it then requires) and waits for the
  // miner's acknowledgement of the group commit. Errors as MinerClient::Put.
  Result<miner::v1::PutFragmentsResponse> Finish(const Hash256* fid = nullptr);
  // Aborts the stream: the miner drops what it received. Thread-safe.
  void Cancel();

 private:
  friend class MinerClient;
  FragmentPush() = default;
  grpc::ClientContext ctx_;
  miner::v1::PutFragmentsResponse reply_;
  std::unique_ptr<grpc::ClientWriter<miner::v1::PutFragmentsRequest>> writer_;
  std::string endpoint_;
  bool early_ = false;
  bool first_ = true;     // the next message is the stream's first
  bool broken_ = false;   // a Write failed
  bool finished_ = false;
};

// Thread-safe: one channel per client; calls may run concurrently.
class MinerClient {
 public:
  // A client of the miner at `endpoint` (host:port); connects lazily. `timeout_ms` bounds each
  // call. Errors: InvalidArgument on an empty endpoint.
  static Result<std::unique_ptr<MinerClient>> Connect(const std::string& endpoint, uint32_t timeout_ms = 30000);

  // Streams fragment `hash` of file `fid` in chunks; OK once the miner acknowledged it durably.
  // Errors: the miner's answer (InvalidArgument, ResourceExhausted, FailedPrecondition), Unavailable,
  // DeadlineExceeded.
  Result<miner::v1::PutFragmentResponse> Put(const Hash256& fid, const Hash256& hash, ByteSpan bytes) const;
  // One fragment of a PutMany call.
  struct FragmentRef {
    Hash256 hash{};
    ByteSpan bytes;
  };
  // Streams every fragment of `fragments` (of file `fid`) in one PutFragments call; OK once the
  // miner acknowledged all of them durably (one group commit). Nothing is stored when any one is
  // refused. Errors as Put.
  Result<miner::v1::PutFragmentsResponse> PutMany(const Hash256& fid, std::span<const FragmentRef> fragments) const;
  // Opens a PutFragments stream for fragments of file `*fid`, or, with nullptr, an early stream
  // whose fid is given to Finish (proto/storage/miner.proto). The timeout bounds the whole stream.
  std::unique_ptr<FragmentPush> OpenPush(const Hash256* fid) const;
  // The fragment's bytes [offset, offset + length) (length 0: to the end). Errors: NotFound,
  // DataLoss (the miner's copy is corrupt), Unavailable, DeadlineExceeded, Corruption when the
  // stream is malformed.
  Result<Bytes> Get(const Hash256& hash, uint64_t offset = 0, uint64_t length = 0) const;
  Result<miner::v1::MinerStatusResponse> Status() const;

  const std::string& endpoint() const { return endpoint_; }

 private:
  MinerClient(std::string endpoint, uint32_t timeout_ms);
  std::string endpoint_;
  uint32_t timeout_ms_;
  std::unique_ptr<miner::v1::Miner::Stub> stub_;
};

// Fetches fragments with GetFragment from the location's endpoint, one cached client per endpoint.
class GrpcFragmentFetcher final : public storage::FragmentFetcher {
 public:
  explicit GrpcFragmentFetcher(uint32_t timeout_ms = 30000) : timeout_ms_(timeout_ms) {}
  Result<Bytes> Fetch(const storage::FragmentLocation& location) override;
  // The cached client of `endpoint` (created on first use).
  Result<const MinerClient*> ClientFor(const std::string& endpoint);

 private:
  uint32_t timeout_ms_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<MinerClient>> clients_;
};

}  // namespace cess::node
