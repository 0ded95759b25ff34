// Reed-Solomon erasure coding RS(k, m) over GF(2^8), polynomial 0x11D, with ISA-L's Cauchy
// matrix (gf_gen_cauchy1_matrix): the (k+m)×k encoding matrix has the identity on top and
// row i >= k, column j holding 1 / (i XOR j). Every backend produces bytes identical to kRef.
//
// Backends (CodecOptions::backend):
//   kRef   plain C++ with its own field tables, matrix and inversion (no ISA-L): the oracle.
//   kCpu   ISA-L (ec_encode_data); decode matrices cached per erasure pattern.
//   kCuda  our CUDA kernel behind a pinned, multi-stream host pipeline (erasure_cuda.h also
//          offers calls on data already in GPU memory).
//   kAuto  kCpu, plus kCuda for calls of at least cuda_min_bytes when a device is visible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/kernels/backend.h"

namespace cess::kernels::erasure {

inline constexpr int kMaxDataShards = 32;    // k
inline constexpr int kMaxParityShards = 16;  // m

// GF(2^8) arithmetic with polynomial 0x11D (ISA-L's field). Pure functions, thread-safe.
uint8_t GfMul(uint8_t a, uint8_t b);
// The multiplicative inverse. REQUIRES: a != 0 (GfInv(0) returns 0, as ISA-L's gf_inv does).
uint8_t GfInv(uint8_t a);

// The (k+m)×k encoding matrix, row-major. Errors: InvalidArgument when k ∉ [1,32] or m ∉ [1,16].
Result<std::vector<uint8_t>> CauchyMatrix(int k, int m);

struct CodecOptions {
  // Which backend runs the calls. Default kAuto (see backend.h).
  Backend backend = Backend::kAuto;
  // kCpu/kCuda/kAuto: how many decode matrices (one per erasure pattern) to keep in an LRU
  // cache; 0 disables caching (every Reconstruct inverts a matrix). Default 64.
  size_t decode_cache_entries = 64;
  // kCpu/kAuto: threads EncodeBatch may use (the calling thread plus helpers) for calls of at
  // least cpu_parallel_min_bytes of data shards. 0 means one per hardware thread, at most 4.
  // Default 0.
  int cpu_threads = 0;
  // kCpu/kAuto: the smallest EncodeBatch, in bytes of data shards, split over threads.
  // Default 4 MiB.
  size_t cpu_parallel_min_bytes = size_t{4} << 20;
  // kAuto: the smallest call, in bytes of input shards, sent to CUDA. Default: the crossover
  // measured in bench/RESULTS.md; calls below it stay on the CPU.
  size_t cuda_min_bytes = size_t{64} << 20;
  // kCuda/kAuto: which CUDA device. Default 0.
  int cuda_device = 0;
  // kCuda/kAuto: bytes of input shards per pipeline chunk of the host-memory calls; each of the
  // cuda_streams streams owns pinned staging and device buffers for one chunk (plus its
  // outputs). Default 16 MiB.
  size_t cuda_chunk_bytes = size_t{16} << 20;
  // kCuda/kAuto: streams (and chunk slots) of the host pipeline, at least 2. Default 3.
  int cuda_streams = 3;
};

// An RS(k, m) coder. All shard arguments are host memory (see erasure_cuda.h for data already
// on a GPU). Thread safety: a Codec may be used from several threads at once.
class Codec {
 public:
  virtual ~Codec() = default;
  Codec(const Codec&) = delete;
  Codec& operator=(const Codec&) = delete;

  // Creates a coder. Errors: InvalidArgument when k ∉ [1,32] or m ∉ [1,16] or an option is out
  // of range; Unavailable when the requested backend cannot run here (kCuda without a device,
  // kCpu without ISA-L in the build).
  static Result<std::unique_ptr<Codec>> Create(int k, int m, const CodecOptions& options = {});

  int k() const { return k_; }
  int m() const { return m_; }
  // The backend this coder was created for (kAuto stays kAuto; it picks per call).
  virtual Backend backend() const = 0;

  // Computes the m parity shards from the k data shards. All k+m spans must have one common
  // length (0 allowed). Errors: InvalidArgument on a wrong count or unequal lengths; Internal or
  // Unavailable when a device fails (kCuda). On error the parity buffers are left unspecified
  // but no memory outside them is touched.
  virtual Status Encode(std::span<const ByteSpan> data, std::span<const MutableByteSpan> parity) = 0;

  // Rebuilds, in place, the shards whose indices (0..k+m-1, data first) are listed in `erased`,
  // reading k of the others (the first k not erased, in index order). `shards` has k+m spans of
  // one common length; the erased ones are written, the rest only read. An empty `erased` is a
  // no-op. Errors: InvalidArgument on a wrong count, unequal lengths, an index out of range or
  // listed twice, or more than m erasures.
  virtual Status Reconstruct(std::span<const MutableByteSpan> shards, std::span<const int> erased) = 0;

  // True when the m parity shards are exactly those the k data shards encode to. `shards` has
  // k+m spans of one common length. Errors: as Encode.
  virtual Result<bool> Verify(std::span<const ByteSpan> shards) = 0;

  // Encodes `stripes` stripes in one call: `data` holds stripes × k shards of `shard_len` bytes
  // each (stripe-major, then shard), `parity` receives stripes × m shards in the same layout.
  // This is the call that lets CUDA batch thousands of stripes per launch.
  // Errors: InvalidArgument when the buffer sizes do not match.
  virtual Status EncodeBatch(size_t stripes, size_t shard_len, ByteSpan data, MutableByteSpan parity) = 0;

 protected:
  Codec(int k, int m) : k_(k), m_(m) {}

 private:
  int k_;
  int m_;
};

// Splits `file` into k data shards of ceil(size/k) bytes (the last zero-padded) and appends m
// parity shards computed by `codec`. Returns the k+m shards, data first. An empty file gives
// k+m empty shards. Errors: those of codec.Encode.
Result<std::vector<Bytes>> EncodeFile(Codec& codec, ByteSpan file);

}  // namespace cess::kernels::erasure
