// The balances module: transfers, the existential deposit, fees, issuance, failed calls.
#include "cess/chain/runtime/balances.h"

#include <gtest/gtest.h>

#include "runtime_test_util.h"

namespace cess::chain::runtime::testing {
namespace {

using balances::AccountInfo;
using balances::Error;
using balances::TransferCall;

constexpr uint8_t kAlice = 100;
constexpr uint8_t kBob = 101;
constexpr uint8_t kCarol = 102;

uint32_t Err(Error e) { return static_cast<uint32_t>(e); }

TEST(Balances, GenesisIssuanceIsTheSumOfAccounts) {
  TestChain chain(TestGenesis());
  uint64_t sum = 0;
  for (const GenesisAccount& a : chain.genesis().accounts) sum += a.balance;
  EXPECT_EQ(balances::ReadTotalIssuance(*chain.Head()).value(), sum);
  const AccountInfo v = chain.Account(0);
  EXPECT_EQ(v.free, 8'000 * kCess);
  EXPECT_EQ(v.bonded, 2'000 * kCess);
  EXPECT_EQ(chain.Account(kAlice).free, 1'000 * kCess);
}

TEST(Balances, TransferMovesFundsChargesTheFeeAndPaysTheAuthor) {
  TestChain chain(TestGenesis());
  const uint64_t issuance = balances::ReadTotalIssuance(*chain.Head()).value();
  ExecutedBlock b = chain.Step({chain.Tx(kAlice, TransferCall(Id(kBob), 5 * kCess), 2000)});
  ASSERT_EQ(b.receipts.size(), 1u);
  EXPECT_TRUE(b.receipts[0].ok());
  EXPECT_EQ(b.receipts[0].fee_charged, 2000u);
  ASSERT_EQ(b.receipts[0].events.size(), 1u);
  EXPECT_EQ(b.receipts[0].events[0].name, "Transfer");
  EXPECT_EQ(chain.Account(kAlice).free, 995 * kCess - 2000);
  EXPECT_EQ(chain.Account(kAlice).nonce, 1u);
  EXPECT_EQ(chain.Account(kBob).free, 1'005 * kCess);
  // The author (slot 1's validator) received the fee.
  int author = -1;
  for (uint8_t i = 0; i < 4; ++i) {
    if (Id(i) == b.header.author) author = i;
  }
  ASSERT_GE(author, 0);
  EXPECT_EQ(chain.Account(static_cast<uint8_t>(author)).free, 8'000 * kCess + 2000);
  EXPECT_EQ(balances::ReadTotalIssuance(*chain.Head()).value(), issuance);
}

TEST(Balances, TransferErrorsChangeOnlyFeeAndNonce) {
  TestChain chain(TestGenesis());
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, TransferCall(Id(kBob), 0)), ResultCode::kModuleError,
                        Err(Error::kZeroAmount));
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, TransferCall(Id(kBob), 1'001 * kCess)), ResultCode::kModuleError,
                        Err(Error::kInsufficientBalance));
  // A new account below the existential deposit is refused.
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, TransferCall(Id(150), kCess - 1)), ResultCode::kModuleError,
                        Err(Error::kBelowExistentialDeposit));
  // Bad arguments, an unknown function and a fee below the minimum are charged too.
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, Call{"balances", "transfer", Bytes{1, 2, 3}}),
                        ResultCode::kBadArguments);
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, Call{"balances", "mint", {}}), ResultCode::kUnknownFunction);
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, Call{"nothing", "mint", {}}), ResultCode::kUnknownModule);
  ExpectOnlyFeeAndNonce(chain, chain.Tx(kAlice, TransferCall(Id(kBob), kCess), 999), ResultCode::kFeeTooLow);
}

TEST(Balances, UnpayableTransactionsChangeNothing) {
  TestChain chain(TestGenesis());
  // Bad signature, bad nonce, fee that would leave less than ED: no state change at all.
  Transaction bad_sig = chain.Tx(kAlice, TransferCall(Id(kBob), kCess));
  bad_sig.fee += 1;
  Transaction bad_nonce = SignedTx(kAlice, 5, TransferCall(Id(kBob), kCess));
  Transaction too_poor = chain.Tx(kAlice, TransferCall(Id(kBob), kCess), 1'000 * kCess);
  Transaction no_account = SignedTx(150, 0, TransferCall(Id(kBob), kCess));
  for (const auto& [tx, code] : std::vector<std::pair<Transaction, ResultCode>>{
           {bad_sig, ResultCode::kBadSignature},
           {bad_nonce, ResultCode::kBadNonce},
           {too_poor, ResultCode::kInsufficientFunds},
           {no_account, ResultCode::kInsufficientFunds}}) {
    Applied a = ApplyOnHead(chain, tx);
    EXPECT_EQ(a.receipt.code, code);
    EXPECT_EQ(a.receipt.fee_charged, 0u);
    EXPECT_TRUE(a.writes.empty());
  }
}

TEST(Balances, SenderBelowExistentialDepositIsReapedAndDustBurned) {
  TestChain chain(TestGenesis());
  const uint64_t issuance = balances::ReadTotalIssuance(*chain.Head()).value();
  // Leave Alice with half an ED after the fee: reaped, the half burned.
  const uint64_t fee = 1000;
  const uint64_t amount = 1'000 * kCess - fee - kCess / 2;
  ExecutedBlock b = chain.Step({chain.Tx(kAlice, TransferCall(Id(kCarol), amount), fee)});
  ASSERT_TRUE(b.receipts[0].ok());
  bool dust_event = false;
  for (const Event& e : b.receipts[0].events) dust_event |= e.name == "DustLost";
  EXPECT_TRUE(dust_event);
  const AccountInfo alice = chain.Account(kAlice);
  EXPECT_EQ(alice.free, 0u);
  EXPECT_EQ(alice.nonce, 1u);  // the nonce survives reaping
  EXPECT_EQ(balances::ReadTotalIssuance(*chain.Head()).value(), issuance - kCess / 2);
  // The old transaction cannot be replayed once Alice is funded again.
  chain.Step({chain.Tx(kBob, TransferCall(Id(kAlice), 10 * kCess))});
  Applied replay = ApplyOnHead(chain, SignedTx(kAlice, 0, TransferCall(Id(kCarol), amount), fee));
  EXPECT_EQ(replay.receipt.code, ResultCode::kBadNonce);
}

TEST(Balances, EmptyingAnAccountExactlyLeavesOnlyItsNonce) {
  TestChain chain(TestGenesis());
  const uint64_t fee = 1000;
  chain.Step({chain.Tx(kAlice, TransferCall(Id(kBob), 1'000 * kCess - fee), fee)});
  EXPECT_EQ(chain.Account(kAlice).free, 0u);
  EXPECT_EQ(chain.Account(kAlice).nonce, 1u);
  EXPECT_EQ(chain.Account(kBob).free, 2'000 * kCess - fee);
}

TEST(Balances, FeeMustLeaveTheExistentialDeposit) {
  const uint64_t ed = kCess;
  EXPECT_TRUE(balances::CanPayFee(AccountInfo{0, ed + 5, 0}, 5, ed));
  EXPECT_FALSE(balances::CanPayFee(AccountInfo{0, ed + 4, 0}, 5, ed));
  EXPECT_TRUE(balances::CanPayFee(AccountInfo{0, 5, 1}, 5, ed));  // a bond keeps the account alive
  EXPECT_FALSE(balances::CanPayFee(AccountInfo{0, 4, 1}, 5, ed));
  EXPECT_TRUE(balances::CanPayFee(AccountInfo{0, 0, 0}, 0, ed));
}

TEST(Balances, AccountCodecRoundTrip) {
  const AccountInfo a{7, 123, 456};
  EXPECT_EQ(codec::Decode<AccountInfo>(codec::Encode(a)).value(), a);
  EXPECT_FALSE(codec::Decode<AccountInfo>(Bytes(23, 0)).ok());
  EXPECT_EQ(TransferCall(Id(1), 9).args.size(), 40u);
}

}  // namespace
}  // namespace cess::chain::runtime::testing
