// Internal: the inner loops of the cpu backend, compiled once per instruction set (AVX-512,
// AVX2, baseline) from simd_impl.inc and picked at run time by CPUID. Every variant performs the
// same IEEE operations per value (vectorised across coordinates only), so results never depend
// on which one runs.
//
// The structs here are plain aggregates (no default member initialisers, no member functions):
// the ISA-specific translation units must not emit inline functions that could be merged with
// baseline code (ODR), so they include nothing but this header.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cess::kernels::aggregate::internal::simd {

// Coordinates per selection tile: a tile is transposed into an m×kTile buffer and sorted there.
inline constexpr size_t kTile = 32;

// One coordinate-wise selection over columns of a row-major matrix.
struct SelectArgs {
  const float* x;         // rows×cols matrix
  size_t cols;
  const uint32_t* rows;   // m selected row indices
  size_t m;
  int op;                 // SelectOp: 0 median, 1 trimmed mean, 2 mean around median
  size_t param;           // trim (op 1) or keep (op 2)
  const uint32_t* net;    // sorting network, net_pairs (a, b) pairs
  size_t net_pairs;
  float* out;             // cols results
  float* scratch;         // 64-byte aligned, (m + 2) * kTile floats
};
// Computes out[c] for c in [col_begin, col_end). REQUIRES: col_begin % kTile == 0.
using SelectFn = void (*)(const SelectArgs& args, size_t col_begin, size_t col_end);

// Gram accumulation over row blocks. blocks holds nblocks pairs (I, J) of first rows; block
// pair k covers rows I..I+B-1 × J..J+B-1 (B = Kernels::gram_block, rows past n-1 clamped to
// n-1). acc holds, per block pair, B*B pairs × kSumLanes doubles: lane sums to add to.
struct GramArgs {
  const float* x;
  size_t cols;
  size_t n;
  const uint32_t* blocks;
  size_t nblocks;
  double* acc;
};
// Adds the products of coordinates [c0, c1) to the lane sums. REQUIRES: c0 % kSumLanes == 0.
using GramFn = void (*)(const GramArgs& args, size_t c0, size_t c1);

// lanes[c % 8] += t(c) for c in [0, len) in increasing c, with t(c) = (double)x[c]^2 when point is
// null, else ((double)x[c] - (double)point[c])^2. REQUIRES: x and point start on a lane boundary.
using LaneSumFn = void (*)(const float* x, const float* point, size_t len, double* lanes);

// acc[c] = acc[c] + t_k(c) for k = 0..count-1 in order, c in [0, len), with
// t_k(c) = weights[k] * (rows[k][c] - center[c]); weights and center may be null (left out).
using AccumulateFn = void (*)(float* acc, const float* const* rows, size_t count, const float* weights,
                              const float* center, size_t len);

struct Kernels {
  const char* name;
  SelectFn select;
  GramFn gram;
  size_t gram_block;
  LaneSumFn lane_sum;
  AccumulateFn accumulate;
};

// The variant the cpu backend uses: the widest this CPU runs (chosen once), unless Force()d.
const Kernels& Best();
// Makes Best() return `kernels` (null: back to automatic). For tests and benchmarks.
void Force(const Kernels* kernels);
// Every variant this CPU runs, best first (for tests and benchmarks).
int NumAvailable();
const Kernels& Available(int i);

}  // namespace cess::kernels::aggregate::internal::simd
