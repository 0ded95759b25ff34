#include "cess/chain/consensus/voter_safety.h"

#include <utility>

#include "cess/core/file_util.h"

namespace cess::chain::consensus {

namespace {
constexpr uint8_t kVersion = 1;

void PutOptionalVote(codec::Writer& w, const std::optional<SignedVote>& v) {
  w.PutBool(v.has_value());
  if (v) v->Encode(w);
}

Result<std::optional<SignedVote>> ReadOptionalVote(codec::Reader& r) {
  CESS_ASSIGN_OR_RETURN(bool has, r.ReadBool());
  if (!has) return std::optional<SignedVote>();
  CESS_ASSIGN_OR_RETURN(SignedVote v, SignedVote::Decode(r));
  return std::optional<SignedVote>(std::move(v));
}
}  // namespace

void VoterSafety::Encode(codec::Writer& w) const {
  w.PutU8(kVersion);
  w.PutU64(set_id);
  w.PutU64(round);
  PutOptionalVote(w, prevote);
  PutOptionalVote(w, precommit);
  w.PutBool(lock.has_value());
  if (lock) {
    w.PutFixed(lock->hash);
    w.PutU64(lock->height);
    w.PutU64(lock->round);
  }
}

Result<VoterSafety> VoterSafety::Decode(codec::Reader& r) {
  CESS_ASSIGN_OR_RETURN(uint8_t version, r.ReadU8());
  if (version != kVersion) return Status::Corruption("voter safety state: unknown version");
  VoterSafety s;
  CESS_ASSIGN_OR_RETURN(s.set_id, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(s.round, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(s.prevote, ReadOptionalVote(r));
  CESS_ASSIGN_OR_RETURN(s.precommit, ReadOptionalVote(r));
  CESS_ASSIGN_OR_RETURN(bool has_lock, r.ReadBool());
  if (has_lock) {
    VoteLock l;
    CESS_ASSIGN_OR_RETURN(l.hash, ReadHash(r));
    CESS_ASSIGN_OR_RETURN(l.height, r.ReadU64());
    CESS_ASSIGN_OR_RETURN(l.round, r.ReadU64());
    s.lock = l;
  }
  return s;
}

Result<std::optional<VoterSafety>> LoadVoterSafety(const std::string& path) {
  Result<Bytes> bytes = ReadFile(path);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return std::optional<VoterSafety>();
    return bytes.status();
  }
  Result<VoterSafety> s = codec::Decode<VoterSafety>(*bytes);
  if (!s.ok()) return s.status().WithContext(path);
  return std::optional<VoterSafety>(std::move(s).value());
}

Status SaveVoterSafety(const std::string& path, const VoterSafety& state) {
  return WriteFileAtomic(path, codec::Encode(state), 0600);
}

}  // namespace cess::chain::consensus
