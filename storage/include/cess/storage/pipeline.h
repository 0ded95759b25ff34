// The client-side file pipeline (DESIGN.md §9), streaming: a file is read one segment at a time
// (the next segment is read while the current one is coded and pushed), so memory stays at a few
// segments whatever the file size.
//
// Per segment i (P = file bytes per segment: segment_size, or segment_size - 16 when encrypted):
//   file bytes [i·P, (i+1)·P), the last segment zero-padded to P
//   -> when encrypted: SealSegment(master, salt, i, nonce_i) (segment_cipher.h), P + 16 bytes
//   -> stored segment (exactly segment_size bytes) -> SHA-256 -> RS(k, m) -> k + m fragments,
//      each hashed
//   -> sink(i, j, fragment j) for j = 0..k+m-1, in order; then progress(bytes done, total)
// The FID is FileId over the segment hashes (fid.h).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/random.h"
#include "cess/core/result.h"
#include "cess/kernels/backend.h"
#include "cess/storage/layout.h"
#include "cess/storage/manifest.h"
#include "cess/storage/segment_codec.h"

namespace cess::storage {

// Fills up to out.size() bytes with the next bytes of the file and returns how many it wrote;
// 0 means end of file. Errors are passed through to the caller of Encode*.
using ReadFn = std::function<Result<size_t>(MutableByteSpan out)>;
// Receives fragment `fragment` of segment `segment`. The bytes are valid only during the call
// (copy them or push them before returning). A non-OK return aborts the encoding with it.
using FragmentSink = std::function<Status(uint32_t segment, uint32_t fragment, ByteSpan bytes)>;
// As FragmentSink, also given the fragment's SHA-256 (already computed by the pipeline), so the
// caller need not hash the fragment again to address it.
using HashedFragmentSink =
    std::function<Status(uint32_t segment, uint32_t fragment, const Hash256& hash, ByteSpan bytes)>;
// Reports file bytes done out of the total; called after each segment's fragments were sunk.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

struct EncodeOptions {
  // The layout to cut and code with. Default: the devnet layout.
  Layout layout = Layout::Devnet();
  // Empty: store in plain. Otherwise the caller's 32-byte master key: encrypt every segment.
  // Only borrowed for the call; never stored. Default empty.
  ByteSpan master_key;
  // The source of the file salt and nonces. Default (null): the system CSPRNG.
  crypto::Rng* rng = nullptr;
  // Encrypted files only: take the salt and nonces from here instead of drawing them, so a second
  // pass over the same file reproduces the first pass's manifest and fragments exactly (for
  // example: pass 1 computes the manifest to declare on chain, pass 2 streams the fragments to
  // miners, so nothing holds the whole file). Reusing it for different contents would reuse
  // (key, nonce) pairs: never do that. Must hold one nonce per segment. Default null.
  const CipherInfo* reuse_cipher = nullptr;
  // A codec to reuse (its layout must equal `layout`); default (null): one is created for the
  // call on `backend`.
  const SegmentCodec* codec = nullptr;
  // The kernels' backend when `codec` is null. Default kAuto.
  kernels::Backend backend = kernels::Backend::kAuto;
  // Receives every fragment (see FragmentSink). Default: none (only the manifest is computed).
  FragmentSink sink;
  // Like `sink`, with the fragment hash; called after `sink` when both are set. Default: none.
  HashedFragmentSink hashed_sink;
  // Progress callback. Default: none.
  ProgressFn progress;
  // Read the next segment on a helper thread while the current one is coded. Default true.
  bool prefetch = true;
};

// Encodes a file of exactly `file_size` bytes delivered by `read`. Errors: InvalidArgument for a
// bad layout, a master key that is not 32 bytes, a codec for another layout, or a reuse_cipher
// without a key or with the wrong number of nonces; IoError when
// `read` ends early or delivers more than file_size bytes; whatever `read` or the sink return;
// kernel errors. Thread safety: the callbacks run on the calling thread, except `read`, which
// runs on a helper thread when prefetch is on (never two calls at once).
Result<FileManifest> EncodeStream(uint64_t file_size, const ReadFn& read, const EncodeOptions& options);

// EncodeStream over the file at `path`. Errors: NotFound / IoError from the OS; as EncodeStream.
Result<FileManifest> EncodeFile(const std::string& path, const EncodeOptions& options);

// EncodeStream over bytes in memory. Errors: as EncodeStream.
Result<FileManifest> EncodeBytes(ByteSpan data, const EncodeOptions& options);

// The number of file bytes segment `segment` carries (P, or less for the last one).
// REQUIRES: segment < manifest.segments.size().
uint64_t SegmentFileBytes(const FileManifest& manifest, uint32_t segment);

// Turns verified stored segment bytes into the file bytes the segment carries: decrypts when the
// file is encrypted, then trims to SegmentFileBytes. Errors: InvalidArgument for a segment out of
// range, a wrong stored size or a missing/wrong-size key for an encrypted file; Corruption naming
// the segment when the GCM tag fails (e.g. a wrong master key).
Result<Bytes> SegmentPlaintext(const FileManifest& manifest, uint32_t segment, ByteSpan stored,
                               ByteSpan master_key);

// Decodes segment `segment` from any k of its fragments (SegmentCodec::Decode, every hash
// checked) and returns the file bytes it carries (SegmentPlaintext). Errors: as those two.
Result<Bytes> DecodeSegment(const SegmentCodec& codec, const FileManifest& manifest, uint32_t segment,
                            std::span<const IndexedFragment> fragments, ByteSpan master_key);

// Which part of which segment covers a byte range: `length` bytes at `offset` of the segment's
// file bytes.
struct SegmentSlice {
  uint32_t segment = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  friend bool operator==(const SegmentSlice&, const SegmentSlice&) = default;
};

// The slices, in file order, that cover file bytes [offset, offset + length), with the end
// clamped to the file size (reading past the end returns what is there, as an HTTP range does).
// A zero length (or a clamped-away range) gives no slices. Errors: OutOfRange when
// offset > file_size.
Result<std::vector<SegmentSlice>> PlanRange(const FileManifest& manifest, uint64_t offset, uint64_t length);

}  // namespace cess::storage
