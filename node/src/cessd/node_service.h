// The node's client API (proto/chain/node.proto, `cess.node.v1.Node`): status, transaction
// submission, account and block queries, answered from the consensus engine and the application.
// Registered on the P2P server's port by cessd.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "cess/chain/application.h"
#include "cess/chain/consensus/engine.h"
#include "cess/chain/p2p/grpc_network.h"
#include "cess/chain/runtime/runtime.h"
#include "chain/node.grpc.pb.h"

namespace cess::node {

// The most transactions one SubmitTransactions call may carry.
inline constexpr int kMaxSubmitBatch = 8192;

class NodeService final : public ::cess::node::v1::Node::Service {
 public:
  // `genesis_header` is what InitChain returned (GetBlock(0) answers it); the clock gives Unix ms
  // (for the current slot). The engine and network are set after construction, because the
  // network is started with this service registered and the engine is created on the network:
  // until the engine is set every call answers UNAVAILABLE, and until the network is set Status
  // reports no peers. The application, engine and network must outlive the server.
  NodeService(chain::Application& app, chain::BlockHeader genesis_header, std::function<uint64_t()> clock_ms,
              std::string node_account);
  void set_engine(chain::consensus::Engine* engine) { engine_.store(engine); }
  void set_network(const chain::p2p::GrpcNetwork* network) { network_.store(network); }
  // The runtime, for module error names in GetReceipt (optional; names read "unknown" without it).
  // It must outlive the server.
  void set_runtime(const chain::runtime::Runtime* runtime) { runtime_.store(runtime); }

  // v1::Node::Service. Thread-safe (the engine and application serialize internally).
  grpc::Status Status(grpc::ServerContext* ctx, const v1::StatusRequest* request,
                      v1::StatusResponse* reply) override;
  grpc::Status SubmitTransaction(grpc::ServerContext* ctx, const v1::SubmitTransactionRequest* request,
                                 v1::SubmitTransactionResponse* reply) override;
  // Decodes every transaction (undecodable ones are refused in their result), then admits the
  // decoded ones with Engine::SubmitTransactions. INVALID_ARGUMENT above kMaxSubmitBatch.
  grpc::Status SubmitTransactions(grpc::ServerContext* ctx, const v1::SubmitTransactionsRequest* request,
                                  v1::SubmitTransactionsResponse* reply) override;
  grpc::Status GetAccount(grpc::ServerContext* ctx, const v1::GetAccountRequest* request,
                          v1::GetAccountResponse* reply) override;
  grpc::Status GetBlock(grpc::ServerContext* ctx, const v1::GetBlockRequest* request,
                        v1::GetBlockResponse* reply) override;
  grpc::Status GetState(grpc::ServerContext* ctx, const v1::GetStateRequest* request,
                        v1::GetStateResponse* reply) override;
  grpc::Status ScanState(grpc::ServerContext* ctx, const v1::ScanStateRequest* request,
                         v1::ScanStateResponse* reply) override;
  // Reads the receipt index the engine writes at finalization (kReceiptsColumn) and the block
  // that holds the transaction (for the called module's name).
  grpc::Status GetReceipt(grpc::ServerContext* ctx, const v1::GetReceiptRequest* request,
                          v1::GetReceiptResponse* reply) override;

 private:
  chain::Application& app_;
  std::atomic<chain::consensus::Engine*> engine_{nullptr};
  const chain::BlockHeader genesis_header_;
  std::function<uint64_t()> clock_ms_;
  std::string node_account_;
  std::atomic<const chain::p2p::GrpcNetwork*> network_{nullptr};
  std::atomic<const chain::runtime::Runtime*> runtime_{nullptr};
};

}  // namespace cess::node
