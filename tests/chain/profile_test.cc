// Protocol profiles: the constants of DESIGN.md §3, validation and the canonical encoding.
#include "cess/chain/profile.h"

#include <gtest/gtest.h>

namespace cess::chain {
namespace {

TEST(Profile, CessMatchesTheRealNetwork) {
  const Profile p = Profile::Cess();
  EXPECT_TRUE(p.Validate().ok()) << p.Validate().ToString();
  EXPECT_EQ(p.segment_size, 32u << 20);
  EXPECT_EQ(p.fragment_size, 8u << 20);
  EXPECT_EQ(p.ec_data + p.ec_parity, 12u);
  EXPECT_EQ(p.podr2_blocks_per_fragment, 1024u);
  EXPECT_EQ(p.podr2_challenged_blocks, 47u);
  EXPECT_EQ(p.slot_ms, 6000u);
  EXPECT_EQ(p.slots_per_era(), 3600u);  // 6 h of 6 s slots
  EXPECT_EQ(p.validators_elected, 11u);
  EXPECT_EQ(p.min_validator_stake, 3'000'000u * kUnitsPerCess);
  EXPECT_EQ(p.pois_nodes, 1u << 20);
  // Storage runtime (issue 5): the real network's audit and file constants.
  EXPECT_EQ(p.miner_collateral_per_tib, 4000u * kUnitsPerCess);
  EXPECT_EQ(p.max_segments_per_file, 1000u);
  EXPECT_EQ(p.restoral_order_life_blocks, 250u);
  EXPECT_EQ(p.audit_interval_blocks, 4u);
  EXPECT_EQ(p.audit_bytes_per_block, 25'165'824u);
  EXPECT_EQ(p.audit_deadline_base_blocks, 50u);
  EXPECT_EQ(p.audit_penalty_percent, (std::array<uint32_t, 3>{0, 5, 15}));
  EXPECT_EQ(p.audit_max_misses, 100u);
}

TEST(Profile, DevnetIsSmall) {
  const Profile p = Profile::Devnet();
  EXPECT_TRUE(p.Validate().ok()) << p.Validate().ToString();
  EXPECT_EQ(p.segment_size, 1u << 20);
  EXPECT_EQ(p.fragment_size, 256u << 10);
  EXPECT_EQ(p.slot_ms, 1000u);
  EXPECT_EQ(p.slots_per_era(), 60u);
  EXPECT_EQ(p.validators_elected, 4u);
  EXPECT_EQ(p.podr2_challenged_blocks, 8u);
  EXPECT_EQ(p.audit_max_misses, 3u);
  EXPECT_EQ(p.audit_interval_blocks, 5u);
  // A profile built field by field (as a genesis file that predates the storage fields is read)
  // carries the devnet storage values.
  const Profile blank;
  EXPECT_EQ(blank.miner_min_collateral, p.miner_min_collateral);
  EXPECT_EQ(blank.audit_max_misses, p.audit_max_misses);
}

TEST(Profile, FinalityThreshold) {
  EXPECT_EQ(Profile::FinalityThreshold(11), 8u);
  EXPECT_EQ(Profile::FinalityThreshold(4), 3u);
  EXPECT_EQ(Profile::FinalityThreshold(1), 1u);
  EXPECT_EQ(Profile::FinalityThreshold(3), 3u);
  EXPECT_EQ(Profile::FinalityThreshold(7), 5u);
}

TEST(Profile, ByName) {
  EXPECT_EQ(Profile::ByName("cess")->name, "cess");
  EXPECT_EQ(Profile::ByName("devnet")->name, "devnet");
  auto bad = Profile::ByName("mainnet");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("devnet"), std::string::npos);
}

TEST(Profile, ValidateNamesTheField) {
  auto expect_bad = [](auto mutate, const std::string& field) {
    Profile p = Profile::Devnet();
    mutate(p);
    const Status s = p.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << field;
    EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
  };
  expect_bad([](Profile& p) { p.fragment_size = 1000; }, "fragment_size");
  expect_bad([](Profile& p) { p.ec_data = 0; }, "ec_data");
  expect_bad([](Profile& p) { p.ec_parity = 17; }, "ec_parity");
  expect_bad([](Profile& p) { p.miners_per_file = 5; }, "miners_per_file");
  expect_bad([](Profile& p) { p.podr2_challenged_blocks = 65; }, "podr2_challenged_blocks");
  expect_bad([](Profile& p) { p.slot_ms = 0; }, "slot_ms");
  expect_bad([](Profile& p) { p.credit_window_percent = {50, 20, 15, 10, 4}; }, "credit_window_percent");
  expect_bad([](Profile& p) { p.weight_credit = p.weight_stake = p.weight_vrf = 0; }, "weight");
  expect_bad([](Profile& p) { p.name.clear(); }, "name");
  expect_bad([](Profile& p) { p.slash_percent = 101; }, "slash_percent");
  expect_bad([](Profile& p) { p.reporter_reward_percent = 101; }, "reporter_reward_percent");
  expect_bad([](Profile& p) { p.max_nominations = 0; }, "max_nominations");
  expect_bad([](Profile& p) { p.max_unlocking_chunks = 0; }, "max_unlocking_chunks");
  expect_bad([](Profile& p) { p.max_candidates = 0; }, "max_candidates");
  expect_bad([](Profile& p) { p.max_nominators = 0; }, "max_nominators");
  expect_bad([](Profile& p) { p.audit_interval_blocks = 0; }, "audit_interval_blocks");
  expect_bad([](Profile& p) { p.audit_penalty_percent[2] = 101; }, "audit_penalty_percent");
  expect_bad([](Profile& p) { p.max_segments_per_file = 0; }, "max_segments_per_file");
  expect_bad([](Profile& p) { p.audit_max_misses = 0; }, "audit_max_misses");
}

TEST(Profile, RuntimeConstants) {
  const Profile c = Profile::Cess();
  EXPECT_EQ(c.min_tx_fee, kUnitsPerCess / 100);
  EXPECT_EQ(c.slash_percent, 10u);
  EXPECT_EQ(c.max_nominations, 16u);
  EXPECT_EQ(c.max_unlocking_chunks, 32u);
  const Profile d = Profile::Devnet();
  EXPECT_EQ(d.min_tx_fee, 1000u);
  EXPECT_LT(d.max_candidates, c.max_candidates);
}

TEST(Profile, CodecRoundTripAndTruncation) {
  for (const Profile& p : {Profile::Cess(), Profile::Devnet()}) {
    const Bytes bytes = codec::Encode(p);
    auto back = codec::Decode<Profile>(bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, p);
    for (size_t cut = 0; cut < bytes.size(); cut += 7) {
      EXPECT_FALSE(codec::Decode<Profile>(ByteSpan(bytes.data(), cut)).ok()) << cut;
    }
  }
  EXPECT_NE(codec::Encode(Profile::Cess()), codec::Encode(Profile::Devnet()));
}

}  // namespace
}  // namespace cess::chain
