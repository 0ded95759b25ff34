#include "cess/storage/manifest.h"

#include <string>

#include "cess/storage/fid.h"

namespace cess::storage {
namespace {

// A bound on fragments per segment when decoding (k + m <= 48).
constexpr size_t kMaxFragmentsPerSegment = 48;

}  // namespace

void SegmentInfo::Encode(codec::Writer& w) const {
  w.PutFixed(hash);
  w.PutVector(fragment_hashes, [](codec::Writer& wr, const Hash256& h) { wr.PutFixed(h); });
}

Result<SegmentInfo> SegmentInfo::Decode(codec::Reader& r) {
  SegmentInfo s;
  CESS_ASSIGN_OR_RETURN(s.hash, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(s.fragment_hashes,
                        r.ReadVector<Hash256>([](codec::Reader& rd) { return rd.ReadArray<32>(); }, 32));
  if (s.fragment_hashes.size() > kMaxFragmentsPerSegment) {
    return Status::Corruption("segment lists " + std::to_string(s.fragment_hashes.size()) + " fragments");
  }
  return s;
}

void CipherInfo::Encode(codec::Writer& w) const {
  w.PutU8(kVersion);
  w.PutFixed(salt);
  w.PutVector(nonces, [](codec::Writer& wr, const Nonce& n) { wr.PutFixed(n); });
}

Result<CipherInfo> CipherInfo::Decode(codec::Reader& r) {
  CESS_ASSIGN_OR_RETURN(uint8_t version, r.ReadU8());
  if (version != kVersion)
    return Status::Corruption("cipher info: unknown version " + std::to_string(version));
  CipherInfo c;
  CESS_ASSIGN_OR_RETURN(c.salt, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(c.nonces,
                        r.ReadVector<Nonce>([](codec::Reader& rd) { return rd.ReadArray<12>(); }, 12));
  return c;
}

Status FileManifest::Validate() const {
  Status ls = layout.Validate();
  if (!ls.ok()) return Status::Corruption("manifest: " + ls.message());
  const uint64_t want = SegmentCount(file_size, PlainBytesPerSegment());
  if (segments.size() != want) {
    return Status::Corruption("manifest: file of " + std::to_string(file_size) + " bytes needs " +
                              std::to_string(want) + " segments, has " + std::to_string(segments.size()));
  }
  if (want > UINT32_MAX) return Status::Corruption("manifest: too many segments");
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].fragment_hashes.size() != layout.fragment_count()) {
      return Status::Corruption("manifest: segment " + std::to_string(i) + " has " +
                                std::to_string(segments[i].fragment_hashes.size()) +
                                " fragment hashes, want " + std::to_string(layout.fragment_count()));
    }
  }
  if (encrypted) {
    if (cipher.nonces.size() != segments.size()) {
      return Status::Corruption("manifest: " + std::to_string(cipher.nonces.size()) + " nonces for " +
                                std::to_string(segments.size()) + " segments");
    }
  } else if (!cipher.nonces.empty() || cipher.salt != Salt{}) {
    return Status::Corruption("manifest: a plain file carries cipher parameters");
  }
  std::vector<Hash256> hashes;
  hashes.reserve(segments.size());
  for (const SegmentInfo& s : segments) hashes.push_back(s.hash);
  CESS_ASSIGN_OR_RETURN(Hash256 root, FileId(hashes));
  if (root != fid) return Status::Corruption("manifest: fid does not match the segment hashes");
  return Status::Ok();
}

void FileManifest::Encode(codec::Writer& w) const {
  w.PutFixed(fid);
  w.PutU64(file_size);
  layout.Encode(w);
  w.PutBool(encrypted);
  cipher.Encode(w);
  w.PutVector(segments);
}

Result<FileManifest> FileManifest::Decode(codec::Reader& r) {
  FileManifest m;
  CESS_ASSIGN_OR_RETURN(m.fid, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(m.file_size, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(m.layout, Layout::Decode(r));
  CESS_ASSIGN_OR_RETURN(m.encrypted, r.ReadBool());
  CESS_ASSIGN_OR_RETURN(m.cipher, CipherInfo::Decode(r));
  CESS_ASSIGN_OR_RETURN(
      m.segments, r.ReadVector<SegmentInfo>([](codec::Reader& rd) { return SegmentInfo::Decode(rd); }, 36));
  CESS_RETURN_IF_ERROR(m.Validate());
  return m;
}

}  // namespace cess::storage
