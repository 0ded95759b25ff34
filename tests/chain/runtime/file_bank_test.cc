// The file_bank module: quotas, upload declarations checked against the FID, transfer and tag
// reports, owners and deletion, restoral orders (claim, expiry, completion).
#include "cess/chain/runtime/file_bank.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cess/chain/runtime/audit.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/chain/runtime/tee.h"
#include "cess/core/hash.h"
#include "cess/storage/proofs/attestation.h"
#include "cess/storage/proofs/podr2.h"
#include "runtime_test_util.h"
#include "storage_test_util.h"

namespace cess::chain::runtime::testing {
namespace {

using file_bank::Error;
using file_bank::FileState;

uint32_t Err(Error e) { return static_cast<uint32_t>(e); }

bool HasEvent(const Receipt& r, std::string_view name) {
  for (const Event& e : r.events) {
    if (e.name == name) return true;
  }
  return false;
}

TEST(FileBank, FidIsTheMerkleRootOfSegmentHashes) {
  Hash256 a, b, c;
  a.fill(1);
  b.fill(2);
  c.fill(3);
  auto cat = [](const Hash256& l, const Hash256& r) {
    Bytes x(l.begin(), l.end());
    x.insert(x.end(), r.begin(), r.end());
    return crypto::Sha256(x);
  };
  EXPECT_EQ(file_bank::ComputeFid(std::vector<Hash256>{a}), cat(a, a));
  EXPECT_EQ(file_bank::ComputeFid(std::vector<Hash256>{a, b}), cat(a, b));
  EXPECT_EQ(file_bank::ComputeFid(std::vector<Hash256>{a, b, c}), cat(cat(a, b), cat(c, c)));
}

TEST(FileBank, BuySpaceBurnsThePriceAndGrantsQuota) {
  StorageEnv env;
  const uint64_t issuance = balances::ReadTotalIssuance(*env.Head()).value();
  const uint64_t free = env.chain().Account(kUploader).free;
  Receipt r = env.Run(kUploader, file_bank::BuySpaceCall(3));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(HasEvent(r, "SpaceBought"));
  EXPECT_EQ(file_bank::ReadQuota(*env.Head(), Id(kUploader)).value().total, uint64_t{3} << 30);
  EXPECT_EQ(env.chain().Account(kUploader).free, free - 3 * env.profile().space_price_per_gib - 4000);
  EXPECT_EQ(balances::ReadTotalIssuance(*env.Head()).value(),
            issuance - 3 * env.profile().space_price_per_gib);
  ExpectOnlyFeeAndNonce(env.chain(), env.chain().Tx(kUploader, file_bank::BuySpaceCall(0)),
                        ResultCode::kModuleError, Err(Error::kZeroAmount));
  ExpectOnlyFeeAndNonce(env.chain(), env.chain().Tx(kUploader, file_bank::BuySpaceCall(5000)),
                        ResultCode::kModuleError, Err(Error::kInsufficientBalance));
}

TEST(FileBank, UploadFlowToActive) {
  StorageEnv env;
  env.RegisterTee();
  env.RegisterMiners();
  TestFile f =
      env.MakeFile(env.profile().segment_size * 5 / 2, env.FirstMiners(), /*encrypted=*/true);  // 3 segments
  env.Store(f, /*tags=*/false);
  const uint64_t size = env.profile().fragment_size;
  file_bank::FileInfo info = env.File(f.fid());
  EXPECT_EQ(info.state, FileState::kCalculate);
  ASSERT_EQ(info.segments.size(), 3u);
  EXPECT_FALSE(file_bank::ReadDeal(*env.Head(), f.fid()).value().has_value());
  EXPECT_EQ(env.Miner(kFirstMiner).locked, 3 * size);
  EXPECT_EQ(env.Miner(kFirstMiner).service, 0u);
  EXPECT_EQ(file_bank::ReadQuota(*env.Head(), Id(kUploader)).value().used, 3 * 12 * size);
  // Tags for two segments first: still Calculate; then the last one of every miner.
  for (uint32_t j = 0; j < 12; ++j)
    env.Ok(f.miners[j], file_bank::CalculateReportCall(env.Tags(f, f.miners[j], j, {0, 1})));
  EXPECT_EQ(env.File(f.fid()).state, FileState::kCalculate);
  for (uint32_t j = 0; j < 11; ++j)
    env.Ok(f.miners[j], file_bank::CalculateReportCall(env.Tags(f, f.miners[j], j, {2})));
  EXPECT_EQ(env.File(f.fid()).state, FileState::kCalculate);
  Receipt last = env.Run(f.miners[11], file_bank::CalculateReportCall(env.Tags(f, f.miners[11], 11, {2})));
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(HasEvent(last, "FileActive"));
  info = env.File(f.fid());
  EXPECT_EQ(info.state, FileState::kActive);
  for (const auto& seg : info.segments) {
    for (size_t j = 0; j < 12; ++j) {
      EXPECT_TRUE(seg.fragments[j].tagged && seg.fragments[j].available);
      EXPECT_EQ(seg.fragments[j].miner, Id(f.miners[j]));
    }
  }
  const sminer::MinerInfo m = env.Miner(kFirstMiner + 4);
  EXPECT_EQ(m.locked, 0u);
  EXPECT_EQ(m.service, 3 * size);
  EXPECT_EQ(m.power(), (7 * m.service + 3 * (m.capacity - m.service)) / 10);
  auto frags = sminer::ListMinerFragments(*env.Head(), Id(kFirstMiner + 4)).value();
  ASSERT_EQ(frags.size(), 3u);
  for (uint32_t s = 0; s < 3; ++s) {
    EXPECT_NE(std::find(frags.begin(), frags.end(), std::make_pair(f.frags[s][4].name, 1u)), frags.end());
  }
  EXPECT_EQ(file_bank::ListFiles(*env.Head(), Id(kUploader)).value(), std::vector<Hash256>{f.fid()});
  EXPECT_EQ(info.cipher_info, (Bytes{1, 2, 3}));
  EXPECT_EQ(info.owners.at(0).name, "data.bin");
}

TEST(FileBank, BadUploadsLeaveNoState) {
  StorageEnv env;
  env.RegisterTee();
  env.RegisterMiners();
  // Miner 114 declares almost no space; miner 115 exits (not Positive).
  env.Ok(114, sminer::RegisterCall({"eu", "x", 1000, 10 * kCess}));
  env.Ok(115, sminer::RegisterCall({"eu", "x", uint64_t{64} << 20, 10 * kCess}));
  env.Ok(115, sminer::ExitPrepCall());
  env.Ok(kUploader, file_bank::BuySpaceCall(1));
  const TestFile good =
      env.MakeFile(env.profile().segment_size + 1, env.FirstMiners(), /*encrypted=*/true);  // 2 segments
  auto expect = [&](Error e, auto mutate, uint8_t who = kUploader) {
    file_bank::UploadArgs a = good.args;
    mutate(a);
    SCOPED_TRACE(std::string(env.chain().app().runtime().FindModule("file_bank")->ErrorName(Err(e))));
    ExpectOnlyFeeAndNonce(env.chain(), env.chain().Tx(who, file_bank::UploadDeclarationCall(a), 4000),
                          ResultCode::kModuleError, Err(e));
  };
  expect(Error::kBadName, [](auto& a) { a.name.clear(); });
  expect(Error::kCipherInfoTooLarge,
         [](auto& a) { a.cipher_info.assign(file_bank::kMaxCipherInfoBytes + 1, 0); });
  expect(Error::kBadRegion, [](auto& a) { a.regions = {std::string(33, 'x')}; });
  expect(Error::kTooManySegments, [&](auto& a) { a.file_size = env.profile().segment_size * 65; });
  expect(Error::kWrongSegmentCount, [&](auto& a) { a.file_size = env.profile().segment_size * 3; });
  // An encrypted segment carries segment_size − 16 file bytes: 2 segments hold at most
  // 2·(segment_size − 16) bytes of an encrypted file, although they would hold 2·segment_size plain.
  expect(Error::kWrongSegmentCount, [&](auto& a) {
    a.cipher_info = {1, 2, 3};
    a.file_size = 2 * env.profile().segment_size;
  });
  expect(Error::kWrongFragmentCount, [&](auto& a) { a.segments[1].fragments.pop_back(); });
  expect(Error::kBadFid, [](auto& a) { a.fid[0] ^= 1; });
  expect(Error::kBadFid, [](auto& a) { std::swap(a.segments[0], a.segments[1]); });
  expect(Error::kWrongMinerCount, [](auto& a) { a.miners.pop_back(); });
  expect(Error::kDuplicateMiner, [](auto& a) { a.miners[3] = a.miners[4]; });
  expect(Error::kUnknownRegion, [](auto& a) { a.regions = {"eu", "mars"}; });
  expect(Error::kUnknownMiner, [](auto& a) { a.miners[0] = Id(kOutsider); });
  expect(Error::kMinerNotPositive, [](auto& a) { a.miners[0] = Id(115); });
  expect(Error::kRegionNotAllowed, [](auto& a) { a.regions = {"eu"}; });
  expect(Error::kMinerFull, [](auto& a) { a.miners[0] = Id(114); });
  expect(
      Error::kQuotaExceeded, [](auto&) {}, kOutsider);
  // The good one goes through.
  env.Ok(kUploader, file_bank::UploadDeclarationCall(good.args));
  EXPECT_EQ(env.File(good.fid()).state, FileState::kPending);
  EXPECT_EQ(env.Miner(kFirstMiner).locked, 2 * env.profile().fragment_size);
  // A miner named in a deal still waiting for its transfer report cannot start its exit.
  ExpectOnlyFeeAndNonce(env.chain(), env.chain().Tx(kFirstMiner, sminer::ExitPrepCall()),
                        ResultCode::kModuleError, static_cast<uint32_t>(sminer::Error::kPendingDeals));
  // Region filter that all miners satisfy.
  TestFile eu =
      env.MakeFile(10, {100, 102, 104, 106, 108, 110, 112, 114, 115, 101, 103, 105}, /*encrypted=*/true);
  eu.args.regions = {"eu"};
  ExpectOnlyFeeAndNonce(env.chain(),
                        env.chain().Tx(kUploader, file_bank::UploadDeclarationCall(eu.args), 4000),
                        ResultCode::kModuleError, Err(Error::kMinerFull));
}

TEST(FileBank, TransferAndCalculateReportErrors) {
  StorageEnv env;
  env.RegisterTee();
  env.RegisterMiners();
  TestFile f = env.MakeFile(100, env.FirstMiners(), /*encrypted=*/true);
  env.Ok(kUploader, file_bank::BuySpaceCall(1));
  env.Ok(kUploader, file_bank::UploadDeclarationCall(f.args));
  auto expect = [&](uint8_t who, Call c, Error e) {
    ExpectOnlyFeeAndNonce(env.chain(), env.chain().Tx(who, std::move(c), 2000), ResultCode::kModuleError,
                          Err(e));
  };
  Hash256 nofile{};
  expect(100, file_bank::TransferReportCall(nofile, 0), Error::kNoSuchFile);
  expect(100, file_bank::TransferReportCall(f.fid(), 12), Error::kBadFragmentIndex);
  expect(100, file_bank::TransferReportCall(f.fid(), 1), Error::kNotAssigned);
  expect(100, file_bank::CalculateReportCall(env.Tags(f, 100, 0)), Error::kFileNotStored);
  env.Ok(100, file_bank::TransferReportCall(f.fid(), 0));
  expect(100, file_bank::TransferReportCall(f.fid(), 0), Error::kAlreadyReported);
  EXPECT_EQ(file_bank::ReadDeal(*env.Head(), f.fid()).value()->reported[0], true);
  for (uint32_t j = 1; j < 12; ++j) env.Ok(f.miners[j], file_bank::TransferReportCall(f.fid(), j));
  EXPECT_EQ(env.File(f.fid()).state, FileState::kCalculate);
  expect(100, file_bank::TransferReportCall(f.fid(), 0), Error::kNotPending);
  file_bank::CalculateArgs a = env.Tags(f, 100, 0);
  file_bank::CalculateArgs bad = a;
  bad.tee_key = Key(201).public_key();
  expect(100, file_bank::CalculateReportCall(bad), Error::kUnknownTee);
  bad = a;
  bad.fragment_index = 12;
  expect(100, file_bank::CalculateReportCall(bad), Error::kBadFragmentIndex);
  bad = a;
  bad.tags.clear();
  expect(100, file_bank::CalculateReportCall(bad), Error::kNoTags);
  bad = a;
  bad.tags[0].segment = 1;
  expect(100, file_bank::CalculateReportCall(bad), Error::kBadSegmentIndex);
  bad = a;
  bad.tags.push_back(a.tags[0]);
  expect(100, file_bank::CalculateReportCall(bad), Error::kDuplicateSegment);
  expect(101, file_bank::CalculateReportCall(env.Tags(f, 101, 0)), Error::kNotAssigned);
  bad = a;
  bad.tags[0].tag_digest[0] ^= 1;  // the enclave signed another digest
  expect(100, file_bank::CalculateReportCall(bad), Error::kBadTagSignature);
  bad = env.Tags(f, 101, 0);  // signed for another miner
  expect(100, file_bank::CalculateReportCall(bad), Error::kBadTagSignature);
  env.Ok(100, file_bank::CalculateReportCall(a));
  expect(100, file_bank::CalculateReportCall(a), Error::kAlreadyTagged);
}

TEST(FileBank, DedupOwnerAndDeleteReleaseSpace) {
  StorageEnv env;
  env.RegisterTee();
  env.RegisterMiners();
  TestFile f = env.MakeFile(2 * (env.profile().segment_size - file_bank::kGcmTagBytes), env.FirstMiners(),
                            /*encrypted=*/true);
  env.Store(f);
  const uint64_t charge = file_bank::FileCharge(env.profile(), 2);
  // A second owner declares the same file (its miners list does not matter).
  env.Ok(kOutsider, file_bank::BuySpaceCall(1));
  file_bank::UploadArgs again = f.args;
  again.name = "copy.bin";
  again.miners.clear();
  Receipt r = env.Run(kOutsider, file_bank::UploadDeclarationCall(again));
  ASSERT_TRUE(r.ok()) << r.module_error;
  EXPECT_TRUE(HasEvent(r, "OwnerAdded"));
  EXPECT_EQ(file_bank::ReadQuota(*env.Head(), Id(kOutsider)).value().used, charge);
  ASSERT_EQ(env.File(f.fid()).owners.size(), 2u);
  EXPECT_EQ(env.File(f.fid()).owners[1].name, "copy.bin");
  ExpectOnlyFeeAndNonce(env.chain(), env.chain().Tx(kOutsider, file_bank::UploadDeclarationCall(again), 4000),
                        ResultCode::kModuleError, Err(Error::kAlreadyOwner));
  ExpectOnlyFeeAndNonce(env.chain(), env.chain().Tx(117, file_bank::DeleteFileCall(f.fid())),
                        ResultCode::kModuleError, Err(Error::kNotOwner));
  ExpectOnlyFeeAndNonce(env.chain(), env.chain().Tx(kUploader, file_bank::DeleteFileCall(Hash256{})),
                        ResultCode::kModuleError, Err(Error::kNoSuchFile));
  // The first owner leaves: the file stays.
  env.Ok(kUploader, file_bank::DeleteFileCall(f.fid()));
  EXPECT_EQ(file_bank::ReadQuota(*env.Head(), Id(kUploader)).value().used, 0u);
  EXPECT_TRUE(file_bank::ListFiles(*env.Head(), Id(kUploader)).value().empty());
  EXPECT_EQ(env.File(f.fid()).state, FileState::kActive);
  EXPECT_EQ(env.Miner(kFirstMiner).service, 2 * env.profile().fragment_size);
  // The last owner leaves: the file, its space and index entries are gone.
  env.Ok(kOutsider, file_bank::DeleteFileCall(f.fid()));
  EXPECT_FALSE(file_bank::ReadFile(*env.Head(), f.fid()).value().has_value());
  EXPECT_EQ(file_bank::ReadQuota(*env.Head(), Id(kOutsider)).value().used, 0u);
  for (int i = 0; i < 12; ++i) {
    const sminer::MinerInfo m = env.Miner(static_cast<uint8_t>(kFirstMiner + i));
    EXPECT_EQ(m.service, 0u);
    EXPECT_EQ(m.locked, 0u);
    EXPECT_TRUE(
        sminer::ListMinerFragments(*env.Head(), Id(static_cast<uint8_t>(kFirstMiner + i))).value().empty());
    EXPECT_TRUE(
        file_bank::ListMinerFiles(*env.Head(), Id(static_cast<uint8_t>(kFirstMiner + i))).value().empty());
  }
}

TEST(FileBank, RestoralClaimExpiryAndComplete) {
  StorageEnv env;
  env.RegisterTee();
  env.RegisterMiners();
  TestFile f = env.MakeFile(2 * (env.profile().segment_size - file_bank::kGcmTagBytes), env.FirstMiners(),
                            /*encrypted=*/true);
  env.Store(f);
  const Hash256 lost = f.frags[1][0].name;  // fragment 0 of segment 1, on miner 100
  const uint64_t size = env.profile().fragment_size;
  auto expect = [&](uint8_t who, Call c, Error e) {
    ExpectOnlyFeeAndNonce(env.chain(), env.chain().Tx(who, std::move(c)), ResultCode::kModuleError, Err(e));
  };
  expect(101, file_bank::GenerateRestoralOrderCall(f.fid(), lost), Error::kNotHolder);
  expect(112, file_bank::ClaimRestoralOrderCall(f.fid(), lost), Error::kNoSuchOrder);
  env.Ok(100, file_bank::GenerateRestoralOrderCall(f.fid(), lost));
  file_bank::FileInfo info = env.File(f.fid());
  EXPECT_EQ(info.state, FileState::kMissing);  // unclaimed
  EXPECT_TRUE(info.segments[1].fragments[0].miner.IsZero());
  EXPECT_FALSE(info.segments[1].fragments[0].available);
  EXPECT_EQ(env.Miner(100).service, size);
  ASSERT_EQ(file_bank::ListRestoralOrders(*env.Head()).value().size(), 1u);
  EXPECT_EQ(file_bank::ListRestoralOrders(*env.Head()).value()[0].origin, Id(100));
  expect(101, file_bank::ClaimRestoralOrderCall(f.fid(), lost), Error::kHoldsOtherFragment);
  expect(kOutsider, file_bank::ClaimRestoralOrderCall(f.fid(), lost), Error::kUnknownMiner);
  // Miner 112 claims and lets the claim expire.
  env.Ok(112, file_bank::ClaimRestoralOrderCall(f.fid(), lost));
  EXPECT_EQ(env.File(f.fid()).state, FileState::kRecovery);
  expect(113, file_bank::ClaimRestoralOrderCall(f.fid(), lost), Error::kAlreadyClaimed);
  expect(113, file_bank::RestoralOrderCompleteCall(f.fid(), lost), Error::kNotClaimer);
  // The claim holds through its deadline block and expires in the block after it.
  for (uint64_t i = 0; i < env.profile().restoral_order_life_blocks; ++i) env.chain().Step();
  EXPECT_EQ(env.File(f.fid()).state, FileState::kRecovery);
  env.chain().Step();
  EXPECT_EQ(env.File(f.fid()).state, FileState::kMissing);
  expect(112, file_bank::RestoralOrderCompleteCall(f.fid(), lost), Error::kClaimExpired);
  // Miner 113 claims the expired order and completes it.
  env.Ok(113, file_bank::ClaimRestoralOrderCall(f.fid(), lost));
  EXPECT_EQ(env.File(f.fid()).state, FileState::kRecovery);
  env.Ok(113, file_bank::RestoralOrderCompleteCall(f.fid(), lost));
  EXPECT_TRUE(file_bank::ListRestoralOrders(*env.Head()).value().empty());
  info = env.File(f.fid());
  EXPECT_EQ(info.state, FileState::kRecovery);  // restored, waiting for its tags
  EXPECT_EQ(info.segments[1].fragments[0].miner, Id(113));
  EXPECT_EQ(env.Miner(113).locked, size);
  env.Ok(113, file_bank::CalculateReportCall(env.Tags(f, 113, 0, {1})));
  info = env.File(f.fid());
  EXPECT_EQ(info.state, FileState::kActive);
  EXPECT_TRUE(info.segments[1].fragments[0].available);
  EXPECT_EQ(env.Miner(113).service, size);
  EXPECT_EQ(env.Miner(113).locked, 0u);
}

TEST(FileBank, ExitPrepOpensRestoralOrders) {
  StorageEnv env;
  env.RegisterTee();
  env.RegisterMiners();
  TestFile f = env.MakeFile(10, env.FirstMiners(), /*encrypted=*/true);
  env.Store(f);
  env.Ok(105, sminer::ExitPrepCall());
  EXPECT_EQ(env.Miner(105).state, sminer::MinerState::kExiting);
  EXPECT_EQ(env.Miner(105).service, 0u);
  auto orders = file_bank::ListRestoralOrders(*env.Head()).value();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].fragment, f.frags[0][5].name);
  EXPECT_EQ(env.File(f.fid()).state, FileState::kMissing);
}

}  // namespace
}  // namespace cess::chain::runtime::testing
