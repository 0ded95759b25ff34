// Numeric primitives for Byzantine-robust aggregation over a row-major n×d float32 matrix
// (n updates of d coordinates): coordinate-wise selection (median, trimmed mean,
// mean-around-median), row combinations and subset means, row scaling, Gram matrix, squared
// distances and norms. The robust rules themselves live in ailink/robust; these are the parts
// that touch every coordinate and therefore run on the ref, cpu or cuda backend.
//
// DETERMINISM CONTRACT. Every backend returns bit-identical results on every input (committee
// members compare result hashes). To make that possible each result is defined by an exact
// sequence of IEEE-754 operations, fixed below and followed by ref, cpu and cuda alike (no FMA
// contraction, no atomics, no reassociation, no dependence on the thread count):
//
//  * Coordinate selection. For each coordinate c the m selected values x[r][c] are first
//    canonicalised with `v + 0.0f` (turns -0 into +0 so that equal values are bit-equal) and
//    sorted ascending into s[0..m-1]. Then
//      median             = s[m/2] for odd m, (s[m/2-1] + s[m/2]) * 0.5f for even m;
//      trimmed mean(t)    = (((0.0f + s[t]) + s[t+1]) + ... + s[m-t-1]) / float(m - 2t);
//      mean around median(k): the k values closest to the median, found by shrinking the
//                         window s[lo..hi-1] from [0, m) one end at a time, dropping s[lo] when
//                         |s[lo] - median| > |s[hi-1] - median| (distances in float) and s[hi-1]
//                         otherwise (so ties drop the larger value); the result is the window sum
//                         in ascending order starting at 0.0f, divided by float(k).
//    NaN inputs give unspecified values (never a crash); callers validate updates first.
//  * Row combinations. out[c] = ((0.0f + t_0) + t_1) + ... + t_{m-1}, where
//    t_k = w_k * (x[r_k][c] - center[c]) (the product is left out when no weights are given,
//    the difference when no center is given), in the order of the given row list; then, when a
//    divisor is given, out[c] = out[c] / divisor. All in float.
//  * Long sums over coordinates (Gram entries, squared norms, squared distances to a point) run
//    in double on exact products of floats: with t_c the term of coordinate c,
//      S(b, l) = sequential sum of t_c over c in chunk b with c ≡ l (mod kSumLanes), c ascending;
//      P(b)    = S(b,0) + S(b,1) + ... + S(b,kSumLanes-1)      (chunk b = coordinates
//                [b*kSumChunk, (b+1)*kSumChunk) ∩ [0, d))
//      Q(g)    = P(first chunk of g) + ... + P(last chunk of g)  (super-chunk g = kSumSuperChunk
//                consecutive chunks)
//      total   = Q(0) + Q(1) + ...
//    every sum sequential and starting at +0.0. Terms: Gram (double)x_i[c] * (double)x_j[c];
//    squared norm (double)x_i[c] * (double)x_i[c] (so norms equal the Gram diagonal bit for bit);
//    squared distance to a point p: ((double)x_i[c] - (double)p[c])^2.
//  * Pairwise squared distances come from the Gram matrix on the host:
//    D[i][j] = max(0, (G[i][i] + G[j][j]) - 2 * G[i][j]), D[i][i] = 0. The double accumulation of
//    exact products keeps the cancellation error of this form near 1e-16 * |x|^2.
//
// Threading: the cpu backend uses CpuThreads() threads per call; functions are safe to call
// concurrently on distinct outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cess/core/result.h"
#include "cess/kernels/backend.h"

namespace cess::kernels::aggregate {

// Fixed summation structure of the long double-precision sums (see the contract above).
inline constexpr size_t kSumLanes = 8;
inline constexpr size_t kSumChunk = 4096;
inline constexpr size_t kSumSuperChunk = 64;  // chunks per super-chunk (262,144 coordinates)

// kAuto picks kCuda for matrices of at least this many elements when a device is present.
inline constexpr size_t kAutoCudaMinElements = size_t{1} << 24;

// A read-only view of a row-major rows×cols float32 matrix in host memory. Not owning.
struct MatrixView {
  const float* data = nullptr;
  size_t rows = 0;
  size_t cols = 0;

  // Pointer to row i. REQUIRES: i < rows.
  const float* row(size_t i) const { return data + i * cols; }
  size_t size() const { return rows * cols; }
};

// A matrix made ready for primitive calls on one backend: for kCuda it is copied to device
// memory once, so several primitives on the same input pay one upload; for kRef and kCpu it
// is a view. The host data must stay valid and unchanged while the Input lives.
// Thread safety: const methods and the primitives below may be used from several threads.
class Input {
 public:
  virtual ~Input() = default;
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;

  // The backend that runs primitives on this input; never kAuto.
  Backend backend() const { return backend_; }
  size_t rows() const { return host_.rows; }
  size_t cols() const { return host_.cols; }
  // The host matrix this input was prepared from.
  const MatrixView& host() const { return host_; }

 protected:
  Input(MatrixView host, Backend backend) : host_(host), backend_(backend) {}

 private:
  MatrixView host_;
  Backend backend_;
};

// Prepares `host` for `backend` (kAuto resolves to kCuda when a device is present and
// host.size() >= kAutoCudaMinElements, otherwise kCpu). Errors: InvalidArgument for a null data
// pointer with a non-empty shape; Unavailable when the backend cannot run here; ResourceExhausted
// or Internal when device memory cannot be allocated or the copy fails.
Result<std::unique_ptr<Input>> Prepare(MatrixView host, Backend backend);

// --- Coordinate-wise selection. `rows` lists the rows taken into account (any order, no
// duplicates required but allowed); empty means all rows. `out` has x.cols() entries.
// Errors: InvalidArgument for a bad row index, an empty selection, a wrong output size or an
// out-of-range parameter; Unavailable/Internal for device failures.

// Per coordinate, the median of the selected values (even count: mean of the two middle ones).
Status CoordinateMedian(const Input& x, std::span<const uint32_t> rows, std::span<float> out);

// Per coordinate, the mean of the selected values after dropping the `trim` largest and the
// `trim` smallest. REQUIRES (else InvalidArgument): 2 * trim < number of selected rows.
Status CoordinateTrimmedMean(const Input& x, std::span<const uint32_t> rows, size_t trim,
                             std::span<float> out);

// Per coordinate, the mean of the `keep` selected values closest to their median (ties keep
// the smaller value; exact rule at the top of this file). REQUIRES (else InvalidArgument): 1 <= keep <= number of selected rows.
Status CoordinateMeanAroundMedian(const Input& x, std::span<const uint32_t> rows, size_t keep,
                                  std::span<float> out);

// --- Row combinations.

// What CombineRows adds up; see the contract at the top of this file.
struct Combination {
  // Rows in summation order; empty means 0, 1, ..., rows-1.
  std::span<const uint32_t> rows = {};
  // One weight per listed row; empty means no multiplication.
  std::span<const float> weights = {};
  // Optional d-vector subtracted from every row before weighting; null means none.
  const float* center = nullptr;
  // When non-zero the sum is divided by it at the end.
  float divisor = 0.0f;
};

// out (cols entries) = the combination `c` of the rows of x. Errors: InvalidArgument for a bad
// row index, a weight count that does not match, or a wrong output size.
Status CombineRows(const Input& x, const Combination& c, std::span<float> out);

// Means of row subsets: group g (0 <= g < offsets.size()-1) is members[offsets[g] ..
// offsets[g+1]-1]; out row g (out is groups×cols, row-major) = the combination of those rows
// in the listed order divided by float(group size). Errors: InvalidArgument when offsets are
// not non-decreasing from 0 to members.size(), a group is empty, a member is out of range, or
// out has the wrong size.
Status SubsetMeans(const Input& x, std::span<const uint32_t> offsets, std::span<const uint32_t> members,
                   std::span<float> out);

// out (rows×cols) = x with row i multiplied by scales[i] (one float multiply per value).
// Errors: InvalidArgument when scales.size() != rows or out has the wrong size.
Status ScaleRows(const Input& x, std::span<const float> scales, std::span<float> out);

// --- Long double-precision sums (fixed order in the contract above).

// out (rows×rows, row-major, symmetric) = the Gram matrix X·Xᵀ. Errors: InvalidArgument for a
// wrong output size.
Status Gram(const Input& x, std::span<double> out);

// out (rows entries) = the squared L2 norm of each row (equal to the Gram diagonal).
Status RowSqNorms(const Input& x, std::span<double> out);

// out (rows entries) = the squared L2 distance of each row to `point` (cols entries).
Status SqDistancesTo(const Input& x, std::span<const float> point, std::span<double> out);

// out (rows×rows) = pairwise squared distances, computed from Gram() as described above.
Status PairwiseSqDistances(const Input& x, std::span<double> out);

// Host-side step of PairwiseSqDistances: distances from an n×n Gram matrix. REQUIRES:
// gram.size() == out.size() == n*n.
void SqDistancesFromGram(std::span<const double> gram, size_t n, std::span<double> out);

// --- CPU threading.

// Sets how many threads the cpu backend uses per call; 0 (the default) means
// std::thread::hardware_concurrency(). Results never depend on this number.
void SetCpuThreads(int threads);
// The number of threads the cpu backend uses now (>= 1).
int CpuThreads();

// The instruction-set variants of the cpu backend this CPU runs, widest first (e.g. "avx512",
// "avx2", "base"). All give identical results; tests check each against kRef.
std::vector<std::string> CpuVariants();
// Makes the cpu backend use the named variant ("" = the widest again). Process-wide; meant for
// tests and benchmarks. Errors: InvalidArgument for a name not in CpuVariants().
Status SetCpuVariant(std::string_view name);

}  // namespace cess::kernels::aggregate
