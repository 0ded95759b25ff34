// The audit module: challenges from chain randomness, proofs verified on chain with real PoDR²,
// escalating penalties and the forced exit.
#include "cess/chain/runtime/audit.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/chain/runtime/tee.h"
#include "cess/core/hash.h"
#include "cess/storage/proofs/attestation.h"
#include "cess/storage/proofs/podr2.h"
#include "runtime_test_util.h"
#include "storage_test_util.h"

namespace cess::chain::runtime::testing {
namespace {

// The honest proof of miner `key` for `c` over every fragment it holds in `files` (names ascending,
// repeated by refcount). `corrupt` flips a byte of every challenged block of the first fragment.
Call ProofFor(StorageEnv& env, const std::vector<const TestFile*>& files, uint8_t key,
              const audit::ChallengeInfo& c, bool corrupt = false) {
  std::vector<Hash256> names = sminer::MinerFragmentNames(*env.Head(), Id(key)).value();
  std::map<Hash256, const TestFragment*> by_name;
  for (const TestFile* f : files) {
    for (const auto& row : f->frags) {
      for (const TestFragment& tf : row) by_name[tf.name] = &tf;
    }
  }
  const uint32_t blocks = env.profile().podr2_blocks_per_fragment;
  std::vector<podr2::FragmentSource> sources;
  for (size_t i = 0; i < names.size(); ++i) {
    const TestFragment* tf = by_name.at(names[i]);
    const bool flip = corrupt && i == 0;
    podr2::FragmentSource s;
    s.name = names[i];
    s.read_block = [tf, blocks, flip](uint32_t index) -> Result<Bytes> {
      const size_t len = tf->data.size() / blocks;
      Bytes b(tf->data.begin() + static_cast<ptrdiff_t>(index * len),
              tf->data.begin() + static_cast<ptrdiff_t>((index + 1) * len));
      if (flip) b[0] ^= 0x40;
      return b;
    };
    s.read_tag = [tf](uint32_t index) -> Result<Bytes> { return tf->tags.at(index); };
    sources.push_back(std::move(s));
  }
  podr2::Proof proof = podr2::Prove(NetworkKey().public_key(), c.challenge, sources).value();
  return audit::SubmitProofCall(c.seed, names, proof);
}

bool HasEvent(const Receipt& r, std::string_view name) {
  for (const Event& e : r.events) {
    if (e.name == name) return true;
  }
  return false;
}

// Stores one file on miners 100..111 and steps until a challenge is open; returns it.
audit::ChallengeInfo FirstChallenge(StorageEnv& env, const TestFile& f, uint64_t collateral = 100 * kCess) {
  env.RegisterTee();
  env.RegisterMiners(kMiners, uint64_t{64} << 20, collateral);
  env.Store(f);
  for (int i = 0; i < 10; ++i) {
    auto open = audit::ListChallenges(*env.Head()).value();
    if (!open.empty()) return open[0];
    env.chain().Step();
  }
  ADD_FAILURE() << "no challenge issued";
  return {};
}

uint8_t KeyOf(const AccountId& id) {
  for (int i = 0; i < kMiners; ++i) {
    if (Id(static_cast<uint8_t>(kFirstMiner + i)) == id) return static_cast<uint8_t>(kFirstMiner + i);
  }
  ADD_FAILURE() << "not a test miner";
  return 0;
}

TEST(Audit, ChallengeIsDerivedFromChainRandomness) {
  StorageEnv env;
  TestFile f = env.MakeFile(env.profile().segment_size * 2, env.FirstMiners());
  const audit::ChallengeInfo c = FirstChallenge(env, f);
  const sminer::MinerInfo m = env.Miner(KeyOf(c.miner));
  EXPECT_EQ(c.fragment_count, 2u);
  EXPECT_EQ(c.coverage, podr2::CoverageCommitment(sminer::MinerFragmentNames(*env.Head(), c.miner).value()));
  EXPECT_EQ(c.deadline, c.issued_at + m.service / env.profile().audit_bytes_per_block +
                            env.profile().audit_deadline_base_blocks);
  EXPECT_EQ(c.issued_at % env.profile().audit_interval_blocks, 0u);
  EXPECT_EQ(c.challenge, podr2::Challenge::Derive(c.seed, env.profile().podr2_blocks_per_fragment,
                                                  env.profile().podr2_challenged_blocks,
                                                  env.profile().podr2_coefficient_bytes)
                             .value());
  EXPECT_EQ(c.challenge.indices.size(), env.profile().podr2_challenged_blocks);
  // Only miners holding data are challenged.
  EXPECT_LT(KeyOf(c.miner), kFirstMiner + 12);
}

TEST(Audit, HonestProofPasses) {
  StorageEnv env;
  TestFile f = env.MakeFile(env.profile().segment_size * 2, env.FirstMiners());
  const audit::ChallengeInfo c = FirstChallenge(env, f);
  const uint8_t key = KeyOf(c.miner);
  // A wrong coverage or unsorted names are refused without a miss.
  std::vector<Hash256> names = sminer::MinerFragmentNames(*env.Head(), c.miner).value();
  ASSERT_EQ(names.size(), 2u);
  podr2::Proof dummy{Bytes(128, 1), Bytes{1}};
  std::vector<Hash256> rev(names.rbegin(), names.rend());
  if (rev != names) {
    ExpectOnlyFeeAndNonce(env.chain(), env.chain().Tx(key, audit::SubmitProofCall(c.seed, rev, dummy), 4000),
                          ResultCode::kModuleError, static_cast<uint32_t>(audit::Error::kNamesNotSorted));
  }
  ExpectOnlyFeeAndNonce(env.chain(),
                        env.chain().Tx(key, audit::SubmitProofCall(c.seed, {names[0]}, dummy), 4000),
                        ResultCode::kModuleError, static_cast<uint32_t>(audit::Error::kCoverageMismatch));
  const uint8_t other = key == 100 ? 101 : 100;
  ExpectOnlyFeeAndNonce(env.chain(),
                        env.chain().Tx(other, audit::SubmitProofCall(c.seed, names, dummy), 4000),
                        ResultCode::kModuleError, static_cast<uint32_t>(audit::Error::kNoChallenge));
  // A proof for another challenge (a late one, say) is refused without a miss.
  audit::ChallengeInfo stale = c;
  stale.seed[0] ^= 1;
  ExpectOnlyFeeAndNonce(env.chain(), env.chain().Tx(key, ProofFor(env, {&f}, key, stale), 4000),
                        ResultCode::kModuleError, static_cast<uint32_t>(audit::Error::kWrongChallenge));
  Receipt r = env.Run(key, ProofFor(env, {&f}, key, c));
  ASSERT_TRUE(r.ok()) << r.module_error;
  EXPECT_TRUE(HasEvent(r, "ProofAccepted"));
  EXPECT_FALSE(audit::ReadChallenge(*env.Head(), c.miner).value().has_value());
  auto hist = audit::ReadAuditHistory(*env.Head(), c.miner).value();
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_TRUE(hist[0].passed);
  EXPECT_EQ(hist[0].fragment_count, 2u);
  EXPECT_EQ(env.Miner(key).consecutive_misses, 0u);
  EXPECT_EQ(env.Miner(key).collateral, 100 * kCess);
}

TEST(Audit, ProofOverTheSetHeldNowIsAcceptedAfterItChanged) {
  StorageEnv env(/*deadline_base_blocks=*/10);
  TestFile f = env.MakeFile(env.profile().segment_size, env.FirstMiners());
  const audit::ChallengeInfo c = FirstChallenge(env, f);
  const uint8_t key = KeyOf(c.miner);
  ASSERT_EQ(c.fragment_count, 1u);
  // A second file lands on the same miners while the challenge is open.
  TestFile g = env.MakeFile(env.profile().segment_size, env.FirstMiners());
  env.Store(g);
  ASSERT_EQ(sminer::MinerFragmentNames(*env.Head(), c.miner).value().size(), 2u);
  ASSERT_TRUE(audit::ReadChallenge(*env.Head(), c.miner).value().has_value());
  // The committed set (one fragment) is no longer what the miner holds; a proof over the two it
  // holds now is accepted (the current-set path of the coverage check).
  Receipt r = env.Run(key, ProofFor(env, {&f, &g}, key, c));
  ASSERT_TRUE(r.ok()) << r.module_error;
  EXPECT_TRUE(HasEvent(r, "ProofAccepted"));
  auto hist = audit::ReadAuditHistory(*env.Head(), c.miner).value();
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_TRUE(hist[0].passed);
  EXPECT_EQ(hist[0].fragment_count, 2u);
}

TEST(Audit, CorruptBlockFailsAndCountsAsAMiss) {
  StorageEnv env;
  TestFile f = env.MakeFile(env.profile().segment_size * 2, env.FirstMiners());
  const audit::ChallengeInfo c = FirstChallenge(env, f);
  const uint8_t key = KeyOf(c.miner);
  Receipt r = env.Run(key, ProofFor(env, {&f}, key, c, /*corrupt=*/true));
  ASSERT_TRUE(r.ok()) << r.module_error;
  EXPECT_TRUE(HasEvent(r, "ProofRejected"));
  EXPECT_TRUE(HasEvent(r, "MinerPenalized"));
  auto hist = audit::ReadAuditHistory(*env.Head(), c.miner).value();
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_FALSE(hist[0].passed);
  EXPECT_EQ(env.Miner(key).consecutive_misses, 1u);
  EXPECT_EQ(env.Miner(key).total_misses, 1u);
  EXPECT_EQ(env.Miner(key).collateral, 100 * kCess);  // the first miss is free
}

TEST(Audit, MissedDeadlinesEscalateAndForceExit) {
  StorageEnv env;
  TestFile f = env.MakeFile(10, env.FirstMiners());
  audit::ChallengeInfo first = FirstChallenge(env, f);
  const uint8_t target = KeyOf(first.miner);
  const uint64_t pot_reserve = sminer::ReadReserve(*env.Head()).value();
  std::vector<uint64_t> collateral{env.Miner(target).collateral};
  uint64_t burned = 0;
  // Every other miner answers its challenges; the target never does.
  for (int block = 0; block < 800 && env.Miner(target).state != sminer::MinerState::kExited; ++block) {
    std::vector<Transaction> txs;
    const std::vector<audit::ChallengeInfo> open = audit::ListChallenges(*env.Head()).value();
    for (const audit::ChallengeInfo& c : open) {
      if (c.miner == Id(target)) continue;
      txs.push_back(env.chain().Tx(KeyOf(c.miner), ProofFor(env, {&f}, KeyOf(c.miner), c), 4000));
    }
    const uint32_t misses_before = env.Miner(target).consecutive_misses;
    env.chain().Step(std::move(txs));
    const sminer::MinerInfo m = env.Miner(target);
    if (m.consecutive_misses != misses_before) {
      ASSERT_EQ(m.consecutive_misses, misses_before + 1);
      const uint64_t prev = collateral.back();
      const uint64_t expect_burn =
          prev * env.profile().audit_penalty_percent[std::min(m.consecutive_misses, 3u) - 1] / 100;
      EXPECT_EQ(m.collateral, prev - expect_burn) << "miss " << m.consecutive_misses;
      burned += expect_burn;
      collateral.push_back(m.collateral);
    }
  }
  const sminer::MinerInfo m = env.Miner(target);
  ASSERT_EQ(m.state, sminer::MinerState::kExited);
  EXPECT_EQ(m.consecutive_misses, env.profile().audit_max_misses);
  ASSERT_EQ(collateral.size(), 4u);
  EXPECT_EQ(collateral[1], 100 * kCess);            // 0 %
  EXPECT_EQ(collateral[2], 95 * kCess);             // 5 %
  EXPECT_EQ(collateral[3], 95 * kCess * 85 / 100);  // 15 %
  EXPECT_EQ(m.service, 0u);
  // Its fragment got a restoral order; the file is Missing until someone claims it.
  auto orders = file_bank::ListRestoralOrders(*env.Head()).value();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].origin, Id(target));
  EXPECT_EQ(env.File(f.fid()).state, file_bank::FileState::kMissing);
  auto hist = audit::ReadAuditHistory(*env.Head(), Id(target)).value();
  ASSERT_GE(hist.size(), 3u);
  EXPECT_FALSE(hist.back().passed);
  // The pot lost exactly what was burned.
  uint64_t sum = 0;
  const std::vector<sminer::MinerSummary> miners = sminer::ListMiners(*env.Head()).value();
  for (const auto& s : miners) sum += env.Miner(KeyOf(s.id)).collateral;
  EXPECT_EQ(balances::ReadAccount(*env.Head(), sminer::PotAccount()).value().free, sum + pot_reserve);
  EXPECT_GT(burned, 0u);
}

// Steps blocks with every other miner answering its challenges, until `done` holds (or 800 blocks).
template <typename F>
void RunAudits(StorageEnv& env, const TestFile& f, uint8_t silent, F&& done) {
  for (int block = 0; block < 800 && !done(); ++block) {
    std::vector<Transaction> txs;
    const std::vector<audit::ChallengeInfo> open = audit::ListChallenges(*env.Head()).value();
    for (const audit::ChallengeInfo& c : open) {
      if (c.miner == Id(silent)) continue;
      txs.push_back(env.chain().Tx(KeyOf(c.miner), ProofFor(env, {&f}, KeyOf(c.miner), c), 4000));
    }
    env.chain().Step(std::move(txs));
  }
}

TEST(Audit, PenaltyBelowTheMinimumFreezesUntilToppedUp) {
  StorageEnv env;
  TestFile f = env.MakeFile(10, env.FirstMiners());
  // Every miner holds exactly its minimum collateral (10 CESS for 64 MiB).
  const audit::ChallengeInfo first = FirstChallenge(env, f, 10 * kCess);
  const uint8_t target = KeyOf(first.miner);
  ASSERT_EQ(sminer::MinCollateral(env.profile(), uint64_t{64} << 20), 10 * kCess);
  RunAudits(env, f, target, [&] { return env.Miner(target).state != sminer::MinerState::kPositive; });
  sminer::MinerInfo m = env.Miner(target);
  ASSERT_EQ(m.state, sminer::MinerState::kFrozen);
  EXPECT_EQ(m.consecutive_misses, 2u);
  EXPECT_EQ(m.collateral, 10 * kCess * 95 / 100);
  // A Frozen miner takes no new challenge (and no new deal).
  for (int i = 0; i < 10; ++i) env.chain().Step();
  EXPECT_FALSE(audit::ReadChallenge(*env.Head(), Id(target)).value().has_value());
  EXPECT_EQ(env.Miner(target).consecutive_misses, 2u);
  Receipt r = env.Run(target, sminer::IncreaseCollateralCall(kCess));
  ASSERT_TRUE(r.ok()) << r.module_error;
  EXPECT_TRUE(HasEvent(r, "MinerPositive"));
  EXPECT_EQ(env.Miner(target).state, sminer::MinerState::kPositive);
}

}  // namespace
}  // namespace cess::chain::runtime::testing
