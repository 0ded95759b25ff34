#include "erasure/gf256.h"

#include <string>
#include <utility>

#include "cess/kernels/erasure.h"

namespace cess::kernels::erasure {
namespace internal {
namespace {

GfTables BuildTables() {
  GfTables t{};
  uint8_t x = 1;
  for (int i = 0; i < 255; ++i) {
    t.exp[i] = x;
    t.exp[i + 255] = x;
    t.log[x] = static_cast<uint8_t>(i);
    x = GfMulSlow(x, 2);
  }
  t.exp[510] = t.exp[0];
  t.exp[511] = t.exp[1];
  t.log[0] = 0;  // undefined; callers test for zero first
  return t;
}

}  // namespace

uint8_t GfMulSlow(uint8_t a, uint8_t b) {
  unsigned acc = 0;
  unsigned aa = a;
  for (unsigned bb = b; bb != 0; bb >>= 1) {
    if (bb & 1) acc ^= aa;
    aa <<= 1;
    if (aa & 0x100) aa ^= 0x11D;
  }
  return static_cast<uint8_t>(acc);
}

const GfTables& Tables() {
  static const GfTables tables = BuildTables();
  return tables;
}

void GfMulRow(uint8_t c, uint8_t* row256) {
  for (int x = 0; x < 256; ++x) row256[x] = GfMul(c, static_cast<uint8_t>(x));
}

bool RefInvertMatrix(std::span<const uint8_t> in, std::span<uint8_t> out, int n) {
  const size_t nn = static_cast<size_t>(n);
  std::vector<uint8_t> a(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(nn * nn));
  for (size_t i = 0; i < nn; ++i) {
    for (size_t j = 0; j < nn; ++j) out[i * nn + j] = i == j ? 1 : 0;
  }
  for (size_t col = 0; col < nn; ++col) {
    // Find a pivot row at or below `col`.
    size_t pivot = col;
    while (pivot < nn && a[pivot * nn + col] == 0) ++pivot;
    if (pivot == nn) return false;
    if (pivot != col) {
      for (size_t j = 0; j < nn; ++j) {
        std::swap(a[pivot * nn + j], a[col * nn + j]);
        std::swap(out[pivot * nn + j], out[col * nn + j]);
      }
    }
    // Scale the pivot row to 1.
    const uint8_t inv = GfInv(a[col * nn + col]);
    for (size_t j = 0; j < nn; ++j) {
      a[col * nn + j] = GfMul(a[col * nn + j], inv);
      out[col * nn + j] = GfMul(out[col * nn + j], inv);
    }
    // Clear the column in every other row.
    for (size_t r = 0; r < nn; ++r) {
      const uint8_t f = a[r * nn + col];
      if (r == col || f == 0) continue;
      for (size_t j = 0; j < nn; ++j) {
        a[r * nn + j] ^= GfMul(f, a[col * nn + j]);
        out[r * nn + j] ^= GfMul(f, out[col * nn + j]);
      }
    }
  }
  return true;
}

std::vector<uint8_t> RefCauchyMatrix(int k, int m) {
  const size_t kk = static_cast<size_t>(k);
  std::vector<uint8_t> a((kk + static_cast<size_t>(m)) * kk, 0);
  for (size_t i = 0; i < kk; ++i) a[i * kk + i] = 1;
  for (int i = k; i < k + m; ++i) {
    for (int j = 0; j < k; ++j)
      a[static_cast<size_t>(i) * kk + static_cast<size_t>(j)] = GfInv(static_cast<uint8_t>(i ^ j));
  }
  return a;
}

}  // namespace internal

uint8_t GfMul(uint8_t a, uint8_t b) {
  if (a == 0 || b == 0) return 0;
  const internal::GfTables& t = internal::Tables();
  return t.exp[t.log[a] + t.log[b]];
}

uint8_t GfInv(uint8_t a) {
  if (a == 0) return 0;
  const internal::GfTables& t = internal::Tables();
  return t.exp[255 - t.log[a]];
}

Result<std::vector<uint8_t>> CauchyMatrix(int k, int m) {
  if (k < 1 || k > kMaxDataShards || m < 1 || m > kMaxParityShards) {
    return Status::InvalidArgument("RS(k, m) needs 1 <= k <= " + std::to_string(kMaxDataShards) +
                                   " and 1 <= m <= " + std::to_string(kMaxParityShards) +
                                   ", got k=" + std::to_string(k) + " m=" + std::to_string(m));
  }
  return internal::RefCauchyMatrix(k, m);
}

}  // namespace cess::kernels::erasure
