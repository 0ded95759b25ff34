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
//   dnc:c        divide-and-conquer outlier removal (Shejwalkar & Houmansadr, NDSS 2021), on all
//                coordinates instead of random subsamples: k = ⌊c·f⌋ times, centre the remaining
//                rows, find the top right singular vector v of the centred matrix and drop the row
//                with the largest squared projection on v (ties: the higher index is dropped).
//                Computed exactly from the pairwise distances (classical MDS: the centred Gram
//                matrix is −½·J·D·J), its top eigenvector by power iteration in double from a fixed
//                start, so it is deterministic and as bit-identical across backends as the
//                distances are. The kept rows are returned unchanged, in index order (n − k rows);
//                the f a following rule uses stays f. It targets attacks that move the Byzantine
//                rows together in one direction (ALIE, IPM, min-max), which hide inside every
//                coordinate's honest range but stand out along one direction.
//   sign:c       sign-agreement filter (after SignGuard, Xu et al. 2022): each row's imbalance
//                |#{j: x_ij > med_j} − #{j: x_ij < med_j}| / d against the coordinate-wise median
//                med; the k = ⌊c·f⌋ most one-sided rows are dropped (ties: the higher index is
//                dropped), the rest returned unchanged in index order. An honest update sits above
//                the median in about half the coordinates; a row shifted the same way in every
//                coordinate (ALIE: mean + z·σ) sits above it almost everywhere, even when every
//                single value is inside the honest range. Counts are integers on top of the
//                bit-identical median, so the choice is the same on every backend.
//   guard:c      sign, direction and size filter (after SignGuard's norm bound and sign
//                statistics, and FLTrust's cosine test). Against the coordinate-wise median med:
//                rows longer than 10× the median row norm are dropped first (largest first); the
//                others are ranked by the larger of two robust z-scores (value − median over rows,
//                over 1.4826·MAD): of the sign imbalance (as `sign`) and of the negated cosine with
//                med. k = ⌊c·f⌋ rows are dropped in all (ties: the higher index), the rest returned
//                unchanged in index order. The norm bound catches large rows (Gaussian noise,
//                scaled updates); the sign score rows shifted one way in every coordinate (ALIE);
//                the cosine score rows pointing against the common direction (sign flip, IPM). Sums
//                in double in a fixed order on the host, on top of the bit-identical median.
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

// Divide-and-conquer filtering: drops k = ⌊c·f⌋ rows as described above. REQUIRES (else
// InvalidArgument): c > 0 and finite, k < n.
Result<UpdateMatrix> DivideAndConquer(const MatrixView& x, size_t f, double c = 1.0, Backend backend = Backend::kAuto);

// Sign-agreement filtering: drops k = ⌊c·f⌋ rows as described above. REQUIRES (else
// InvalidArgument): c > 0 and finite, k < n.
Result<UpdateMatrix> SignAgreementFilter(const MatrixView& x, size_t f, double c = 1.0, Backend backend = Backend::kAuto);

// Sign and direction filtering: drops k = ⌊c·f⌋ rows as described above. REQUIRES (else
// InvalidArgument): c > 0 and finite, k < n.
Result<UpdateMatrix> GuardFilter(const MatrixView& x, size_t f, double c = 1.0, Backend backend = Backend::kAuto);

// The rows DivideAndConquer keeps, in increasing order, from the n×n pairwise squared distances
// (row-major) and the number k of rows to drop. Exposed for tests. REQUIRES: k < n.
std::vector<uint32_t> DivideAndConquerKeep(const std::vector<double>& sq_distances, size_t n, size_t k);

}  // namespace cess::ailink::robust
