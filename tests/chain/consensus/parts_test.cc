// Unit tests of the consensus engine's parts: messages, block tree, transaction pool, round votes,
// voter safety persistence and the simulated network.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cess/chain/consensus/block_tree.h"
#include "cess/chain/consensus/message.h"
#include "cess/chain/consensus/round_votes.h"
#include "cess/chain/consensus/sim_network.h"
#include "cess/chain/consensus/tx_pool.h"
#include "cess/chain/consensus/voter_safety.h"
#include "cess/core/random.h"

namespace cess::chain::consensus {
namespace {

constexpr std::string_view kChain = "consensus-test";

crypto::Ed25519PrivateKey Key(uint8_t i) {
  crypto::Ed25519Seed seed;
  seed.fill(static_cast<uint8_t>(i + 1));
  return crypto::Ed25519PrivateKey::FromSeed(seed).value();
}

Transaction Tx(uint8_t signer, uint64_t nonce, uint64_t fee) {
  Transaction tx;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.call = Call{"balances", "transfer", Bytes(40, static_cast<uint8_t>(nonce))};
  EXPECT_TRUE(tx.Sign(Key(signer), kChain).ok());
  return tx;
}

Block Child(const BlockHeader& parent, uint64_t slot, uint8_t salt) {
  Block b;
  b.header.parent_hash = parent.Hash();
  b.header.height = parent.height + 1;
  b.header.slot = slot;
  b.header.state_root.fill(salt);
  return b;
}

SignedVote MakeVote(uint8_t voter, VoteKind kind, uint64_t round, uint8_t target) {
  Vote v;
  v.kind = kind;
  v.round = round;
  v.set_id = 0;
  v.target_hash.fill(target);
  v.target_height = 5;
  return SignedVote::Sign(v, Key(voter), kChain).value();
}

TEST(MessageTest, EveryKindRoundTrips) {
  BlockHeader genesis;
  Block block = Child(genesis, 3, 1);
  block.transactions.push_back(Tx(1, 0, 100));
  ASSERT_TRUE(block.Seal(Key(2), kChain).ok());
  Justification j;
  j.target_hash = block.Hash();
  j.target_height = 1;
  j.precommits.push_back(MakeVote(1, VoteKind::kPrecommit, 0, 3));
  StatusMessage status{genesis.Hash(), 7, block.Hash(), 5, genesis.Hash()};
  BlocksResponse response;
  response.blocks.push_back(SyncBlock{block, j});
  response.blocks.push_back(SyncBlock{block, std::nullopt});
  const std::vector<Message> all = {
      Message{Tx(3, 1, 5)},
      Message{block},
      Message{MakeVote(1, VoteKind::kPrevote, 2, 9)},
      Message{j},
      Message{status},
      Message{BlocksRequest{4, 64}},
      Message{response},
      Message{EquivocationEvidence{
          VoteEquivocation{MakeVote(1, VoteKind::kPrevote, 2, 9), MakeVote(1, VoteKind::kPrevote, 2, 8)}}},
      Message{TransactionBatch{{Tx(3, 1, 5), Tx(4, 0, 7), Tx(3, 2, 5)}}},
  };
  ASSERT_EQ(all.size(), kNumMessageKinds);
  for (size_t i = 0; i < all.size(); ++i) {
    const Bytes bytes = EncodeMessage(all[i]);
    EXPECT_EQ(bytes[0], i);
    EXPECT_EQ(PeekKind(bytes), static_cast<MessageKind>(i));
    Result<Message> back = DecodeMessage(bytes);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, all[i]) << MessageKindName(all[i].kind());
    // Every truncation is refused, never crashes.
    for (size_t cut = 0; cut < bytes.size(); cut += 1 + bytes.size() / 97) {
      EXPECT_FALSE(DecodeMessage(ByteSpan(bytes.data(), cut)).ok());
    }
    Bytes trailing = bytes;
    trailing.push_back(0);
    EXPECT_FALSE(DecodeMessage(trailing).ok());
  }
}

TEST(MessageTest, RefusesUnknownKindsAndBadCounts) {
  EXPECT_FALSE(DecodeMessage(Bytes{}).ok());
  EXPECT_FALSE(DecodeMessage(Bytes{8}).ok());
  EXPECT_FALSE(DecodeMessage(Bytes{9}).ok());
  EXPECT_FALSE(DecodeMessage(Bytes{255, 1, 2}).ok());
  EXPECT_FALSE(PeekKind(Bytes{9}).has_value());
  EXPECT_EQ(PeekKind(Bytes{8}), MessageKind::kTransactions);
  // A transactions message with no transactions, or with more than the limit, is refused.
  EXPECT_FALSE(DecodeMessage(Bytes{8, 0, 0, 0, 0}).ok());
  {
    const Transaction tx = Tx(1, 0, 10);
    codec::Writer w;
    w.PutU8(8);
    w.PutU32(kMaxTransactionsPerBatch + 1);
    for (uint32_t i = 0; i <= kMaxTransactionsPerBatch; ++i) tx.Encode(w);
    EXPECT_FALSE(DecodeMessage(w.data()).ok());
    TransactionBatch at_limit;
    at_limit.transactions.assign(kMaxTransactionsPerBatch, tx);
    Result<Message> back = DecodeMessage(EncodeMessage(Message{at_limit}));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(std::get<TransactionBatch>(back->body).transactions.size(), kMaxTransactionsPerBatch);
  }
  // A count larger than the bytes could hold is refused before allocating.
  EXPECT_FALSE(DecodeMessage(Bytes{8, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3}).ok());
  EXPECT_TRUE(DecodeMessage(EncodeMessage(Message{BlocksRequest{1, 1}})).ok());
  Bytes zero_count = EncodeMessage(Message{BlocksRequest{1, 1}});
  zero_count[9] = 0;  // max_count 0
  EXPECT_FALSE(DecodeMessage(zero_count).ok());
  // A response claiming 2^32-1 blocks in a few bytes is refused before allocating.
  Bytes huge{6, 0xff, 0xff, 0xff, 0xff, 0, 0};
  EXPECT_FALSE(DecodeMessage(huge).ok());
  // Random garbage never crashes.
  crypto::DeterministicRng rng(7);
  for (int i = 0; i < 2000; ++i) {
    Bytes b(1 + i % 300);
    ASSERT_TRUE(rng.Fill(b).ok());
    b[0] = static_cast<uint8_t>(i % 10);
    (void)DecodeMessage(b);
  }
}

TEST(BlockTreeTest, LongestChainThenLowerHashAndPruning) {
  BlockHeader genesis;
  BlockTree tree;
  tree.Reset(genesis);
  EXPECT_EQ(tree.Best(), genesis.Hash());
  const Block a1 = Child(genesis, 1, 1);
  const Block a2 = Child(a1.header, 2, 1);
  const Block b1 = Child(genesis, 3, 2);
  const Block b2 = Child(b1.header, 4, 2);
  const Block b3 = Child(b2.header, 5, 2);
  EXPECT_FALSE(tree.Insert(a2));  // parent unknown
  ASSERT_TRUE(tree.Insert(a1));
  ASSERT_TRUE(tree.Insert(a2));
  EXPECT_FALSE(tree.Insert(a2));
  ASSERT_TRUE(tree.Insert(b1));
  ASSERT_TRUE(tree.Insert(b2));
  // Equal heights: the lower hash wins.
  const Hash256 lower = std::min(a2.Hash(), b2.Hash());
  EXPECT_EQ(tree.Best(), lower);
  ASSERT_TRUE(tree.Insert(b3));
  EXPECT_EQ(tree.Best(), b3.Hash());
  EXPECT_EQ(tree.BestDescendant(a1.Hash()), a2.Hash());
  EXPECT_TRUE(tree.IsAncestor(b1.Hash(), b3.Hash()));
  EXPECT_FALSE(tree.IsAncestor(a1.Hash(), b3.Hash()));
  EXPECT_EQ(tree.AncestorAt(b3.Hash(), 1), b1.Hash());
  ASSERT_EQ(tree.PathFromRoot(b3.Hash()).size(), 3u);
  EXPECT_EQ(tree.SetRoot(b1.Hash()), 3u);  // a1, a2 and b1 itself
  EXPECT_EQ(tree.root_hash(), b1.Hash());
  EXPECT_FALSE(tree.Contains(a1.Hash()));
  EXPECT_TRUE(tree.Contains(b3.Hash()));
  EXPECT_EQ(tree.size(), 2u);
}

TEST(TxPoolTest, FeeOrderRespectsNonces) {
  TxPool pool;
  ASSERT_TRUE(pool.Add(Tx(1, 1, 500)).ok());  // high fee but needs nonce 0 first
  ASSERT_TRUE(pool.Add(Tx(1, 0, 10)).ok());
  ASSERT_TRUE(pool.Add(Tx(2, 0, 100)).ok());
  ASSERT_TRUE(pool.Add(Tx(3, 0, 100)).ok());  // same fee, later arrival
  EXPECT_EQ(pool.Add(Tx(2, 0, 100)).code(), StatusCode::kAlreadyExists);
  const std::vector<Transaction> order = pool.Ordered(10, SIZE_MAX);
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0].signer, AccountId::Of(Key(2)));
  EXPECT_EQ(order[1].signer, AccountId::Of(Key(3)));
  EXPECT_EQ(order[2].nonce, 0u);
  EXPECT_EQ(order[3].nonce, 1u);
  EXPECT_EQ(pool.NextNonceAfterPending(AccountId::Of(Key(1))), 2u);
  // A replacement must pay more.
  EXPECT_FALSE(pool.Add(Tx(1, 0, 10)).ok());
  ASSERT_TRUE(pool.Add(Tx(1, 0, 11)).ok());
  EXPECT_EQ(pool.size(), 4u);
  // Revalidation drops what the check refuses.
  const AccountId one = AccountId::Of(Key(1));
  EXPECT_EQ(pool.Revalidate([&](const Transaction& tx) {
    return tx.signer == one ? TxCheck{ResultCode::kBadNonce, 0, "stale"} : TxCheck{};
  }), 2u);
  EXPECT_EQ(pool.size(), 2u);
  const Hash256 h = Tx(2, 0, 100).Hash();
  EXPECT_EQ(pool.Remove(std::vector<Hash256>{h}), 1u);
  EXPECT_EQ(pool.size(), 1u);
}

TEST(TxPoolTest, BoundedWithEvictionOfTheCheapest) {
  TxPool pool(TxPoolOptions{3, SIZE_MAX, 2});
  ASSERT_TRUE(pool.Add(Tx(1, 0, 10)).ok());
  ASSERT_TRUE(pool.Add(Tx(2, 0, 20)).ok());
  ASSERT_TRUE(pool.Add(Tx(3, 0, 30)).ok());
  EXPECT_EQ(pool.Add(Tx(4, 0, 5)).code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(pool.Add(Tx(4, 0, 50)).ok());
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_FALSE(pool.Contains(Tx(1, 0, 10).Hash()));
  // Per-signer quota.
  ASSERT_TRUE(pool.Add(Tx(4, 1, 60)).ok());
  EXPECT_EQ(pool.Add(Tx(4, 2, 70)).code(), StatusCode::kResourceExhausted);
}

TEST(TxPoolTest, SnapshotAndAddWithHash) {
  TxPool pool;
  const Transaction a = Tx(1, 0, 10), b = Tx(2, 0, 20);
  ASSERT_TRUE(pool.Add(a, a.Hash()).ok());
  ASSERT_TRUE(pool.Add(b).ok());
  EXPECT_EQ(pool.Add(b, b.Hash()).code(), StatusCode::kAlreadyExists);
  auto snap = pool.Snapshot();
  ASSERT_EQ(snap.size(), 2u);
  std::sort(snap.begin(), snap.end(), [](const auto& x, const auto& y) { return x.second.fee < y.second.fee; });
  EXPECT_EQ(snap[0].first, a.Hash());
  EXPECT_EQ(snap[0].second, a);
  EXPECT_EQ(snap[1].first, b.Hash());
  // Removing by the snapshot's hashes empties the pool.
  std::vector<Hash256> hashes = {snap[0].first, snap[1].first};
  EXPECT_EQ(pool.Remove(hashes), 2u);
  EXPECT_EQ(pool.size(), 0u);
}

TEST(RecentTxSetTest, ForgetsTheOldestFirst) {
  RecentTxSet recent(3);
  std::vector<Hash256> h(5);
  for (size_t i = 0; i < h.size(); ++i) h[i].fill(static_cast<uint8_t>(i + 1));
  for (size_t i = 0; i < 3; ++i) recent.Insert(h[i]);
  recent.Insert(h[0]);  // already held: no change of order
  EXPECT_EQ(recent.size(), 3u);
  recent.Insert(h[3]);
  EXPECT_FALSE(recent.Contains(h[0]));
  EXPECT_TRUE(recent.Contains(h[1]) && recent.Contains(h[2]) && recent.Contains(h[3]));
  recent.Insert(h[4]);
  EXPECT_FALSE(recent.Contains(h[1]));
  EXPECT_EQ(recent.size(), 3u);
}

TEST(RoundVotesTest, DetectsEquivocation) {
  RoundVotes votes;
  std::optional<VoteEquivocation> ev;
  EXPECT_EQ(votes.Add(MakeVote(1, VoteKind::kPrevote, 0, 9), &ev), RoundVotes::AddResult::kNew);
  EXPECT_EQ(votes.Add(MakeVote(1, VoteKind::kPrevote, 0, 9), &ev), RoundVotes::AddResult::kDuplicate);
  EXPECT_EQ(votes.Add(MakeVote(1, VoteKind::kPrecommit, 0, 8), &ev), RoundVotes::AddResult::kNew);
  EXPECT_FALSE(ev.has_value());
  EXPECT_EQ(votes.Add(MakeVote(1, VoteKind::kPrevote, 0, 7), &ev), RoundVotes::AddResult::kEquivocation);
  ASSERT_TRUE(ev.has_value());
  EXPECT_TRUE(EquivocationEvidence{*ev}.Verify(kChain).ok());
  EXPECT_EQ(votes.count(VoteKind::kPrevote), 1u);
  EXPECT_EQ(votes.CountFor(VoteKind::kPrecommit, MakeVote(1, VoteKind::kPrecommit, 0, 8).vote.target_hash), 1u);
}

TEST(VoterSafetyTest, PersistsAtomically) {
  const std::string dir = ::testing::TempDir() + "/voter_safety_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/safety";
  EXPECT_FALSE(LoadVoterSafety(path)->has_value());
  VoterSafety s;
  s.set_id = 2;
  s.round = 17;
  s.prevote = MakeVote(1, VoteKind::kPrevote, 17, 3);
  s.lock = VoteLock{Hash256{4}, 12, 16};
  ASSERT_TRUE(SaveVoterSafety(path, s).ok());
  Result<std::optional<VoterSafety>> back = LoadVoterSafety(path);
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ(**back, s);
  std::filesystem::remove_all(dir);
}

class Recorder : public MessageHandler {
 public:
  void OnMessage(const PeerId& from, ByteSpan message) override {
    log.push_back(from + ":" + std::to_string(message.size()));
  }
  std::vector<std::string> log;
};

std::vector<std::string> RunSim(uint64_t seed) {
  SimNetwork net(SimNetworkOptions{seed, 300'000, 1, 50});
  Recorder a, b, c;
  Network& na = net.Join("a");
  Network& nb = net.Join("b");
  net.Join("c");
  net.SetHandler("a", &a);
  net.SetHandler("b", &b);
  net.SetHandler("c", &c);
  for (uint64_t t = 0; t < 100; ++t) {
    na.Broadcast(Bytes(t % 7 + 1));
    nb.Send("c", Bytes(t % 5 + 1));
    if (t == 30) net.Partition({{"a"}, {"b", "c"}});
    if (t == 60) net.Heal();
    net.DeliverUntil(t);
  }
  net.DeliverUntil(1000);
  std::vector<std::string> all = a.log;
  all.insert(all.end(), b.log.begin(), b.log.end());
  all.insert(all.end(), c.log.begin(), c.log.end());
  return all;
}

TEST(SimNetworkTest, DeterministicForASeedAndLossy) {
  const auto x = RunSim(5);
  EXPECT_EQ(x, RunSim(5));
  EXPECT_NE(x, RunSim(6));
  EXPECT_GT(x.size(), 100u);
  EXPECT_LT(x.size(), 300u);  // 300 sends, 30% dropped, some cut by the partition
}

TEST(SimNetworkTest, OfflineNodesGetNothing) {
  SimNetwork net;
  Recorder a, b;
  Network& na = net.Join("a");
  net.Join("b");
  net.SetHandler("a", &a);
  net.SetHandler("b", &b);
  net.SetOnline("b", false);
  na.Broadcast(Bytes{1});
  EXPECT_TRUE(na.Peers().empty());
  net.DeliverUntil(100);
  EXPECT_TRUE(b.log.empty());
  net.SetOnline("b", true);
  na.Broadcast(Bytes{1});
  net.DeliverUntil(200);
  EXPECT_EQ(b.log.size(), 1u);
  EXPECT_EQ(net.delivered(), 1u);
  EXPECT_EQ(net.dropped(), 1u);
}

}  // namespace
}  // namespace cess::chain::consensus
