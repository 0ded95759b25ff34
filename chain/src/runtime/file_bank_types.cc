// The file_bank module's encodings and pure helpers (FID, charges); see file_bank.h.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/core/hash.h"

namespace cess::chain::runtime::file_bank {
namespace {

Status ReadHashVector(codec::Reader& r, std::vector<Hash256>& out, size_t max) {
  CESS_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(32));
  if (n > max) return Status::Corruption("file_bank: too many hashes");
  out.resize(n);
  for (Hash256& h : out) {
    CESS_ASSIGN_OR_RETURN(h, r.ReadArray<32>());
  }
  return Status::Ok();
}

}  // namespace

// ---- encodings

std::string_view FileStateName(FileState s) {
  switch (s) {
    case FileState::kPending:
      return "pending";
    case FileState::kCalculate:
      return "calculate";
    case FileState::kActive:
      return "active";
    case FileState::kRecovery:
      return "recovery";
    case FileState::kMissing:
      return "missing";
  }
  return "unknown";
}

void Quota::Encode(codec::Writer& w) const {
  w.PutU64(total);
  w.PutU64(used);
}
Result<Quota> Quota::Decode(codec::Reader& r) {
  Quota q;
  CESS_ASSIGN_OR_RETURN(q.total, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(q.used, r.ReadU64());
  return q;
}

void FragmentInfo::Encode(codec::Writer& w) const {
  w.PutFixed(hash);
  miner.Encode(w);
  w.PutBool(available);
  w.PutBool(tagged);
}
Result<FragmentInfo> FragmentInfo::Decode(codec::Reader& r) {
  FragmentInfo f;
  CESS_ASSIGN_OR_RETURN(f.hash, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(f.miner, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(f.available, r.ReadBool());
  CESS_ASSIGN_OR_RETURN(f.tagged, r.ReadBool());
  return f;
}

void SegmentInfo::Encode(codec::Writer& w) const {
  w.PutFixed(hash);
  w.PutVector(fragments);
}
Result<SegmentInfo> SegmentInfo::Decode(codec::Reader& r) {
  SegmentInfo s;
  CESS_ASSIGN_OR_RETURN(s.hash, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(s.fragments, r.ReadVector<FragmentInfo>(
                                         [](codec::Reader& r2) { return FragmentInfo::Decode(r2); }, 66));
  return s;
}

void OwnerInfo::Encode(codec::Writer& w) const {
  account.Encode(w);
  w.PutString(name);
}
Result<OwnerInfo> OwnerInfo::Decode(codec::Reader& r) {
  OwnerInfo o;
  CESS_ASSIGN_OR_RETURN(o.account, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(o.name, r.ReadString(kMaxNameBytes));
  return o;
}

void FileInfo::Encode(codec::Writer& w) const {
  w.PutU64(size);
  w.PutU8(static_cast<uint8_t>(state));
  w.PutVector(owners);
  w.PutVector(regions, [](codec::Writer& w2, const std::string& s) { w2.PutString(s); });
  w.PutBytes(cipher_info);
  w.PutVector(segments);
  w.PutU64(declared_at);
}
Result<FileInfo> FileInfo::Decode(codec::Reader& r) {
  FileInfo f;
  CESS_ASSIGN_OR_RETURN(f.size, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(uint8_t s, r.ReadU8());
  if (s > static_cast<uint8_t>(FileState::kMissing)) return Status::Corruption("file_bank: bad file state");
  f.state = static_cast<FileState>(s);
  CESS_ASSIGN_OR_RETURN(f.owners,
                        r.ReadVector<OwnerInfo>([](codec::Reader& r2) { return OwnerInfo::Decode(r2); }, 36));
  CESS_ASSIGN_OR_RETURN(
      f.regions,
      r.ReadVector<std::string>([](codec::Reader& r2) { return r2.ReadString(sminer::kMaxRegionBytes); }, 4));
  CESS_ASSIGN_OR_RETURN(f.cipher_info, r.ReadBytes(kMaxCipherInfoBytes));
  CESS_ASSIGN_OR_RETURN(
      f.segments, r.ReadVector<SegmentInfo>([](codec::Reader& r2) { return SegmentInfo::Decode(r2); }, 36));
  CESS_ASSIGN_OR_RETURN(f.declared_at, r.ReadU64());
  return f;
}

void Deal::Encode(codec::Writer& w) const {
  uploader.Encode(w);
  w.PutVector(miners);
  w.PutVector(reported, [](codec::Writer& w2, bool b) { w2.PutBool(b); });
  w.PutU64(created_at);
}
Result<Deal> Deal::Decode(codec::Reader& r) {
  Deal d;
  CESS_ASSIGN_OR_RETURN(d.uploader, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(d.miners,
                        r.ReadVector<AccountId>([](codec::Reader& r2) { return AccountId::Decode(r2); }, 32));
  CESS_ASSIGN_OR_RETURN(d.reported, r.ReadVector<bool>([](codec::Reader& r2) { return r2.ReadBool(); }, 1));
  if (d.reported.size() != d.miners.size()) return Status::Corruption("file_bank: deal flags mismatch");
  CESS_ASSIGN_OR_RETURN(d.created_at, r.ReadU64());
  return d;
}

void RestoralOrder::Encode(codec::Writer& w) const {
  origin.Encode(w);
  claimer.Encode(w);
  w.PutU64(deadline);
  w.PutU64(created_at);
}
Result<RestoralOrder> RestoralOrder::Decode(codec::Reader& r) {
  RestoralOrder o;
  CESS_ASSIGN_OR_RETURN(o.origin, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(o.claimer, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(o.deadline, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(o.created_at, r.ReadU64());
  return o;
}

void UploadArgs::Encode(codec::Writer& w) const {
  w.PutFixed(fid);
  w.PutU64(file_size);
  w.PutString(name);
  w.PutVector(regions, [](codec::Writer& w2, const std::string& s) { w2.PutString(s); });
  w.PutVector(segments, [](codec::Writer& w2, const SegmentDecl& s) {
    w2.PutFixed(s.hash);
    w2.PutVector(s.fragments, [](codec::Writer& w3, const Hash256& h) { w3.PutFixed(h); });
  });
  w.PutVector(miners);
  w.PutBytes(cipher_info);
}
Result<UploadArgs> UploadArgs::Decode(codec::Reader& r) {
  UploadArgs a;
  CESS_ASSIGN_OR_RETURN(a.fid, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(a.file_size, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.name, r.ReadString(4096));
  CESS_ASSIGN_OR_RETURN(a.regions,
                        r.ReadVector<std::string>([](codec::Reader& r2) { return r2.ReadString(4096); }, 4));
  CESS_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(36));
  a.segments.resize(n);
  for (SegmentDecl& s : a.segments) {
    CESS_ASSIGN_OR_RETURN(s.hash, r.ReadArray<32>());
    CESS_RETURN_IF_ERROR(ReadHashVector(r, s.fragments, 64));
  }
  CESS_ASSIGN_OR_RETURN(a.miners,
                        r.ReadVector<AccountId>([](codec::Reader& r2) { return AccountId::Decode(r2); }, 32));
  CESS_ASSIGN_OR_RETURN(a.cipher_info, r.ReadBytes());
  return a;
}

void CalculateArgs::Encode(codec::Writer& w) const {
  w.PutFixed(fid);
  w.PutU32(fragment_index);
  w.PutFixed(tee_key);
  w.PutVector(tags, [](codec::Writer& w2, const TagEntry& t) {
    w2.PutU32(t.segment);
    w2.PutFixed(t.tag_digest);
    w2.PutFixed(t.signature);
  });
}
Result<CalculateArgs> CalculateArgs::Decode(codec::Reader& r) {
  CalculateArgs a;
  CESS_ASSIGN_OR_RETURN(a.fid, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(a.fragment_index, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(a.tee_key, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(a.tags, r.ReadVector<TagEntry>(
                                    [](codec::Reader& r2) -> Result<TagEntry> {
                                      TagEntry t;
                                      CESS_ASSIGN_OR_RETURN(t.segment, r2.ReadU32());
                                      CESS_ASSIGN_OR_RETURN(t.tag_digest, r2.ReadArray<32>());
                                      CESS_ASSIGN_OR_RETURN(t.signature, r2.ReadArray<64>());
                                      return t;
                                    },
                                    100));
  return a;
}

Hash256 ComputeFid(std::span<const Hash256> segment_hashes) {
  std::vector<Hash256> level(segment_hashes.begin(), segment_hashes.end());
  if (level.empty()) return Hash256{};
  do {
    std::vector<Hash256> next;
    next.reserve((level.size() + 1) / 2);
    for (size_t i = 0; i < level.size(); i += 2) {
      const Hash256& l = level[i];
      const Hash256& r = i + 1 < level.size() ? level[i + 1] : level[i];
      uint8_t pair[64];
      std::copy(l.begin(), l.end(), pair);
      std::copy(r.begin(), r.end(), pair + 32);
      next.push_back(crypto::Sha256(ByteSpan(pair, 64)));
    }
    level = std::move(next);
  } while (level.size() > 1);
  return level[0];
}

uint64_t FileCharge(const Profile& profile, uint64_t segments) {
  return segments * (profile.ec_data + profile.ec_parity) * profile.fragment_size;
}

}  // namespace cess::chain::runtime::file_bank
