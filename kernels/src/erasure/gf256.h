// Internal: GF(2^8) arithmetic (polynomial 0x11D) and matrix helpers of the reference backend.
// Written from the field definition alone (no ISA-L), so that it can serve as the oracle.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace cess::kernels::erasure::internal {

// log/exp tables of the generator 2. exp has 512 entries so that exp[log a + log b] needs no
// reduction modulo 255.
struct GfTables {
  uint8_t log[256];
  uint8_t exp[512];
};
const GfTables& Tables();

// Multiplication by shift-and-add (carry-less multiply, reduced by 0x11D); used to build and to
// cross-check the tables.
uint8_t GfMulSlow(uint8_t a, uint8_t b);

// The 256-byte row `c * x` for x = 0..255.
void GfMulRow(uint8_t c, uint8_t* row256);

// Inverts the n×n row-major matrix `in` over GF(2^8) by Gauss-Jordan elimination into `out`.
// Returns false (leaving `out` unspecified) when `in` is singular.
bool RefInvertMatrix(std::span<const uint8_t> in, std::span<uint8_t> out, int n);

// The (k+m)×k Cauchy encoding matrix (identity on top, row i >= k holding 1/(i ^ j)).
// REQUIRES: 1 <= k <= 32, 1 <= m <= 16.
std::vector<uint8_t> RefCauchyMatrix(int k, int m);

}  // namespace cess::kernels::erasure::internal
