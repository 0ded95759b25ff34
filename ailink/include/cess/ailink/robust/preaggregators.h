// Pre-aggregators (DESIGN.md §7): pure maps from an n×d matrix of updates to another matrix that
// a robust rule then aggregates (composed by string in aggregator.h, e.g. "clip:2.0|nnm|cwtm").
// Same determinism guarantees as rules.h; ties always go to the lower row index.
//
//   clip:c       static clipping: x_i ← x_i · min(1, c / ‖x_i‖) (scale computed in double, applied
//                as one float multiply; ‖x_i‖ = 0 keeps the row).
//   nnm          nearest-neighbour mixing (Allouah et al. 2023): x_i ← mean of the n−f rows closest
//                to x_i (itself included, by squared distance, ties to the lower index), summed in
//                increasing row order.
//   bucketing:s  (Karimireddy et al. 2022) rows shuffled by a seeded Fisher–Yates permutation,
//                cut into ⌈n/s⌉ buckets of s consecutive rows (the last may be smaller); output row
//                b = mean of bucket b's rows in increasing row order. The f a following rule uses
//                stays f.
//   arc          adaptive robust clipping (Allouah et al. 2024): the k = ⌊2·f·(n−f)/n⌋ rows of
//                largest norm (ties: lower index counts as larger) are clipped to the norm of the
//                largest remaining row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cess/ailink/update.h"
#include "cess/core/result.h"
#include "cess/kernels/backend.h"

namespace cess::ailink::robust {

using cess::kernels::Backend;

// Static clipping to L2 norm c. Errors: InvalidArgument unless c > 0 and finite.
Result<UpdateMatrix> StaticClip(const MatrixView& x, double c, Backend backend = Backend::kAuto);

// Nearest-neighbour mixing. REQUIRES (else InvalidArgument): f < n.
Result<UpdateMatrix> NearestNeighborMixing(const MatrixView& x, size_t f, Backend backend = Backend::kAuto);

// The seeded permutation Bucketing uses: Fisher–Yates over std::mt19937_64(seed), drawing
// j uniform in [0, i] by rejection sampling (portable: no std::uniform_int_distribution).
std::vector<uint32_t> SeededPermutation(size_t n, uint64_t seed);

// Bucketing with buckets of s rows. Errors: InvalidArgument for s == 0.
Result<UpdateMatrix> Bucketing(const MatrixView& x, size_t s, uint64_t seed, Backend backend = Backend::kAuto);

// Adaptive robust clipping. REQUIRES (else InvalidArgument): f < n (then k <= n/2, so a largest
// remaining row always exists).
Result<UpdateMatrix> AdaptiveRobustClip(const MatrixView& x, size_t f, Backend backend = Backend::kAuto);

}  // namespace cess::ailink::robust
