// What a client keeps (and the chain records) about a stored file: its FID, size, layout, the
// hashes of every segment and fragment, and, for an encrypted file, the salt and nonces needed to
// decrypt it (never the key). All encodings are canonical (core/codec.h).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"
#include "cess/storage/layout.h"

namespace cess::storage {

using Salt = std::array<uint8_t, 32>;
using Nonce = std::array<uint8_t, 12>;

// One segment: the SHA-256 of its stored bytes and of each of its k + m fragments (data first).
struct SegmentInfo {
  Hash256 hash{};
  std::vector<Hash256> fragment_hashes;

  // Canonical encoding: hash, then a vector of fragment hashes.
  void Encode(codec::Writer& w) const;
  // Errors: Corruption on malformed input.
  static Result<SegmentInfo> Decode(codec::Reader& r);
  friend bool operator==(const SegmentInfo&, const SegmentInfo&) = default;
};

// The public decryption parameters of an encrypted file: the random file salt and one random
// nonce per segment. The chain stores its encoding as an opaque blob with the file.
// Encoding: u8 version (1), 32-byte salt, vector of 12-byte nonces.
struct CipherInfo {
  static constexpr uint8_t kVersion = 1;
  Salt salt{};
  std::vector<Nonce> nonces;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on malformed input or an unknown version.
  static Result<CipherInfo> Decode(codec::Reader& r);
  friend bool operator==(const CipherInfo&, const CipherInfo&) = default;
};

// Everything needed to fetch, verify and decode a file, except the fragments and the key.
struct FileManifest {
  Hash256 fid{};
  uint64_t file_size = 0;
  Layout layout;
  bool encrypted = false;
  CipherInfo cipher;  // all zero / empty when !encrypted
  std::vector<SegmentInfo> segments;

  // File bytes per segment (layout.PlainBytesPerSegment(encrypted)).
  uint64_t PlainBytesPerSegment() const { return layout.PlainBytesPerSegment(encrypted); }

  // OK when the manifest is self-consistent: a valid layout, SegmentCount(file_size) segments,
  // k + m fragment hashes in each, one nonce per segment when encrypted (none, and a zero salt,
  // when not), and fid equal to FileId(segment hashes). Errors: Corruption naming the first
  // mismatch (a manifest that fails this must not be trusted).
  Status Validate() const;

  // Canonical encoding: fid, u64 file_size, layout, bool encrypted, cipher, vector of segments.
  void Encode(codec::Writer& w) const;
  // Decodes and then runs Validate(). Errors: Corruption.
  static Result<FileManifest> Decode(codec::Reader& r);
  friend bool operator==(const FileManifest&, const FileManifest&) = default;
};

}  // namespace cess::storage
