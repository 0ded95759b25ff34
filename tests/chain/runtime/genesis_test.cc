// Genesis: validation, canonical encoding, hash, and the JSON form.
#include "cess/chain/genesis.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime_test_util.h"

namespace cess::chain::runtime::testing {
namespace {

TEST(Genesis, TestGenesisValidates) {
  const Genesis g = TestGenesis();
  EXPECT_TRUE(g.Validate().ok()) << g.Validate();
}

TEST(Genesis, ValidateNamesTheProblem) {
  auto expect_bad = [](auto mutate, const std::string& needle) {
    Genesis g = TestGenesis();
    mutate(g);
    Status s = g.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << needle;
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  };
  expect_bad([](Genesis& g) { g.chain_id.clear(); }, "chain_id");
  expect_bad([](Genesis& g) { g.chain_id = std::string(65, 'x'); }, "chain_id");
  expect_bad([](Genesis& g) { g.profile.slot_ms = 0; }, "slot_ms");
  expect_bad([](Genesis& g) { g.accounts.push_back(g.accounts[0]); }, "twice");
  expect_bad([](Genesis& g) { g.accounts[5].balance = 1; }, "existential");
  expect_bad([](Genesis& g) { g.validators.clear(); }, "at least one validator");
  expect_bad([](Genesis& g) { g.validators.push_back(g.validators[0]); }, "twice");
  expect_bad([](Genesis& g) { g.validators[0].stake = 1; }, "min_validator_stake");
  expect_bad([](Genesis& g) { g.validators[0].vrf_key.fill(0); }, "VRF key");
  expect_bad([](Genesis& g) { g.validators[0].account = Id(200); }, "not a genesis account");
  expect_bad([](Genesis& g) { g.validators[0].stake = g.accounts[0].balance; }, "stake + existential");
  expect_bad([](Genesis& g) { g.accounts[0].balance = UINT64_MAX; }, "u64");
}

TEST(Genesis, CodecRoundTripAndHash) {
  const Genesis g = TestGenesis();
  const Bytes bytes = codec::Encode(g);
  Result<Genesis> back = codec::Decode<Genesis>(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, g);
  EXPECT_EQ(back->Hash(), g.Hash());
  for (size_t cut = 0; cut < bytes.size(); cut += 13) {
    EXPECT_FALSE(codec::Decode<Genesis>(ByteSpan(bytes.data(), cut)).ok()) << cut;
  }
  Genesis other = g;
  other.genesis_time_ms += 1;
  EXPECT_NE(other.Hash(), g.Hash());
}

TEST(Genesis, JsonRoundTrip) {
  const Genesis g = TestGenesis();
  const std::string json = g.ToJson();
  Result<Genesis> back = Genesis::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, g);
  EXPECT_EQ(back->Hash(), g.Hash());
}

TEST(Genesis, JsonCarriesTheStorageConstants) {
  Genesis g = TestGenesis();
  g.profile.audit_interval_blocks = 1;
  g.profile.audit_penalty_percent = {1, 2, 3};
  g.profile.max_segments_per_file = 7;
  g.profile.miner_reward_per_era = 12345;
  Result<Genesis> back = Genesis::FromJson(g.ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->profile, g.profile);
  EXPECT_EQ(back->Hash(), g.Hash());
  // A penalty list of the wrong shape is refused by name.
  nlohmann::json j = nlohmann::json::parse(g.ToJson());
  j["profile"]["audit_penalty_percent"] = {5, 15};
  Result<Genesis> bad = Genesis::FromJson(j.dump());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("audit_penalty_percent"), std::string::npos) << bad.status();
}

TEST(Genesis, JsonProfileByNameAndPartialObject) {
  Genesis g = TestGenesis();
  g.profile = Profile::Devnet();
  std::string json = g.ToJson();
  // A bare name.
  nlohmann::json j = nlohmann::json::parse(json);
  j["profile"] = "devnet";
  Result<Genesis> by_name = Genesis::FromJson(j.dump());
  ASSERT_TRUE(by_name.ok()) << by_name.status();
  EXPECT_EQ(by_name->profile, Profile::Devnet());
  // A known name with one override.
  j["profile"] = {{"name", "devnet"}, {"slot_ms", 500}};
  Result<Genesis> partial = Genesis::FromJson(j.dump());
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(partial->profile.slot_ms, 500u);
  EXPECT_EQ(partial->profile.slots_per_epoch, Profile::Devnet().slots_per_epoch);
  // A custom name must list every field.
  j["profile"] = {{"name", "mine"}, {"slot_ms", 500}};
  Result<Genesis> custom = Genesis::FromJson(j.dump());
  ASSERT_FALSE(custom.ok());
  EXPECT_NE(custom.status().message().find("profile."), std::string::npos) << custom.status();
}

TEST(Genesis, JsonErrorsNameTheField) {
  const std::string text = TestGenesis().ToJson();
  auto expect_bad = [&](auto mutate, const std::string& needle) {
    nlohmann::json j = nlohmann::json::parse(text);
    mutate(j);
    Result<Genesis> r = Genesis::FromJson(j.dump());
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status();
  };
  expect_bad([](nlohmann::json& j) { j.erase("chain_id"); }, "chain_id");
  expect_bad([](nlohmann::json& j) { j["genesis_time_ms"] = -1; }, "genesis_time_ms");
  expect_bad([](nlohmann::json& j) { j["accounts"][0]["id"] = "zz"; }, "accounts[0].id");
  expect_bad([](nlohmann::json& j) { j["accounts"][1].erase("balance"); }, "accounts[1].balance");
  expect_bad([](nlohmann::json& j) { j["validators"][0]["vrf_key"] = "00"; }, "validators[0].vrf_key");
  expect_bad([](nlohmann::json& j) { j["profile"]["slot_ms"] = "fast"; }, "profile.slot_ms");
  expect_bad([](nlohmann::json& j) { j["profile"] = "mainnet"; }, "profile");
  EXPECT_FALSE(Genesis::FromJson("{not json").ok());
}

}  // namespace
}  // namespace cess::chain::runtime::testing
