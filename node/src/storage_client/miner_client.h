// A client of a storage miner's fragment service (proto/storage/miner.proto), and a
// storage::FragmentFetcher over it: what uploaders, downloaders and repairing miners use.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/storage/retrieval.h"
#include "storage/miner.grpc.pb.h"

namespace cess::node {

// Chunk size of fragment streams.
inline constexpr size_t kFragmentChunkBytes = size_t{1} << 20;

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
