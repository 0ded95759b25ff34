// Helpers for the runtime tests: deterministic validator and user keys, a small test genesis, and
// TestChain — a ChainApplication over a RocksDB store in a temp dir with block building helpers.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cess/chain/block.h"
#include "cess/chain/genesis.h"
#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/chain_application.h"
#include "cess/chain/runtime/runtime.h"
#include "cess/chain/state/state_store.h"
#include "cess/chain/transaction.h"
#include "cess/core/ecvrf.h"
#include "cess/core/ed25519.h"
#include "cess/core/random.h"
#include "common/temp_dir.h"

namespace cess::chain::runtime::testing {

inline constexpr const char* kChainId = "runtime-test";
inline constexpr uint64_t kCess = kUnitsPerCess;

using cess::test_util::TempDir;

// The Ed25519 key whose seed is 32 bytes of `i + 1`.
inline crypto::Ed25519PrivateKey Key(uint8_t i) {
  crypto::Ed25519Seed seed;
  seed.fill(static_cast<uint8_t>(i + 1));
  return crypto::Ed25519PrivateKey::FromSeed(seed).value();
}
inline AccountId Id(uint8_t i) { return AccountId::Of(Key(i)); }

// A deterministic VRF secret key for key index i.
inline crypto::ecvrf::SecretKey VrfSecret(uint8_t i) {
  crypto::DeterministicRng rng(1000 + i);
  return crypto::ecvrf::GenerateSecretKey(rng).value();
}
inline crypto::ecvrf::PublicKey VrfPublic(uint8_t i) { return crypto::ecvrf::PublicKeyFromSecret(VrfSecret(i)).value(); }

// A profile for tests: 4 slots per epoch, 3 epochs per era (an era is 12 slots), ED 1 CESS,
// minimum stake 1000 CESS, fee 1000 units, 2 eras bonding.
inline Profile TestProfile() {
  Profile p = Profile::Devnet();
  p.name = "runtime-test";
  p.slots_per_epoch = 4;
  p.epochs_per_era = 3;
  p.validators_elected = 4;
  p.min_validator_stake = 1000 * kCess;
  p.existential_deposit = kCess;
  p.min_tx_fee = 1000;
  p.bonding_duration_eras = 2;
  return p;
}

// Validators are keys 0..validators-1 (10,000 CESS each, 2,000 bonded); users are keys
// 100..100+users-1 (1,000 CESS each).
inline Genesis TestGenesis(uint8_t validators = 4, uint8_t users = 4, Profile profile = TestProfile()) {
  Genesis g;
  g.chain_id = kChainId;
  g.profile = std::move(profile);
  g.genesis_time_ms = 1'700'000'000'000;
  for (uint8_t i = 0; i < validators; ++i) {
    g.accounts.push_back({Id(i), 10'000 * kCess});
    g.validators.push_back({Id(i), VrfPublic(i), 2'000 * kCess});
  }
  for (uint8_t u = 0; u < users; ++u) g.accounts.push_back({Id(static_cast<uint8_t>(100 + u)), 1'000 * kCess});
  return g;
}

inline Transaction SignedTx(uint8_t key, uint64_t nonce, Call call, uint64_t fee = 1000,
                            const std::string& chain_id = kChainId) {
  Transaction tx;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.call = std::move(call);
  EXPECT_TRUE(tx.Sign(Key(key), chain_id).ok());
  return tx;
}

// A ChainApplication on a store in its own temp dir (or `dir`), initialized with `genesis`.
class TestChain {
 public:
  explicit TestChain(Genesis genesis, std::string dir = "", ChainApplicationOptions options = DefaultOptions())
      : genesis_(std::move(genesis)), dir_(dir.empty() ? temp_.path() : std::move(dir)) {
    Open(options);
  }

  static ChainApplicationOptions DefaultOptions() {
    ChainApplicationOptions o;
    o.check_invariants = true;
    return o;
  }

  void Open(ChainApplicationOptions options = DefaultOptions()) {
    app_.reset();
    store_.reset();
    state::StateStoreOptions so;
    so.sync = false;
    store_ = state::StateStore::Open(dir_, so).value();
    app_ = std::make_unique<ChainApplication>(*store_, options);
    Result<BlockHeader> g = app_->InitChain(genesis_);
    ASSERT_TRUE(g.ok()) << g.status();
    genesis_header_ = *g;
  }

  ChainApplication& app() { return *app_; }
  state::StateStore& store() { return *store_; }
  const Genesis& genesis() const { return genesis_; }
  const BlockHeader& genesis_header() const { return genesis_header_; }

  // The header of a block on `parent` at `slot` (parent.slot + 1 when 0), authored by the slot's
  // elected validator with a valid slot VRF proof.
  BlockHeader MakeHeader(const BlockHeader& parent, uint64_t slot = 0) {
    BlockHeader h;
    h.parent_hash = parent.Hash();
    h.height = parent.height + 1;
    h.slot = slot == 0 ? parent.slot + 1 : slot;
    h.epoch = h.slot / genesis_.profile.slots_per_epoch;
    h.era = h.epoch / genesis_.profile.epochs_per_era;
    AuthoritySet set = app_->Authorities(h.parent_hash, h.era).value();
    const Authority& author = set.AuthorOf(h.slot);
    h.author = author.account;
    const Hash256 rand = app_->EpochRandomness(h.parent_hash, h.epoch).value();
    int index = -1;
    for (uint8_t i = 0; i < 255; ++i) {
      if (Id(i) == author.account) {
        index = i;
        break;
      }
    }
    EXPECT_GE(index, 0);
    EXPECT_TRUE(h.ProveVrf(VrfSecret(static_cast<uint8_t>(index)), rand).ok());
    return h;
  }

  // Executes a block of `txs` on `parent` (FinalizeBlock). Fails the test on error.
  ExecutedBlock Produce(const BlockHeader& parent, std::vector<Transaction> txs, uint64_t slot = 0) {
    BlockHeader h = MakeHeader(parent, slot);
    Result<ExecutedBlock> r = app_->FinalizeBlock(h, txs);
    EXPECT_TRUE(r.ok()) << r.status();
    last_txs_ = std::move(txs);
    return r.ok() ? *r : ExecutedBlock{};
  }

  // Produces on the committed head and commits; returns the executed block.
  ExecutedBlock Step(std::vector<Transaction> txs = {}, uint64_t slot = 0) {
    ExecutedBlock b = Produce(app_->committed_header(), std::move(txs), slot);
    Status s = app_->Commit(b.header.Hash(), {});
    EXPECT_TRUE(s.ok()) << s;
    return b;
  }

  // The state after the committed head.
  std::shared_ptr<const state::StateReader> Head() { return app_->StateAt(app_->committed_header().Hash()).value(); }
  balances::AccountInfo Account(uint8_t key) { return balances::ReadAccount(*Head(), Id(key)).value(); }
  uint64_t NextNonce(uint8_t key) { return Account(key).nonce; }
  // Signs `call` by `key` with its next nonce (on the committed head).
  Transaction Tx(uint8_t key, Call call, uint64_t fee = 1000) { return SignedTx(key, NextNonce(key), std::move(call), fee); }
  const std::vector<Transaction>& last_txs() const { return last_txs_; }

 private:
  TempDir temp_;
  Genesis genesis_;
  std::string dir_;
  std::unique_ptr<state::StateStore> store_;
  std::unique_ptr<ChainApplication> app_;
  BlockHeader genesis_header_;
  std::vector<Transaction> last_txs_;
};

// Every key/value under the state of `reader` (all modules' prefixes).
inline std::map<Bytes, Bytes, state::BytesLess> Dump(const state::StateReader& reader) {
  std::map<Bytes, Bytes, state::BytesLess> out;
  EXPECT_TRUE(reader
                  .ScanPrefix({}, [&](ByteSpan k, ByteSpan v) {
                    out.emplace(Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end()));
                    return true;
                  })
                  .ok());
  return out;
}

// Applies `tx` with the runtime on an overlay over the committed head of `chain` (as the next
// block's transaction) and returns the receipt and the writes it staged.
struct Applied {
  Receipt receipt;
  state::WriteSet writes;
};
inline Applied ApplyOnHead(TestChain& chain, const Transaction& tx) {
  auto head = chain.Head();
  state::Overlay overlay(*head);
  const BlockHeader parent = chain.app().committed_header();
  BlockEnv env;
  env.parent_hash = parent.Hash();
  env.height = parent.height + 1;
  env.slot = parent.slot + 1;
  env.epoch = parent.epoch;
  env.era = parent.era;
  env.parent_epoch = parent.epoch;
  env.parent_era = parent.era;
  env.author = chain.genesis().validators[0].account;
  BlockScratch scratch;
  Result<Receipt> rc = chain.app().runtime().ApplyTransaction(overlay, env, scratch, tx, tx.Hash(), false);
  EXPECT_TRUE(rc.ok()) << rc.status();
  return Applied{rc.ok() ? *rc : Receipt{}, overlay.TakeWrites()};
}

// Checks that a failed call changed nothing but the signer's fee and nonce: the writes name only
// the signer's account, whose record differs from before exactly by nonce + 1 and free − fee.
inline void ExpectOnlyFeeAndNonce(TestChain& chain, const Transaction& tx, ResultCode code, uint32_t module_error = 0) {
  const balances::AccountInfo before = balances::ReadAccount(*chain.Head(), tx.signer).value();
  Applied a = ApplyOnHead(chain, tx);
  EXPECT_EQ(a.receipt.code, code) << ResultCodeName(a.receipt.code) << " error " << a.receipt.module_error;
  EXPECT_EQ(a.receipt.module_error, module_error);
  EXPECT_EQ(a.receipt.fee_charged, tx.fee);
  ASSERT_EQ(a.writes.size(), 1u) << "a failed call wrote more than the fee and nonce";
  const auto* w = a.writes.Find(balances::AccountKey(tx.signer));
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->has_value());
  balances::AccountInfo after = codec::Decode<balances::AccountInfo>(**w).value();
  EXPECT_EQ(after.nonce, before.nonce + 1);
  EXPECT_EQ(after.free, before.free - tx.fee);
  EXPECT_EQ(after.bonded, before.bonded);
}

}  // namespace cess::chain::runtime::testing
