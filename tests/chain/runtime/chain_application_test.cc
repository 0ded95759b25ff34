// ChainApplication: genesis, execution, proposals, forks, commit and prune, frozen views, restart,
// determinism, mempool checks.
#include "cess/chain/runtime/chain_application.h"

#include <gtest/gtest.h>

#include <random>

#include "cess/chain/runtime/r2s.h"
#include "cess/chain/runtime/staking.h"
#include "runtime_test_util.h"

namespace cess::chain::runtime::testing {
namespace {

using balances::TransferCall;

constexpr uint8_t kAlice = 100;
constexpr uint8_t kBob = 101;

Block Sealed(const ExecutedBlock& e, const std::vector<Transaction>& txs, uint8_t author_key) {
  Block b;
  b.header = e.header;
  b.transactions = txs;
  EXPECT_TRUE(b.Seal(Key(author_key), kChainId).ok());
  return b;
}

uint8_t KeyOf(const AccountId& id) {
  for (uint8_t i = 0; i < 255; ++i) {
    if (Id(i) == id) return i;
  }
  return 255;
}

TEST(ChainApplication, GenesisHeaderAndState) {
  TestChain chain(TestGenesis());
  const BlockHeader& g = chain.genesis_header();
  EXPECT_EQ(g.height, 0u);
  EXPECT_EQ(g.parent_hash, kZeroHash);
  EXPECT_TRUE(g.author.IsZero());
  EXPECT_EQ(g.state_root, chain.store().root());
  EXPECT_EQ(chain.app().committed_header(), g);
  AuthoritySet set = chain.app().Authorities(g.Hash(), 0).value();
  ASSERT_EQ(set.authorities.size(), 4u);
  for (uint8_t i = 0; i < 4; ++i) {
    EXPECT_EQ(set.authorities[i].account, Id(i));
    EXPECT_EQ(set.authorities[i].vrf_key, VrfPublic(i));
  }
  EXPECT_EQ(set.IndexOf(Id(2)), 2);
  EXPECT_EQ(set.ToVoterSet().voters.size(), 4u);
  EXPECT_TRUE(chain.app().runtime().CheckInvariants(*chain.Head()).ok());
}

TEST(ChainApplication, InitChainTwiceAndAnotherGenesis) {
  TempDir dir;
  Genesis g = TestGenesis();
  BlockHeader first;
  {
    TestChain chain(g, dir.path());
    first = chain.genesis_header();
    chain.Step({});
  }
  auto store = state::StateStore::Open(dir.path()).value();
  {
    ChainApplication app(*store);
    Result<BlockHeader> again = app.InitChain(g);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, first);
    EXPECT_EQ(app.committed_header().height, 1u);
  }
  Genesis other = g;
  other.chain_id = "other";
  ChainApplication app2(*store);
  EXPECT_EQ(app2.InitChain(other).status().code(), StatusCode::kFailedPrecondition);
  Genesis invalid = g;
  invalid.validators.clear();
  EXPECT_EQ(app2.InitChain(invalid).status().code(), StatusCode::kInvalidArgument);
}

TEST(ChainApplication, FinalizeAndProcessProposalAgree) {
  TestChain author(TestGenesis());
  TestChain importer(TestGenesis());
  std::vector<Transaction> txs = {author.Tx(kAlice, TransferCall(Id(kBob), 3 * kCess)),
                                  author.Tx(kBob, TransferCall(Id(kAlice), 1 * kCess))};
  ExecutedBlock e = author.Produce(author.app().committed_header(), txs);
  EXPECT_EQ(e.header.transactions_root, TransactionsRoot(txs));
  EXPECT_EQ(e.header.receipts_root, ReceiptsRoot(e.receipts));
  Block block = Sealed(e, txs, KeyOf(e.header.author));
  Result<ExecutedBlock> p = importer.app().ProcessProposal(block);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->header, e.header);
  EXPECT_EQ(p->receipts, e.receipts);
  // Executing again returns the kept result.
  Result<ExecutedBlock> again = author.app().FinalizeBlock(e.header, txs);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->header, e.header);
  EXPECT_EQ(author.app().executed_count(), 1u);
  ASSERT_TRUE(importer.app().Commit(e.header.Hash(), {}).ok());
  ASSERT_TRUE(author.app().Commit(e.header.Hash(), {}).ok());
  EXPECT_EQ(author.store().root(), importer.store().root());
}

TEST(ChainApplication, WrongRootsAreRefusedAndNotKept) {
  TestChain author(TestGenesis());
  TestChain importer(TestGenesis());
  std::vector<Transaction> txs = {author.Tx(kAlice, TransferCall(Id(kBob), 3 * kCess))};
  ExecutedBlock e = author.Produce(author.app().committed_header(), txs);
  auto expect_refused = [&](auto mutate, const std::string& which) {
    ExecutedBlock bad = e;
    mutate(bad.header);
    Block block = Sealed(bad, txs, KeyOf(e.header.author));
    Result<ExecutedBlock> r = importer.app().ProcessProposal(block);
    ASSERT_FALSE(r.ok()) << which;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_NE(r.status().message().find(which), std::string::npos) << r.status();
    EXPECT_EQ(importer.app().executed_count(), 0u);
  };
  expect_refused([](BlockHeader& h) { h.state_root[0] ^= 1; }, "state root");
  expect_refused([](BlockHeader& h) { h.receipts_root[0] ^= 1; }, "receipts root");
  expect_refused([](BlockHeader& h) { h.transactions_root[0] ^= 1; }, "transactions root");
  // Header rules and unknown parents.
  BlockHeader h = e.header;
  h.height = 5;
  EXPECT_EQ(importer.app().FinalizeBlock(h, txs).status().code(), StatusCode::kInvalidArgument);
  h = e.header;
  h.epoch += 1;
  EXPECT_EQ(importer.app().FinalizeBlock(h, txs).status().code(), StatusCode::kInvalidArgument);
  h = e.header;
  h.parent_hash[0] ^= 1;
  EXPECT_EQ(importer.app().FinalizeBlock(h, txs).status().code(), StatusCode::kNotFound);
}

TEST(ChainApplication, ForksSideBySideCommitPrunesTheOtherAndViewsStayFrozen) {
  TestChain chain(TestGenesis());
  const BlockHeader g = chain.app().committed_header();
  // Fork A at slot 1 and fork B at slot 2, both on genesis, different transfers.
  ExecutedBlock a1 = chain.Produce(g, {chain.Tx(kAlice, TransferCall(Id(kBob), 10 * kCess))}, 1);
  ExecutedBlock b1 = chain.Produce(g, {chain.Tx(kAlice, TransferCall(Id(kBob), 20 * kCess))}, 2);
  ExecutedBlock a2 = chain.Produce(a1.header, {SignedTx(kAlice, 1, TransferCall(Id(kBob), 1 * kCess))}, 3);
  ASSERT_NE(a1.header.state_root, b1.header.state_root);
  EXPECT_EQ(chain.app().executed_count(), 3u);
  auto view_a2 = chain.app().StateAt(a2.header.Hash()).value();
  auto view_b1 = chain.app().StateAt(b1.header.Hash()).value();
  auto view_g = chain.app().StateAt(g.Hash()).value();
  EXPECT_EQ(balances::ReadAccount(*view_a2, Id(kBob)).value().free, 1'011 * kCess);
  EXPECT_EQ(balances::ReadAccount(*view_b1, Id(kBob)).value().free, 1'020 * kCess);
  // Commit A1: B1 is pruned, A2 stays.
  ASSERT_TRUE(chain.app().Commit(a1.header.Hash(), {}).ok());
  EXPECT_EQ(chain.app().executed_count(), 1u);
  EXPECT_EQ(chain.app().StateAt(b1.header.Hash()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(chain.app().Commit(b1.header.Hash(), {}).code(), StatusCode::kNotFound);
  // Views taken before still read their frozen states.
  EXPECT_EQ(balances::ReadAccount(*view_b1, Id(kBob)).value().free, 1'020 * kCess);
  EXPECT_EQ(balances::ReadAccount(*view_g, Id(kBob)).value().free, 1'000 * kCess);
  EXPECT_EQ(balances::ReadAccount(*view_a2, Id(kBob)).value().free, 1'011 * kCess);
  ASSERT_TRUE(chain.app().Commit(a2.header.Hash(), {}).ok());
  EXPECT_EQ(balances::ReadAccount(*view_g, Id(kBob)).value().free, 1'000 * kCess);
  EXPECT_EQ(balances::ReadAccount(*view_b1, Id(kBob)).value().free, 1'020 * kCess);
  // Scans of a frozen view match a fresh chain's genesis state.
  TestChain fresh(TestGenesis());
  EXPECT_EQ(Dump(*view_g), Dump(*fresh.Head()));
  EXPECT_EQ(chain.store().root(), a2.header.state_root);
  // A block on a pruned fork cannot be committed; a parent that is not the head is refused.
  ExecutedBlock a3 = chain.Produce(a2.header, {}, 4);
  ExecutedBlock a4 = chain.Produce(a3.header, {}, 5);
  EXPECT_EQ(chain.app().Commit(a4.header.Hash(), {}).code(), StatusCode::kFailedPrecondition);
}

TEST(ChainApplication, CommitWritesAuxRecordsAndRestartKeepsState) {
  TempDir dir;
  Hash256 root;
  BlockHeader head;
  {
    TestChain chain(TestGenesis(), dir.path());
    chain.Step({chain.Tx(kAlice, TransferCall(Id(kBob), 7 * kCess))});
    ExecutedBlock b = chain.Produce(chain.app().committed_header(), {chain.Tx(kBob, TransferCall(Id(kAlice), kCess))});
    const state::AuxWrite aux[] = {{"blocks", Bytes{1}, Bytes{9, 9}}};
    ASSERT_TRUE(chain.app().Commit(b.header.Hash(), aux).ok());
    root = chain.store().root();
    head = chain.app().committed_header();
    // An executed block that is never committed is lost on restart (re-executed by the engine).
    chain.Produce(head, {});
  }
  TestChain again(TestGenesis(), dir.path());
  EXPECT_EQ(again.app().committed_header(), head);
  EXPECT_EQ(again.store().root(), root);
  EXPECT_EQ(again.store().GetAux("blocks", Bytes{1}).value(), Bytes({9, 9}));
  EXPECT_EQ(again.Account(kBob).free, 1'006 * kCess - 1000);
  EXPECT_EQ(again.app().executed_count(), 0u);
  again.Step({again.Tx(kAlice, TransferCall(Id(kBob), kCess))});
  EXPECT_EQ(again.app().committed_header().height, 3u);
}

// Random transfers, bonds, unbonds and validate/chill calls over many blocks (crossing eras) on two
// independent stores: the same blocks give the same roots, and every invariant holds after each
// block (the chains run with check_invariants).
TEST(ChainApplication, DeterministicAndInvariantsHoldUnderRandomCalls) {
  TestChain a(TestGenesis(4, 6));
  TestChain b(TestGenesis(4, 6));
  std::mt19937_64 rng(42);
  for (int block = 0; block < 40; ++block) {
    std::vector<Transaction> txs;
    std::map<uint8_t, uint64_t> nonces;
    for (int i = 0; i < 6; ++i) {
      const uint8_t who = static_cast<uint8_t>(rng() % 2 == 0 ? 100 + rng() % 6 : rng() % 4);
      if (!nonces.count(who)) nonces[who] = a.NextNonce(who);
      Call call;
      switch (rng() % 7) {
        case 0:
        case 1:
          call = TransferCall(Id(static_cast<uint8_t>(100 + rng() % 7)), rng() % (300 * kCess));
          break;
        case 2:
          call = staking::BondCall(rng() % (200 * kCess));
          break;
        case 3:
          call = staking::UnbondCall(rng() % (100 * kCess));
          break;
        case 4:
          call = staking::WithdrawUnbondedCall();
          break;
        case 5:
          call = staking::ValidateCall(VrfPublic(who));
          break;
        default:
          call = rng() % 2 ? staking::ChillCall() : staking::NominateCall({Id(static_cast<uint8_t>(rng() % 4))});
      }
      txs.push_back(SignedTx(who, nonces[who]++, call, 1000 + rng() % 1000));
    }
    ExecutedBlock ea = a.Step(txs);
    ExecutedBlock eb = b.Step(txs);
    ASSERT_EQ(ea.header, eb.header) << "block " << block;
    ASSERT_EQ(ea.receipts, eb.receipts);
  }
  EXPECT_EQ(a.store().root(), b.store().root());
  EXPECT_GE(a.app().committed_header().era, 3u);
  EXPECT_TRUE(a.app().runtime().CheckInvariants(*a.Head()).ok());
  EXPECT_TRUE(a.store().VerifyIntegrity().ok());
}

TEST(ChainApplication, CheckTx) {
  TestChain chain(TestGenesis());
  const Hash256 head = chain.app().committed_header().Hash();
  EXPECT_TRUE(chain.app().CheckTx(chain.Tx(kAlice, TransferCall(Id(kBob), kCess)), head).ok());
  EXPECT_TRUE(chain.app().CheckTx(SignedTx(kAlice, 64, TransferCall(Id(kBob), kCess)), head).ok());
  EXPECT_EQ(chain.app().CheckTx(SignedTx(kAlice, 65, TransferCall(Id(kBob), kCess)), head).code, ResultCode::kBadNonce);
  Transaction bad = chain.Tx(kAlice, TransferCall(Id(kBob), kCess));
  bad.nonce = 1;
  EXPECT_EQ(chain.app().CheckTx(bad, head).code, ResultCode::kBadSignature);
  EXPECT_EQ(chain.app().CheckTx(SignedTx(kAlice, 0, TransferCall(Id(kBob), kCess), 1000, "other-chain"), head).code,
            ResultCode::kBadSignature);
  EXPECT_EQ(chain.app().CheckTx(chain.Tx(kAlice, TransferCall(Id(kBob), kCess), 999), head).code, ResultCode::kFeeTooLow);
  EXPECT_EQ(chain.app().CheckTx(chain.Tx(kAlice, Call{"x", "y", {}}), head).code, ResultCode::kUnknownModule);
  EXPECT_EQ(chain.app().CheckTx(chain.Tx(kAlice, Call{"balances", "y", {}}), head).code, ResultCode::kUnknownFunction);
  EXPECT_EQ(chain.app().CheckTx(chain.Tx(kAlice, Call{"balances", "transfer", {1}}), head).code,
            ResultCode::kBadArguments);
  EXPECT_EQ(chain.app().CheckTx(chain.Tx(kAlice, TransferCall(Id(kBob), kCess), 2'000 * kCess), head).code,
            ResultCode::kInsufficientFunds);
  Hash256 unknown = head;
  unknown[0] ^= 1;
  EXPECT_EQ(chain.app().CheckTx(chain.Tx(kAlice, TransferCall(Id(kBob), kCess)), unknown).code,
            ResultCode::kResourceLimit);
}

TEST(ChainApplication, PrepareProposalPicksIncludableTransactionsAndFinalizeReusesIt) {
  TestChain chain(TestGenesis());
  const BlockHeader parent = chain.app().committed_header();
  Transaction good0 = SignedTx(kAlice, 0, TransferCall(Id(kBob), kCess));
  Transaction good1 = SignedTx(kAlice, 1, TransferCall(Id(kBob), kCess));
  Transaction gap = SignedTx(kAlice, 3, TransferCall(Id(kBob), kCess));            // nonce gap
  Transaction bad_sig = SignedTx(kBob, 0, TransferCall(Id(kAlice), kCess));
  bad_sig.fee += 1;
  Transaction low_fee = SignedTx(kBob, 0, TransferCall(Id(kAlice), kCess), 10);
  Transaction failing = SignedTx(kBob, 0, TransferCall(Id(kAlice), 5'000 * kCess));  // pays, then fails
  Transaction drain = SignedTx(102, 0, TransferCall(Id(kBob), 999 * kCess));
  Transaction poor = SignedTx(102, 1, TransferCall(Id(kBob), kCess));                 // cannot pay after drain
  std::vector<Transaction> candidates = {good0, gap, bad_sig, low_fee, good1, failing, drain, poor};
  BlockHeader info = chain.MakeHeader(parent);
  std::vector<Transaction> picked = chain.app().PrepareProposal(info, candidates, 100, 1 << 20).value();
  ASSERT_EQ(picked.size(), 4u);
  EXPECT_EQ(picked[0], good0);
  EXPECT_EQ(picked[1], good1);
  EXPECT_EQ(picked[2], failing);
  EXPECT_EQ(picked[3], drain);
  // Limits.
  EXPECT_EQ(chain.app().PrepareProposal(info, candidates, 2, 1 << 20).value().size(), 2u);
  EXPECT_EQ(chain.app().PrepareProposal(info, candidates, 100, good0.EncodedSize()).value().size(), 1u);
  BlockHeader orphan = info;
  orphan.parent_hash[3] ^= 1;
  EXPECT_EQ(chain.app().PrepareProposal(orphan, candidates, 10, 1 << 20).status().code(), StatusCode::kNotFound);
  // Finalizing what was proposed gives the same result as a fresh execution elsewhere.
  picked = chain.app().PrepareProposal(info, candidates, 100, 1 << 20).value();
  ExecutedBlock e = chain.app().FinalizeBlock(info, picked).value();
  ASSERT_EQ(e.receipts.size(), 4u);
  EXPECT_EQ(e.receipts[2].code, ResultCode::kModuleError);
  TestChain other(TestGenesis());
  Block block = Sealed(e, picked, KeyOf(e.header.author));
  Result<ExecutedBlock> p = other.app().ProcessProposal(block);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->header, e.header);
}

TEST(ChainApplication, EpochRandomnessFollowsTheChain) {
  TestChain chain(TestGenesis());
  const BlockHeader g = chain.app().committed_header();
  const Hash256 r0 = chain.app().EpochRandomness(g.Hash(), 0).value();
  const Hash256 r1 = chain.app().EpochRandomness(g.Hash(), 1).value();
  EXPECT_NE(r0, r1);
  ExecutedBlock b1 = chain.Step({}, 1);  // epoch 0
  EXPECT_EQ(chain.app().EpochRandomness(b1.header.Hash(), 0).value(), r0);
  // Epoch 1's randomness now folds in b1's VRF output: it differs from the one seen at genesis.
  const Hash256 r1_after = chain.app().EpochRandomness(b1.header.Hash(), 1).value();
  EXPECT_NE(r1_after, r1);
  ExecutedBlock b2 = chain.Step({}, 5);  // the first block of epoch 1 stores it
  EXPECT_EQ(chain.app().EpochRandomness(b2.header.Hash(), 1).value(), r1_after);
  EXPECT_EQ(chain.app().EpochRandomness(b2.header.Hash(), 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r2s::ReadEpochRandomness(*chain.Head()).value().seed, r1_after);
}

}  // namespace
}  // namespace cess::chain::runtime::testing
