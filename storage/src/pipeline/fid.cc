#include "cess/storage/fid.h"

#include "cess/core/hash.h"
#include "cess/kernels/hash.h"

namespace cess::storage {

uint64_t SegmentCount(uint64_t file_size, uint64_t bytes_per_segment) {
  if (bytes_per_segment == 0) return 0;
  const uint64_t n = file_size / bytes_per_segment + (file_size % bytes_per_segment != 0 ? 1 : 0);
  return n == 0 ? 1 : n;
}

Hash256 SegmentHash(ByteSpan segment) { return crypto::Sha256(segment); }

Result<Hash256> FileId(std::span<const Hash256> segment_hashes) {
  if (segment_hashes.empty()) return Status::InvalidArgument("FileId: no segment hashes");
  return kernels::hash::CessMerkleRoot(segment_hashes);
}

}  // namespace cess::storage
