// Hashing kernels: batched SHA-256, a tree hash for bulk data, and the CESS file ID (FID).
// Every backend returns bytes identical to kRef on every input.
//
// Backends (HasherOptions::backend):
//   kRef   a plain FIPS 180-4 SHA-256 in C++ (no OpenSSL): the oracle.
//   kCpu   OpenSSL 3 EVP (SHA-NI where the CPU has it); big calls use up to cpu_threads threads.
//   kCuda  our CUDA SHA-256, one GPU thread per message or tree leaf, host data staged through
//          pinned memory (hash_cuda.h has the calls on data already in GPU memory).
//   kAuto  kCpu (kRef in a build without OpenSSL), plus kCuda per call when a device is visible
//          and the call is large and parallel enough to win (see HasherOptions).
//
// The tree hash (TreeHash) is our bulk-data hash, built so that a GPU can run one thread per
// leaf. With L = leaf_size (a power of two in [4096, 16384]) and n = max(1, ceil(size / L)):
//   leaf i = SHA-256(0x00 ‖ data[i·L, min((i+1)·L, size)))   the last leaf may be short; empty
//                                                             data has one empty leaf
//   node   = SHA-256(0x01 ‖ left ‖ right)                     on the raw 32-byte child digests
//   levels pair nodes (0,1), (2,3), ...; an odd node at the end of a level is carried up
//   unchanged; the root is the single node left (for n = 1 the root is leaf 0).
// The 0x00/0x01 prefixes separate leaves from nodes (as RFC 6962 does), so a leaf can never be
// passed off as a node.
//
// The FID (ComputeFid, FidBuilder) is CESS's file ID, DESIGN.md §4: segments of segment_size
// bytes, the last zero-padded to full size, hashed with plain SHA-256; the FID is the Merkle root
// over the segment hashes with parent = SHA-256(left ‖ right), an odd node paired with itself, and
// one segment giving SHA-256(h ‖ h). It is a different tree from TreeHash (no prefixes, odd nodes
// duplicated), kept exactly as CESS defines it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/kernels/backend.h"

namespace cess::kernels::hash {

inline constexpr size_t kMinTreeLeaf = 4096;
inline constexpr size_t kMaxTreeLeaf = 16384;
// Domain prefixes of the tree hash (see the file comment).
inline constexpr uint8_t kTreeLeafPrefix = 0x00;
inline constexpr uint8_t kTreeNodePrefix = 0x01;

// True when `leaf_size` is a power of two in [kMinTreeLeaf, kMaxTreeLeaf].
constexpr bool IsValidTreeLeafSize(size_t leaf_size) {
  return leaf_size >= kMinTreeLeaf && leaf_size <= kMaxTreeLeaf && (leaf_size & (leaf_size - 1)) == 0;
}

struct HasherOptions {
  // Which backend runs the calls. Default kAuto.
  Backend backend = Backend::kAuto;
  // kAuto: the smallest call, in input bytes, sent to CUDA. Default 128 MiB (to be replaced by
  // the crossover measured in bench/RESULTS.md). kAuto also requires, for Sha256Batch, at least
  // cuda_min_messages messages of at most cuda_max_message_bytes each (one GPU thread hashes a
  // whole message, so a few long messages are far slower on a GPU than on one CPU core).
  size_t cuda_min_bytes = size_t{128} << 20;
  // kAuto: see cuda_min_bytes. Default 16384 messages.
  size_t cuda_min_messages = 16384;
  // kAuto: see cuda_min_bytes. Default 16 KiB.
  size_t cuda_max_message_bytes = 16384;
  // kCuda/kAuto: which CUDA device. Default 0.
  int cuda_device = 0;
  // kCuda/kAuto: bytes per chunk of the pinned host-to-device pipeline (rounded down to a
  // multiple of 2 MiB, at least 2 MiB). Default 32 MiB.
  size_t cuda_chunk_bytes = size_t{32} << 20;
  // kCpu/kAuto: threads a big Sha256Batch or TreeHash may use (the calling thread plus
  // helpers); 0 means one per hardware thread, at most 4. Default 0.
  int cpu_threads = 0;
  // kCpu/kAuto: the smallest call, in input bytes (each message counted as at least 64), split
  // over threads. Default 1 MiB.
  size_t cpu_parallel_min_bytes = size_t{1} << 20;
};

// Hashes host buffers. Thread safety: a Hasher may be used from several threads at once.
class Hasher {
 public:
  virtual ~Hasher() = default;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  // Creates a hasher for options.backend. Errors: Unavailable when the backend cannot run here
  // (kCpu in a build without OpenSSL, kCuda without a build with CUDA or without a device);
  // InvalidArgument for a bad option (negative cuda_device or cpu_threads).
  static Result<std::unique_ptr<Hasher>> Create(const HasherOptions& options = {});

  // The backend this hasher was created for (kAuto stays kAuto; it picks per call).
  virtual Backend backend() const = 0;

  // out[i] = SHA-256(inputs[i]) for every i (any lengths, including empty). Errors:
  // InvalidArgument when the sizes differ; a CUDA failure (kCuda) as Internal/ResourceExhausted.
  virtual Status Sha256Batch(std::span<const ByteSpan> inputs, std::span<Hash256> out) = 0;

  // The tree hash of `data` (definition in the file comment). Errors: InvalidArgument when
  // leaf_size is not a power of two in [4096, 16384]; a CUDA failure (kCuda).
  virtual Result<Hash256> TreeHash(ByteSpan data, size_t leaf_size) = 0;

 protected:
  Hasher() = default;
};

// SHA-256 of one buffer (OpenSSL when the build has it, else the reference code; for small
// one-off hashes). Thread-safe.
Hash256 Sha256(ByteSpan data);

// CESS's Merkle root (DESIGN.md §4): parent = SHA-256(left ‖ right) on raw 32-byte values, an odd
// node is paired with itself, one leaf gives SHA-256(h ‖ h). Errors: InvalidArgument when empty.
Result<Hash256> CessMerkleRoot(std::span<const Hash256> leaves);

struct Fid {
  Hash256 fid{};
  std::vector<Hash256> segment_hashes;  // SHA-256 of each zero-padded segment, in file order
  uint64_t file_size = 0;               // the true length of the file in bytes
};

// The FID of a file held in memory: cut into segments of `segment_size` bytes, the last
// zero-padded to full size (an empty file is one all-zero segment), each hashed with
// hasher.Sha256Batch, then CessMerkleRoot. Errors: InvalidArgument when segment_size is 0; the
// hasher's errors.
Result<Fid> ComputeFid(Hasher& hasher, ByteSpan file, size_t segment_size);

// Computes a FID from a stream of bytes, so a caller never holds more than a couple of segments
// (e.g. `cess hash fid FILE` on a multi-GB file). Feeding a file in chunks of any sizes gives the
// same result as ComputeFid on the whole file. Keeps a buffer of up to two segments (one when a
// segment exceeds 64 MiB) and hashes full segments as they complete (two at a time, so the kCpu
// backend can use two threads). Movable, not copyable; not thread-safe. The hasher must outlive
// the builder.
class FidBuilder {
 public:
  // Errors: InvalidArgument when segment_size is 0.
  static Result<FidBuilder> Create(Hasher& hasher, size_t segment_size);

  FidBuilder(FidBuilder&&) noexcept = default;
  FidBuilder& operator=(FidBuilder&&) noexcept = default;

  // Appends the next bytes of the file. Errors: FailedPrecondition after Finish(); the hasher's
  // errors (the builder is then unusable and every later call fails with the same error).
  Status Update(ByteSpan data);

  // Pads the last segment, hashes it and returns the FID. Errors: FailedPrecondition when called
  // twice; the hasher's errors.
  Result<Fid> Finish();

  // Bytes fed so far.
  uint64_t size() const { return total_; }

 private:
  FidBuilder(Hasher* hasher, size_t segment_size);
  // Hashes the first `segments` whole segments of `data` and appends their hashes.
  Status HashSegments(ByteSpan data, size_t segments);

  Hasher* hasher_;
  size_t segment_size_;
  size_t buffer_segments_;  // capacity of buffer_ in segments
  Bytes buffer_;            // allocated on first use
  size_t buffered_ = 0;     // bytes waiting in buffer_
  uint64_t total_ = 0;
  std::vector<Hash256> segment_hashes_;
  Status error_;  // sticky error of a failed hasher call
  bool finished_ = false;
};

}  // namespace cess::kernels::hash
