#include "cess/chain/consensus/round_votes.h"

namespace cess::chain::consensus {

RoundVotes::AddResult RoundVotes::Add(const SignedVote& vote, std::optional<VoteEquivocation>* evidence) {
  auto& map = vote.vote.kind == VoteKind::kPrevote ? prevotes_ : precommits_;
  auto [it, inserted] = map.emplace(vote.vote.voter, vote);
  if (inserted) return AddResult::kNew;
  if (it->second.vote == vote.vote) return AddResult::kDuplicate;
  if (evidence != nullptr) *evidence = VoteEquivocation{it->second, vote};
  return AddResult::kEquivocation;
}

size_t RoundVotes::CountFor(VoteKind kind, const Hash256& target) const {
  size_t n = 0;
  for (const auto& [voter, v] : votes(kind)) n += v.vote.target_hash == target ? 1 : 0;
  return n;
}

std::vector<SignedVote> RoundVotes::PrecommitsFor(const Hash256& target) const {
  std::vector<SignedVote> out;
  for (const auto& [voter, v] : precommits_) {
    if (v.vote.target_hash == target) out.push_back(v);
  }
  return out;
}

}  // namespace cess::chain::consensus
