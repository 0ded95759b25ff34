// The miner's fragment service (proto/storage/miner.proto) over its FragmentStore.
#pragma once

#include <atomic>
#include <cstdint>

#include "cess/storage/fragment_store.h"
#include "miner/miner_agent.h"
#include "storage/miner.grpc.pb.h"

namespace cess::node {

class MinerService final : public miner::v1::Miner::Service {
 public:
  // `fragment_size` is the only fragment size accepted (the profile's). The store and agent must
  // outlive the server.
  // `early_limit` bounds the bytes of early pushes whose file is not declared yet: being received
  // plus kept as pending.
  MinerService(storage::FragmentStore& store, MinerAgent& agent, uint64_t fragment_size, std::string region,
               uint64_t early_limit = kDefaultEarlyLimit)
      : store_(store), agent_(agent), fragment_size_(fragment_size), region_(std::move(region)),
        early_limit_(early_limit) {}

  static constexpr uint64_t kDefaultEarlyLimit = uint64_t{1} << 30;

  // Thread-safe.
  grpc::Status PutFragment(grpc::ServerContext* ctx, grpc::ServerReader<miner::v1::PutFragmentRequest>* reader,
                           miner::v1::PutFragmentResponse* reply) override;
  grpc::Status PutFragments(grpc::ServerContext* ctx, grpc::ServerReader<miner::v1::PutFragmentsRequest>* reader,
                            miner::v1::PutFragmentsResponse* reply) override;
  grpc::Status GetFragment(grpc::ServerContext* ctx, const miner::v1::GetFragmentRequest* request,
                           grpc::ServerWriter<miner::v1::GetFragmentResponse>* writer) override;
  grpc::Status Status(grpc::ServerContext* ctx, const miner::v1::MinerStatusRequest* request,
                      miner::v1::MinerStatusResponse* reply) override;

 private:
  storage::FragmentStore& store_;
  MinerAgent& agent_;
  uint64_t fragment_size_;
  std::string region_;
  uint64_t early_limit_;
  std::atomic<uint64_t> early_in_flight_{0};
};

}  // namespace cess::node
