// Equivocation evidence (issue 4 §4): proof that a validator signed two conflicting things, submitted
// on chain so it can be slashed.
//
//   vote equivocation   two different signed votes by one voter of the same kind, round and set id
//                       (GRANDPA's double vote)
//   block equivocation  two different sealed headers by one author for the same slot
//
// Canonical encoding (core/codec):
//   VoteEquivocation      first (SignedVote) ‖ second (SignedVote)
//   BlockEquivocation     first (SealedHeader) ‖ second (SealedHeader)
//   EquivocationEvidence  kind (u8: 0 vote, 1 block) ‖ the body of that kind
// The two halves may come in either order; OffenceKey() names the offence independently of the
// order (and of which two conflicting messages are shown), so a runtime refuses a second report of one
// offence by its key.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "cess/chain/block.h"
#include "cess/chain/types.h"
#include "cess/chain/vote.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain {

// Two different votes of one voter in the same round, kind and set.
struct VoteEquivocation {
  SignedVote first;
  SignedVote second;

  // Accepts when both votes have the same voter, kind, round and set id, differ (in target hash or
  // height), and both signatures verify for `chain_id`. Errors: InvalidArgument on a bad chain id;
  // Corruption naming the failed rule.
  Status Verify(std::string_view chain_id) const;
  const AccountId& offender() const { return first.vote.voter; }

  void Encode(codec::Writer& w) const;
  static Result<VoteEquivocation> Decode(codec::Reader& r);
  bool operator==(const VoteEquivocation&) const = default;
};

// Two different headers sealed by one author for the same slot.
struct BlockEquivocation {
  SealedHeader first;
  SealedHeader second;

  // Accepts when both headers have the same author and slot, different hashes, and both seals verify
  // for `chain_id`. Errors: InvalidArgument on a bad chain id; Corruption naming the failed rule.
  Status Verify(std::string_view chain_id) const;
  const AccountId& offender() const { return first.header.author; }

  void Encode(codec::Writer& w) const;
  static Result<BlockEquivocation> Decode(codec::Reader& r);
  bool operator==(const BlockEquivocation&) const = default;
};

// Either kind of equivocation, as carried by a report transaction or a gossip message.
struct EquivocationEvidence {
  enum class Kind : uint8_t { kVote = 0, kBlock = 1 };

  std::variant<VoteEquivocation, BlockEquivocation> body;

  Kind kind() const { return body.index() == 0 ? Kind::kVote : Kind::kBlock; }
  // The validator who equivocated (meaningful once Verify accepted).
  const AccountId& offender() const;
  // Verifies the body (VoteEquivocation::Verify or BlockEquivocation::Verify).
  Status Verify(std::string_view chain_id) const;
  // Verifies the body and, for a vote equivocation, that its set id is voters.set_id and its voter is
  // in `voters` (the set the votes claim to belong to). Block equivocation is checked as Verify: who
  // was the slot's author is a question for the consensus engine. Errors: as Verify, or Corruption
  // when the set or membership does not match.
  Status Verify(std::string_view chain_id, const VoterSet& voters) const;
  // SHA-256 of the offence's identity: ("cess/offence/vote", voter, set id, round, kind) or
  // ("cess/offence/block", author, slot). Equal for every report of the same offence.
  Hash256 OffenceKey() const;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation or an unknown kind. Verifies nothing.
  static Result<EquivocationEvidence> Decode(codec::Reader& r);
  bool operator==(const EquivocationEvidence&) const = default;
};

}  // namespace cess::chain
