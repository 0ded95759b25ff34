// The consensus engine's wire messages (issue 4 §4): what engines exchange through the transport
// (network.h). Every message is the canonical codec (core/codec.h) of
//   Message  kind (u8) ‖ payload
// with one payload per kind:
//   0 transaction     Transaction                                   (transaction.h)
//   1 block announce  Block (the full block)                        (block.h)
//   2 vote            SignedVote                                    (vote.h)
//   3 commit          Justification of a finalized block            (vote.h)
//   4 status          genesis_hash (32) ‖ best_height (u64) ‖ best_hash (32) ‖
//                     finalized_height (u64) ‖ finalized_hash (32)
//   5 blocks request  from_height (u64) ‖ max_count (u32)
//   6 blocks response vector of (Block ‖ has_justification (bool) ‖ [Justification])
//   7 evidence        EquivocationEvidence                          (evidence.h)
//   8 transactions    vector of Transaction (a gossip batch; 1..kMaxTransactionsPerBatch)
//
// Decoding is strict and safe on any input: a message longer than kMaxMessageBytes is refused
// before anything is read, an unknown kind or trailing bytes are refused, every count is bounded
// (kMaxBlocksPerResponse; the payload types bound their own), and nothing allocates much more than
// the input. Decoding checks format only: signatures, seals and justifications are verified by the
// engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "cess/chain/block.h"
#include "cess/chain/evidence.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/chain/vote.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"

namespace cess::chain::consensus {

// The largest encoded message: one maximal block plus room for its justification, or a response.
inline constexpr size_t kMaxMessageBytes = kMaxBlockBytes + (size_t{1} << 20);
// The most blocks one response may carry (and one request may ask for).
inline constexpr uint32_t kMaxBlocksPerResponse = 128;
// The most transactions one transactions message may carry.
inline constexpr uint32_t kMaxTransactionsPerBatch = 8192;

// The message kinds. Values are part of the encoding: never renumber, only append.
enum class MessageKind : uint8_t {
  kTransaction = 0,
  kBlockAnnounce = 1,
  kVote = 2,
  kCommit = 3,
  kStatus = 4,
  kBlocksRequest = 5,
  kBlocksResponse = 6,
  kEvidence = 7,
  kTransactions = 8,
};
inline constexpr size_t kNumMessageKinds = 9;

// A stable lowercase name ("transaction", "block_announce", ...); "unknown" outside the enum.
std::string_view MessageKindName(MessageKind kind);

// A node's view of its chain, sent periodically and on connect so peers can decide to sync.
struct StatusMessage {
  Hash256 genesis_hash{};
  uint64_t best_height = 0;
  Hash256 best_hash{};
  uint64_t finalized_height = 0;
  Hash256 finalized_hash{};

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation.
  static Result<StatusMessage> Decode(codec::Reader& r);
  bool operator==(const StatusMessage&) const = default;
};

// Asks for the blocks at heights from_height, from_height + 1, ... (at most max_count).
struct BlocksRequest {
  uint64_t from_height = 0;
  uint32_t max_count = 0;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation, max_count of 0 or above kMaxBlocksPerResponse.
  static Result<BlocksRequest> Decode(codec::Reader& r);
  bool operator==(const BlocksRequest&) const = default;
};

// One block of a response; final blocks that were finalized explicitly carry their justification.
struct SyncBlock {
  Block block;
  std::optional<Justification> justification;

  void Encode(codec::Writer& w) const;
  // Errors: as Block::Decode / Justification::Decode, or Corruption on a bad bool.
  static Result<SyncBlock> Decode(codec::Reader& r);
  bool operator==(const SyncBlock&) const = default;
};

// Consecutive blocks answering a BlocksRequest, in height order.
struct BlocksResponse {
  std::vector<SyncBlock> blocks;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation or more than kMaxBlocksPerResponse blocks.
  static Result<BlocksResponse> Decode(codec::Reader& r);
  bool operator==(const BlocksResponse&) const = default;
};

// Several transactions gossiped together (one message per batch instead of one per transaction).
struct TransactionBatch {
  std::vector<Transaction> transactions;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation, an empty batch, more than kMaxTransactionsPerBatch
  // transactions, or any transaction decode error.
  static Result<TransactionBatch> Decode(codec::Reader& r);
  bool operator==(const TransactionBatch&) const = default;
};

// One message: the variant's index is the kind.
struct Message {
  using Body = std::variant<Transaction, Block, SignedVote, Justification, StatusMessage, BlocksRequest,
                            BlocksResponse, EquivocationEvidence, TransactionBatch>;
  Body body;

  MessageKind kind() const { return static_cast<MessageKind>(body.index()); }

  // kind ‖ payload. REQUIRES: the payload encodes (transactions' calls valid).
  void Encode(codec::Writer& w) const;
  // Errors: Corruption on an unknown kind or any payload error.
  static Result<Message> Decode(codec::Reader& r);
  bool operator==(const Message&) const = default;
};

// The bytes of `message`, ready for Network::Broadcast / Send.
Bytes EncodeMessage(const Message& message);
// Decodes a whole received message. Errors: Corruption when it is longer than kMaxMessageBytes,
// malformed, of an unknown kind, or followed by trailing bytes. Safe on any input.
Result<Message> DecodeMessage(ByteSpan bytes);
// The kind byte of a received message without decoding it; nullopt when empty or unknown.
std::optional<MessageKind> PeekKind(ByteSpan bytes);

}  // namespace cess::chain::consensus
