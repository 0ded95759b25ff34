// Byzantine-robust aggregation rules (DESIGN.md §7): each maps an n×d float32 matrix of updates
// (one row per participant) and a Byzantine budget f to a d-vector. Every function here is pure:
// same input, same output, bit for bit on every backend (the arithmetic order is fixed by
// cess/kernels/aggregate.h; everything done on the host — scores, selections, weights — is plain
// sequential code). Centered clipping, the one stateful rule, is in centered_clipping.h.
//
// Requirements, checked first (InvalidArgument otherwise): n >= 1 and a non-null matrix; then
//   mean, gm: nothing more;  cwmed, cwtm, meamed: n > 2f;  krum, multikrum: n > 2f + 2;
//   bulyan: n >= 4f + 3.
// Inputs are expected to have passed ValidateUpdates (no NaN/Inf); with them, results are
// unspecified but nothing crashes. Unavailable when the backend cannot run here.
//
// Definitions (ties are always broken toward the lower row index):
//   mean       (Σ_i x_i) / n.
//   cwmed      per coordinate, the median (even n: (a+b)*0.5f of the two middle values).
//   cwtm       per coordinate, the mean after dropping the f largest and f smallest values.
//   meamed     per coordinate, the mean of the n−f values closest to the median.
//   krum       score(i) = sum of the n−f−2 smallest squared distances from x_i to the other rows
//              (summed in increasing order, in double); the row with the lowest score.
//   multikrum  the mean of the m rows with the lowest Krum scores (m default n−f), summed in
//              increasing row order.
//   gm         geometric median by smoothed Weiszfeld (Pillutla et al.; ByzFL's convention):
//              z_0 = 0; z_{t+1} = Σ β_i x_i / Σ β_i with β_i = 1 / max(ν, ‖x_i − z_t‖);
//              T iterations (defaults ν = 0.1, T = 3). The weights β_i/Σβ are computed in
//              double and applied as floats; rows whose weight rounds to 0 are left out.
//   bulyan     θ = n−2f rows chosen by iterated Krum (each step takes the lowest-score row among
//              those left, with r rows left scoring over their max(r−f−2, 0) nearest), then per
//              coordinate the mean of the β = θ−2f selected values closest to their median.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "cess/ailink/update.h"
#include "cess/core/result.h"
#include "cess/kernels/backend.h"

namespace cess::ailink::robust {

using cess::kernels::Backend;

// Coordinate-wise mean.
Result<std::vector<float>> Mean(const MatrixView& x, Backend backend = Backend::kAuto);

// Coordinate-wise median. REQUIRES: n > 2f.
Result<std::vector<float>> CoordinateMedian(const MatrixView& x, size_t f, Backend backend = Backend::kAuto);

// Coordinate-wise trimmed mean (f dropped at each end). REQUIRES: n > 2f.
Result<std::vector<float>> TrimmedMean(const MatrixView& x, size_t f, Backend backend = Backend::kAuto);

// Mean around the median (n−f values per coordinate). REQUIRES: n > 2f.
Result<std::vector<float>> MeanAroundMedian(const MatrixView& x, size_t f, Backend backend = Backend::kAuto);

// Krum scores from an n×n matrix of squared distances (row-major; the diagonal is ignored):
// score(i) = sum of the `neighbours` smallest d(i, j), j != i, added in increasing order (ties
// in value keep index order). REQUIRES: neighbours <= n − 1, dist.size() == n*n.
std::vector<double> KrumScores(std::span<const double> dist, size_t n, size_t neighbours);

// The m rows with the lowest Krum scores (neighbours = n−f−2), ties to the lower index, returned
// in increasing row order. Errors: InvalidArgument unless n > 2f + 2 and 1 <= m <= n.
Result<std::vector<uint32_t>> SelectMultiKrum(std::span<const double> dist, size_t n, size_t f, size_t m);

// Iterated Krum as Bulyan uses it: `count` rows, each the lowest-score row among those not yet
// taken (r rows left: neighbours max(r−f−2, 0)), returned in increasing row order.
// REQUIRES: count <= n.
std::vector<uint32_t> SelectIteratedKrum(std::span<const double> dist, size_t n, size_t f, size_t count);

// What Krum chose, for logs and tests.
struct KrumResult {
  std::vector<float> aggregate;    // the chosen row (Krum) or the mean of the chosen rows
  std::vector<uint32_t> selected;  // chosen rows, increasing
  std::vector<double> scores;      // score of every row
};

// Krum: a copy of the lowest-score row. REQUIRES: n > 2f + 2.
Result<KrumResult> Krum(const MatrixView& x, size_t f, Backend backend = Backend::kAuto);

// Multi-Krum: the mean of the m lowest-score rows; m == 0 means n − f. REQUIRES: n > 2f + 2,
// m <= n.
Result<KrumResult> MultiKrum(const MatrixView& x, size_t f, size_t m = 0, Backend backend = Backend::kAuto);

struct GeometricMedianOptions {
  double nu = 0.1;       // smoothing ν > 0. Default 0.1.
  size_t iterations = 3; // Weiszfeld steps T >= 1. Default 3.
};

// Geometric median by smoothed Weiszfeld from z_0 = 0. Errors: InvalidArgument for ν <= 0 or
// T == 0.
Result<std::vector<float>> GeometricMedian(const MatrixView& x, const GeometricMedianOptions& options = {},
                                           Backend backend = Backend::kAuto);

// Bulyan. REQUIRES: n >= 4f + 3.
Result<std::vector<float>> Bulyan(const MatrixView& x, size_t f, Backend backend = Backend::kAuto);

}  // namespace cess::ailink::robust
