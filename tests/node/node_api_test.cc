// The node API's batched submission (SubmitTransactions, proto/chain/node.proto) on a real
// one-validator node on loopback: one result per transaction in request order (malformed bytes and
// bad signatures refused in their own slot), the batch limit, and the accepted ones finalized.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cess/chain/genesis.h"
#include "cess/chain/runtime/balances.h"
#include "cess/core/codec.h"
#include "cess/core/ecvrf.h"
#include "cess/core/keyfile.h"
#include "cess/core/log.h"
#include "cessd/node.h"
#include "cessd/node_client.h"
#include "cessd/node_service.h"

namespace cess::node {
namespace {

constexpr size_t kAccounts = 20;

crypto::Ed25519PrivateKey KeyOf(uint8_t tag) {
  crypto::Ed25519Seed seed{};
  seed.fill(tag);
  return crypto::Ed25519PrivateKey::FromSeed(seed).value();
}

class NodeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetLevel(log::Level::kError);
    dir_ = ::testing::TempDir() + "/node_api_test_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const crypto::Ed25519PrivateKey validator = KeyOf(1);
    crypto::ecvrf::SecretKey vrf{};
    vrf[0] = 1;
    vrf[31] = 7;
    ASSERT_TRUE(crypto::SaveEd25519Key(dir_ + "/validator.json", validator).ok());
    ASSERT_TRUE(crypto::SaveVrfKey(dir_ + "/vrf.json", vrf).ok());

    genesis_.chain_id = "node-api-test";
    genesis_.profile = chain::Profile::Devnet();
    genesis_.profile.validators_elected = 1;
    genesis_.genesis_time_ms = SystemClockMs();
    const chain::AccountId vid = chain::AccountId::Of(validator);
    genesis_.accounts.push_back({vid, 1'000'000 * chain::kUnitsPerCess});
    for (size_t i = 0; i < kAccounts; ++i) {
      genesis_.accounts.push_back(
          {chain::AccountId::Of(KeyOf(static_cast<uint8_t>(50 + i))), 1'000 * chain::kUnitsPerCess});
    }
    genesis_.validators.push_back(
        {vid, crypto::ecvrf::PublicKeyFromSecret(vrf).value(), 10'000 * chain::kUnitsPerCess});
    ASSERT_TRUE(genesis_.Validate().ok());
    std::ofstream(dir_ + "/genesis.json") << genesis_.ToJson();

    NodeConfig config;
    config.config_dir = dir_;
    config.genesis_path = dir_ + "/genesis.json";
    config.data_dir = dir_ + "/data";
    config.listen = "127.0.0.1:0";
    config.account_key_path = dir_ + "/validator.json";
    config.vrf_key_path = dir_ + "/vrf.json";
    config.sync_writes = false;
    auto node = Node::Open(config);
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = std::move(node).value();
    runner_ = std::thread([this] { (void)node_->Run(stop_); });
    client_ = NodeClient::Connect(node_->address(), 10'000).value();
  }

  void TearDown() override {
    stop_ = true;
    if (runner_.joinable()) runner_.join();
    node_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Polls `pred` every 50 ms for up to `seconds`.
  template <typename Pred>
  static bool WaitFor(Pred pred, int seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return pred();
  }

  chain::Transaction Transfer(size_t from, uint64_t nonce) const {
    chain::Transaction tx;
    tx.nonce = nonce;
    tx.fee = genesis_.profile.min_tx_fee;
    tx.call = chain::runtime::balances::TransferCall(chain::AccountId::Of(KeyOf(1)), 1);
    EXPECT_TRUE(tx.Sign(KeyOf(static_cast<uint8_t>(50 + from)), genesis_.chain_id).ok());
    return tx;
  }

  std::string dir_;
  chain::Genesis genesis_;
  std::unique_ptr<Node> node_;
  std::atomic<bool> stop_{false};
  std::thread runner_;
  std::unique_ptr<NodeClient> client_;
};

TEST_F(NodeApiTest, BatchGetsOneResultPerTransactionAndTheAcceptedOnesFinalize) {
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = client_->Status();
        return s.ok() && s->finalized_height() >= 1;
      },
      30));

  std::vector<Bytes> encoded;
  std::vector<chain::Transaction> txs;
  for (size_t i = 0; i < kAccounts; ++i) {
    txs.push_back(Transfer(i, 0));
    encoded.push_back(codec::Encode(txs.back()));
  }
  encoded[5] = Bytes{1, 2, 3};  // does not decode
  chain::Transaction forged = txs[7];
  forged.fee += 1;  // not what was signed
  encoded[7] = codec::Encode(forged);
  encoded.push_back(encoded[0]);  // the same transaction twice: a duplicate is accepted, once

  auto reply = client_->SubmitEncoded(encoded);
  ASSERT_TRUE(reply.ok()) << reply.status();
  ASSERT_EQ(reply->results_size(), static_cast<int>(encoded.size()));
  EXPECT_EQ(reply->accepted(), kAccounts - 2 + 1);
  for (size_t i = 0; i < kAccounts; ++i) {
    const auto& r = reply->results(static_cast<int>(i));
    if (i == 5) {
      EXPECT_FALSE(r.accepted());
      EXPECT_EQ(r.code(), static_cast<uint32_t>(chain::ResultCode::kBadArguments));
      EXPECT_NE(r.message().find("decode"), std::string::npos) << r.message();
    } else if (i == 7) {
      EXPECT_FALSE(r.accepted());
      EXPECT_EQ(r.code_name(), "bad_signature");
    } else {
      EXPECT_TRUE(r.accepted()) << i << ": " << r.message();
      EXPECT_EQ(r.tx_hash(), chain::HashToHex(txs[i].Hash()));
    }
  }
  EXPECT_TRUE(reply->results(static_cast<int>(kAccounts)).accepted());

  // Above the batch limit the call fails as a whole.
  std::vector<Bytes> too_many(static_cast<size_t>(kMaxSubmitBatch) + 1, Bytes{0});
  EXPECT_EQ(client_->SubmitEncoded(too_many).status().code(), StatusCode::kInvalidArgument);
  // The typed batch call gives the same results for transactions.
  auto again = client_->SubmitBatch(std::vector<chain::Transaction>{txs[1]});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->results(0).accepted());

  auto nonce = [&](size_t i) -> uint64_t {
    auto a =
        client_->GetAccount(chain::AccountId::Of(KeyOf(static_cast<uint8_t>(50 + i))), /*finalized=*/true);
    return a.ok() ? a->nonce() : 0;
  };
  ASSERT_TRUE(WaitFor(
      [&] {
        for (size_t i = 0; i < kAccounts; ++i) {
          if (i != 5 && i != 7 && nonce(i) != 1) return false;
        }
        return true;
      },
      30));
  EXPECT_EQ(nonce(5), 0u);
  EXPECT_EQ(nonce(7), 0u);
}

}  // namespace
}  // namespace cess::node
