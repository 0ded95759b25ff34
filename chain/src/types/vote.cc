#include "cess/chain/vote.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>

#include "cess/chain/profile.h"

namespace cess::chain {

std::string_view VoteKindName(VoteKind kind) {
  switch (kind) {
    case VoteKind::kPrevote:
      return "prevote";
    case VoteKind::kPrecommit:
      return "precommit";
  }
  return "unknown";
}

void Vote::Encode(codec::Writer& w) const {
  w.PutU8(static_cast<uint8_t>(kind));
  w.PutU64(round);
  w.PutU64(set_id);
  w.PutFixed(target_hash);
  w.PutU64(target_height);
  voter.Encode(w);
}

Result<Vote> Vote::Decode(codec::Reader& r) {
  Vote v;
  CESS_ASSIGN_OR_RETURN(uint8_t kind, r.ReadU8());
  if (kind > static_cast<uint8_t>(VoteKind::kPrecommit)) {
    return Status::Corruption("vote: unknown kind " + std::to_string(kind));
  }
  v.kind = static_cast<VoteKind>(kind);
  CESS_ASSIGN_OR_RETURN(v.round, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(v.set_id, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(v.target_hash, ReadHash(r));
  CESS_ASSIGN_OR_RETURN(v.target_height, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(v.voter, AccountId::Decode(r));
  return v;
}

Result<Bytes> SignedVote::SigningBytes(const Vote& vote, std::string_view chain_id) {
  return chain::SigningBytes(kVoteDomain, chain_id, codec::Encode(vote));
}

Result<SignedVote> SignedVote::Sign(Vote vote, const crypto::Ed25519PrivateKey& key, std::string_view chain_id) {
  SignedVote sv;
  sv.vote = std::move(vote);
  sv.vote.voter = AccountId::Of(key);
  CESS_ASSIGN_OR_RETURN(sv.signature, SignDomain(key, kVoteDomain, chain_id, codec::Encode(sv.vote)));
  return sv;
}

Status SignedVote::Verify(std::string_view chain_id) const {
  return VerifyDomain(vote.voter, kVoteDomain, chain_id, codec::Encode(vote), signature);
}

void SignedVote::Encode(codec::Writer& w) const {
  vote.Encode(w);
  w.PutFixed(signature);
}

Result<SignedVote> SignedVote::Decode(codec::Reader& r) {
  SignedVote sv;
  CESS_ASSIGN_OR_RETURN(sv.vote, Vote::Decode(r));
  CESS_ASSIGN_OR_RETURN(sv.signature, ReadSignature(r));
  return sv;
}

Status VoterSet::Validate() const {
  if (voters.empty()) return Status::InvalidArgument("voter set " + std::to_string(set_id) + " is empty");
  if (voters.size() > kMaxVoters) {
    return Status::InvalidArgument("voter set " + std::to_string(set_id) + " has " +
                                   std::to_string(voters.size()) + " voters, above the limit " +
                                   std::to_string(kMaxVoters));
  }
  std::unordered_set<AccountId> seen;
  for (const AccountId& v : voters) {
    if (!seen.insert(v).second) {
      return Status::InvalidArgument("voter set " + std::to_string(set_id) + " lists " + v.ToHex() + " twice");
    }
  }
  return Status::Ok();
}

bool VoterSet::Contains(const AccountId& id) const {
  return std::find(voters.begin(), voters.end(), id) != voters.end();
}

uint32_t VoterSet::Threshold() const { return Profile::FinalityThreshold(static_cast<uint32_t>(voters.size())); }

void VoterSet::Encode(codec::Writer& w) const {
  w.PutU64(set_id);
  w.PutVector(voters);
}

Result<VoterSet> VoterSet::Decode(codec::Reader& r) {
  VoterSet vs;
  CESS_ASSIGN_OR_RETURN(vs.set_id, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(32));
  if (n > kMaxVoters) {
    return Status::Corruption("voter set: " + std::to_string(n) + " voters exceed the limit " +
                              std::to_string(kMaxVoters));
  }
  vs.voters.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    CESS_ASSIGN_OR_RETURN(AccountId id, AccountId::Decode(r));
    vs.voters.push_back(id);
  }
  Status s = vs.Validate();
  if (!s.ok()) return Status::Corruption(s.message());
  return vs;
}

Status Justification::Verify(std::string_view chain_id, const VoterSet& voters) const {
  CESS_RETURN_IF_ERROR(voters.Validate());
  return Verify(chain_id, voters, voters.Threshold());
}

Status Justification::Verify(std::string_view chain_id, const VoterSet& voters, uint32_t threshold) const {
  CESS_RETURN_IF_ERROR(voters.Validate());
  if (threshold == 0) return Status::InvalidArgument("justification threshold must be at least 1");
  auto bad = [](const std::string& why) { return Status::Corruption("justification: " + why); };
  if (set_id != voters.set_id) {
    return bad("set id " + std::to_string(set_id) + " is not the voter set's " + std::to_string(voters.set_id));
  }
  std::unordered_set<AccountId> seen;
  seen.reserve(precommits.size());
  for (size_t i = 0; i < precommits.size(); ++i) {
    const SignedVote& sv = precommits[i];
    const Vote& v = sv.vote;
    const std::string at = "precommit " + std::to_string(i) + " (" + v.voter.ToHex() + ")";
    if (v.kind != VoteKind::kPrecommit) return bad(at + " is a " + std::string(VoteKindName(v.kind)));
    if (v.round != round) return bad(at + " is for round " + std::to_string(v.round));
    if (v.set_id != set_id) return bad(at + " is for set " + std::to_string(v.set_id));
    if (v.target_hash != target_hash || v.target_height != target_height) {
      return bad(at + " is for another target (height " + std::to_string(v.target_height) + ")");
    }
    if (!voters.Contains(v.voter)) return bad(at + " is not by a voter of set " + std::to_string(set_id));
    if (!seen.insert(v.voter).second) return bad(at + " duplicates an earlier precommit by the same voter");
    Status s = sv.Verify(chain_id);
    if (s.code() == StatusCode::kInvalidArgument) return s;
    if (!s.ok()) return bad(at + " has a bad signature");
  }
  if (precommits.size() < threshold) {
    return bad(std::to_string(precommits.size()) + " precommits, " + std::to_string(threshold) + " needed");
  }
  return Status::Ok();
}

void Justification::Encode(codec::Writer& w) const {
  w.PutU64(round);
  w.PutU64(set_id);
  w.PutFixed(target_hash);
  w.PutU64(target_height);
  w.PutVector(precommits);
}

Result<Justification> Justification::Decode(codec::Reader& r) {
  Justification j;
  CESS_ASSIGN_OR_RETURN(j.round, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(j.set_id, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(j.target_hash, ReadHash(r));
  CESS_ASSIGN_OR_RETURN(j.target_height, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(kSignedVoteBytes));
  if (n > kMaxVoters) {
    return Status::Corruption("justification: " + std::to_string(n) + " precommits exceed the limit " +
                              std::to_string(kMaxVoters));
  }
  j.precommits.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    auto sv = SignedVote::Decode(r);
    if (!sv.ok()) return sv.status().WithContext("justification precommit " + std::to_string(i));
    j.precommits.push_back(std::move(sv).value());
  }
  return j;
}

}  // namespace cess::chain
