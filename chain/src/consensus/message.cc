#include "cess/chain/consensus/message.h"

#include <string>
#include <utility>

namespace cess::chain::consensus {

std::string_view MessageKindName(MessageKind kind) {
  switch (kind) {
    case MessageKind::kTransaction:
      return "transaction";
    case MessageKind::kBlockAnnounce:
      return "block_announce";
    case MessageKind::kVote:
      return "vote";
    case MessageKind::kCommit:
      return "commit";
    case MessageKind::kStatus:
      return "status";
    case MessageKind::kBlocksRequest:
      return "blocks_request";
    case MessageKind::kBlocksResponse:
      return "blocks_response";
    case MessageKind::kEvidence:
      return "evidence";
    case MessageKind::kTransactions:
      return "transactions";
  }
  return "unknown";
}

void StatusMessage::Encode(codec::Writer& w) const {
  w.PutFixed(genesis_hash);
  w.PutU64(best_height);
  w.PutFixed(best_hash);
  w.PutU64(finalized_height);
  w.PutFixed(finalized_hash);
}

Result<StatusMessage> StatusMessage::Decode(codec::Reader& r) {
  StatusMessage s;
  CESS_ASSIGN_OR_RETURN(s.genesis_hash, ReadHash(r));
  CESS_ASSIGN_OR_RETURN(s.best_height, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(s.best_hash, ReadHash(r));
  CESS_ASSIGN_OR_RETURN(s.finalized_height, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(s.finalized_hash, ReadHash(r));
  return s;
}

void BlocksRequest::Encode(codec::Writer& w) const {
  w.PutU64(from_height);
  w.PutU32(max_count);
}

Result<BlocksRequest> BlocksRequest::Decode(codec::Reader& r) {
  BlocksRequest q;
  CESS_ASSIGN_OR_RETURN(q.from_height, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(q.max_count, r.ReadU32());
  if (q.max_count == 0 || q.max_count > kMaxBlocksPerResponse) {
    return Status::Corruption("blocks request: max_count " + std::to_string(q.max_count) + " outside 1.." +
                              std::to_string(kMaxBlocksPerResponse));
  }
  return q;
}

void SyncBlock::Encode(codec::Writer& w) const {
  block.Encode(w);
  w.PutBool(justification.has_value());
  if (justification) justification->Encode(w);
}

Result<SyncBlock> SyncBlock::Decode(codec::Reader& r) {
  SyncBlock b;
  CESS_ASSIGN_OR_RETURN(b.block, Block::Decode(r));
  CESS_ASSIGN_OR_RETURN(bool has, r.ReadBool());
  if (has) {
    CESS_ASSIGN_OR_RETURN(Justification j, Justification::Decode(r));
    b.justification = std::move(j);
  }
  return b;
}

void BlocksResponse::Encode(codec::Writer& w) const { w.PutVector(blocks); }

Result<BlocksResponse> BlocksResponse::Decode(codec::Reader& r) {
  // A block is at least a header, a count and a seal.
  CESS_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(kBlockHeaderBytes + 4 + 64 + 1));
  if (n > kMaxBlocksPerResponse) {
    return Status::Corruption("blocks response: " + std::to_string(n) + " blocks exceed the limit " +
                              std::to_string(kMaxBlocksPerResponse));
  }
  BlocksResponse out;
  out.blocks.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Result<SyncBlock> b = SyncBlock::Decode(r);
    if (!b.ok()) return b.status().WithContext("blocks response: block " + std::to_string(i));
    out.blocks.push_back(std::move(b).value());
  }
  return out;
}

void TransactionBatch::Encode(codec::Writer& w) const { w.PutVector(transactions); }

Result<TransactionBatch> TransactionBatch::Decode(codec::Reader& r) {
  CESS_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(kMinTransactionBytes));
  if (n == 0 || n > kMaxTransactionsPerBatch) {
    return Status::Corruption("transactions message: " + std::to_string(n) + " transactions outside 1.." +
                              std::to_string(kMaxTransactionsPerBatch));
  }
  TransactionBatch out;
  out.transactions.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Result<Transaction> tx = Transaction::Decode(r);
    if (!tx.ok()) return tx.status().WithContext("transactions message: transaction " + std::to_string(i));
    out.transactions.push_back(std::move(tx).value());
  }
  return out;
}

void Message::Encode(codec::Writer& w) const {
  w.PutU8(static_cast<uint8_t>(body.index()));
  std::visit([&w](const auto& payload) { payload.Encode(w); }, body);
}

namespace {

template <typename T>
Result<Message> DecodeAs(codec::Reader& r, std::string_view what) {
  Result<T> v = T::Decode(r);
  if (!v.ok()) return v.status().WithContext(std::string(what));
  return Message{Message::Body(std::move(v).value())};
}

}  // namespace

Result<Message> Message::Decode(codec::Reader& r) {
  CESS_ASSIGN_OR_RETURN(uint8_t kind, r.ReadU8());
  switch (static_cast<MessageKind>(kind)) {
    case MessageKind::kTransaction:
      return DecodeAs<Transaction>(r, "transaction message");
    case MessageKind::kBlockAnnounce:
      return DecodeAs<Block>(r, "block announce");
    case MessageKind::kVote:
      return DecodeAs<SignedVote>(r, "vote message");
    case MessageKind::kCommit:
      return DecodeAs<Justification>(r, "commit message");
    case MessageKind::kStatus:
      return DecodeAs<StatusMessage>(r, "status message");
    case MessageKind::kBlocksRequest:
      return DecodeAs<BlocksRequest>(r, "blocks request");
    case MessageKind::kBlocksResponse:
      return DecodeAs<BlocksResponse>(r, "blocks response");
    case MessageKind::kEvidence:
      return DecodeAs<EquivocationEvidence>(r, "evidence message");
    case MessageKind::kTransactions:
      return DecodeAs<TransactionBatch>(r, "transactions message");
  }
  return Status::Corruption("message: unknown kind " + std::to_string(kind));
}

Bytes EncodeMessage(const Message& message) { return codec::Encode(message); }

Result<Message> DecodeMessage(ByteSpan bytes) {
  if (bytes.size() > kMaxMessageBytes) {
    return Status::Corruption("message: " + std::to_string(bytes.size()) + " bytes exceed the limit " +
                              std::to_string(kMaxMessageBytes));
  }
  return codec::Decode<Message>(bytes);
}

std::optional<MessageKind> PeekKind(ByteSpan bytes) {
  if (bytes.empty() || bytes[0] >= kNumMessageKinds) return std::nullopt;
  return static_cast<MessageKind>(bytes[0]);
}

}  // namespace cess::chain::consensus
