// Hashing kernels: batched SHA-256, the CESS FID Merkle rule, and a tree hash for bulk data.
// Every backend returns bytes identical to kRef.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/kernels/backend.h"

namespace cess::kernels::hash {

inline constexpr size_t kMinTreeLeaf = 4096;
inline constexpr size_t kMaxTreeLeaf = 16384;

struct HasherOptions {
  // Which backend runs the calls. Default kAuto.
  Backend backend = Backend::kAuto;
  // kAuto: the smallest call, in input bytes, sent to CUDA. Default: the measured crossover.
  size_t cuda_min_bytes = size_t{128} << 20;
  // kCuda/kAuto: which CUDA device. Default 0.
  int cuda_device = 0;
};

// Hashes host buffers. Thread safety: a Hasher may be used from several threads at once.
class Hasher {
 public:
  virtual ~Hasher() = default;

  // Errors: Unavailable when the backend cannot run here.
  static Result<std::unique_ptr<Hasher>> Create(const HasherOptions& options = {});

  virtual Backend backend() const = 0;

  // out[i] = SHA-256(inputs[i]) for every i. Errors: InvalidArgument when the sizes differ.
  virtual Status Sha256Batch(std::span<const ByteSpan> inputs, std::span<Hash256> out) = 0;

  // Tree hash of `data` with leaves of `leaf_size` bytes (a power of two in [4096, 16384]):
  //   leaf i   = SHA-256(0x00 ‖ data[i·L, min((i+1)·L, size)))   (the last leaf may be short;
  //              empty data has one empty leaf)
  //   node     = SHA-256(0x01 ‖ left ‖ right)
  //   an odd node at the end of a level is carried up unchanged; the root is the last node.
  // Errors: InvalidArgument for a bad leaf size.
  virtual Result<Hash256> TreeHash(ByteSpan data, size_t leaf_size) = 0;
};

// SHA-256 of one buffer (OpenSSL; for small one-off hashes).
Hash256 Sha256(ByteSpan data);

// CESS's Merkle root (DESIGN.md §4): parent = SHA-256(left ‖ right) on raw 32-byte values, an odd
// node is paired with itself, one leaf gives SHA-256(h ‖ h). Errors: InvalidArgument when empty.
Result<Hash256> CessMerkleRoot(std::span<const Hash256> leaves);

struct Fid {
  Hash256 fid;
  std::vector<Hash256> segment_hashes;  // SHA-256 of each zero-padded segment
};

// The FID of a file: cut into segments of `segment_size` bytes, the last zero-padded to full size
// (an empty file is one all-zero segment), each hashed, then CessMerkleRoot. Errors:
// InvalidArgument when segment_size is 0.
Result<Fid> ComputeFid(Hasher& hasher, ByteSpan file, size_t segment_size);

}  // namespace cess::kernels::hash
