// libFuzzer target: the finality decoders (SignedVote, Justification, VoterSet, EquivocationEvidence).
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"

namespace cess::chain::fuzz {
namespace {

void WriteSeeds(const std::string& dir) {
  WriteSeed(dir, "signed_vote", codec::Encode(SeedVote(0, VoteKind::kPrevote, 9)));
  Justification j;
  j.round = 1;
  j.set_id = 1;
  j.target_hash.fill(9);
  j.target_height = 10;
  for (uint8_t i = 0; i < 3; ++i) j.precommits.push_back(SeedVote(i, VoteKind::kPrecommit, 9));
  WriteSeed(dir, "justification", codec::Encode(j));
  WriteSeed(dir, "voter_set", codec::Encode(SeedVoters()));
  const EquivocationEvidence vote_ev{
      VoteEquivocation{SeedVote(1, VoteKind::kPrevote, 9), SeedVote(1, VoteKind::kPrevote, 8)}};
  WriteSeed(dir, "evidence_vote", codec::Encode(vote_ev));
  SealedHeader a{SeedHeader(3), {}};
  SealedHeader b{SeedHeader(3), {}};
  b.header.state_root.fill(7);
  Check(a.Seal(Key(2), kChain).ok() && b.Seal(Key(2), kChain).ok(), "seal");
  WriteSeed(dir, "evidence_block", codec::Encode(EquivocationEvidence{BlockEquivocation{a, b}}));
}

}  // namespace
}  // namespace cess::chain::fuzz

CESS_FUZZ_SEED_INITIALIZER()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cess::chain;
  using namespace cess::chain::fuzz;
  static const VoterSet voters = SeedVoters();
  const cess::ByteSpan in(data, size);
  SignedVote vote;
  if (DecodeCanonical(in, &vote)) (void)vote.Verify(kChain);
  Justification justification;
  if (DecodeCanonical(in, &justification)) (void)justification.Verify(kChain, voters);
  VoterSet set;
  if (DecodeCanonical(in, &set)) Check(set.Validate().ok(), "a decoded voter set is valid");
  EquivocationEvidence evidence;
  if (DecodeCanonical(in, &evidence)) {
    (void)evidence.Verify(kChain, voters);
    (void)evidence.OffenceKey();
    (void)evidence.offender();
  }
  return 0;
}
