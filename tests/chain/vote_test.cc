// Finality votes, voter sets and justifications: codec, signatures and their domain, and the
// justification verifier's accept and reject cases.
#include "cess/chain/vote.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cess/chain/profile.h"
#include "types_test_util.h"

namespace cess::chain {
namespace {

using testing::ExpectRoundTrip;
using testing::ExpectTruncationAndTrailingRejected;
using testing::FilledHash;
using testing::SampleVote;
using testing::TestKey;

constexpr std::string_view kChain = "devnet";

TEST(VoteTest, ExactEncodingAndRoundTrip) {
  Vote v = SampleVote();
  v.voter = AccountId::Of(TestKey(0));
  const Bytes bytes = codec::Encode(v);
  EXPECT_EQ(bytes.size(), kVoteBytes);
  EXPECT_EQ(ToHex(bytes), "01" "0300000000000000" "0100000000000000" + HashToHex(FilledHash(0x88)) +
                              "2800000000000000" + v.voter.ToHex());
  ExpectRoundTrip(v);
  ExpectTruncationAndTrailingRejected(v);
  Bytes bad = bytes;
  bad[0] = 2;  // no such kind
  EXPECT_EQ(codec::Decode<Vote>(bad).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(VoteKindName(VoteKind::kPrevote), "prevote");
  EXPECT_EQ(VoteKindName(VoteKind::kPrecommit), "precommit");
}

TEST(SignedVoteTest, SignVerifyRoundTrip) {
  auto sv = SignedVote::Sign(SampleVote(), TestKey(3), kChain);
  ASSERT_TRUE(sv.ok());
  EXPECT_EQ(sv->vote.voter, AccountId::Of(TestKey(3)));
  EXPECT_TRUE(sv->Verify(kChain).ok());
  EXPECT_EQ(codec::Encode(*sv).size(), kSignedVoteBytes);
  ExpectRoundTrip(*sv);
  ExpectTruncationAndTrailingRejected(*sv);
  EXPECT_EQ(SignedVote::SigningBytes(sv->vote, kChain).value(),
            codec::SigningPayload("vote", kChain, codec::Encode(sv->vote)));
  EXPECT_EQ(SignedVote::Sign(SampleVote(), TestKey(3), "").status().code(), StatusCode::kInvalidArgument);
}

TEST(SignedVoteTest, BoundToChainAndDomain) {
  const SignedVote sv = SignedVote::Sign(SampleVote(), TestKey(3), "a").value();
  EXPECT_TRUE(sv.Verify("a").ok());
  EXPECT_EQ(sv.Verify("b").code(), StatusCode::kCorruption);
  const Bytes body = codec::Encode(sv.vote);
  for (std::string_view other : {kTransactionDomain, kBlockDomain}) {
    SignedVote forged = sv;
    forged.signature = SignDomain(TestKey(3), other, "a", body).value();
    EXPECT_EQ(forged.Verify("a").code(), StatusCode::kCorruption) << other;
    EXPECT_FALSE(VerifyDomain(sv.vote.voter, other, "a", body, sv.signature).ok()) << other;
  }
}

TEST(SignedVoteTest, EveryTamperedFieldFails) {
  const SignedVote sv = SignedVote::Sign(SampleVote(), TestKey(3), kChain).value();
  std::vector<std::pair<std::string, std::function<void(SignedVote&)>>> tampers = {
      {"kind", [](SignedVote& s) { s.vote.kind = VoteKind::kPrevote; }},
      {"round", [](SignedVote& s) { s.vote.round++; }},
      {"set_id", [](SignedVote& s) { s.vote.set_id++; }},
      {"target_hash", [](SignedVote& s) { s.vote.target_hash[3] ^= 1; }},
      {"target_height", [](SignedVote& s) { s.vote.target_height++; }},
      {"voter", [](SignedVote& s) { s.vote.voter = AccountId::Of(TestKey(4)); }},
      {"signature", [](SignedVote& s) { s.signature[63] ^= 0x10; }},
  };
  for (auto& [name, tamper] : tampers) {
    SignedVote t = sv;
    tamper(t);
    EXPECT_EQ(t.Verify(kChain).code(), StatusCode::kCorruption) << name;
  }
}

// ---- voter sets ----

VoterSet MakeVoters(size_t n, uint64_t set_id = 1) {
  VoterSet vs;
  vs.set_id = set_id;
  for (size_t i = 0; i < n; ++i) vs.voters.push_back(AccountId::Of(TestKey(static_cast<uint8_t>(i))));
  return vs;
}

TEST(VoterSetTest, ValidateThresholdAndCodec) {
  const VoterSet eleven = MakeVoters(11);
  EXPECT_TRUE(eleven.Validate().ok());
  EXPECT_EQ(eleven.Threshold(), 8u);
  EXPECT_EQ(MakeVoters(4).Threshold(), 3u);
  EXPECT_EQ(MakeVoters(1).Threshold(), 1u);
  EXPECT_EQ(eleven.Threshold(), Profile::FinalityThreshold(11));
  EXPECT_TRUE(eleven.Contains(AccountId::Of(TestKey(10))));
  EXPECT_FALSE(eleven.Contains(AccountId::Of(TestKey(11))));
  ExpectRoundTrip(eleven);
  ExpectTruncationAndTrailingRejected(eleven);

  EXPECT_EQ(MakeVoters(0).Validate().code(), StatusCode::kInvalidArgument);
  VoterSet dup = MakeVoters(4);
  dup.voters.push_back(dup.voters[1]);
  EXPECT_EQ(dup.Validate().code(), StatusCode::kInvalidArgument);
  // The decoder refuses what Validate refuses.
  EXPECT_EQ(codec::Decode<VoterSet>(codec::Encode(dup)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(codec::Decode<VoterSet>(codec::Encode(MakeVoters(0))).status().code(), StatusCode::kCorruption);
  VoterSet too_many;
  for (size_t i = 0; i <= kMaxVoters; ++i) {
    AccountId id;
    id.bytes[0] = static_cast<uint8_t>(i);
    id.bytes[1] = static_cast<uint8_t>(i >> 8);
    too_many.voters.push_back(id);
  }
  EXPECT_EQ(too_many.Validate().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(codec::Decode<VoterSet>(codec::Encode(too_many)).status().code(), StatusCode::kCorruption);
}

// ---- justifications ----

class JustificationTest : public ::testing::Test {
 protected:
  // A justification for FilledHash(0x88) at height 40, round 3, set 1, with precommits by the
  // voters with the given key indices.
  Justification Make(const std::vector<uint8_t>& signers) const {
    Justification j;
    j.round = 3;
    j.set_id = 1;
    j.target_hash = FilledHash(0x88);
    j.target_height = 40;
    for (uint8_t i : signers) j.precommits.push_back(Precommit(i));
    return j;
  }
  SignedVote Precommit(uint8_t key, const std::function<void(Vote&)>& change = nullptr) const {
    Vote v = SampleVote(VoteKind::kPrecommit);
    if (change) change(v);
    return SignedVote::Sign(v, TestKey(key), kChain).value();
  }
  void ExpectRejected(const Justification& j, const std::string& reason) const {
    const Status s = j.Verify(kChain, voters_);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << reason << ": " << s;
    EXPECT_NE(s.message().find(reason), std::string::npos) << s;
  }

  VoterSet voters_ = MakeVoters(11);
};

TEST_F(JustificationTest, AcceptsThresholdAndMore) {
  const Justification eight = Make({0, 1, 2, 3, 4, 5, 6, 7});
  EXPECT_TRUE(eight.Verify(kChain, voters_).ok()) << eight.Verify(kChain, voters_);
  const Justification all = Make({10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0});  // any order
  EXPECT_TRUE(all.Verify(kChain, voters_).ok());
  ExpectRoundTrip(all);
  ExpectTruncationAndTrailingRejected(eight);
  // Four voters need three.
  const VoterSet four = MakeVoters(4);
  EXPECT_TRUE(Make({1, 2, 3}).Verify(kChain, four).ok());
  EXPECT_FALSE(Make({1, 2}).Verify(kChain, four).ok());
  // An explicit threshold.
  EXPECT_TRUE(Make({0, 1}).Verify(kChain, voters_, 2).ok());
  EXPECT_EQ(Make({0, 1}).Verify(kChain, voters_, 0).code(), StatusCode::kInvalidArgument);
}

TEST_F(JustificationTest, RejectsTooFewVotes) {
  ExpectRejected(Make({0, 1, 2, 3, 4, 5, 6}), "needed");
  ExpectRejected(Make({}), "needed");
}

TEST_F(JustificationTest, RejectsDuplicateVoter) {
  Justification j = Make({0, 1, 2, 3, 4, 5, 6, 7});
  j.precommits.push_back(j.precommits[3]);
  ExpectRejected(j, "duplicates");
  // Seven distinct voters padded with a duplicate to reach eight.
  Justification padded = Make({0, 1, 2, 3, 4, 5, 6, 6});
  ExpectRejected(padded, "duplicates");
}

TEST_F(JustificationTest, RejectsNonVoter) {
  Justification j = Make({0, 1, 2, 3, 4, 5, 6, 7});
  j.precommits.push_back(Precommit(20));
  ExpectRejected(j, "not by a voter");
}

TEST_F(JustificationTest, RejectsBadSignature) {
  Justification j = Make({0, 1, 2, 3, 4, 5, 6, 7, 8});
  j.precommits[4].signature[0] ^= 1;
  ExpectRejected(j, "bad signature");
  // Signed for another chain.
  Justification other_chain = Make({0, 1, 2, 3, 4, 5, 6, 7});
  other_chain.precommits[0] = SignedVote::Sign(SampleVote(), TestKey(0), "cess").value();
  ExpectRejected(other_chain, "bad signature");
  EXPECT_EQ(Make({0, 1, 2, 3, 4, 5, 6, 7}).Verify("cess", voters_).code(), StatusCode::kCorruption);
}

TEST_F(JustificationTest, RejectsVotesForOtherTargetsRoundsSetsOrKinds) {
  const std::vector<std::pair<std::string, std::function<void(Vote&)>>> changes = {
      {"another target", [](Vote& v) { v.target_hash = FilledHash(0x99); }},
      {"another target", [](Vote& v) { v.target_height = 41; }},
      {"round", [](Vote& v) { v.round = 4; }},
      {"set", [](Vote& v) { v.set_id = 2; }},
      {"prevote", [](Vote& v) { v.kind = VoteKind::kPrevote; }},
  };
  for (const auto& [reason, change] : changes) {
    // Even with enough good precommits, one bad one rejects the whole justification.
    Justification j = Make({0, 1, 2, 3, 4, 5, 6, 7});
    j.precommits.push_back(Precommit(8, change));
    ExpectRejected(j, reason);
  }
}

TEST_F(JustificationTest, RejectsWrongSetAndBadVoterSets) {
  Justification j = Make({0, 1, 2, 3, 4, 5, 6, 7});
  VoterSet next = voters_;
  next.set_id = 2;
  EXPECT_EQ(j.Verify(kChain, next).code(), StatusCode::kCorruption);
  EXPECT_EQ(j.Verify(kChain, MakeVoters(0)).code(), StatusCode::kInvalidArgument);
  VoterSet dup = voters_;
  dup.voters.push_back(dup.voters[0]);
  EXPECT_EQ(j.Verify(kChain, dup).code(), StatusCode::kInvalidArgument);
}

TEST_F(JustificationTest, HostilePrecommitCountIsRefused) {
  Bytes bytes = codec::Encode(Make({}));
  for (size_t i = bytes.size() - 4; i < bytes.size(); ++i) bytes[i] = 0xFF;
  EXPECT_EQ(codec::Decode<Justification>(bytes).status().code(), StatusCode::kCorruption);
  // Above kMaxVoters with every byte present.
  Justification big = Make({0});
  big.precommits.assign(kMaxVoters + 1, big.precommits[0]);
  EXPECT_EQ(codec::Decode<Justification>(codec::Encode(big)).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace cess::chain
