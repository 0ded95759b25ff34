// Segment counts, segment hashes and the CESS file ID (DESIGN.md §4).
#pragma once

#include <cstdint>
#include <span>

#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess::storage {

// Segments a file of `file_size` bytes needs when each carries `bytes_per_segment` file bytes:
// max(1, ceil(file_size / bytes_per_segment)); an empty file is one all-zero segment.
// REQUIRES: bytes_per_segment > 0 (0 returns 0).
uint64_t SegmentCount(uint64_t file_size, uint64_t bytes_per_segment);

// SHA-256 of a segment's stored bytes (zero-padded, and encrypted when the file is). Thread-safe.
Hash256 SegmentHash(ByteSpan segment);

// The FID: CESS's Merkle root over the segment hashes in file order. parent = SHA-256(left ‖
// right) on the raw 32-byte values, an odd node is paired with itself, one segment gives
// SHA-256(h ‖ h). Errors: InvalidArgument when `segment_hashes` is empty. Thread-safe.
Result<Hash256> FileId(std::span<const Hash256> segment_hashes);

}  // namespace cess::storage
