// libFuzzer target: the consensus engine's wire messages (consensus/message.h), every kind.
#include <cstddef>
#include <cstdint>

#include "cess/chain/consensus/message.h"
#include "fuzz_util.h"

namespace cess::chain::fuzz {
namespace {

using consensus::BlocksRequest;
using consensus::BlocksResponse;
using consensus::Message;
using consensus::StatusMessage;
using consensus::SyncBlock;

void WriteSeeds(const std::string& dir) {
  Block block;
  block.header = SeedHeader(4);
  block.transactions.push_back(SeedTx(1, 0, 16));
  Check(block.Seal(Key(2), kChain).ok(), "seal");
  Justification j;
  j.round = 1;
  j.set_id = 1;
  j.target_hash = block.Hash();
  j.target_height = block.header.height;
  for (uint8_t i = 0; i < 3; ++i) j.precommits.push_back(SeedVote(i, VoteKind::kPrecommit, 9));
  BlocksResponse response;
  response.blocks.push_back(SyncBlock{block, j});
  response.blocks.push_back(SyncBlock{block, std::nullopt});
  WriteSeed(dir, "transaction", consensus::EncodeMessage(Message{SeedTx(1, 2, 8)}));
  WriteSeed(dir, "block", consensus::EncodeMessage(Message{block}));
  WriteSeed(dir, "vote", consensus::EncodeMessage(Message{SeedVote(0, VoteKind::kPrevote, 9)}));
  WriteSeed(dir, "commit", consensus::EncodeMessage(Message{j}));
  WriteSeed(dir, "status", consensus::EncodeMessage(Message{StatusMessage{{}, 5, block.Hash(), 3, {}}}));
  WriteSeed(dir, "request", consensus::EncodeMessage(Message{BlocksRequest{1, 64}}));
  WriteSeed(dir, "response", consensus::EncodeMessage(Message{response}));
  const EquivocationEvidence ev{
      VoteEquivocation{SeedVote(1, VoteKind::kPrevote, 9), SeedVote(1, VoteKind::kPrevote, 8)}};
  WriteSeed(dir, "evidence", consensus::EncodeMessage(Message{ev}));
  consensus::TransactionBatch batch;
  batch.transactions = {SeedTx(1, 0, 8), SeedTx(2, 3, 0), SeedTx(1, 1, 16)};
  WriteSeed(dir, "transactions", consensus::EncodeMessage(Message{batch}));
}

}  // namespace
}  // namespace cess::chain::fuzz

CESS_FUZZ_SEED_INITIALIZER()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cess::chain;
  using namespace cess::chain::fuzz;
  static const VoterSet voters = SeedVoters();
  const cess::ByteSpan in(data, size);
  cess::Result<consensus::Message> m = consensus::DecodeMessage(in);
  if (!m.ok()) return 0;
  Check(consensus::PeekKind(in) == m->kind(), "the kind byte is the decoded kind");
  const cess::Bytes again = consensus::EncodeMessage(*m);
  Check(again.size() == size && std::equal(again.begin(), again.end(), data),
        "decode then encode does not give back the input");
  // What the engine checks next must never crash either.
  if (const auto* block = std::get_if<Block>(&m->body)) (void)block->CheckIntegrity(kChain);
  if (const auto* vote = std::get_if<SignedVote>(&m->body)) (void)vote->Verify(kChain);
  if (const auto* j = std::get_if<Justification>(&m->body)) (void)j->Verify(kChain, voters);
  if (const auto* ev = std::get_if<EquivocationEvidence>(&m->body)) (void)ev->Verify(kChain, voters);
  if (const auto* tx = std::get_if<Transaction>(&m->body)) (void)tx->Verify(kChain);
  if (const auto* batch = std::get_if<consensus::TransactionBatch>(&m->body)) {
    Check(!batch->transactions.empty() && batch->transactions.size() <= consensus::kMaxTransactionsPerBatch,
          "a decoded batch is within its bounds");
    for (const auto& tx : batch->transactions) (void)tx.Verify(kChain);
  }
  if (const auto* r = std::get_if<consensus::BlocksResponse>(&m->body)) {
    for (const auto& sb : r->blocks) (void)sb.block.CheckIntegrity(kChain);
  }
  return 0;
}
