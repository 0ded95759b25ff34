// The r2s module: credit and election maths against hand-computed values, VRF submissions, the
// on-chain election with its tie-break, and credit from authored blocks and penalties.
#include "cess/chain/runtime/r2s.h"

#include <gtest/gtest.h>

#include "cess/chain/runtime/staking.h"
#include "cess/core/hash.h"
#include "runtime_test_util.h"

namespace cess::chain::runtime::testing {
namespace {

using r2s::Error;

constexpr uint8_t kAlice = 100;

uint32_t Err(Error e) { return static_cast<uint32_t>(e); }

TEST(R2sMaths, RawCredit) {
  EXPECT_EQ(r2s::RawCredit(30, 100, 0, 1000), 300u);
  EXPECT_EQ(r2s::RawCredit(30, 100, 1, 1000), 200u);  // 300 - (10·1)²
  EXPECT_EQ(r2s::RawCredit(30, 100, 2, 1000), 0u);    // 300 - 400, clamped
  EXPECT_EQ(r2s::RawCredit(1, 3, 0, 1000), 333u);     // floor
  EXPECT_EQ(r2s::RawCredit(5, 0, 0, 1000), 0u);
  EXPECT_EQ(r2s::RawCredit(3, 11, 0, 1000), 272u);
  EXPECT_EQ(r2s::RawCredit(UINT64_MAX, UINT64_MAX, 0, 1000), 1000u);  // no overflow
}

TEST(R2sMaths, SmoothedCreditIsTheWeightedWindowNewestFirst) {
  const std::array<uint32_t, 5> w = {50, 20, 15, 10, 5};
  EXPECT_EQ(r2s::SmoothCredit({1000, 500, 0, 200, 1000}, w), 670u);  // (50000+10000+0+2000+5000)/100
  EXPECT_EQ(r2s::SmoothCredit({272, 0, 0, 0, 0}, w), 136u);
  EXPECT_EQ(r2s::SmoothCredit({0, 0, 0, 0, 999}, w), 49u);  // 4995/100
  EXPECT_EQ(r2s::SmoothCredit({1000, 1000, 1000, 1000, 1000}, w), 1000u);
}

TEST(R2sMaths, StakeVrfAndScore) {
  EXPECT_EQ(r2s::StakeScore(2500, 3000, 1000), 833u);
  EXPECT_EQ(r2s::StakeScore(3000, 3000, 1000), 1000u);
  EXPECT_EQ(r2s::StakeScore(1, 0, 1000), 0u);
  crypto::ecvrf::Output out{};
  out[6] = 0x03;
  out[7] = 0xE8;  // 1000
  EXPECT_EQ(r2s::VrfScore(out, 1000), 1000u);
  out[7] = 0xE9;  // 1001 mod 1001
  EXPECT_EQ(r2s::VrfScore(out, 1000), 0u);
  out.fill(0xff);
  EXPECT_EQ(r2s::VrfScore(out, 1000), 18446744073709551615ULL % 1001);
  const Profile p = Profile::Cess();
  EXPECT_EQ(r2s::Score(670, 833, 1000, p), 784u);  // (3350 + 2499 + 2000) / 10
  EXPECT_EQ(r2s::Score(1000, 1000, 1000, p), 1000u);
  EXPECT_EQ(r2s::Score(0, 1000, 0, p), 300u);
}

TEST(R2sMaths, RankBreaksTiesByBackedStakeThenAccount) {
  std::vector<r2s::ElectionEntry> e(4);
  e[0].account = Id(1), e[0].score = 500, e[0].backed = 10;
  e[1].account = Id(2), e[1].score = 600, e[1].backed = 1;
  e[2].account = Id(3), e[2].score = 500, e[2].backed = 20;
  e[3].account = Id(4), e[3].score = 500, e[3].backed = 10;
  r2s::Rank(e);
  EXPECT_EQ(e[0].account, Id(2));
  EXPECT_EQ(e[1].account, Id(3));
  const AccountId lo = std::min(Id(1), Id(4));
  EXPECT_EQ(e[2].account, lo);
}

crypto::ecvrf::Proof EraProof(uint8_t key, const Hash256& seed, uint64_t era) {
  return crypto::ecvrf::Prove(VrfSecret(key), r2s::EraVrfInput(seed, era)).value();
}

TEST(R2s, SubmitVrfIsVerifiedAndItsErrorsChangeOnlyFeeAndNonce) {
  TestChain chain(TestGenesis());
  const Hash256 seed = r2s::ReadEraSeed(*chain.Head()).value().seed;
  const auto mod = ResultCode::kModuleError;
  // A proof by another key, over another era or seed, or bit-flipped: refused.
  crypto::ecvrf::Proof wrong_key = EraProof(2, seed, 0);
  ExpectOnlyFeeAndNonce(chain, chain.Tx(1, r2s::SubmitVrfCall(0, wrong_key), 2000), mod, Err(Error::kBadProof));
  crypto::ecvrf::Proof flipped = EraProof(1, seed, 0);
  flipped[40] ^= 1;
  ExpectOnlyFeeAndNonce(chain, chain.Tx(1, r2s::SubmitVrfCall(0, flipped), 2000), mod, Err(Error::kBadProof));
  Hash256 other_seed = seed;
  other_seed[0] ^= 1;
  ExpectOnlyFeeAndNonce(chain, chain.Tx(1, r2s::SubmitVrfCall(0, EraProof(1, other_seed, 0)), 2000), mod,
                        Err(Error::kBadProof));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(1, r2s::SubmitVrfCall(1, EraProof(1, seed, 1)), 2000), mod,
                        Err(Error::kWrongEra));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, r2s::SubmitVrfCall(0, EraProof(kAlice, seed, 0)), 2000), mod,
                        Err(Error::kNotACandidate));
  // A good one is stored with its output; a second is refused.
  const crypto::ecvrf::Proof good = EraProof(1, seed, 0);
  ExecutedBlock b = chain.Step({chain.Tx(1, r2s::SubmitVrfCall(0, good), 2000)});
  ASSERT_TRUE(b.receipts[0].ok()) << b.receipts[0].module_error;
  EXPECT_EQ(r2s::ReadVrfOutput(*chain.Head(), 0, Id(1)).value(), crypto::ecvrf::ProofToHash(good).value());
  ExpectOnlyFeeAndNonce(chain, chain.Tx(1, r2s::SubmitVrfCall(0, good), 2000), mod, Err(Error::kAlreadySubmitted));
}

// Election of era 1 at the first block of epoch 2 (slot 8): two seats, five candidates.
TEST(R2s, ElectionScoresStakeAndVrfAndBreaksTiesByAccount) {
  Profile p = TestProfile();
  p.validators_elected = 2;
  p.min_validator_stake = 500 * kCess;
  TestChain chain(TestGenesis(4, 4, p));
  const Hash256 seed = r2s::ReadEraSeed(*chain.Head()).value().seed;
  // Alice becomes a candidate with 900 CESS; validators 0 and 3 submit VRF outputs.
  chain.Step({chain.Tx(kAlice, staking::BondCall(900 * kCess))}, 1);
  chain.Step({chain.Tx(kAlice, staking::ValidateCall(VrfPublic(kAlice))),
              chain.Tx(0, r2s::SubmitVrfCall(0, EraProof(0, seed, 0)), 2000),
              chain.Tx(3, r2s::SubmitVrfCall(0, EraProof(3, seed, 0)), 2000)},
             2);
  std::vector<r2s::ElectionEntry> preview = r2s::ScoreCandidates(*chain.Head(), p, 0).value();
  ExecutedBlock election = chain.Step({}, 8);
  std::optional<r2s::ElectionRecord> rec = r2s::ReadElection(*chain.Head(), 1).value();
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->held_at, election.header.height);
  EXPECT_FALSE(rec->carried);
  ASSERT_EQ(rec->ranked.size(), 5u);
  EXPECT_EQ(rec->ranked, preview);
  // Hand computation: no credit yet (no finished era); stake scores 1000 for the validators and
  // floor(1000·900/2000) = 450 for Alice; VRF scores from the outputs.
  auto vrf = [&](uint8_t k) { return r2s::VrfScore(crypto::ecvrf::ProofToHash(EraProof(k, seed, 0)).value(), 1000); };
  std::map<AccountId, uint32_t> expected;
  expected[Id(0)] = (3 * 1000 + 2 * vrf(0)) / 10;
  expected[Id(1)] = 300;
  expected[Id(2)] = 300;
  expected[Id(3)] = (3 * 1000 + 2 * vrf(3)) / 10;
  expected[Id(kAlice)] = 3 * 450 / 10;
  for (const r2s::ElectionEntry& e : rec->ranked) {
    EXPECT_EQ(e.score, expected[e.account]);
    EXPECT_EQ(e.credit, 0u);
  }
  // The winners: the two best scores; equal scores fall back to backed stake, then account id.
  std::vector<std::pair<AccountId, uint32_t>> order(expected.begin(), expected.end());
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second > b.second;
    const bool a_alice = a.first == Id(kAlice), b_alice = b.first == Id(kAlice);
    if (a_alice != b_alice) return b_alice;  // 2,000 CESS backs the validators, 900 Alice
    return a.first < b.first;
  });
  ASSERT_EQ(rec->elected.size(), 2u);
  EXPECT_EQ(rec->elected[0].account, order[0].first);
  EXPECT_EQ(rec->elected[1].account, order[1].first);
  AuthoritySet set = chain.app().Authorities(chain.app().committed_header().Hash(), 1).value();
  EXPECT_EQ(set.authorities, rec->elected);
  // Submissions for era 0 are closed now.
  ExpectOnlyFeeAndNonce(chain, chain.Tx(1, r2s::SubmitVrfCall(0, EraProof(1, seed, 0)), 2000), ResultCode::kModuleError,
                        Err(Error::kElectionClosed));
}

TEST(R2s, EqualCandidatesAreElectedByAccountOrder) {
  Profile p = TestProfile();
  p.validators_elected = 2;
  TestChain chain(TestGenesis(4, 4, p));
  chain.Step({}, 8);
  std::vector<Authority> elected = r2s::ReadElected(*chain.Head(), 1).value().value();
  std::vector<AccountId> ids = {Id(0), Id(1), Id(2), Id(3)};
  std::sort(ids.begin(), ids.end());
  ASSERT_EQ(elected.size(), 2u);
  EXPECT_EQ(elected[0].account, ids[0]);
  EXPECT_EQ(elected[1].account, ids[1]);
}

TEST(R2s, NobodyQualifiesCarriesThePreviousSet) {
  Profile p = TestProfile();
  p.min_validator_stake = 1000 * kCess;
  TestChain chain(TestGenesis(4, 4, p));
  // Every validator chills: no candidates at the election.
  chain.Step({chain.Tx(0, staking::ChillCall()), chain.Tx(1, staking::ChillCall()), chain.Tx(2, staking::ChillCall()),
              chain.Tx(3, staking::ChillCall())},
             1);
  chain.Step({}, 8);
  std::optional<r2s::ElectionRecord> rec = r2s::ReadElection(*chain.Head(), 1).value();
  ASSERT_TRUE(rec.has_value());
  EXPECT_TRUE(rec->carried);
  EXPECT_EQ(rec->elected, r2s::ReadElected(*chain.Head(), 0).value().value());
}

TEST(R2s, CreditFromAuthoredBlocksAndPenalties) {
  TestChain chain(TestGenesis());
  // Era 0: slots 1..11, authors Id(slot mod 4): keys 1, 2, 3 author 3 blocks, key 0 authors 2.
  for (uint64_t slot = 1; slot <= 11; ++slot) {
    std::vector<Transaction> txs;
    if (slot == 9) {  // one penalty for key 2 in era 0
      SealedHeader a, b;
      a.header.slot = b.header.slot = 6;
      b.header.height = 1;
      EXPECT_TRUE(a.Seal(Key(2), kChainId).ok());
      EXPECT_TRUE(b.Seal(Key(2), kChainId).ok());
      txs.push_back(chain.Tx(kAlice, staking::ReportEquivocationCall(EquivocationEvidence{BlockEquivocation{a, b}}), 2000));
    }
    ExecutedBlock e = chain.Step(txs, slot);
    if (!e.receipts.empty()) {
      ASSERT_TRUE(e.receipts[0].ok()) << e.receipts[0].module_error;
    }
  }
  EXPECT_EQ(r2s::ReadWork(*chain.Head(), 0, Id(1)).value(), 3u);
  EXPECT_EQ(r2s::ReadTotalWork(*chain.Head(), 0).value(), 11u);
  chain.Step({}, 12);  // era 1: era 0's credit is computed
  EXPECT_EQ(r2s::ReadRawCredit(*chain.Head(), 0, Id(1)).value(), 272u);       // floor(3000/11)
  EXPECT_EQ(r2s::ReadRawCredit(*chain.Head(), 0, Id(0)).value(), 181u);       // floor(2000/11)
  EXPECT_EQ(r2s::ReadRawCredit(*chain.Head(), 0, Id(2)).value(), 172u);       // 272 - 100
  EXPECT_EQ(r2s::ReadWork(*chain.Head(), 0, Id(1)).value(), 0u);              // pruned
  EXPECT_EQ(r2s::ReadCredit(*chain.Head(), chain.genesis().profile, 1, Id(1)).value(), 136u);  // 50 %
  EXPECT_EQ(r2s::ReadCredit(*chain.Head(), chain.genesis().profile, 2, Id(1)).value(), 54u);   // 20 % a later era
}

TEST(R2s, RandomnessFoldsEveryBlock) {
  TestChain chain(TestGenesis());
  const Hash256 before = r2s::ReadRandomness(*chain.Head()).value();
  ExecutedBlock b = chain.Step({}, 1);
  const Hash256 after = r2s::ReadRandomness(*chain.Head()).value();
  Bytes pre(AsBytes("cess/randomness/v1").begin(), AsBytes("cess/randomness/v1").end());
  pre.insert(pre.end(), before.begin(), before.end());
  pre.insert(pre.end(), b.header.vrf_output.begin(), b.header.vrf_output.end());
  EXPECT_EQ(after, crypto::Sha256(pre));
}

}  // namespace
}  // namespace cess::chain::runtime::testing
