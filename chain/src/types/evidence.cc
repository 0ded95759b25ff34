#include "cess/chain/evidence.h"

#include <string>
#include <utility>

#include "cess/core/hash.h"

namespace cess::chain {
namespace {

Status Bad(std::string_view what, const std::string& why) {
  return Status::Corruption(std::string(what) + " equivocation: " + why);
}

// Verifies one half; a bad chain id stays InvalidArgument, a bad signature names the half.
Status VerifyHalf(Status s, std::string_view what, std::string_view half) {
  if (s.ok() || s.code() == StatusCode::kInvalidArgument) return s;
  return Bad(what, std::string(half) + ": " + s.message());
}

}  // namespace

Status VoteEquivocation::Verify(std::string_view chain_id) const {
  const Vote& a = first.vote;
  const Vote& b = second.vote;
  if (a.voter != b.voter) return Bad("vote", "the votes are by different voters");
  if (a.kind != b.kind) return Bad("vote", "the votes are of different kinds");
  if (a.round != b.round) return Bad("vote", "the votes are for different rounds");
  if (a.set_id != b.set_id) return Bad("vote", "the votes are for different voter sets");
  if (a.target_hash == b.target_hash && a.target_height == b.target_height) {
    return Bad("vote", "the votes are for the same target");
  }
  CESS_RETURN_IF_ERROR(VerifyHalf(first.Verify(chain_id), "vote", "first"));
  return VerifyHalf(second.Verify(chain_id), "vote", "second");
}

void VoteEquivocation::Encode(codec::Writer& w) const {
  first.Encode(w);
  second.Encode(w);
}

Result<VoteEquivocation> VoteEquivocation::Decode(codec::Reader& r) {
  VoteEquivocation e;
  CESS_ASSIGN_OR_RETURN(e.first, SignedVote::Decode(r));
  CESS_ASSIGN_OR_RETURN(e.second, SignedVote::Decode(r));
  return e;
}

Status BlockEquivocation::Verify(std::string_view chain_id) const {
  const BlockHeader& a = first.header;
  const BlockHeader& b = second.header;
  if (a.author != b.author) return Bad("block", "the headers are by different authors");
  if (a.slot != b.slot) return Bad("block", "the headers are for different slots");
  if (a == b) return Bad("block", "the headers are the same");
  CESS_RETURN_IF_ERROR(VerifyHalf(first.VerifySeal(chain_id), "block", "first"));
  return VerifyHalf(second.VerifySeal(chain_id), "block", "second");
}

void BlockEquivocation::Encode(codec::Writer& w) const {
  first.Encode(w);
  second.Encode(w);
}

Result<BlockEquivocation> BlockEquivocation::Decode(codec::Reader& r) {
  BlockEquivocation e;
  CESS_ASSIGN_OR_RETURN(e.first, SealedHeader::Decode(r));
  CESS_ASSIGN_OR_RETURN(e.second, SealedHeader::Decode(r));
  return e;
}

const AccountId& EquivocationEvidence::offender() const {
  return std::visit([](const auto& e) -> const AccountId& { return e.offender(); }, body);
}

Status EquivocationEvidence::Verify(std::string_view chain_id) const {
  return std::visit([&](const auto& e) { return e.Verify(chain_id); }, body);
}

Status EquivocationEvidence::Verify(std::string_view chain_id, const VoterSet& voters) const {
  CESS_RETURN_IF_ERROR(Verify(chain_id));
  if (const auto* v = std::get_if<VoteEquivocation>(&body)) {
    if (v->first.vote.set_id != voters.set_id) {
      return Bad("vote", "the votes are for set " + std::to_string(v->first.vote.set_id) + ", not " +
                             std::to_string(voters.set_id));
    }
    if (!voters.Contains(v->offender())) {
      return Bad("vote", v->offender().ToHex() + " is not a voter of set " + std::to_string(voters.set_id));
    }
  }
  return Status::Ok();
}

Hash256 EquivocationEvidence::OffenceKey() const {
  codec::Writer w;
  if (const auto* v = std::get_if<VoteEquivocation>(&body)) {
    const Vote& vote = v->first.vote;
    w.PutString("cess/offence/vote");
    vote.voter.Encode(w);
    w.PutU64(vote.set_id);
    w.PutU64(vote.round);
    w.PutU8(static_cast<uint8_t>(vote.kind));
  } else {
    const BlockHeader& h = std::get<BlockEquivocation>(body).first.header;
    w.PutString("cess/offence/block");
    h.author.Encode(w);
    w.PutU64(h.slot);
  }
  return crypto::Sha256(w.data());
}

void EquivocationEvidence::Encode(codec::Writer& w) const {
  w.PutU8(static_cast<uint8_t>(kind()));
  std::visit([&](const auto& e) { e.Encode(w); }, body);
}

Result<EquivocationEvidence> EquivocationEvidence::Decode(codec::Reader& r) {
  CESS_ASSIGN_OR_RETURN(uint8_t kind, r.ReadU8());
  EquivocationEvidence ev;
  switch (kind) {
    case static_cast<uint8_t>(Kind::kVote): {
      CESS_ASSIGN_OR_RETURN(auto e, VoteEquivocation::Decode(r));
      ev.body = std::move(e);
      return ev;
    }
    case static_cast<uint8_t>(Kind::kBlock): {
      CESS_ASSIGN_OR_RETURN(auto e, BlockEquivocation::Decode(r));
      ev.body = std::move(e);
      return ev;
    }
    default:
      return Status::Corruption("equivocation evidence: unknown kind " + std::to_string(kind));
  }
}

}  // namespace cess::chain
