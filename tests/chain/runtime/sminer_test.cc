// The sminer module: registration with region and collateral, collateral top-ups, endpoint
// updates, exit with a lock period, the pot invariant and era rewards proportional to power.
#include "cess/chain/runtime/sminer.h"

#include <gtest/gtest.h>

#include "cess/chain/runtime/balances.h"
#include "runtime_test_util.h"

namespace cess::chain::runtime::testing {
namespace {

using sminer::Error;
using sminer::MinerState;

uint32_t Err(Error e) { return static_cast<uint32_t>(e); }

constexpr uint64_t kGiB = uint64_t{1} << 30;

class Sminer : public ::testing::Test {
 protected:
  Sminer() : chain_(TestGenesis(4, 8)) {}

  Receipt Run(uint8_t key, Call call) {
    ExecutedBlock b = chain_.Step({chain_.Tx(key, std::move(call))});
    return b.receipts.at(0);
  }
  void Expect(uint8_t key, Call call, Error e) {
    ExpectOnlyFeeAndNonce(chain_, chain_.Tx(key, std::move(call)), ResultCode::kModuleError, Err(e));
  }
  sminer::MinerInfo Miner(uint8_t key) { return sminer::ReadMiner(*chain_.Head(), Id(key)).value().value(); }
  const Profile& profile() const { return chain_.genesis().profile; }

  TestChain chain_;
};

TEST(SminerMath, MinCollateralAndPower) {
  const Profile p = Profile::Cess();
  EXPECT_EQ(sminer::MinCollateral(p, 1), p.miner_min_collateral);
  EXPECT_EQ(sminer::MinCollateral(p, uint64_t{3} << 40), 3 * p.miner_collateral_per_tib);
  EXPECT_EQ(sminer::MinCollateral(p, (uint64_t{3} << 40) + 1), 3 * p.miner_collateral_per_tib + 1);  // ceil
  sminer::MinerInfo m;
  m.capacity = 1000;
  m.service = 300;
  m.locked = 100;
  EXPECT_EQ(m.idle(), 600u);
  EXPECT_EQ(m.power(), (7 * 300 + 3 * 600) / 10u);
  m.locked = 900;
  EXPECT_EQ(m.idle(), 0u);
  EXPECT_EQ(sminer::PotAccount(), sminer::ModuleAccount("sminer"));
  EXPECT_NE(sminer::PotAccount(), sminer::ModuleAccount("file_bank"));
}

TEST_F(Sminer, RegisterMovesCollateralToThePot) {
  const uint64_t issuance = balances::ReadTotalIssuance(*chain_.Head()).value();
  const uint64_t free = chain_.Account(100).free;
  Receipt r = Run(100, sminer::RegisterCall({"eu-west", "10.0.0.1:4001", 10 * kGiB, 50 * kCess}));
  ASSERT_TRUE(r.ok()) << r.module_error;
  const sminer::MinerInfo m = Miner(100);
  EXPECT_EQ(m.region, "eu-west");
  EXPECT_EQ(m.capacity, 10 * kGiB);
  EXPECT_EQ(m.collateral, 50 * kCess);
  EXPECT_EQ(m.state, MinerState::kPositive);
  EXPECT_EQ(chain_.Account(100).free, free - 50 * kCess - 1000);
  // The pot holds the collateral plus its existential reserve (minted once).
  const uint64_t reserve = sminer::ReadReserve(*chain_.Head()).value();
  EXPECT_EQ(reserve, profile().existential_deposit);
  EXPECT_EQ(balances::ReadAccount(*chain_.Head(), sminer::PotAccount()).value().free, 50 * kCess + reserve);
  EXPECT_EQ(balances::ReadTotalIssuance(*chain_.Head()).value(), issuance + reserve);
  EXPECT_TRUE(sminer::RegionKnown(*chain_.Head(), "eu-west").value());
  EXPECT_FALSE(sminer::RegionKnown(*chain_.Head(), "eu").value());
  auto list = sminer::ListMiners(*chain_.Head()).value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].free, 10 * kGiB);
  EXPECT_EQ(list[0].power, 3 * kGiB);
}

TEST_F(Sminer, RegisterErrors) {
  ASSERT_TRUE(Run(100, sminer::RegisterCall({"eu", "", kGiB, 10 * kCess})).ok());
  Expect(100, sminer::RegisterCall({"eu", "", kGiB, 10 * kCess}), Error::kAlreadyRegistered);
  Expect(101, sminer::RegisterCall({"", "", kGiB, 10 * kCess}), Error::kBadRegion);
  Expect(101, sminer::RegisterCall({std::string(33, 'r'), "", kGiB, 10 * kCess}), Error::kBadRegion);
  Expect(101, sminer::RegisterCall({"eu", std::string(257, 'e'), kGiB, 10 * kCess}), Error::kEndpointTooLong);
  Expect(101, sminer::RegisterCall({"eu", "", 0, 10 * kCess}), Error::kZeroCapacity);
  Expect(101, sminer::RegisterCall({"eu", "", kGiB, 10 * kCess - 1}), Error::kCollateralTooLow);
  // 1 TiB needs 4000 CESS.
  Expect(101, sminer::RegisterCall({"eu", "", uint64_t{1} << 40, 3999 * kCess}), Error::kCollateralTooLow);
  Expect(101, sminer::RegisterCall({"eu", "", kGiB, 2000 * kCess}), Error::kInsufficientBalance);
}

TEST_F(Sminer, CollateralEndpointExitAndWithdraw) {
  ASSERT_TRUE(Run(100, sminer::RegisterCall({"eu", "a", kGiB, 10 * kCess})).ok());
  Expect(101, sminer::IncreaseCollateralCall(1), Error::kNotRegistered);
  Expect(100, sminer::IncreaseCollateralCall(0), Error::kZeroAmount);
  Expect(100, sminer::IncreaseCollateralCall(5000 * kCess), Error::kInsufficientBalance);
  ASSERT_TRUE(Run(100, sminer::IncreaseCollateralCall(5 * kCess)).ok());
  EXPECT_EQ(Miner(100).collateral, 15 * kCess);
  ASSERT_TRUE(Run(100, sminer::UpdateEndpointCall("b:1")).ok());
  EXPECT_EQ(Miner(100).endpoint, "b:1");
  Expect(100, sminer::UpdateEndpointCall(std::string(300, 'x')), Error::kEndpointTooLong);
  Expect(101, sminer::UpdateEndpointCall("c"), Error::kNotRegistered);
  Expect(100, sminer::WithdrawCall(), Error::kNotExiting);
  ASSERT_TRUE(Run(100, sminer::ExitPrepCall()).ok());
  const sminer::MinerInfo m = Miner(100);
  EXPECT_EQ(m.state, MinerState::kExiting);
  EXPECT_EQ(m.unlock_at, chain_.app().committed_header().height + profile().miner_exit_lock_blocks);
  Expect(100, sminer::ExitPrepCall(), Error::kMinerExiting);
  Expect(100, sminer::IncreaseCollateralCall(kCess), Error::kMinerExiting);
  Expect(100, sminer::WithdrawCall(), Error::kStillLocked);
  while (chain_.app().committed_header().height + 1 < m.unlock_at) chain_.Step();
  const uint64_t free = chain_.Account(100).free;
  Receipt r = Run(100, sminer::WithdrawCall());
  ASSERT_TRUE(r.ok()) << r.module_error;
  EXPECT_EQ(chain_.Account(100).free, free + 15 * kCess - 1000);
  EXPECT_FALSE(sminer::ReadMiner(*chain_.Head(), Id(100)).value().has_value());
  EXPECT_FALSE(sminer::RegionKnown(*chain_.Head(), "eu").value());
  EXPECT_EQ(balances::ReadAccount(*chain_.Head(), sminer::PotAccount()).value().free,
            sminer::ReadReserve(*chain_.Head()).value());
}

TEST_F(Sminer, EraRewardsProportionalToPower) {
  // Powers 3:6:9 (idle only), and one exiting miner that gets nothing.
  ASSERT_TRUE(Run(100, sminer::RegisterCall({"eu", "", 1 * kGiB, 20 * kCess})).ok());
  ASSERT_TRUE(Run(101, sminer::RegisterCall({"eu", "", 2 * kGiB, 20 * kCess})).ok());
  ASSERT_TRUE(Run(102, sminer::RegisterCall({"us", "", 3 * kGiB, 20 * kCess})).ok());
  ASSERT_TRUE(Run(103, sminer::RegisterCall({"us", "", 3 * kGiB, 20 * kCess})).ok());
  ASSERT_TRUE(Run(103, sminer::ExitPrepCall()).ok());
  const uint64_t era = chain_.app().committed_header().era;
  std::array<uint64_t, 4> before{};
  for (int i = 0; i < 4; ++i) before[i] = chain_.Account(static_cast<uint8_t>(100 + i)).free;
  const uint64_t issuance = balances::ReadTotalIssuance(*chain_.Head()).value();
  while (chain_.app().committed_header().era == era) chain_.Step();
  const uint64_t reward = profile().miner_reward_per_era;
  const uint64_t total_power = 3 * kGiB / 10 * 6;  // (1+2+3) GiB × 3/10
  uint64_t paid = 0;
  for (int i = 0; i < 3; ++i) {
    const uint64_t power = static_cast<uint64_t>(i + 1) * kGiB * 3 / 10;
    const uint64_t expect = reward * power / total_power;  // no overflow: 1e9 × 1e9
    EXPECT_EQ(chain_.Account(static_cast<uint8_t>(100 + i)).free, before[i] + expect) << i;
    EXPECT_EQ(Miner(static_cast<uint8_t>(100 + i)).reward_total, expect);
    paid += expect;
  }
  EXPECT_EQ(chain_.Account(103).free, before[3]);
  EXPECT_LE(paid, reward);
  EXPECT_EQ(balances::ReadTotalIssuance(*chain_.Head()).value(), issuance + paid);
}

}  // namespace
}  // namespace cess::chain::runtime::testing
