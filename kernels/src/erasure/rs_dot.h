// Internal: the per-thread work of the CUDA Reed-Solomon kernel, written so that it compiles both
// as device code (rs_kernel.cu) and as plain C++, where tests run it item by item on the CPU and
// compare it with the reference backend. No CUDA header is needed to include this file.
//
// The kernel computes out[o] = XOR_j rows[o][j] · in[j] for o < n_out over GF(2^8). Each thread
// takes one 16-byte column slice ("item") of one stripe, reads it from all k inputs once and
// produces all n_out outputs, so every input byte crosses HBM once.
//
// Products come from ISA-L-style nibble tables held in shared memory (PackedNibbleTables): for
// input j and group g of four outputs, 16 words for the low nibble and 16 for the high nibble,
// each word packing the four outputs' products side by side. A data byte x thus costs two 32-bit
// lookups per group of four outputs: acc ^= T[x & 15] ^ T[16 + (x >> 4)]. All lanes of a warp
// read the same 32-word table at the same time, so the lookups never conflict on banks.
//
// Addressing costs one byte-perm per lookup pair: each input's tables start at a 256-byte
// aligned shared address, so prmt(offsets, base) that replaces the low byte of the base with
// the byte 4·nibble (or 64 + 4·nibble for the high table) is the complete address; the group
// is an immediate offset (128·g). Per input byte and group that leaves ~4 integer ops and 2
// shared loads for G = 1 — within the H100 budget for the memory bound (kernels-limits.md §5).
//
// The accumulators hold, per data byte position, the four outputs of a group side by side; a
// 4×4 byte transpose (8 byte-perms per 16 output bytes) puts them back into per-output words.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include "cess/core/result.h"
#include "cess/kernels/erasure.h"

#if defined(__CUDACC__)
#define CESS_RS_HD __host__ __device__ __forceinline__
#else
#define CESS_RS_HD inline
#endif

namespace cess::kernels::erasure::internal {

inline constexpr int kDotThreads = 256;                      // threads per block
inline constexpr int kDotItemsPerThread = 4;                 // items (16-byte slices) per thread
inline constexpr uint64_t kDotMaxItems = uint64_t{1} << 31;  // items per launch

// Words of table per input for `groups` groups of four outputs: 32 per group, rounded up to a
// multiple of 64 words (256 bytes) so that every input's tables start 256-byte aligned.
CESS_RS_HD constexpr uint32_t TableStrideWords(uint32_t groups) { return (groups * 32 + 63) / 64 * 64; }

// The kernel's tables for `rows` (n_out×k, row-major; n_out <= 16): k · TableStrideWords(G)
// words, G = ceil(n_out/4). For input j and group g, word j·stride + 32g + n (n < 16) packs the
// products rows[4g+q][j]·n into byte q (q = 0..3; 0 past n_out), word j·stride + 32g + 16 + n
// the products with n << 4.
std::vector<uint32_t> PackedNibbleTables(std::span<const uint8_t> rows, int n_out, int k);

// One kernel launch. Plain data; passed by value to the kernel (__grid_constant__).
struct DotParams {
  const uint8_t* in = nullptr;  // stripe s, input j at in + s·in_stripe_stride + in_off[j]
  uint8_t* out = nullptr;       // stripe s, output o at out + s·out_stripe_stride + out_off[o]
  uint64_t in_stripe_stride = 0;
  uint64_t out_stripe_stride = 0;
  uint64_t in_off[kMaxDataShards] = {};
  uint64_t out_off[kMaxParityShards] = {};
  const uint32_t* tables = nullptr;  // k · TableStrideWords(groups) words (PackedNibbleTables)
  uint64_t len = 0;                  // bytes per shard
  uint64_t div_magic = 0;            // ceil(2^64 / vps) for vps >= 2
  uint32_t k = 0;                    // inputs
  uint32_t n_out = 0;                // outputs
  uint32_t groups = 0;               // ceil(n_out / 4)
  uint32_t vps = 0;                  // 16-byte slices per shard, ceil(len / 16)
  uint32_t items = 0;                // stripes · vps in this launch
  uint32_t aligned = 0;              // 1: every shard start is 16-byte aligned (vector loads/stores)
  uint32_t blocks = 0;               // grid size
};

// A whole call, before it is cut into launches.
struct DotJob {
  const uint8_t* in = nullptr;
  uint8_t* out = nullptr;
  uint64_t in_stripe_stride = 0;
  uint64_t out_stripe_stride = 0;
  uint64_t in_off[kMaxDataShards] = {};
  uint64_t out_off[kMaxParityShards] = {};
  const uint32_t* tables = nullptr;
  int k = 0;
  int n_out = 0;
  uint64_t stripes = 0;
  uint64_t len = 0;
};

// Cuts `job` into launches of at most kDotMaxItems items (whole stripes each). Returns no launch
// for an empty job. Errors: InvalidArgument when one shard has 2^32 or more 16-byte slices.
Result<std::vector<DotParams>> PlanDot(const DotJob& job);

// ---- per-thread code ----------------------------------------------------------------------

// __byte_perm(x, y, s) without the sign-replicate mode (selector bit 3), which we never use.
CESS_RS_HD uint32_t BytePerm(uint32_t x, uint32_t y, uint32_t s) {
#if defined(__CUDA_ARCH__)
  return __byte_perm(x, y, s);
#else
  const uint64_t pool = (static_cast<uint64_t>(y) << 32) | x;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) {
    const uint32_t sel = (s >> (4 * i)) & 7;
    r |= static_cast<uint32_t>((pool >> (8 * sel)) & 0xFF) << (8 * i);
  }
  return r;
#endif
}

// floor(n / d) for n < 2^32 and 1 <= d < 2^32, with magic = ceil(2^64 / d) when d >= 2:
// n·magic / 2^64 exceeds n/d by less than n/2^64 < 1/d, so the floor is exact.
CESS_RS_HD uint32_t FastDiv(uint32_t n, uint32_t d, uint64_t magic) {
  if (d == 1) return n;
#if defined(__CUDA_ARCH__)
  return static_cast<uint32_t>(__umul64hi(static_cast<uint64_t>(n), magic));
#else
  const uint64_t lo = static_cast<uint64_t>(n) * (magic & 0xFFFFFFFFu);
  const uint64_t hi = static_cast<uint64_t>(n) * (magic >> 32);
  return static_cast<uint32_t>((hi + (lo >> 32)) >> 32);
#endif
}

struct Vec16 {
  uint32_t w[4];
};

// Loads n <= 16 bytes at p (zero past n). `vector_ok`: n == 16 and p is 16-byte aligned.
CESS_RS_HD Vec16 LoadSlice(const uint8_t* p, uint32_t n, bool vector_ok) {
  Vec16 v{{0, 0, 0, 0}};
  if (vector_ok) {
#if defined(__CUDA_ARCH__)
    const uint4 t = __ldcs(reinterpret_cast<const uint4*>(p));
    v.w[0] = t.x;
    v.w[1] = t.y;
    v.w[2] = t.z;
    v.w[3] = t.w;
#else
    std::memcpy(v.w, p, 16);
#endif
    return v;
  }
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (uint32_t b = 0; b < 16; ++b) {
    if (b < n) v.w[b >> 2] |= static_cast<uint32_t>(p[b]) << (8 * (b & 3));
  }
  return v;
}

// Stores the first n <= 16 bytes of v at p; `vector_ok` as for LoadSlice.
CESS_RS_HD void StoreSlice(uint8_t* p, const Vec16& v, uint32_t n, bool vector_ok) {
  if (vector_ok) {
#if defined(__CUDA_ARCH__)
    __stcs(reinterpret_cast<uint4*>(p), make_uint4(v.w[0], v.w[1], v.w[2], v.w[3]));
#else
    std::memcpy(p, v.w, 16);
#endif
    return;
  }
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (uint32_t b = 0; b < 16; ++b) {
    if (b < n) p[b] = static_cast<uint8_t>(v.w[b >> 2] >> (8 * (b & 3)));
  }
}

// One table word at shared address addr + kImm (device) or host + addr + kImm (host tests).
template <int kImm>
CESS_RS_HD uint32_t TableWord(const uint8_t* host, uint32_t addr) {
#if defined(__CUDA_ARCH__)
  uint32_t v;
  asm volatile("ld.shared.u32 %0, [%1+%2];" : "=r"(v) : "r"(addr), "n"(kImm));
  return v;
#else
  uint32_t v;
  std::memcpy(&v, host + addr + kImm, sizeof(v));
  return v;
#endif
}

template <int G, size_t... g>
CESS_RS_HD void AccumulateGroups(uint32_t (&acc)[G], const uint8_t* host, uint32_t a_lo, uint32_t a_hi,
                                 std::index_sequence<g...>) {
  ((acc[g] ^=
    TableWord<128 * static_cast<int>(g)>(host, a_lo) ^ TableWord<128 * static_cast<int>(g)>(host, a_hi)),
   ...);
}

// Adds the products of one input slice x (16 bytes) to the accumulators. `base` is the address
// of the input's tables (a multiple of 256). acc[pos][g] byte q accumulates output 4g+q of data
// byte position pos.
template <int G>
CESS_RS_HD void Accumulate(uint32_t (&acc)[16][G], const uint8_t* host, uint32_t base, const Vec16& x) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int q = 0; q < 4; ++q) {
    const uint32_t lo = (x.w[q] << 2) & 0x3C3C3C3Cu;                  // 4·(x & 15) per byte
    const uint32_t hi = ((x.w[q] >> 2) & 0x3C3C3C3Cu) | 0x40404040u;  // 64 + 4·(x >> 4)
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int b = 0; b < 4; ++b) {
      // Byte b of lo/hi becomes the low byte of the table base: the full address.
      const uint32_t a_lo = BytePerm(lo, base, 0x7650u | static_cast<uint32_t>(b));
      const uint32_t a_hi = BytePerm(hi, base, 0x7650u | static_cast<uint32_t>(b));
      AccumulateGroups<G>(acc[4 * q + b], host, a_lo, a_hi, std::make_index_sequence<G>{});
    }
  }
}

// Transposes the 4×4 byte matrix a[b].byte[q] into r[q].byte[b].
CESS_RS_HD void Transpose4x4(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t (&r)[4]) {
  const uint32_t t0 = BytePerm(a0, a1, 0x5140);  // a0.0 a1.0 a0.1 a1.1
  const uint32_t t1 = BytePerm(a2, a3, 0x5140);  // a2.0 a3.0 a2.1 a3.1
  const uint32_t t2 = BytePerm(a0, a1, 0x7362);  // a0.2 a1.2 a0.3 a1.3
  const uint32_t t3 = BytePerm(a2, a3, 0x7362);  // a2.2 a3.2 a2.3 a3.3
  r[0] = BytePerm(t0, t1, 0x5410);
  r[1] = BytePerm(t0, t1, 0x7632);
  r[2] = BytePerm(t2, t3, 0x5410);
  r[3] = BytePerm(t2, t3, 0x7632);
}

// The whole work of one item: slice v of stripe s. The tables of input j start at address
// base + j·TableStrideWords(G)·4 (shared memory on the device; `host` + address in tests).
// Prefetches D inputs ahead so that several 16-byte loads per thread are in flight.
template <int G, bool kAligned>
CESS_RS_HD void DotItem(const DotParams& p, const uint8_t* host, uint32_t base, uint32_t item) {
  constexpr uint32_t kStrideBytes = TableStrideWords(G) * 4;
  constexpr int D = G <= 2 ? 4 : 2;
  const uint32_t s = FastDiv(item, p.vps, p.div_magic);
  const uint32_t v = item - s * p.vps;
  const uint64_t col = static_cast<uint64_t>(v) * 16;
  const uint8_t* in = p.in + static_cast<uint64_t>(s) * p.in_stripe_stride + col;
  uint8_t* out = p.out + static_cast<uint64_t>(s) * p.out_stripe_stride + col;
  const uint64_t left = p.len - col;
  const uint32_t n = left >= 16 ? 16u : static_cast<uint32_t>(left);
  const bool vector_ok = kAligned && n == 16;
  const int k = static_cast<int>(p.k);

  uint32_t acc[16][G];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int i = 0; i < 16; ++i) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int g = 0; g < G; ++g) acc[i][g] = 0;
  }

  Vec16 buf[D];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int d = 0; d < D; ++d) {
    if (d < k) buf[d] = LoadSlice(in + p.in_off[d], n, vector_ok);
  }
  for (int j0 = 0; j0 < k; j0 += D) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int d = 0; d < D; ++d) {
      const int j = j0 + d;
      if (j < k) {
        const Vec16 x = buf[d];
        if (j + D < k) buf[d] = LoadSlice(in + p.in_off[j + D], n, vector_ok);
        Accumulate<G>(acc, host, base + static_cast<uint32_t>(j) * kStrideBytes, x);
      }
    }
  }

#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int g = 0; g < G; ++g) {
    Vec16 res[4];  // res[q]: the slice of output 4g+q
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int w = 0; w < 4; ++w) {
      uint32_t r[4];
      Transpose4x4(acc[4 * w][g], acc[4 * w + 1][g], acc[4 * w + 2][g], acc[4 * w + 3][g], r);
      res[0].w[w] = r[0];
      res[1].w[w] = r[1];
      res[2].w[w] = r[2];
      res[3].w[w] = r[3];
    }
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int q = 0; q < 4; ++q) {
      const uint32_t o = 4 * static_cast<uint32_t>(g) + static_cast<uint32_t>(q);
      if (o < p.n_out) StoreSlice(out + p.out_off[o], res[q], n, vector_ok);
    }
  }
}

}  // namespace cess::kernels::erasure::internal
