// The votes of one finality round (one set id, one round number): at most one prevote and one
// precommit per voter are kept; a second, different vote of the same voter and kind is an
// equivocation and is reported with the first one as evidence. Signatures are checked by the
// caller before Add. See engine.h for the protocol.
//
// Thread safety: none; the engine guards it with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include "cess/chain/evidence.h"
#include "cess/chain/types.h"
#include "cess/chain/vote.h"

namespace cess::chain::consensus {

class RoundVotes {
 public:
  enum class AddResult {
    kNew,           // first vote of this voter and kind: kept
    kDuplicate,     // the same vote again: ignored
    kEquivocation,  // a different vote of the same voter and kind: ignored, `evidence` set
  };

  // Adds a verified vote. REQUIRES: its signature was checked and it belongs to this round.
  AddResult Add(const SignedVote& vote, std::optional<VoteEquivocation>* evidence);

  // The kept votes of `kind`, by voter.
  const std::map<AccountId, SignedVote>& votes(VoteKind kind) const {
    return kind == VoteKind::kPrevote ? prevotes_ : precommits_;
  }
  size_t count(VoteKind kind) const { return votes(kind).size(); }
  // The kept votes of `kind` that name exactly `target`.
  size_t CountFor(VoteKind kind, const Hash256& target) const;
  // The kept precommits that name exactly `target`, for a Justification.
  std::vector<SignedVote> PrecommitsFor(const Hash256& target) const;

 private:
  std::map<AccountId, SignedVote> prevotes_;
  std::map<AccountId, SignedVote> precommits_;
};

}  // namespace cess::chain::consensus
