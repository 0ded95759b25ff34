// The reference backend: byte-at-a-time products from 256-byte multiplication rows built from
// the log/exp tables of gf256.cc. Slow and obviously right; the oracle for kCpu and kCuda.
#include <cstring>
#include <vector>

#include "erasure/backends.h"
#include "erasure/common.h"
#include "erasure/gf256.h"

namespace cess::kernels::erasure::internal {
namespace {

// out[o][x] = XOR_j coef[o][j] · in[j][x] for x < len.
void DotProducts(const uint8_t* const* in, int k, uint8_t* const* out, int n_out, const uint8_t* coef,
                 size_t len) {
  if (len == 0) return;
  uint8_t row[256];
  for (int o = 0; o < n_out; ++o) {
    uint8_t* dst = out[o];
    std::memset(dst, 0, len);
    for (int j = 0; j < k; ++j) {
      GfMulRow(coef[o * k + j], row);
      const uint8_t* src = in[j];
      for (size_t x = 0; x < len; ++x) dst[x] ^= row[src[x]];
    }
  }
}

class RefCodec final : public Codec {
 public:
  RefCodec(int k, int m) : Codec(k, m), matrix_(RefCauchyMatrix(k, m)) {}

  Backend backend() const override { return Backend::kRef; }

  Status Encode(std::span<const ByteSpan> data, std::span<const MutableByteSpan> parity) override {
    CESS_ASSIGN_OR_RETURN(size_t len, CheckEncodeArgs(k(), m(), data, parity));
    const uint8_t* in[kMaxDataShards];
    uint8_t* out[kMaxParityShards];
    for (int j = 0; j < k(); ++j) in[j] = data[static_cast<size_t>(j)].data();
    for (int p = 0; p < m(); ++p) out[p] = parity[static_cast<size_t>(p)].data();
    DotProducts(in, k(), out, m(), ParityRows(), len);
    return Status::Ok();
  }

  Status Reconstruct(std::span<const MutableByteSpan> shards, std::span<const int> erased) override {
    CESS_ASSIGN_OR_RETURN(size_t len, CheckShards(k(), m(), shards));
    CESS_ASSIGN_OR_RETURN(DecodePlan plan, MakeDecodePlan(k(), m(), erased));
    if (plan.num_erased == 0) return Status::Ok();
    CESS_ASSIGN_OR_RETURN(std::vector<uint8_t> rows,
                          DecodeRows(matrix_, k(), plan, &RefInvertMatrix, &GfMul));
    const uint8_t* in[kMaxDataShards];
    uint8_t* out[kMaxParityShards];
    for (int j = 0; j < k(); ++j) in[j] = shards[static_cast<size_t>(plan.survivors[j])].data();
    for (int o = 0; o < plan.num_erased; ++o) out[o] = shards[static_cast<size_t>(plan.erased[o])].data();
    DotProducts(in, k(), out, plan.num_erased, rows.data(), len);
    return Status::Ok();
  }

  Result<bool> Verify(std::span<const ByteSpan> shards) override {
    CESS_ASSIGN_OR_RETURN(size_t len, CheckShards(k(), m(), shards));
    std::vector<uint8_t> scratch(len);
    const uint8_t* in[kMaxDataShards];
    for (int j = 0; j < k(); ++j) in[j] = shards[static_cast<size_t>(j)].data();
    for (int p = 0; p < m(); ++p) {
      uint8_t* out[1] = {scratch.data()};
      DotProducts(in, k(), out, 1, ParityRows() + static_cast<size_t>(p) * static_cast<size_t>(k()), len);
      if (len != 0 && std::memcmp(scratch.data(), shards[static_cast<size_t>(k() + p)].data(), len) != 0) {
        return false;
      }
    }
    return true;
  }

  Status EncodeBatch(size_t stripes, size_t shard_len, ByteSpan data, MutableByteSpan parity) override {
    CESS_RETURN_IF_ERROR(CheckBatchArgs(k(), m(), stripes, shard_len, data.size(), parity.size()));
    const uint8_t* in[kMaxDataShards];
    uint8_t* out[kMaxParityShards];
    for (size_t s = 0; s < stripes; ++s) {
      for (int j = 0; j < k(); ++j)
        in[j] = data.data() + (s * static_cast<size_t>(k()) + static_cast<size_t>(j)) * shard_len;
      for (int p = 0; p < m(); ++p) {
        out[p] = parity.data() + (s * static_cast<size_t>(m()) + static_cast<size_t>(p)) * shard_len;
      }
      DotProducts(in, k(), out, m(), ParityRows(), shard_len);
    }
    return Status::Ok();
  }

 private:
  const uint8_t* ParityRows() const {
    return matrix_.data() + static_cast<size_t>(k()) * static_cast<size_t>(k());
  }

  const std::vector<uint8_t> matrix_;
};

}  // namespace

std::unique_ptr<Codec> MakeRefCodec(int k, int m) { return std::make_unique<RefCodec>(k, m); }

}  // namespace cess::kernels::erasure::internal
