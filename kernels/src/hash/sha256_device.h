// Internal: the SHA-256 core of the CUDA kernels, written as __host__ __device__ code so that
// the very same functions also compile as plain C++ and are tested on the CPU against the
// reference implementation (tests/kernels/hash_device_logic_test.cc). On the device the helpers
// map to CUDA intrinsics (__byte_perm, __funnelshift_r, __ldg); on the host to portable C++ that
// has the same semantics.
//
// Words: a "raw" word is 4 input bytes loaded as a little-endian uint32 (what a GPU or x86 load
// gives); a "message" word is SHA-256's big-endian word. State words are SHA-256's H0..H7.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define CESS_HD __host__ __device__ __forceinline__
#else
#define CESS_HD inline
#endif
// Full unrolling where the device compiler sees it (the host compilers would warn).
#if defined(__CUDA_ARCH__)
#define CESS_HASH_UNROLL _Pragma("unroll")
#else
#define CESS_HASH_UNROLL
#endif

namespace cess::kernels::hash::internal {

#if defined(__CUDACC__)
// FIPS 180-4 §4.2.2 round constants, in constant memory on the device.
__constant__ static const uint32_t kSha256KDevice[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
#endif

// The same constants for the host compilation of this code.
inline constexpr uint32_t kSha256KHost[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#if defined(__CUDA_ARCH__)
#define CESS_SHA256_K(t) kSha256KDevice[t]
#else
#define CESS_SHA256_K(t) kSha256KHost[t]
#endif

// ---- Intrinsics and their host twins -------------------------------------------------------

// Rotate right by n (0 < n < 32).
CESS_HD uint32_t Rotr(uint32_t x, uint32_t n) {
#if defined(__CUDA_ARCH__)
  return __funnelshift_r(x, x, n);
#else
  return (x >> n) | (x << (32 - n));
#endif
}

// The low 32 bits of the 64-bit value hi:lo shifted right by (shift & 31), as __funnelshift_r.
CESS_HD uint32_t FunnelShiftR(uint32_t lo, uint32_t hi, uint32_t shift) {
#if defined(__CUDA_ARCH__)
  return __funnelshift_r(lo, hi, shift);
#else
  shift &= 31;
  return shift == 0 ? lo : (lo >> shift) | (hi << (32 - shift));
#endif
}

// Byte k of the result is byte ((selector >> 4k) & 7) of the 8 bytes y:x (x = bytes 0..3), as
// __byte_perm without its sign-replicate mode (never used here).
CESS_HD uint32_t BytePerm(uint32_t x, uint32_t y, uint32_t selector) {
#if defined(__CUDA_ARCH__)
  return __byte_perm(x, y, selector);
#else
  const uint64_t v = (uint64_t{y} << 32) | x;
  uint32_t r = 0;
  for (int k = 0; k < 4; ++k) {
    const uint32_t sel = (selector >> (4 * k)) & 7;
    r |= static_cast<uint32_t>((v >> (8 * sel)) & 0xff) << (8 * k);
  }
  return r;
#endif
}

// Big-endian word of a raw (little-endian-loaded) word: a byte swap.
CESS_HD uint32_t Bswap(uint32_t raw) { return BytePerm(raw, 0, 0x0123); }

// Message word made of the last byte of raw word `prev` followed by the first three bytes of
// raw word `cur` (the input shifted by one byte, for the one-byte tree prefixes).
CESS_HD uint32_t ShiftedWord(uint32_t prev, uint32_t cur) { return BytePerm(prev, cur, 0x3456); }

// Loads 4 bytes from a 4-byte-aligned address as a raw word.
CESS_HD uint32_t LoadRaw32(const uint8_t* p) {
#if defined(__CUDA_ARCH__)
  return __ldg(reinterpret_cast<const unsigned int*>(p));
#else
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
#endif
}

// Loads 16 bytes from a 16-byte-aligned address as 4 raw words.
CESS_HD void LoadRaw128(const uint8_t* p, uint32_t out[4]) {
#if defined(__CUDA_ARCH__)
  const uint4 v = __ldg(reinterpret_cast<const uint4*>(p));
  out[0] = v.x;
  out[1] = v.y;
  out[2] = v.z;
  out[3] = v.w;
#else
  std::memcpy(out, p, 16);
#endif
}

CESS_HD uint32_t LoadByte(const uint8_t* p) {
#if defined(__CUDA_ARCH__)
  return __ldg(p);
#else
  return *p;
#endif
}

// ---- The compression function ------------------------------------------------------------

CESS_HD void InitState(uint32_t st[8]) {
  st[0] = 0x6a09e667;
  st[1] = 0xbb67ae85;
  st[2] = 0x3c6ef372;
  st[3] = 0xa54ff53a;
  st[4] = 0x510e527f;
  st[5] = 0x9b05688c;
  st[6] = 0x1f83d9ab;
  st[7] = 0x5be0cd19;
}

// FIPS 180-4 §6.2.2 on one block of 16 message words. Fully unrolled: the schedule lives in a
// 16-word ring of registers, the constants are immediate/constant-bank operands.
CESS_HD void Compress(uint32_t st[8], const uint32_t m[16]) {
  uint32_t w[16];
  CESS_HASH_UNROLL
  for (int t = 0; t < 16; ++t) w[t] = m[t];
  uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
  uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
  CESS_HASH_UNROLL
  for (int t = 0; t < 64; ++t) {
    if (t >= 16) {
      const uint32_t w15 = w[(t - 15) & 15];
      const uint32_t w2 = w[(t - 2) & 15];
      const uint32_t s0 = Rotr(w15, 7) ^ Rotr(w15, 18) ^ (w15 >> 3);
      const uint32_t s1 = Rotr(w2, 17) ^ Rotr(w2, 19) ^ (w2 >> 10);
      w[t & 15] += s0 + s1 + w[(t - 7) & 15];
    }
    const uint32_t t1 =
        h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + CESS_SHA256_K(t) + w[t & 15];
    const uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  st[0] += a;
  st[1] += b;
  st[2] += c;
  st[3] += d;
  st[4] += e;
  st[5] += f;
  st[6] += g;
  st[7] += h;
}

// ---- Loading 64-byte windows of any alignment --------------------------------------------

// True when LoadRaw64(q, ...) reads only bytes below `end`: it reads the aligned words covering
// [q, q + 64), i.e. [q & ~3, ((q + 63) & ~3) + 4).
CESS_HD bool RawWindowFits(const uint8_t* q, const uint8_t* end) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(q);
  const uintptr_t last = ((a + 63) & ~uintptr_t{3}) + 4;
  return last <= reinterpret_cast<uintptr_t>(end);
}

// x[k] = raw word of bytes q[4k, 4k + 4) for k < 16, for any alignment of q, with aligned loads
// only (16-byte vector loads when q is 16-byte aligned). REQUIRES: RawWindowFits(q, end) for the
// end of the readable buffer, and the aligned word holding q[0] readable (true in a cudaMalloc
// allocation, which starts 256-byte aligned).
CESS_HD void LoadRaw64(const uint8_t* q, uint32_t x[16]) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(q);
  if ((a & 15) == 0) {
    CESS_HASH_UNROLL
    for (int k = 0; k < 4; ++k) LoadRaw128(q + 16 * k, x + 4 * k);
  } else if ((a & 3) == 0) {
    CESS_HASH_UNROLL
    for (int k = 0; k < 16; ++k) x[k] = LoadRaw32(q + 4 * k);
  } else {
    const uint8_t* base = q - (a & 3);
    const uint32_t shift = static_cast<uint32_t>(a & 3) * 8;
    uint32_t lo = LoadRaw32(base);
    CESS_HASH_UNROLL
    for (int k = 0; k < 16; ++k) {
      const uint32_t hi = LoadRaw32(base + 4 * (k + 1));
      x[k] = FunnelShiftR(lo, hi, shift);
      lo = hi;
    }
  }
}

// As LoadRaw64 but byte by byte, for windows that run past the readable end: bytes at or after
// q + avail read as zero. REQUIRES: avail <= 64.
CESS_HD void LoadRaw64Bytes(const uint8_t* q, uint32_t avail, uint32_t x[16]) {
  CESS_HASH_UNROLL
  for (int k = 0; k < 16; ++k) {
    uint32_t v = 0;
    CESS_HASH_UNROLL
    for (int j = 0; j < 4; ++j) {
      const uint32_t i = 4 * k + j;
      if (i < avail) v |= LoadByte(q + i) << (8 * j);
    }
    x[k] = v;
  }
}

// Loads the window at q: LoadRaw64 when it fits below `end`, else byte by byte up to `avail`
// bytes (which must all lie below end).
CESS_HD void LoadWindow(const uint8_t* q, const uint8_t* end, uint64_t avail, uint32_t x[16]) {
  if (RawWindowFits(q, end)) {
    LoadRaw64(q, x);
  } else {
    LoadRaw64Bytes(q, avail < 64 ? static_cast<uint32_t>(avail) : 64u, x);
  }
}

// ---- Whole messages -----------------------------------------------------------------------

// Big-endian message word k of a final block holding r message bytes: bytes at positions >= r
// are cleared and position r gets the 0x80 padding byte.
CESS_HD uint32_t MaskTailWord(uint32_t w, uint32_t k, uint32_t r) {
  const uint32_t first = 4 * k;
  if (first + 4 <= r) return w;
  if (first > r) return 0;
  const uint32_t n = r - first;  // 0..3 message bytes in this word, then 0x80
  const uint32_t keep = n == 0 ? 0u : (0xffffffffu << (32 - 8 * n));
  return (w & keep) | (0x80u << (24 - 8 * n));
}

// st = SHA-256 state after hashing the message (kPrefix ? prefix ‖ : "") data[0, len).
// `end` is the end of the readable buffer that holds data (end >= data + len); bytes between
// data + len and end may be read (and ignored), nothing at or past end is.
//
// Message block j holds message bytes [64j, 64j + 64) = data bytes [64j - pre, 64j + 64 - pre)
// (pre = 1 with a prefix). Every block, including the final one, is built from the 64-byte data
// window at data + 64j, loaded as aligned words (LoadWindow; byte loads only for a window that
// would run past `end`). With a prefix, message word k takes the last byte of raw word k-1 and
// three bytes of raw word k, the previous window's last raw word (or the prefix) standing in for
// word -1. The window of block j+1 is loaded before block j's rounds, so the loads overlap the
// arithmetic. The final block keeps its r < 64 message bytes, adds 0x80 and, in it or one more
// block, the 64-bit bit length.
template <bool kPrefix>
CESS_HD void Sha256Message(uint32_t prefix, const uint8_t* data, uint64_t len, const uint8_t* end,
                           uint32_t st[8]) {
  InitState(st);
  const uint64_t msg_len = len + (kPrefix ? 1 : 0);
  const uint64_t full_blocks = msg_len / 64;
  uint32_t carry = prefix << 24;  // raw word whose last byte is the data byte before the window
  uint32_t cur[16];
  LoadWindow(data, end, len, cur);
  for (uint64_t j = 0; j < full_blocks; ++j) {
    // Block j+1's window (the final block's window after the last full block).
    const uint64_t off = 64 * (j + 1);
    uint32_t next[16];
    LoadWindow(data + off, end, len > off ? len - off : 0, next);
    uint32_t m[16];
    if (kPrefix) {
      m[0] = ShiftedWord(carry, cur[0]);
      CESS_HASH_UNROLL
      for (int k = 1; k < 16; ++k) m[k] = ShiftedWord(cur[k - 1], cur[k]);
      carry = cur[15];
    } else {
      CESS_HASH_UNROLL
      for (int k = 0; k < 16; ++k) m[k] = Bswap(cur[k]);
    }
    Compress(st, m);
    CESS_HASH_UNROLL
    for (int k = 0; k < 16; ++k) cur[k] = next[k];
  }
  // The final block: r < 64 message bytes, then 0x80, zeros and the bit length.
  const uint32_t r = static_cast<uint32_t>(msg_len - 64 * full_blocks);
  uint32_t m[16];
  if (kPrefix) {
    m[0] = MaskTailWord(ShiftedWord(carry, cur[0]), 0, r);
    CESS_HASH_UNROLL
    for (int k = 1; k < 16; ++k) m[k] = MaskTailWord(ShiftedWord(cur[k - 1], cur[k]), k, r);
  } else {
    CESS_HASH_UNROLL
    for (int k = 0; k < 16; ++k) m[k] = MaskTailWord(Bswap(cur[k]), k, r);
  }
  if (r >= 56) {  // no room for the length: one more block
    Compress(st, m);
    CESS_HASH_UNROLL
    for (int k = 0; k < 16; ++k) m[k] = 0;
  }
  const uint64_t bits = msg_len * 8;
  m[14] = static_cast<uint32_t>(bits >> 32);
  m[15] = static_cast<uint32_t>(bits);
  Compress(st, m);
}

// out = state of SHA-256(0x01 ‖ bytes(l) ‖ bytes(r)), a tree node over two child states (the
// bytes of a state are its words big-endian). 65 bytes: two blocks.
CESS_HD void NodeHash(const uint32_t l[8], const uint32_t r[8], uint32_t out[8]) {
  uint32_t m[16];
  m[0] = (0x01u << 24) | (l[0] >> 8);
  CESS_HASH_UNROLL
  for (int k = 1; k < 8; ++k) m[k] = FunnelShiftR(l[k], l[k - 1], 8);  // l[k-1] << 24 | l[k] >> 8
  m[8] = FunnelShiftR(r[0], l[7], 8);
  CESS_HASH_UNROLL
  for (int k = 1; k < 8; ++k) m[8 + k] = FunnelShiftR(r[k], r[k - 1], 8);
  InitState(out);
  Compress(out, m);
  m[0] = (r[7] << 24) | 0x00800000u;
  CESS_HASH_UNROLL
  for (int k = 1; k < 15; ++k) m[k] = 0;
  m[15] = 65 * 8;
  Compress(out, m);
}

// ---- Tree-hash steps shared by the kernels and their host emulation ------------------------

// Node states in shared memory are rows of 9 words (8 + 1 padding against bank conflicts).
using TileRow = uint32_t[9];

// st = state of leaf `leaf` of the tree hash of data[0, size): SHA-256(0x00 ‖ leaf bytes), the
// last leaf possibly short, empty data one empty leaf. REQUIRES: leaf < the leaf count.
CESS_HD void TreeLeafState(const uint8_t* data, uint64_t size, uint32_t leaf_size, uint64_t leaf,
                           uint32_t st[8]) {
  const uint64_t offset = leaf * leaf_size;
  const uint64_t rest = size - offset;
  const uint64_t len = size == 0 ? 0 : (rest < leaf_size ? rest : leaf_size);
  Sha256Message<true>(0x00, data + offset, len, data + size, st);
}

// One level of a tile reduction, for thread `tid`: rows [0, count) hold a level's nodes; pairs
// (2t, 2t+1) become SHA-256(0x01 ‖ l ‖ r) in row t and an odd last node moves to row count/2.
// Sets h to what row tid holds at the next level and returns true, or returns false when row
// tid is past the next level. All reads of a level must finish before any write (the kernel
// puts a barrier between them).
CESS_HD bool TileLevelStep(const TileRow* tile, uint32_t count, uint32_t tid, uint32_t h[8]) {
  const uint32_t half = count >> 1;
  if (tid < half) {
    uint32_t l[8];
    uint32_t r[8];
    CESS_HASH_UNROLL
    for (int k = 0; k < 8; ++k) {
      l[k] = tile[2 * tid][k];
      r[k] = tile[2 * tid + 1][k];
    }
    NodeHash(l, r, h);
    return true;
  }
  if (tid == half && (count & 1) != 0) {
    CESS_HASH_UNROLL
    for (int k = 0; k < 8; ++k) h[k] = tile[count - 1][k];
    return true;
  }
  return false;
}

// Writes the 32 digest bytes of state `st` (words big-endian) to out[0, 32).
CESS_HD void StoreDigest(const uint32_t st[8], uint8_t* out) {
  CESS_HASH_UNROLL
  for (int k = 0; k < 8; ++k) {
    out[4 * k] = static_cast<uint8_t>(st[k] >> 24);
    out[4 * k + 1] = static_cast<uint8_t>(st[k] >> 16);
    out[4 * k + 2] = static_cast<uint8_t>(st[k] >> 8);
    out[4 * k + 3] = static_cast<uint8_t>(st[k]);
  }
}

}  // namespace cess::kernels::hash::internal
