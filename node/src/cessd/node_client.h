// A client of the node API (proto/chain/node.proto) for the `cess` CLI, tests and tools: one gRPC
// channel to one node, each call with a deadline, gRPC errors mapped to Status.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/core/result.h"
#include "chain/node.grpc.pb.h"

namespace cess::node {

class NodeClient {
 public:
  // A client of the node at `address` ("host:port"); connects lazily on the first call.
  // `timeout_ms` bounds every call. Errors: InvalidArgument on a malformed address.
  static Result<std::unique_ptr<NodeClient>> Connect(const std::string& address, uint32_t timeout_ms = 5000);

  // Each call: Unavailable when the node cannot be reached, DeadlineExceeded on a timeout,
  // NotFound / InvalidArgument as the service answers.
  Result<v1::StatusResponse> Status() const;
  Result<v1::SubmitTransactionResponse> Submit(const chain::Transaction& tx) const;
  // Submits a batch (at most kMaxSubmitBatch = 8192); one result per transaction, in order.
  Result<v1::SubmitTransactionsResponse> SubmitBatch(std::span<const chain::Transaction> txs) const;
  // As SubmitBatch, for transactions already in their canonical encoding.
  Result<v1::SubmitTransactionsResponse> SubmitEncoded(std::span<const Bytes> encoded) const;
  Result<v1::GetAccountResponse> GetAccount(const chain::AccountId& account, bool finalized = false) const;
  Result<v1::GetBlockResponse> GetBlock(uint64_t height) const;
  // Raw state reads (see RemoteStateReader for the StateReader over them).
  Result<v1::GetStateResponse> GetState(const std::vector<Bytes>& keys, bool finalized = false) const;
  Result<v1::ScanStateResponse> ScanState(ByteSpan prefix, ByteSpan start_after, uint32_t limit,
                                          bool finalized = false) const;
  // NotFound while the transaction is not finalized.
  Result<v1::GetReceiptResponse> GetReceipt(const Hash256& tx_hash) const;

  const std::string& address() const { return address_; }

 private:
  NodeClient(std::string address, uint32_t timeout_ms);
  std::string address_;
  uint32_t timeout_ms_;
  std::unique_ptr<v1::Node::Stub> stub_;
};

}  // namespace cess::node
