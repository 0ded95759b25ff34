// Finality votes, voter sets and justifications (GRANDPA-style prevote/precommit rounds, DESIGN.md §8,
// reference B2).
//
// Canonical encoding (core/codec):
//   Vote           kind (u8: 0 prevote, 1 precommit) ‖ round (u64) ‖ set_id (u64) ‖
//                  target_hash (32) ‖ target_height (u64) ‖ voter (32)
//   SignedVote     vote ‖ signature (64)
//   VoterSet       set_id (u64) ‖ voters (vector of 32-byte accounts, in election order)
//   Justification  round (u64) ‖ set_id (u64) ‖ target_hash (32) ‖ target_height (u64) ‖
//                  precommits (vector<SignedVote>)
// A vote's signature is the voter's Ed25519 signature over
//   codec::SigningPayload("vote", chain_id, Encode(vote))       ("cess/vote/v1" ‖ chain_id ‖ bytes),
// so it covers the kind, round and set id (GRANDPA's (message, round, set_id)).
//
// Limits, enforced when decoding: at most kMaxVoters voters in a set and precommits in a
// justification; no duplicate voter in a set; an unknown vote kind is refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "cess/chain/types.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/ed25519.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain {

inline constexpr size_t kMaxVoters = 1024;
inline constexpr size_t kVoteBytes = 1 + 8 + 8 + 32 + 8 + 32;
inline constexpr size_t kSignedVoteBytes = kVoteBytes + 64;

enum class VoteKind : uint8_t {
  kPrevote = 0,
  kPrecommit = 1,
};

// "prevote" or "precommit" ("unknown" otherwise).
std::string_view VoteKindName(VoteKind kind);

// One voter's vote for a block in one round of one voter set. Voting for a block also votes for its
// ancestors (GRANDPA); that reading belongs to the finality engine, not to this type.
struct Vote {
  VoteKind kind = VoteKind::kPrevote;
  uint64_t round = 0;
  uint64_t set_id = 0;  // which voter set (authority set) the round belongs to
  Hash256 target_hash{};
  uint64_t target_height = 0;
  AccountId voter;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation or an unknown kind.
  static Result<Vote> Decode(codec::Reader& r);

  bool operator==(const Vote&) const = default;
};

// A vote with its voter's signature.
struct SignedVote {
  Vote vote;
  Signature signature{};

  // Sets vote.voter to the key's account and signs the vote for `chain_id`.
  // Errors: InvalidArgument on a bad chain id; Internal on an OpenSSL failure.
  static Result<SignedVote> Sign(Vote vote, const crypto::Ed25519PrivateKey& key, std::string_view chain_id);
  // The exact bytes the signature covers. Errors: InvalidArgument on a bad chain id.
  static Result<Bytes> SigningBytes(const Vote& vote, std::string_view chain_id);
  // Checks that signature is vote.voter's over SigningBytes(vote, chain_id). Errors: InvalidArgument
  // on a bad chain id; Corruption when the signature does not verify.
  Status Verify(std::string_view chain_id) const;

  void Encode(codec::Writer& w) const;
  // Errors: as Vote::Decode, or Corruption on a truncated signature. Does not verify the signature.
  static Result<SignedVote> Decode(codec::Reader& r);

  bool operator==(const SignedVote&) const = default;
};

// The voters of one authority set, in election order, each with one equal vote.
struct VoterSet {
  uint64_t set_id = 0;
  std::vector<AccountId> voters;

  // OK when there are 1..kMaxVoters voters and none twice. Errors: InvalidArgument.
  Status Validate() const;
  bool Contains(const AccountId& id) const;
  // Votes needed for finality: Profile::FinalityThreshold(n) = n − ⌊(n−1)/3⌋. REQUIRES: not empty.
  uint32_t Threshold() const;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation or when Validate() fails.
  static Result<VoterSet> Decode(codec::Reader& r);

  bool operator==(const VoterSet&) const = default;
};

// Proof that a block is final: enough signed precommits for exactly that block in one round
// (GRANDPA's commit; we keep no ancestry, so every precommit must name the target itself).
struct Justification {
  uint64_t round = 0;
  uint64_t set_id = 0;
  Hash256 target_hash{};
  uint64_t target_height = 0;
  std::vector<SignedVote> precommits;

  // Accepts when set_id equals voters.set_id, and the precommits are at least voters.Threshold()
  // (Profile::FinalityThreshold) votes, each a precommit of this round, set and target
  // (hash and height), by a distinct member of `voters`, with a valid signature for `chain_id`.
  // Any precommit that breaks a rule rejects the whole justification, even when enough others are
  // good. Errors: InvalidArgument when `voters` fails Validate() or the chain id is bad; Corruption
  // naming the first rule broken (wrong set, wrong kind/round/set/target, not a voter, duplicate
  // voter, bad signature, too few votes).
  Status Verify(std::string_view chain_id, const VoterSet& voters) const;
  // As above with an explicit threshold in place of voters.Threshold(). REQUIRES: threshold >= 1.
  Status Verify(std::string_view chain_id, const VoterSet& voters, uint32_t threshold) const;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation or more than kMaxVoters precommits. Verifies nothing else.
  static Result<Justification> Decode(codec::Reader& r);

  bool operator==(const Justification&) const = default;
};

}  // namespace cess::chain
