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
inline constexpr size_t kTile = 64;

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

// Converts coordinates [0, len) of n rows (rows[r] points at the first one) to double:
// xd[r*stride + c]; the row is zero-padded up to the next multiple of kSumLanes.
using WidenFn = void (*)(const float* const* rows, size_t n, size_t len, double* xd, size_t stride);

// Gram accumulation over row blocks of a widened sub-chunk. blocks holds nblocks pairs (I, J)
// of first rows; block pair k covers rows I..I+B-1 × J..J+B-1 (B = Kernels::gram_block, rows past
// n-1 clamped to n-1). acc holds, per block pair, B*B pairs × kSumLanes doubles: lane sums to
// add to (pair (p, q) at (p*B + q) * kSumLanes).
struct GramArgs {
  const double* xd;  // n rows × stride doubles (Widen output)
  size_t stride;
  size_t n;
  const uint32_t* blocks;
  size_t nblocks;
  double* acc;
};
// Adds the products of coordinates [0, len) to the lane sums, coordinate c to lane c % 8.
// REQUIRES: len % kSumLanes == 0 (Widen zero-pads; the padded terms are +0 and change nothing).
using GramFn = void (*)(const GramArgs& args, size_t len);

// lanes[c % 8] += t(c) for c in [0, len) in increasing c, with t(c) = (double)x[c]^2 when point is
// null, else ((double)x[c] - (double)point[c])^2. REQUIRES: x and point start on a lane boundary.
using LaneSumFn = void (*)(const float* x, const float* point, size_t len, double* lanes);

// acc[c] = acc[c] + t_k(c) for k = 0..count-1 in order, c in [0, len), with
// t_k(c) = weights[k] * (rows[k][c] - center[c]); weights and center may be null (left out).
using AccumulateFn = void (*)(float* acc, const float* const* rows, size_t count, const float* weights,
                              const float* center, size_t len);

// Columns one SubsetSum call covers: the accumulators stay in registers.
inline constexpr size_t kSubsetCols = 64;

// out[c] = (((0.0f + x_{m0}[c]) + x_{m1}[c]) + ...) / divisor for c in [0, len), where
// x_m = base + m*stride and m runs over members[0..count-1] in order. REQUIRES: len <= kSubsetCols.
using SubsetSumFn = void (*)(const float* base, size_t stride, const uint32_t* members, size_t count, size_t len,
                             float divisor, float* out);

struct Kernels {
  const char* name;
  SelectFn select;
  WidenFn widen;
  GramFn gram;
  size_t gram_block;
  LaneSumFn lane_sum;
  AccumulateFn accumulate;
  SubsetSumFn subset_sum;
};

// The variant the cpu backend uses: the widest this CPU runs (chosen once), unless Force()d.
const Kernels& Best();
// Makes Best() return `kernels` (null: back to automatic). For tests and benchmarks.
void Force(const Kernels* kernels);
// Every variant this CPU runs, best first (for tests and benchmarks).
int NumAvailable();
const Kernels& Available(int i);

}  // namespace cess::kernels::aggregate::internal::simd
