#include "cessd/node_client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <utility>

#include "cess/chain/p2p/grpc_network.h"
#include "cess/core/codec.h"

namespace cess::node {
namespace {

cess::Status FromGrpc(const grpc::Status& s, const std::string& address) {
  const std::string msg = s.error_message() + " (node " + address + ")";
  switch (s.error_code()) {
    case grpc::StatusCode::OK: return cess::Status::Ok();
    case grpc::StatusCode::INVALID_ARGUMENT: return cess::Status::InvalidArgument(msg);
    case grpc::StatusCode::NOT_FOUND: return cess::Status::NotFound(msg);
    case grpc::StatusCode::DEADLINE_EXCEEDED: return cess::Status::DeadlineExceeded(msg);
    case grpc::StatusCode::UNAVAILABLE: return cess::Status::Unavailable(msg);
    case grpc::StatusCode::FAILED_PRECONDITION: return cess::Status::FailedPrecondition(msg);
    default: return cess::Status::Internal(msg);
  }
}

}  // namespace

NodeClient::NodeClient(std::string address, uint32_t timeout_ms)
    : address_(std::move(address)), timeout_ms_(timeout_ms) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  stub_ = v1::Node::NewStub(grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args));
}

Result<std::unique_ptr<NodeClient>> NodeClient::Connect(const std::string& address, uint32_t timeout_ms) {
  if (!chain::p2p::GrpcNetwork::IsValidPeerAddress(address)) {
    return cess::Status::InvalidArgument("node address must be host:port, got '" + address + "'");
  }
  return std::unique_ptr<NodeClient>(new NodeClient(address, timeout_ms));
}

#define CESS_NODE_CALL(Method, request, Response)                                              \
  grpc::ClientContext ctx;                                                                     \
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms_)); \
  Response reply;                                                                              \
  grpc::Status s = stub_->Method(&ctx, request, &reply);                                      \
  if (!s.ok()) return FromGrpc(s, address_);                                                   \
  return reply

Result<v1::StatusResponse> NodeClient::Status() const {
  v1::StatusRequest req;
  CESS_NODE_CALL(Status, req, v1::StatusResponse);
}

Result<v1::SubmitTransactionResponse> NodeClient::Submit(const chain::Transaction& tx) const {
  v1::SubmitTransactionRequest req;
  Bytes enc = codec::Encode(tx);
  req.set_transaction(enc.data(), enc.size());
  CESS_NODE_CALL(SubmitTransaction, req, v1::SubmitTransactionResponse);
}

Result<v1::SubmitTransactionsResponse> NodeClient::SubmitBatch(std::span<const chain::Transaction> txs) const {
  v1::SubmitTransactionsRequest req;
  for (const chain::Transaction& tx : txs) {
    Bytes enc = codec::Encode(tx);
    req.add_transactions(enc.data(), enc.size());
  }
  CESS_NODE_CALL(SubmitTransactions, req, v1::SubmitTransactionsResponse);
}

Result<v1::SubmitTransactionsResponse> NodeClient::SubmitEncoded(std::span<const Bytes> encoded) const {
  v1::SubmitTransactionsRequest req;
  for (const Bytes& enc : encoded) req.add_transactions(enc.data(), enc.size());
  CESS_NODE_CALL(SubmitTransactions, req, v1::SubmitTransactionsResponse);
}

Result<v1::GetAccountResponse> NodeClient::GetAccount(const chain::AccountId& account, bool finalized) const {
  v1::GetAccountRequest req;
  req.set_account(account.ToHex());
  req.set_finalized(finalized);
  CESS_NODE_CALL(GetAccount, req, v1::GetAccountResponse);
}

Result<v1::GetBlockResponse> NodeClient::GetBlock(uint64_t height) const {
  v1::GetBlockRequest req;
  req.set_height(height);
  CESS_NODE_CALL(GetBlock, req, v1::GetBlockResponse);
}

Result<v1::GetStateResponse> NodeClient::GetState(const std::vector<Bytes>& keys, bool finalized) const {
  v1::GetStateRequest req;
  for (const Bytes& k : keys) req.add_keys(std::string(k.begin(), k.end()));
  req.set_finalized(finalized);
  CESS_NODE_CALL(GetState, req, v1::GetStateResponse);
}

Result<v1::ScanStateResponse> NodeClient::ScanState(ByteSpan prefix, ByteSpan start_after, uint32_t limit,
                                                    bool finalized) const {
  v1::ScanStateRequest req;
  req.set_prefix(std::string(prefix.begin(), prefix.end()));
  req.set_start_after(std::string(start_after.begin(), start_after.end()));
  req.set_limit(limit);
  req.set_finalized(finalized);
  CESS_NODE_CALL(ScanState, req, v1::ScanStateResponse);
}

Result<v1::GetReceiptResponse> NodeClient::GetReceipt(const Hash256& tx_hash) const {
  v1::GetReceiptRequest req;
  req.set_tx_hash(chain::HashToHex(tx_hash));
  CESS_NODE_CALL(GetReceipt, req, v1::GetReceiptResponse);
}

#undef CESS_NODE_CALL

}  // namespace cess::node
