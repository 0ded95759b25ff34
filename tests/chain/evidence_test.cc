// Equivocation evidence: double votes and two sealed headers for one slot, accept and reject cases,
// offence keys and the codec.
#include "cess/chain/evidence.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "types_test_util.h"

namespace cess::chain {
namespace {

using testing::ExpectRoundTrip;
using testing::ExpectTruncationAndTrailingRejected;
using testing::FilledHash;
using testing::SampleHeader;
using testing::SampleVote;
using testing::TestKey;

constexpr std::string_view kChain = "devnet";

SignedVote VoteFor(uint8_t key, const Hash256& target, VoteKind kind = VoteKind::kPrevote) {
  Vote v = SampleVote(kind);
  v.target_hash = target;
  return SignedVote::Sign(v, TestKey(key), kChain).value();
}

VoteEquivocation DoubleVote(uint8_t key = 2) {
  return VoteEquivocation{VoteFor(key, FilledHash(0xA1)), VoteFor(key, FilledHash(0xB2))};
}

SealedHeader HeaderFor(uint8_t key, uint64_t slot, uint8_t state) {
  SealedHeader sh{SampleHeader(), {}};
  sh.header.slot = slot;
  sh.header.state_root = FilledHash(state);
  EXPECT_TRUE(sh.Seal(TestKey(key), kChain).ok());
  return sh;
}

BlockEquivocation DoubleBlock(uint8_t key = 2) {
  return BlockEquivocation{HeaderFor(key, 100, 1), HeaderFor(key, 100, 2)};
}

VoterSet Voters(size_t n, uint64_t set_id = 1) {
  VoterSet vs;
  vs.set_id = set_id;
  for (size_t i = 0; i < n; ++i) vs.voters.push_back(AccountId::Of(TestKey(static_cast<uint8_t>(i))));
  return vs;
}

void ExpectBad(const Status& s, const std::string& reason) {
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << reason << ": " << s;
  EXPECT_NE(s.message().find(reason), std::string::npos) << s;
}

TEST(VoteEquivocationTest, AcceptsADoubleVote) {
  const VoteEquivocation e = DoubleVote();
  EXPECT_TRUE(e.Verify(kChain).ok()) << e.Verify(kChain);
  EXPECT_EQ(e.offender(), AccountId::Of(TestKey(2)));
  // Either order, and precommits as well as prevotes; a different height alone is a conflict too.
  EXPECT_TRUE((VoteEquivocation{e.second, e.first}.Verify(kChain).ok()));
  EXPECT_TRUE((VoteEquivocation{VoteFor(2, FilledHash(1), VoteKind::kPrecommit),
                                VoteFor(2, FilledHash(2), VoteKind::kPrecommit)}
                   .Verify(kChain)
                   .ok()));
  Vote v = SampleVote();
  Vote w = v;
  w.target_height++;
  EXPECT_TRUE((VoteEquivocation{SignedVote::Sign(v, TestKey(2), kChain).value(),
                                SignedVote::Sign(w, TestKey(2), kChain).value()}
                   .Verify(kChain)
                   .ok()));
  ExpectRoundTrip(e);
  ExpectTruncationAndTrailingRejected(e);
}

TEST(VoteEquivocationTest, RejectsWhatIsNotADoubleVote) {
  const SignedVote a = VoteFor(2, FilledHash(0xA1));
  ExpectBad(VoteEquivocation{a, a}.Verify(kChain), "same target");
  ExpectBad(VoteEquivocation{a, VoteFor(3, FilledHash(0xB2))}.Verify(kChain), "different voters");
  ExpectBad(VoteEquivocation{a, VoteFor(2, FilledHash(0xB2), VoteKind::kPrecommit)}.Verify(kChain),
            "different kinds");
  auto changed = [&](auto change) {
    Vote v = SampleVote(VoteKind::kPrevote);
    v.target_hash = FilledHash(0xB2);
    change(v);
    return SignedVote::Sign(v, TestKey(2), kChain).value();
  };
  ExpectBad(VoteEquivocation{a, changed([](Vote& v) { v.round++; })}.Verify(kChain), "different rounds");
  ExpectBad(VoteEquivocation{a, changed([](Vote& v) { v.set_id++; })}.Verify(kChain), "different voter sets");
  // Bad signatures, in either half, and signatures for another chain.
  VoteEquivocation bad = DoubleVote();
  bad.second.signature[5] ^= 1;
  ExpectBad(bad.Verify(kChain), "second");
  bad = DoubleVote();
  bad.first.signature[5] ^= 1;
  ExpectBad(bad.Verify(kChain), "first");
  EXPECT_EQ(DoubleVote().Verify("cess").code(), StatusCode::kCorruption);
  // A forged second vote by someone else in the voter's name.
  VoteEquivocation forged = DoubleVote();
  Vote v = forged.second.vote;
  forged.second.signature = SignedVote::Sign(v, TestKey(5), kChain).value().signature;
  ExpectBad(forged.Verify(kChain), "second");
}

TEST(BlockEquivocationTest, AcceptsTwoHeadersForOneSlot) {
  const BlockEquivocation e = DoubleBlock();
  EXPECT_TRUE(e.Verify(kChain).ok()) << e.Verify(kChain);
  EXPECT_EQ(e.offender(), AccountId::Of(TestKey(2)));
  EXPECT_TRUE((BlockEquivocation{e.second, e.first}.Verify(kChain).ok()));
  ExpectRoundTrip(e);
  ExpectTruncationAndTrailingRejected(e);
}

TEST(BlockEquivocationTest, RejectsWhatIsNotAnEquivocation) {
  const SealedHeader a = HeaderFor(2, 100, 1);
  ExpectBad(BlockEquivocation{a, a}.Verify(kChain), "same");
  ExpectBad(BlockEquivocation{a, HeaderFor(2, 101, 2)}.Verify(kChain), "different slots");
  ExpectBad(BlockEquivocation{a, HeaderFor(3, 100, 2)}.Verify(kChain), "different authors");
  BlockEquivocation bad = DoubleBlock();
  bad.second.seal[0] ^= 1;
  ExpectBad(bad.Verify(kChain), "second");
  // A header claiming the author's name but sealed by another key.
  SealedHeader framed = HeaderFor(3, 100, 9);
  framed.header.author = AccountId::Of(TestKey(2));
  ExpectBad(BlockEquivocation{a, framed}.Verify(kChain), "second");
  EXPECT_EQ(DoubleBlock().Verify("cess").code(), StatusCode::kCorruption);
}

TEST(EquivocationEvidenceTest, WrapsBothKindsWithCodec) {
  const EquivocationEvidence vote{DoubleVote()};
  const EquivocationEvidence block{DoubleBlock()};
  EXPECT_EQ(vote.kind(), EquivocationEvidence::Kind::kVote);
  EXPECT_EQ(block.kind(), EquivocationEvidence::Kind::kBlock);
  EXPECT_TRUE(vote.Verify(kChain).ok());
  EXPECT_TRUE(block.Verify(kChain).ok());
  EXPECT_EQ(vote.offender(), AccountId::Of(TestKey(2)));
  EXPECT_EQ(block.offender(), AccountId::Of(TestKey(2)));
  for (const EquivocationEvidence& e : {vote, block}) {
    ExpectRoundTrip(e);
    ExpectTruncationAndTrailingRejected(e);
    EXPECT_EQ(codec::Encode(e)[0], static_cast<uint8_t>(e.kind()));
  }
  Bytes bad = codec::Encode(vote);
  bad[0] = 2;
  EXPECT_EQ(codec::Decode<EquivocationEvidence>(bad).status().code(), StatusCode::kCorruption);
  // A vote body labelled as a block body does not decode as one.
  bad[0] = 1;
  EXPECT_FALSE(codec::Decode<EquivocationEvidence>(bad).ok());
}

TEST(EquivocationEvidenceTest, VerifyAgainstVoterSet) {
  const EquivocationEvidence e{DoubleVote(2)};
  EXPECT_TRUE(e.Verify(kChain, Voters(4)).ok());
  // The offender is not in the set.
  EXPECT_EQ(e.Verify(kChain, Voters(2)).code(), StatusCode::kCorruption);
  // The votes name another set.
  EXPECT_EQ(e.Verify(kChain, Voters(4, 7)).code(), StatusCode::kCorruption);
  // Block evidence does not depend on the voter set.
  EXPECT_TRUE(EquivocationEvidence{DoubleBlock(2)}.Verify(kChain, Voters(1)).ok());
}

TEST(EquivocationEvidenceTest, OffenceKeyNamesTheOffenceNotTheReport) {
  const VoteEquivocation v = DoubleVote();
  const EquivocationEvidence a{v};
  const EquivocationEvidence swapped{VoteEquivocation{v.second, v.first}};
  // The same offence shown with a third conflicting vote.
  const EquivocationEvidence third{VoteEquivocation{v.first, VoteFor(2, FilledHash(0xC3))}};
  EXPECT_EQ(a.OffenceKey(), swapped.OffenceKey());
  EXPECT_EQ(a.OffenceKey(), third.OffenceKey());
  // Another voter, round or kind is another offence.
  EXPECT_NE(a.OffenceKey(), EquivocationEvidence{DoubleVote(3)}.OffenceKey());
  const EquivocationEvidence precommits{VoteEquivocation{VoteFor(2, FilledHash(1), VoteKind::kPrecommit),
                                                         VoteFor(2, FilledHash(2), VoteKind::kPrecommit)}};
  EXPECT_NE(a.OffenceKey(), precommits.OffenceKey());

  const BlockEquivocation b = DoubleBlock();
  const EquivocationEvidence block{b};
  EXPECT_EQ(block.OffenceKey(), (EquivocationEvidence{BlockEquivocation{b.second, b.first}}.OffenceKey()));
  EXPECT_NE(block.OffenceKey(), EquivocationEvidence{DoubleBlock(3)}.OffenceKey());
  EXPECT_NE(block.OffenceKey(), a.OffenceKey());
}

}  // namespace
}  // namespace cess::chain
