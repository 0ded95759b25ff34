// The cpu backend: ISA-L 2.30's ec_encode_data with tables built once per codec (encode) or once
// per erasure pattern (decode, cached in an LRU).
#include <isa-l/erasure_code.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <thread>
#include <vector>

#include "erasure/backends.h"
#include "erasure/common.h"
#include "erasure/decode_cache.h"

namespace cess::kernels::erasure::internal {
namespace {

// ISA-L computes at most 6 outputs per pass over the sources; with more, every further pass
// re-reads them. Cutting the columns into pieces whose k sources take ~128 KiB turns those
// re-reads into cache hits (measured on the 2-core EPYC box, 1 MiB L2 per core: 16+8 with 8 MiB
// shards 5.9 -> 8.0 GB/s; sources that fit L2 whole gain nothing).
constexpr size_t kPieceBudget = size_t{128} << 10;
constexpr size_t kCacheResident = size_t{1} << 20;
// ec_encode_data takes an int length; stay far below INT_MAX (and a multiple of 64).
constexpr size_t kMaxPiece = size_t{1} << 30;

size_t PieceLen(int k, int rows, size_t len) {
  if (rows <= 6 || len * static_cast<size_t>(k) <= kCacheResident) return kMaxPiece;
  size_t piece = kPieceBudget / static_cast<size_t>(k);
  piece = std::max<size_t>(4096, piece & ~size_t{63});
  return piece;
}

// out[o] = tables · in over columns [0, len), in pieces of `piece` bytes. The 2.30 headers take
// non-const pointers; ISA-L only reads `in` and `tables`.
void Dot(size_t len, int k, int rows, const uint8_t* tables, const uint8_t* const* in, uint8_t* const* out) {
  const size_t piece = PieceLen(k, rows, len);
  unsigned char* src[kMaxDataShards];
  unsigned char* dst[kMaxParityShards];
  auto* tbl = const_cast<unsigned char*>(tables);
  for (size_t off = 0; off < len;) {
    size_t n = std::min(piece, len - off);
    if (len - off - n < 64) n = len - off;  // no tiny tail: ISA-L runs < 64 bytes on its slow base path
    for (int j = 0; j < k; ++j) src[j] = const_cast<unsigned char*>(in[j]) + off;
    for (int o = 0; o < rows; ++o) dst[o] = out[o] + off;
    ec_encode_data(static_cast<int>(n), k, rows, tbl, src, dst);
    off += n;
  }
}

bool IsalInvert(std::span<const uint8_t> in, std::span<uint8_t> out, int n) {
  std::vector<uint8_t> copy(in.begin(), in.end());  // gf_invert_matrix destroys its input
  return gf_invert_matrix(copy.data(), out.data(), n) == 0;
}

uint8_t IsalMul(uint8_t a, uint8_t b) { return gf_mul(a, b); }

struct DecodeEntry {
  DecodePlan plan;
  std::vector<uint8_t> tables;  // 32 · k · num_erased bytes for ec_encode_data
};

class CpuCodec final : public Codec {
 public:
  CpuCodec(int k, int m, const CodecOptions& options)
      : Codec(k, m),
        matrix_(static_cast<size_t>((k + m) * k)),
        encode_tables_(static_cast<size_t>(32 * k * m)),
        cache_(options.decode_cache_entries),
        threads_(options.cpu_threads),
        parallel_min_bytes_(options.cpu_parallel_min_bytes) {
    gf_gen_cauchy1_matrix(matrix_.data(), k + m, k);
    ec_init_tables(k, m, matrix_.data() + k * k, encode_tables_.data());
    if (threads_ == 0) {
      threads_ = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
    }
  }

  Backend backend() const override { return Backend::kCpu; }

  Status Encode(std::span<const ByteSpan> data, std::span<const MutableByteSpan> parity) override {
    CESS_ASSIGN_OR_RETURN(size_t len, CheckEncodeArgs(k(), m(), data, parity));
    const uint8_t* in[kMaxDataShards];
    uint8_t* out[kMaxParityShards];
    for (int j = 0; j < k(); ++j) in[j] = data[static_cast<size_t>(j)].data();
    for (int p = 0; p < m(); ++p) out[p] = parity[static_cast<size_t>(p)].data();
    Dot(len, k(), m(), encode_tables_.data(), in, out);
    return Status::Ok();
  }

  Status Reconstruct(std::span<const MutableByteSpan> shards, std::span<const int> erased) override {
    CESS_ASSIGN_OR_RETURN(size_t len, CheckShards(k(), m(), shards));
    CESS_ASSIGN_OR_RETURN(DecodePlan plan, MakeDecodePlan(k(), m(), erased));
    if (plan.num_erased == 0) return Status::Ok();
    CESS_ASSIGN_OR_RETURN(std::shared_ptr<const DecodeEntry> entry,
                          cache_.GetOrCreate(plan.mask, [&] { return BuildDecode(plan); }));
    const uint8_t* in[kMaxDataShards];
    uint8_t* out[kMaxParityShards];
    for (int j = 0; j < k(); ++j) in[j] = shards[static_cast<size_t>(plan.survivors[j])].data();
    for (int o = 0; o < plan.num_erased; ++o) out[o] = shards[static_cast<size_t>(plan.erased[o])].data();
    Dot(len, k(), plan.num_erased, entry->tables.data(), in, out);
    return Status::Ok();
  }

  Result<bool> Verify(std::span<const ByteSpan> shards) override {
    CESS_ASSIGN_OR_RETURN(size_t len, CheckShards(k(), m(), shards));
    constexpr size_t kChunk = size_t{64} << 10;
    const size_t chunk = std::min(len, kChunk);
    std::vector<uint8_t> scratch(chunk * static_cast<size_t>(m()));
    const uint8_t* in[kMaxDataShards];
    uint8_t* out[kMaxParityShards];
    for (int p = 0; p < m(); ++p) out[p] = scratch.data() + static_cast<size_t>(p) * chunk;
    for (size_t off = 0; off < len; off += chunk) {
      const size_t n = std::min(chunk, len - off);
      for (int j = 0; j < k(); ++j) in[j] = shards[static_cast<size_t>(j)].data() + off;
      Dot(n, k(), m(), encode_tables_.data(), in, out);
      for (int p = 0; p < m(); ++p) {
        if (std::memcmp(out[p], shards[static_cast<size_t>(k() + p)].data() + off, n) != 0) return false;
      }
    }
    return true;
  }

  Status EncodeBatch(size_t stripes, size_t shard_len, ByteSpan data, MutableByteSpan parity) override {
    CESS_RETURN_IF_ERROR(CheckBatchArgs(k(), m(), stripes, shard_len, data.size(), parity.size()));
    if (stripes == 0 || shard_len == 0) return Status::Ok();
    int threads = threads_;
    if (data.size() < parallel_min_bytes_) threads = 1;
    if (threads <= 1) {
      EncodeRange(0, stripes, 0, shard_len, shard_len, data.data(), parity.data());
      return Status::Ok();
    }
    // Split stripes when there are enough of them, otherwise the columns of each stripe.
    std::vector<std::thread> helpers;
    const size_t t = static_cast<size_t>(threads);
    if (stripes >= t) {
      for (size_t i = 1; i < t; ++i) {
        helpers.emplace_back([=, this] {
          EncodeRange(stripes * i / t, stripes * (i + 1) / t, 0, shard_len, shard_len, data.data(),
                      parity.data());
        });
      }
      EncodeRange(0, stripes / t, 0, shard_len, shard_len, data.data(), parity.data());
    } else {
      const size_t step = ((shard_len + t - 1) / t + 63) & ~size_t{63};
      for (size_t i = 1; i < t && i * step < shard_len; ++i) {
        helpers.emplace_back([=, this] {
          EncodeRange(0, stripes, i * step, std::min(shard_len, (i + 1) * step), shard_len, data.data(),
                      parity.data());
        });
      }
      EncodeRange(0, stripes, 0, std::min(step, shard_len), shard_len, data.data(), parity.data());
    }
    for (auto& h : helpers) h.join();
    return Status::Ok();
  }

 private:
  // Encodes columns [c0, c1) of stripes [s0, s1) of an EncodeBatch layout.
  void EncodeRange(size_t s0, size_t s1, size_t c0, size_t c1, size_t shard_len, const uint8_t* data,
                   uint8_t* parity) const {
    const uint8_t* in[kMaxDataShards];
    uint8_t* out[kMaxParityShards];
    const size_t kk = static_cast<size_t>(k());
    const size_t mm = static_cast<size_t>(m());
    for (size_t s = s0; s < s1; ++s) {
      for (size_t j = 0; j < kk; ++j) in[j] = data + (s * kk + j) * shard_len + c0;
      for (size_t p = 0; p < mm; ++p) out[p] = parity + (s * mm + p) * shard_len + c0;
      Dot(c1 - c0, k(), m(), encode_tables_.data(), in, out);
    }
  }

  Result<std::shared_ptr<const DecodeEntry>> BuildDecode(const DecodePlan& plan) const {
    CESS_ASSIGN_OR_RETURN(std::vector<uint8_t> rows, DecodeRows(matrix_, k(), plan, &IsalInvert, &IsalMul));
    auto entry = std::make_shared<DecodeEntry>();
    entry->plan = plan;
    entry->tables.resize(static_cast<size_t>(32 * k() * plan.num_erased));
    ec_init_tables(k(), plan.num_erased, rows.data(), entry->tables.data());
    return std::shared_ptr<const DecodeEntry>(std::move(entry));
  }

  std::vector<uint8_t> matrix_;
  std::vector<uint8_t> encode_tables_;
  DecodeCache<DecodeEntry> cache_;
  int threads_;
  size_t parallel_min_bytes_;
};

}  // namespace

Result<std::unique_ptr<Codec>> MakeCpuCodec(int k, int m, const CodecOptions& options) {
  return std::unique_ptr<Codec>(std::make_unique<CpuCodec>(k, m, options));
}

}  // namespace cess::kernels::erasure::internal
