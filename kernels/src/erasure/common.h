// Internal: argument checks, erasure patterns and decode matrices shared by every backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/kernels/erasure.h"

namespace cess::kernels::erasure::internal {

// InvalidArgument unless 1 <= k <= 32 and 1 <= m <= 16.
Status CheckKM(int k, int m);

// Checks an Encode call (k data spans, m parity spans, one common length); returns the length.
Result<size_t> CheckEncodeArgs(int k, int m, std::span<const ByteSpan> data,
                               std::span<const MutableByteSpan> parity);

// Checks k+m spans of one common length; returns the length.
Result<size_t> CheckShards(int k, int m, std::span<const ByteSpan> shards);
Result<size_t> CheckShards(int k, int m, std::span<const MutableByteSpan> shards);

// Checks EncodeBatch sizes: data.size() == stripes·k·shard_len, parity.size() ==
// stripes·m·shard_len, without overflow.
Status CheckBatchArgs(int k, int m, size_t stripes, size_t shard_len, size_t data_size, size_t parity_size);

// An erasure pattern: which shards are rebuilt and which k are read.
struct DecodePlan {
  uint64_t mask = 0;  // bit i set: shard i is erased
  int num_erased = 0;
  int erased[kMaxParityShards] = {};   // ascending
  int survivors[kMaxDataShards] = {};  // the first k shards not erased, ascending
};

// Validates `erased` (indices in [0, k+m), no duplicates, at most m) and builds the plan.
Result<DecodePlan> MakeDecodePlan(int k, int m, std::span<const int> erased);

// Inverts an n×n row-major matrix; returns false when it is singular.
using InvertFn = bool (*)(std::span<const uint8_t> in, std::span<uint8_t> out, int n);
using MulFn = uint8_t (*)(uint8_t a, uint8_t b);

// The num_erased×k decode matrix: row o rebuilds shard plan.erased[o] as a combination of the
// shards plan.survivors[0..k). `encode_matrix` is the (k+m)×k Cauchy matrix.
// Errors: Internal when the survivor matrix is singular (impossible for a Cauchy code).
Result<std::vector<uint8_t>> DecodeRows(std::span<const uint8_t> encode_matrix, int k, const DecodePlan& plan,
                                        InvertFn invert, MulFn mul);

}  // namespace cess::kernels::erasure::internal
