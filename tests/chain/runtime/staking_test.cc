// The staking module: bonding, unbonding period, nominations, candidacy, equivocation reports.
#include "cess/chain/runtime/staking.h"

#include <gtest/gtest.h>

#include "cess/chain/runtime/r2s.h"
#include "runtime_test_util.h"

namespace cess::chain::runtime::testing {
namespace {

using staking::Error;

constexpr uint8_t kAlice = 100;
constexpr uint8_t kBob = 101;

uint32_t Err(Error e) { return static_cast<uint32_t>(e); }

SignedVote MakeVote(uint8_t voter, uint64_t set_id, uint8_t target, uint64_t round = 1) {
  Vote v;
  v.kind = VoteKind::kPrevote;
  v.round = round;
  v.set_id = set_id;
  v.target_hash.fill(target);
  v.target_height = 1;
  return SignedVote::Sign(v, Key(voter), kChainId).value();
}

EquivocationEvidence VoteEvidence(uint8_t voter, uint64_t set_id = 0) {
  return EquivocationEvidence{VoteEquivocation{MakeVote(voter, set_id, 1), MakeVote(voter, set_id, 2)}};
}

EquivocationEvidence BlockEvidence(uint8_t author, uint64_t slot) {
  SealedHeader a, b;
  a.header.slot = b.header.slot = slot;
  a.header.height = 1;
  b.header.height = 2;
  EXPECT_TRUE(a.Seal(Key(author), kChainId).ok());
  EXPECT_TRUE(b.Seal(Key(author), kChainId).ok());
  return EquivocationEvidence{BlockEquivocation{a, b}};
}

TEST(Staking, BondUnbondWithdrawAcrossTheBondingPeriod) {
  TestChain chain(TestGenesis());
  chain.Step({chain.Tx(kAlice, staking::BondCall(300 * kCess))}, 1);
  EXPECT_EQ(chain.Account(kAlice).bonded, 300 * kCess);
  EXPECT_EQ(chain.Account(kAlice).free, 700 * kCess - 1000);
  chain.Step({chain.Tx(kAlice, staking::UnbondCall(100 * kCess))}, 2);  // era 0: released at era 2
  staking::Ledger l = staking::ReadLedger(*chain.Head(), Id(kAlice)).value().value();
  EXPECT_EQ(l.active, 200 * kCess);
  ASSERT_EQ(l.unlocking.size(), 1u);
  EXPECT_EQ(l.unlocking[0], (staking::UnlockChunk{100 * kCess, 2}));
  EXPECT_EQ(chain.Account(kAlice).bonded, 300 * kCess);
  // Era 1 (slot 12): too early.
  chain.Step({}, 12);
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::WithdrawUnbondedCall()), ResultCode::kModuleError,
                        Err(Error::kNothingToWithdraw));
  // Era 2 (slot 24): released.
  chain.Step({}, 24);
  ExecutedBlock b = chain.Step({chain.Tx(kAlice, staking::WithdrawUnbondedCall())}, 25);
  ASSERT_TRUE(b.receipts[0].ok());
  EXPECT_EQ(chain.Account(kAlice).bonded, 200 * kCess);
  EXPECT_EQ(chain.Account(kAlice).free, 800 * kCess - 3000);  // three fees paid
  // Unbond everything and withdraw: the ledger is removed.
  chain.Step({chain.Tx(kAlice, staking::UnbondCall(200 * kCess))}, 26);
  chain.Step({}, 48);
  chain.Step({chain.Tx(kAlice, staking::WithdrawUnbondedCall())}, 49);
  EXPECT_FALSE(staking::ReadLedger(*chain.Head(), Id(kAlice)).value().has_value());
  EXPECT_EQ(chain.Account(kAlice).bonded, 0u);
}

TEST(Staking, FailedCallsChangeOnlyFeeAndNonce) {
  TestChain chain(TestGenesis());
  const auto mod = ResultCode::kModuleError;
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::UnbondCall(1)), mod, Err(Error::kNotBonded));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::BondCall(0)), mod, Err(Error::kZeroAmount));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::BondCall(1'000 * kCess)), mod,
                        Err(Error::kInsufficientBalance));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::WithdrawUnbondedCall()), mod, Err(Error::kNotBonded));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::NominateCall({Id(0)})), mod, Err(Error::kNotBonded));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::ChillCall()), mod, Err(Error::kNotStaking));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::ValidateCall(VrfPublic(9))), mod, Err(Error::kNotBonded));
  chain.Step({chain.Tx(kAlice, staking::BondCall(100 * kCess))});
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::UnbondCall(101 * kCess)), mod, Err(Error::kInsufficientBond));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::NominateCall({})), mod, Err(Error::kNoTargets));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::NominateCall({Id(0), Id(0)})), mod,
                        Err(Error::kDuplicateTarget));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::NominateCall({Id(0), Id(kBob)})), mod,
                        Err(Error::kNotACandidate));
  std::vector<AccountId> many(17, Id(0));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::NominateCall(many)), mod, Err(Error::kTooManyTargets));
  crypto::ecvrf::PublicKey bad_key{};
  bad_key[0] = 0x02;
  bad_key[1] = 0xff;
  bad_key.back() = 0xff;
  std::fill(bad_key.begin() + 1, bad_key.end(), 0xff);
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::ValidateCall(bad_key)), mod, Err(Error::kBadVrfKey));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, Call{"staking", "chill", {1}}), ResultCode::kBadArguments);
  // Too many unlocking chunks: one per era is possible only across eras; fill the limit directly.
  Profile p = TestProfile();
  p.max_unlocking_chunks = 1;
  TestChain small(TestGenesis(4, 4, p));
  small.Step({small.Tx(kAlice, staking::BondCall(100 * kCess))}, 1);
  small.Step({small.Tx(kAlice, staking::UnbondCall(kCess))}, 2);
  small.Step({}, 12);
  ExpectOnlyFeeAndNonce(small, small.Tx(kAlice, staking::UnbondCall(kCess)), mod, Err(Error::kTooManyChunks));
}

TEST(Staking, NominationsBackCandidates) {
  TestChain chain(TestGenesis());
  chain.Step({chain.Tx(kAlice, staking::BondCall(501 * kCess + 1)), chain.Tx(kBob, staking::BondCall(90 * kCess))});
  chain.Step({chain.Tx(kAlice, staking::NominateCall({Id(1), Id(0)})),
              chain.Tx(kBob, staking::ValidateCall(VrfPublic(kBob)))});
  auto backing = staking::ComputeBacking(*chain.Head()).value();
  ASSERT_EQ(backing.size(), 5u);
  std::map<AccountId, uint64_t> by_id;
  for (const auto& [c, b] : backing) by_id[c.account] = b;
  // 501 CESS + 1 unit split in two: the first target also gets the remainder.
  EXPECT_EQ(by_id[Id(1)], 2'000 * kCess + 250 * kCess + kCess / 2 + 1);
  EXPECT_EQ(by_id[Id(0)], 2'000 * kCess + 250 * kCess + kCess / 2);
  EXPECT_EQ(by_id[Id(kBob)], 90 * kCess);
  // Validating ends nominating, and the other way round; chill ends both.
  chain.Step({chain.Tx(kAlice, staking::ValidateCall(VrfPublic(kAlice)))});
  EXPECT_FALSE(staking::ReadNominations(*chain.Head(), Id(kAlice)).value().has_value());
  EXPECT_TRUE(staking::ReadCandidate(*chain.Head(), Id(kAlice)).value().has_value());
  chain.Step({chain.Tx(kAlice, staking::ChillCall())});
  EXPECT_FALSE(staking::ReadCandidate(*chain.Head(), Id(kAlice)).value().has_value());
}

TEST(Staking, VoteEquivocationIsSlashedExactlyOnce) {
  TestChain chain(TestGenesis());
  chain.Step({chain.Tx(kBob, staking::BondCall(500 * kCess))});
  chain.Step({chain.Tx(kBob, staking::NominateCall({Id(1)}))});
  const uint64_t issuance = balances::ReadTotalIssuance(*chain.Head()).value();
  const uint64_t alice_free = chain.Account(kAlice).free;
  ExecutedBlock b = chain.Step({chain.Tx(kAlice, staking::ReportEquivocationCall(VoteEvidence(1)), 2000)});
  ASSERT_TRUE(b.receipts[0].ok()) << b.receipts[0].module_error;
  // 10% of the offender's 2,000 CESS and of Bob's 500 CESS backing it; 10% of that to Alice.
  const uint64_t slashed = 200 * kCess + 50 * kCess;
  const uint64_t reward = slashed / 10;
  EXPECT_EQ(chain.Account(1).bonded, 1'800 * kCess);
  EXPECT_EQ(staking::ReadLedger(*chain.Head(), Id(1)).value()->active, 1'800 * kCess);
  EXPECT_EQ(chain.Account(kBob).bonded, 450 * kCess);
  EXPECT_EQ(chain.Account(kAlice).free, alice_free - 2000 + reward);
  EXPECT_EQ(balances::ReadTotalIssuance(*chain.Head()).value(), issuance - slashed + reward);
  EXPECT_FALSE(staking::ReadCandidate(*chain.Head(), Id(1)).value().has_value());  // chilled
  EXPECT_EQ(r2s::ReadPenalties(*chain.Head(), 0, Id(1)).value(), 1u);
  EXPECT_TRUE(staking::IsOffenceReported(*chain.Head(), VoteEvidence(1).OffenceKey()).value());
  // The same offence again, with the votes swapped or other conflicting votes: refused.
  EquivocationEvidence swapped = VoteEvidence(1);
  std::swap(std::get<VoteEquivocation>(swapped.body).first, std::get<VoteEquivocation>(swapped.body).second);
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kBob, staking::ReportEquivocationCall(swapped), 2000),
                        ResultCode::kModuleError, Err(Error::kDuplicateReport));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::ReportEquivocationCall(VoteEvidence(1)), 2000),
                        ResultCode::kModuleError, Err(Error::kDuplicateReport));
}

TEST(Staking, BadEquivocationReportsChangeOnlyFeeAndNonce) {
  TestChain chain(TestGenesis());
  const auto mod = ResultCode::kModuleError;
  auto report = [&](const EquivocationEvidence& e) { return chain.Tx(kAlice, staking::ReportEquivocationCall(e), 2000); };
  ExpectOnlyFeeAndNonce(chain, report(VoteEvidence(50)), mod, Err(Error::kInvalidEvidence));  // not a voter
  ExpectOnlyFeeAndNonce(chain, report(VoteEvidence(1, 3)), mod, Err(Error::kEvidenceFromFuture));
  EquivocationEvidence same = VoteEvidence(1);
  std::get<VoteEquivocation>(same.body).second = std::get<VoteEquivocation>(same.body).first;
  ExpectOnlyFeeAndNonce(chain, report(same), mod, Err(Error::kInvalidEvidence));  // not conflicting
  EquivocationEvidence forged = VoteEvidence(1);
  std::get<VoteEquivocation>(forged.body).second.signature[0] ^= 1;
  ExpectOnlyFeeAndNonce(chain, report(forged), mod, Err(Error::kInvalidEvidence));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(1, staking::ReportEquivocationCall(VoteEvidence(1)), 2000), mod,
                        Err(Error::kSelfReport));
  ExpectOnlyFeeAndNonce(chain, report(BlockEvidence(2, 5)), mod, Err(Error::kNotSlotAuthor));  // slot 5 is key 1's
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, staking::ReportEquivocationCall(BlockEvidence(1, 5)), 1999),
                        ResultCode::kFeeTooLow);  // weight 2 needs 2000
}

TEST(Staking, BlockEquivocationOfTheSlotAuthorIsSlashed) {
  TestChain chain(TestGenesis());
  ExecutedBlock b = chain.Step({chain.Tx(kAlice, staking::ReportEquivocationCall(BlockEvidence(1, 5)), 2000)});
  ASSERT_TRUE(b.receipts[0].ok()) << b.receipts[0].module_error;
  EXPECT_EQ(chain.Account(1).bonded, 1'800 * kCess);
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kBob, staking::ReportEquivocationCall(BlockEvidence(1, 5)), 2000),
                        ResultCode::kModuleError, Err(Error::kDuplicateReport));
  // Too old once the bonding duration has passed (era 3 for an era-0 offence with 2 eras).
  chain.Step({}, 36);
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kBob, staking::ReportEquivocationCall(BlockEvidence(3, 7)), 2000),
                        ResultCode::kModuleError, Err(Error::kEvidenceTooOld));
}

TEST(Staking, CodecsRoundTrip) {
  staking::Ledger l{5, {{1, 2}, {3, 4}}};
  EXPECT_EQ(codec::Decode<staking::Ledger>(codec::Encode(l)).value(), l);
  staking::Nominations n{{Id(1), Id(2)}};
  EXPECT_EQ(codec::Decode<staking::Nominations>(codec::Encode(n)).value(), n);
  EXPECT_TRUE(staking::IsValidVrfKey(VrfPublic(3)));
  EXPECT_FALSE(staking::IsValidVrfKey(crypto::ecvrf::PublicKey{}));
}

}  // namespace
}  // namespace cess::chain::runtime::testing
