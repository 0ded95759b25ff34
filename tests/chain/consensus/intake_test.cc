// Transaction intake of the consensus engine on the real runtime: batched client submission with
// one outcome per transaction, gossip in batches, peer batches with a forged transaction, and the
// transactions of an abandoned fork going back to the pool. Virtual clock, in-process network.
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "cess/chain/runtime/balances.h"
#include "cess/core/log.h"
#include "sim_cluster.h"

namespace cess::chain::consensus {
namespace {

using testing::SimCluster;

constexpr size_t kAccounts = 40;

crypto::Ed25519PrivateKey AccountKey(size_t i) {
  crypto::Ed25519Seed seed{};
  seed.fill(static_cast<uint8_t>(100 + i));
  return crypto::Ed25519PrivateKey::FromSeed(seed).value();
}

void FundAccounts(Genesis& g) {
  for (size_t i = 0; i < kAccounts; ++i) {
    g.accounts.push_back(GenesisAccount{AccountId::Of(AccountKey(i)), 1'000 * kUnitsPerCess});
  }
}

class IntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetLevel(std::getenv("CESS_TEST_DEBUG") ? log::Level::kDebug : log::Level::kError);
  }

  // A transfer of 1 unit from account `from` to the next one.
  Transaction Transfer(const SimCluster& c, size_t from, uint64_t nonce, uint64_t fee = 0) const {
    Transaction tx;
    tx.nonce = nonce;
    tx.fee = fee != 0 ? fee : c.genesis().profile.min_tx_fee;
    tx.call = runtime::balances::TransferCall(AccountId::Of(AccountKey((from + 1) % kAccounts)), 1);
    EXPECT_TRUE(tx.Sign(AccountKey(from), c.genesis().chain_id).ok());
    return tx;
  }

  // The nonce of account `i` in node `n`'s finalized state (or its best state).
  static uint64_t NonceAt(SimCluster& c, size_t n, size_t i, bool best = false) {
    Engine& e = *c.node(n).engine;
    auto state = c.node(n).app->StateAt(best ? e.best_header().Hash() : e.finalized_header().Hash());
    EXPECT_TRUE(state.ok());
    auto info = runtime::balances::ReadAccount(**state, AccountId::Of(AccountKey(i)));
    EXPECT_TRUE(info.ok());
    return info.ok() ? info->nonce : 0;
  }
  static bool AllFinalizedWithNonce(SimCluster& c, const std::vector<size_t>& nodes, uint64_t nonce) {
    for (size_t n : nodes) {
      for (size_t i = 0; i < kAccounts; ++i) {
        if (NonceAt(c, n, i) < nonce) return false;
      }
    }
    return true;
  }
};

TEST_F(IntakeTest, BatchIsCheckedPerTransactionGossipedInBatchesAndFinalized) {
  SimCluster c(4, SimNetworkOptions{21, 0, 5, 30}, 1000, FundAccounts);
  c.StartAll();
  c.StartClock();
  ASSERT_TRUE(c.Run(20'000, [&] { return c.MinFinalized(c.All()) >= 2; }));

  std::vector<Transaction> batch;
  for (size_t i = 0; i < kAccounts; ++i) batch.push_back(Transfer(c, i, 0));
  batch.push_back(batch[3]);  // a duplicate within the batch
  Transaction forged = Transfer(c, 5, 1);
  forged.signature[10] ^= 1;
  batch.push_back(forged);
  batch.push_back(Transfer(c, 6, 500));   // too far ahead of the signer's nonce
  batch.push_back(Transfer(c, 7, 1, 1));  // fee below the minimum
  const Stats before = c.node(0).engine->stats();
  const std::vector<TxCheck> checks = c.node(0).engine->SubmitTransactions(batch);
  ASSERT_EQ(checks.size(), batch.size());
  for (size_t i = 0; i <= kAccounts; ++i) EXPECT_TRUE(checks[i].ok()) << i << ": " << checks[i].message;
  EXPECT_EQ(checks[kAccounts + 1].code, ResultCode::kBadSignature);
  EXPECT_EQ(checks[kAccounts + 2].code, ResultCode::kBadNonce);
  EXPECT_EQ(checks[kAccounts + 3].code, ResultCode::kFeeTooLow);
  const Stats after = c.node(0).engine->stats();
  EXPECT_EQ(after.txs_admitted - before.txs_admitted, kAccounts);
  EXPECT_EQ(after.txs_refused - before.txs_refused, 3u);
  EXPECT_EQ(after.tx_batches_gossiped - before.tx_batches_gossiped, 1u);  // one message, not 40
  // Submitting the same batch again admits nothing new and gossips nothing.
  (void)c.node(0).engine->SubmitTransactions(batch);
  EXPECT_EQ(c.node(0).engine->stats().txs_admitted, after.txs_admitted);
  EXPECT_EQ(c.node(0).engine->stats().tx_batches_gossiped, after.tx_batches_gossiped);

  // A second round through another node, in a batch of one (the single-transaction message).
  ASSERT_TRUE(c.Run(100));
  for (size_t n = 1; n < 4; ++n) EXPECT_GE(c.node(n).engine->stats().txs_admitted, kAccounts) << n;
  ASSERT_TRUE(c.Run(20'000, [&] { return AllFinalizedWithNonce(c, c.All(), 1); }));
  std::vector<Transaction> second;
  for (size_t i = 0; i < kAccounts; ++i) second.push_back(Transfer(c, i, 1));
  const std::vector<TxCheck> checks2 = c.node(2).engine->SubmitTransactions(second);
  for (size_t i = 0; i < kAccounts; ++i) EXPECT_TRUE(checks2[i].ok()) << i << ": " << checks2[i].message;
  EXPECT_TRUE(c.node(1).engine->SubmitTransaction(Transfer(c, 0, 2)).ok());
  ASSERT_TRUE(c.Run(20'000, [&] { return AllFinalizedWithNonce(c, c.All(), 2) && NonceAt(c, 3, 0) == 3; }));

  for (size_t n = 0; n < 4; ++n) {
    const Stats s = c.node(n).engine->stats();
    EXPECT_EQ(s.total_rejected(), 0u) << n;  // nothing invalid was gossiped
    EXPECT_EQ(s.pool_size, 0u) << n;
  }
  for (size_t n = 1; n < 4; ++n) {
    EXPECT_GE(c.node(n).engine->stats().received[static_cast<size_t>(MessageKind::kTransactions)], 1u) << n;
  }
  EXPECT_GT(c.ExpectConsistent(), 0u);
}

TEST_F(IntakeTest, PeerBatchWithAForgedTransactionIsRejectedButItsValidOnesAdmitted) {
  SimCluster c(4, SimNetworkOptions{22, 0, 5, 30}, 1000, FundAccounts);
  c.StartAll();
  c.StartClock();
  ASSERT_TRUE(c.Run(20'000, [&] { return c.MinFinalized(c.All()) >= 2; }));
  const PeerId target = c.node(0).id;
  const Stats before = c.node(0).engine->stats();
  TransactionBatch batch;
  for (size_t i = 0; i < 10; ++i) batch.transactions.push_back(Transfer(c, i, 0));
  Transaction forged = Transfer(c, 20, 0);
  forged.fee += 1;  // no longer what was signed
  batch.transactions.push_back(forged);
  c.net().Inject("mallory", target, EncodeMessage(Message{batch}));
  Bytes truncated = EncodeMessage(Message{batch});
  truncated.resize(truncated.size() - 3);
  c.net().Inject("mallory", target, truncated);
  ASSERT_TRUE(c.Run(100));
  const Stats after = c.node(0).engine->stats();
  const size_t kind = static_cast<size_t>(MessageKind::kTransactions);
  EXPECT_GE(after.received[kind] - before.received[kind], 2u);  // and the peers' relays back
  EXPECT_EQ(after.rejected[kind] - before.rejected[kind], 2u);  // the forged one, the truncated one
  EXPECT_EQ(after.malformed - before.malformed, 1u);
  EXPECT_EQ(after.txs_admitted - before.txs_admitted, 10u);
  // The valid ones are relayed and finalized everywhere; the forged one nowhere.
  ASSERT_TRUE(c.Run(20'000, [&] {
    for (size_t n = 0; n < 4; ++n) {
      for (size_t i = 0; i < 10; ++i) {
        if (NonceAt(c, n, i) != 1) return false;
      }
    }
    return true;
  }));
  for (size_t n = 0; n < 4; ++n) EXPECT_EQ(NonceAt(c, n, 20), 0u) << n;
  EXPECT_TRUE(c.node(0).engine->health().ok());
}

TEST_F(IntakeTest, PoolDropsWhatANewBlockMadeInvalid) {
  SimCluster c(4, SimNetworkOptions{24, 0, 5, 30}, 1000, FundAccounts);
  c.StartAll();
  c.StartClock();
  ASSERT_TRUE(c.Run(20'000, [&] { return c.MinFinalized(c.All()) >= 2; }));
  // Two different transactions with the same signer and nonce reach two nodes at once: only one
  // can be included, and the other node's pool must then let go of the loser.
  const Transaction a = Transfer(c, 3, 0);
  Transaction b = Transfer(c, 3, 0);
  b.call = runtime::balances::TransferCall(AccountId::Of(AccountKey(9)), 2);
  ASSERT_TRUE(b.Sign(AccountKey(3), c.genesis().chain_id).ok());
  ASSERT_TRUE(c.node(0).engine->SubmitTransaction(a).ok());
  ASSERT_TRUE(c.node(1).engine->SubmitTransaction(b).ok());
  ASSERT_TRUE(c.Run(20'000,
                    [&] {
                      if (NonceAt(c, 0, 3) != 1) return false;
                      for (size_t n = 0; n < 4; ++n) {
                        if (c.node(n).engine->pool_size() != 0) return false;
                      }
                      return true;
                    }))
      << "pools " << c.node(0).engine->pool_size() << " " << c.node(1).engine->pool_size();
  uint64_t dropped = 0;
  for (size_t n = 0; n < 4; ++n) dropped += c.node(n).engine->stats().pool_revalidated_out;
  EXPECT_GE(dropped, 1u);
}

TEST_F(IntakeTest, TransactionsOfAnAbandonedForkReturnToThePool) {
  SimCluster c(4, SimNetworkOptions{23, 0, 5, 30}, 1000, FundAccounts);
  c.StartAll();
  c.StartClock();
  ASSERT_TRUE(c.Run(20'000, [&] { return c.MinFinalized(c.All()) >= 2; }));
  // Validator 0 alone on one side: it keeps authoring its own fork, which the other three (enough
  // to finalize) never see.
  c.net().Partition({{c.node(0).id}, {c.node(1).id, c.node(2).id, c.node(3).id}});
  std::vector<Transaction> batch;
  for (size_t i = 0; i < kAccounts; ++i) batch.push_back(Transfer(c, i, 0));
  for (const TxCheck& check : c.node(0).engine->SubmitTransactions(batch))
    ASSERT_TRUE(check.ok()) << check.message;
  // Included in validator 0's fork (its best chain), and so out of its pool.
  ASSERT_TRUE(c.Run(20'000, [&] {
    for (size_t i = 0; i < kAccounts; ++i) {
      if (NonceAt(c, 0, i, /*best=*/true) != 1) return false;
    }
    return true;
  }));
  const uint64_t majority = c.MinFinalized({1, 2, 3});
  ASSERT_TRUE(c.Run(10'000, [&] { return c.MinFinalized({1, 2, 3}) >= majority + 3; }));
  for (size_t i = 0; i < kAccounts; ++i) EXPECT_EQ(NonceAt(c, 1, i), 0u);
  // After the heal validator 0 adopts the majority's finalized chain; its fork's transactions are
  // not on it, so they go back to its pool and into a later block of its own.
  c.net().Heal();
  ASSERT_TRUE(c.Run(40'000, [&] { return AllFinalizedWithNonce(c, c.All(), 1); }))
      << "validator 0 finalized " << c.node(0).engine->stats().finalized_height << ", pool "
      << c.node(0).engine->pool_size();
  EXPECT_GT(c.ExpectConsistent(), 0u);
}

}  // namespace
}  // namespace cess::chain::consensus
