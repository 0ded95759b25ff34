// In-process network tests of the consensus engine on the real runtime (issue 4 §7): healthy
// finality, message loss with validators offline, a healing partition, equivocation slashing,
// late joining and restart, malformed messages. Virtual clock; each test runs seconds of real time.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "cess/chain/runtime/staking.h"
#include "cess/core/log.h"
#include "sim_cluster.h"

namespace cess::chain::consensus {
namespace {

using testing::SimCluster;
using testing::SimNode;

class NetworkTest : public ::testing::Test {
 protected:
  void SetUp() override { log::SetLevel(std::getenv("CESS_TEST_DEBUG") ? log::Level::kDebug : log::Level::kError); }
};

TEST_F(NetworkTest, FourValidatorsFinalizeWithSmallLag) {
  SimCluster c(4, SimNetworkOptions{1, 0, 5, 30});
  c.StartAll();
  c.StartClock();
  uint64_t max_lag = 0;
  c.set_on_tick([&] {
    if (c.node(0).engine->stats().finalized_height < 3) return;  // warm-up
    for (size_t i = 0; i < c.size(); ++i) {
      const Stats s = c.node(i).engine->stats();
      max_lag = std::max(max_lag, s.best_height - s.finalized_height);
    }
  });
  ASSERT_TRUE(c.Run(40'000, [&] { return c.MinFinalized(c.All()) >= 20; }))
      << "finalized " << c.MinFinalized(c.All());
  EXPECT_LE(max_lag, 2u);
  EXPECT_GE(c.ExpectConsistent(), 6u * 20u);
  for (size_t i = 0; i < c.size(); ++i) {
    const Stats s = c.node(i).engine->stats();
    EXPECT_GT(s.blocks_authored, 0u) << i;
    EXPECT_EQ(s.total_rejected(), 0u) << i;
    EXPECT_GE(s.vrf_submitted, 1u) << i;
  }
}

TEST_F(NetworkTest, ElevenValidatorsWithLossAndThreeOffline) {
  SimCluster c(11, SimNetworkOptions{7, 50'000, 10, 150});  // 5% loss, 10..150 ms delay
  c.StartAll();
  for (size_t i : {2, 5, 9}) c.net().SetOnline(c.node(i).id, false);
  c.StartClock();
  const std::vector<size_t> online = {0, 1, 3, 4, 6, 7, 8, 10};
  ASSERT_TRUE(c.Run(60'000, [&] { return c.MinFinalized(online) >= 12; }))
      << "finalized " << c.MinFinalized(online);
  EXPECT_GT(c.ExpectConsistent(), 0u);
}

TEST_F(NetworkTest, PartitionSixFiveHealsWithoutConflict) {
  SimCluster c(11, SimNetworkOptions{3, 0, 5, 40});
  c.StartAll();
  c.StartClock();
  ASSERT_TRUE(c.Run(30'000, [&] { return c.MinFinalized(c.All()) >= 4; }));
  std::set<PeerId> six, five;
  for (size_t i = 0; i < 11; ++i) (i < 6 ? six : five).insert(c.node(i).id);
  c.net().Partition({six, five});
  const uint64_t before = c.MinFinalized(c.All());
  c.Run(15'000);
  // Neither side has the 8 votes finality needs.
  uint64_t during = 0;
  for (size_t i = 0; i < 11; ++i) during = std::max(during, c.node(i).engine->stats().finalized_height);
  EXPECT_LE(during, before + 3);  // at most what was already being voted on at the split
  EXPECT_GT(c.node(0).engine->stats().best_height, during);  // blocks kept coming on the 6 side
  c.net().Heal();
  ASSERT_TRUE(c.Run(60'000, [&] { return c.MinFinalized(c.All()) >= during + 5; }))
      << "finalized " << c.MinFinalized(c.All()) << " after heal, " << during << " before";
  EXPECT_GT(c.ExpectConsistent(), 0u);
}

TEST_F(NetworkTest, EquivocatorIsDetectedAndSlashed) {
  SimCluster c(4, SimNetworkOptions{11, 0, 5, 30});
  c.StartAll();
  c.StartClock();
  ASSERT_TRUE(c.Run(20'000, [&] { return c.MinFinalized(c.All()) >= 3; }));
  SimNode& bad = c.node(3);
  const AccountId offender = AccountId::Of(bad.key);
  const Stats s0 = c.node(0).engine->stats();
  // The harness makes validator 3 double-vote: two prevotes of the current round for different
  // blocks, shown to the others.
  Vote v;
  v.kind = VoteKind::kPrevote;
  v.round = s0.round;
  v.set_id = s0.set_id;
  v.target_height = s0.best_height;
  v.target_hash.fill(0xaa);
  const SignedVote first = SignedVote::Sign(v, bad.key, c.genesis().chain_id).value();
  v.target_hash.fill(0xbb);
  const SignedVote second = SignedVote::Sign(v, bad.key, c.genesis().chain_id).value();
  for (size_t i = 0; i < 3; ++i) {
    c.net().Inject(bad.id, c.node(i).id, EncodeMessage(Message{first}));
    c.net().Inject(bad.id, c.node(i).id, EncodeMessage(Message{second}));
  }
  // ... and double-author: a second header for the slot of a block it sealed.
  std::optional<Block> own;
  for (uint64_t h = c.node(0).engine->stats().finalized_height; h >= 1 && !own; --h) {
    auto b = c.node(0).engine->FinalizedBlock(h);
    if (b.ok() && b->has_value() && (*b)->header.author == offender) own = **b;
  }
  ASSERT_TRUE(own.has_value());
  Block twin = *own;
  twin.header.state_root.fill(0x5a);
  ASSERT_TRUE(twin.Seal(bad.key, c.genesis().chain_id).ok());
  c.net().Inject(bad.id, c.node(1).id, EncodeMessage(Message{twin}));

  auto bond = [&](size_t at) -> uint64_t {
    auto state = c.node(at).app->StateAt(c.node(at).engine->finalized_header().Hash());
    auto ledger = runtime::staking::ReadLedger(**state, offender);
    return ledger.ok() && ledger->has_value() ? (*ledger)->active : 0;
  };
  ASSERT_EQ(bond(0), testing::kStake);
  ASSERT_TRUE(c.Run(20'000, [&] { return bond(0) < testing::kStake && bond(1) < testing::kStake; }))
      << "bond " << bond(0);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(c.node(i).engine->stats().equivocations, 2u) << i;
    EXPECT_GE(c.node(i).engine->stats().reports_submitted, 1u) << i;
  }
  // Slashed once per offence however many validators reported it.
  const uint64_t slashed = testing::kStake - bond(0);
  c.Run(5'000);
  EXPECT_EQ(testing::kStake - bond(0), slashed);
  EXPECT_GT(c.ExpectConsistent(), 0u);
}

TEST_F(NetworkTest, LateJoinerAndRestartedValidatorCatchUp) {
  SimCluster c(4, SimNetworkOptions{5, 0, 5, 30});
  for (size_t i = 0; i < 3; ++i) c.Start(i);
  c.StartClock();
  ASSERT_TRUE(c.Run(40'000, [&] { return c.MinFinalized({0, 1, 2}) >= 15; }));
  // Validator 3 joins late, from genesis.
  c.Start(3);
  ASSERT_TRUE(c.Run(20'000, [&] {
    return c.node(3).engine->stats().finalized_height >= c.node(0).engine->stats().finalized_height &&
           c.node(3).engine->stats().finalized_height >= 15;
  })) << "late joiner at " << c.node(3).engine->stats().finalized_height;
  EXPECT_GT(c.node(3).engine->stats().sync_requests, 0u);
  // Validator 1 crashes and restarts from its RocksDB dir and voter safety file.
  c.Stop(1);
  const uint64_t at_stop = c.MinFinalized({0, 2, 3});
  c.Run(5'000);
  EXPECT_GT(c.MinFinalized({0, 2, 3}), at_stop);  // 3 of 4 still finalize
  c.Start(1);
  EXPECT_GE(c.node(1).engine->stats().finalized_height, at_stop);  // nothing final was lost
  ASSERT_TRUE(c.Run(20'000, [&] {
    return c.node(1).engine->stats().finalized_height >= c.node(0).engine->stats().finalized_height &&
           c.MinFinalized(c.All()) > at_stop + 5;
  }));
  EXPECT_GT(c.ExpectConsistent(), 0u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(c.node(i).engine->stats().equivocations, 0u) << i;
}

TEST_F(NetworkTest, MalformedMessagesAreCountedNotFatal) {
  SimCluster c(4, SimNetworkOptions{9, 0, 5, 30});
  c.StartAll();
  c.StartClock();
  ASSERT_TRUE(c.Run(10'000, [&] { return c.MinFinalized(c.All()) >= 2; }));
  const Stats before = c.node(0).engine->stats();
  const PeerId target = c.node(0).id;
  c.net().Inject("mallory", target, Bytes{});
  c.net().Inject("mallory", target, Bytes{200, 1, 2, 3});
  c.net().Inject("mallory", target, Bytes{2, 0, 1});  // truncated vote
  c.net().Inject("mallory", target, Bytes{6, 0xff, 0xff, 0xff, 0x7f});  // huge count
  // A well-formed vote with a bad signature, and one by a non-voter.
  Vote v;
  v.set_id = before.set_id;
  v.round = before.round;
  v.target_height = 1;
  SignedVote forged = SignedVote::Sign(v, c.node(1).key, c.genesis().chain_id).value();
  forged.signature[0] ^= 1;
  c.net().Inject("mallory", target, EncodeMessage(Message{forged}));
  crypto::Ed25519Seed seed{};
  seed.fill(99);
  c.net().Inject("mallory", target, EncodeMessage(Message{SignedVote::Sign(
      v, crypto::Ed25519PrivateKey::FromSeed(seed).value(), c.genesis().chain_id).value()}));
  // A block with a broken seal, and a status of another chain.
  Block junk;
  junk.header.height = 99;
  c.net().Inject("mallory", target, EncodeMessage(Message{junk}));
  c.net().Inject("mallory", target, EncodeMessage(Message{StatusMessage{Hash256{1}, 1000, {}, 1000, {}}}));
  ASSERT_TRUE(c.Run(10'000, [&] { return c.MinFinalized(c.All()) >= before.finalized_height + 4; }));
  const Stats after = c.node(0).engine->stats();
  EXPECT_EQ(after.malformed - before.malformed, 4u);
  // Per kind: the truncated vote, the huge response, the forged and the non-voter's vote, the junk
  // block and the foreign status (the empty message and the unknown kind have no kind to count).
  EXPECT_EQ(after.total_rejected() - before.total_rejected(), 6u);
  EXPECT_EQ(after.rejected[static_cast<size_t>(MessageKind::kVote)] -
                before.rejected[static_cast<size_t>(MessageKind::kVote)], 3u);
  EXPECT_TRUE(c.node(0).engine->health().ok());
  EXPECT_GT(c.ExpectConsistent(), 0u);
}

}  // namespace
}  // namespace cess::chain::consensus
