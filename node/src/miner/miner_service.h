// The miner's fragment service (proto/storage/miner.proto) over its FragmentStore.
#pragma once

#include <cstdint>

#include "cess/storage/fragment_store.h"
#include "miner/miner_agent.h"
#include "storage/miner.grpc.pb.h"

namespace cess::node {

class MinerService final : public miner::v1::Miner::Service {
 public:
  // `fragment_size` is the only fragment size accepted (the profile's). The store and agent must
  // outlive the server.
  MinerService(storage::FragmentStore& store, MinerAgent& agent, uint64_t fragment_size, std::string region)
      : store_(store), agent_(agent), fragment_size_(fragment_size), region_(std::move(region)) {}

  // Thread-safe.
  grpc::Status PutFragment(grpc::ServerContext* ctx, grpc::ServerReader<miner::v1::PutFragmentRequest>* reader,
                           miner::v1::PutFragmentResponse* reply) override;
  grpc::Status GetFragment(grpc::ServerContext* ctx, const miner::v1::GetFragmentRequest* request,
                           grpc::ServerWriter<miner::v1::GetFragmentResponse>* writer) override;
  grpc::Status Status(grpc::ServerContext* ctx, const miner::v1::MinerStatusRequest* request,
                      miner::v1::MinerStatusResponse* reply) override;

 private:
  storage::FragmentStore& store_;
  MinerAgent& agent_;
  uint64_t fragment_size_;
  std::string region_;
};

}  // namespace cess::node
