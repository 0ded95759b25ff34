#include "erasure/common.h"

#include <algorithm>

namespace cess::kernels::erasure::internal {
namespace {

template <typename SpanT>
Result<size_t> CheckShardsImpl(int k, int m, std::span<const SpanT> shards) {
  CESS_RETURN_IF_ERROR(CheckKM(k, m));
  if (shards.size() != static_cast<size_t>(k + m)) {
    return Status::InvalidArgument("expected " + std::to_string(k + m) + " shards, got " +
                                   std::to_string(shards.size()));
  }
  const size_t len = shards[0].size();
  for (size_t i = 1; i < shards.size(); ++i) {
    if (shards[i].size() != len) {
      return Status::InvalidArgument("shard " + std::to_string(i) + " has " +
                                     std::to_string(shards[i].size()) + " bytes, shard 0 has " +
                                     std::to_string(len));
    }
  }
  return len;
}

}  // namespace

Status CheckKM(int k, int m) {
  if (k < 1 || k > kMaxDataShards || m < 1 || m > kMaxParityShards) {
    return Status::InvalidArgument("RS(k, m) needs 1 <= k <= " + std::to_string(kMaxDataShards) +
                                   " and 1 <= m <= " + std::to_string(kMaxParityShards) +
                                   ", got k=" + std::to_string(k) + " m=" + std::to_string(m));
  }
  return Status::Ok();
}

Result<size_t> CheckEncodeArgs(int k, int m, std::span<const ByteSpan> data,
                               std::span<const MutableByteSpan> parity) {
  CESS_RETURN_IF_ERROR(CheckKM(k, m));
  if (data.size() != static_cast<size_t>(k)) {
    return Status::InvalidArgument("expected " + std::to_string(k) + " data shards, got " +
                                   std::to_string(data.size()));
  }
  if (parity.size() != static_cast<size_t>(m)) {
    return Status::InvalidArgument("expected " + std::to_string(m) + " parity shards, got " +
                                   std::to_string(parity.size()));
  }
  const size_t len = data[0].size();
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i].size() != len) {
      return Status::InvalidArgument("data shard " + std::to_string(i) + " has " +
                                     std::to_string(data[i].size()) + " bytes, data shard 0 has " +
                                     std::to_string(len));
    }
  }
  for (size_t i = 0; i < parity.size(); ++i) {
    if (parity[i].size() != len) {
      return Status::InvalidArgument("parity shard " + std::to_string(i) + " has " +
                                     std::to_string(parity[i].size()) + " bytes, data shards have " +
                                     std::to_string(len));
    }
  }
  return len;
}

Result<size_t> CheckShards(int k, int m, std::span<const ByteSpan> shards) {
  return CheckShardsImpl(k, m, shards);
}
Result<size_t> CheckShards(int k, int m, std::span<const MutableByteSpan> shards) {
  return CheckShardsImpl(k, m, shards);
}

Status CheckBatchArgs(int k, int m, size_t stripes, size_t shard_len, size_t data_size, size_t parity_size) {
  CESS_RETURN_IF_ERROR(CheckKM(k, m));
  size_t per_shard_total = 0;
  size_t data_want = 0;
  size_t parity_want = 0;
  if (__builtin_mul_overflow(stripes, shard_len, &per_shard_total) ||
      __builtin_mul_overflow(per_shard_total, static_cast<size_t>(k), &data_want) ||
      __builtin_mul_overflow(per_shard_total, static_cast<size_t>(m), &parity_want)) {
    return Status::InvalidArgument("EncodeBatch: stripes x shard_len overflows");
  }
  if (data_size != data_want) {
    return Status::InvalidArgument("EncodeBatch: data has " + std::to_string(data_size) +
                                   " bytes, expected " + std::to_string(stripes) + " stripes x " +
                                   std::to_string(k) + " shards x " + std::to_string(shard_len) +
                                   " bytes = " + std::to_string(data_want));
  }
  if (parity_size != parity_want) {
    return Status::InvalidArgument("EncodeBatch: parity has " + std::to_string(parity_size) +
                                   " bytes, expected " + std::to_string(stripes) + " stripes x " +
                                   std::to_string(m) + " shards x " + std::to_string(shard_len) +
                                   " bytes = " + std::to_string(parity_want));
  }
  return Status::Ok();
}

Result<DecodePlan> MakeDecodePlan(int k, int m, std::span<const int> erased) {
  CESS_RETURN_IF_ERROR(CheckKM(k, m));
  if (erased.size() > static_cast<size_t>(m)) {
    return Status::InvalidArgument(std::to_string(erased.size()) + " erasures exceed the " +
                                   std::to_string(m) + " an RS(" + std::to_string(k) + ", " +
                                   std::to_string(m) + ") code can rebuild");
  }
  DecodePlan plan;
  for (int idx : erased) {
    if (idx < 0 || idx >= k + m) {
      return Status::InvalidArgument("erased index " + std::to_string(idx) + " outside [0, " +
                                     std::to_string(k + m) + ")");
    }
    const uint64_t bit = uint64_t{1} << idx;
    if (plan.mask & bit)
      return Status::InvalidArgument("erased index " + std::to_string(idx) + " listed twice");
    plan.mask |= bit;
  }
  int e = 0;
  int s = 0;
  for (int i = 0; i < k + m; ++i) {
    if (plan.mask & (uint64_t{1} << i)) {
      plan.erased[e++] = i;
    } else if (s < k) {
      plan.survivors[s++] = i;
    }
  }
  plan.num_erased = e;
  return plan;
}

Result<std::vector<uint8_t>> DecodeRows(std::span<const uint8_t> encode_matrix, int k, const DecodePlan& plan,
                                        InvertFn invert, MulFn mul) {
  const size_t kk = static_cast<size_t>(k);
  std::vector<uint8_t> b(kk * kk);
  for (size_t r = 0; r < kk; ++r) {
    const size_t src = static_cast<size_t>(plan.survivors[r]);
    std::copy_n(encode_matrix.begin() + static_cast<std::ptrdiff_t>(src * kk), kk,
                b.begin() + static_cast<std::ptrdiff_t>(r * kk));
  }
  std::vector<uint8_t> inv(kk * kk);
  if (!invert(b, inv, k)) return Status::Internal("survivor matrix is singular (not an MDS code?)");
  std::vector<uint8_t> rows(static_cast<size_t>(plan.num_erased) * kk);
  for (int o = 0; o < plan.num_erased; ++o) {
    const size_t target = static_cast<size_t>(plan.erased[o]);
    uint8_t* row = rows.data() + static_cast<size_t>(o) * kk;
    if (target < kk) {
      // A lost data shard: its row of the inverse.
      std::copy_n(inv.begin() + static_cast<std::ptrdiff_t>(target * kk), kk, row);
    } else {
      // A lost parity shard: its encoding row times the inverse.
      const uint8_t* er = encode_matrix.data() + target * kk;
      for (size_t j = 0; j < kk; ++j) {
        uint8_t acc = 0;
        for (size_t l = 0; l < kk; ++l) acc ^= mul(er[l], inv[l * kk + j]);
        row[j] = acc;
      }
    }
  }
  return rows;
}

}  // namespace cess::kernels::erasure::internal
