// The cpu backend: splits work into tasks whose results land in fixed places (so the thread
// count never changes a result) and runs the inner loops of simd_impl.inc on them.
//
//  * Selection: tiles of simd::kTile coordinates; each tile is transposed into a small m×kTile
//    buffer (L1-resident) and every column sorted there by one sorting network, vectorised
//    across the tile's coordinates.
//  * Row combinations: blocks of coordinates, four rows added per pass over the accumulator.
//  * Subset means (NNM mixing, bucketing): slices of simd::kSubsetCols coordinates whose rows stay
//    in L1 while every group is summed with register accumulators.
//  * Gram: one task per super-chunk (and, when super-chunks are fewer than threads, per group of
//    row blocks); inside, chunks of kSumChunk coordinates are walked in sub-chunks that fit L2,
//    widened to double once (so each value is converted once, not once per block pair), with the
//    lane sums of every row-block pair kept in a scratch buffer. Each task writes its
//    super-chunk sums Q(g); the final sum over g runs afterwards in order.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "aggregate/internal.h"
#include "aggregate/simd.h"

namespace cess::kernels::aggregate {

std::vector<std::string> CpuVariants() {
  std::vector<std::string> out;
  for (int i = 0; i < internal::simd::NumAvailable(); ++i) out.emplace_back(internal::simd::Available(i).name);
  return out;
}

Status SetCpuVariant(std::string_view name) {
  if (name.empty()) {
    internal::simd::Force(nullptr);
    return Status::Ok();
  }
  for (int i = 0; i < internal::simd::NumAvailable(); ++i) {
    if (name == internal::simd::Available(i).name) {
      internal::simd::Force(&internal::simd::Available(i));
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("cpu variant '" + std::string(name) + "' is not available on this CPU");
}

namespace internal::cpu {
namespace {

using simd::kTile;

constexpr size_t kSelectTilesPerTask = 32;   // 1024 coordinates
constexpr size_t kCombineBlock = 4096;       // coordinates per combination task
constexpr size_t kSubsetBlock = 1024;        // coordinates per subset-means task (n rows stay in L2)
constexpr size_t kGramSubChunk = 512;        // coordinates of all rows walked at once (L2)
static_assert(kSumChunk % kGramSubChunk == 0 && kGramSubChunk % kSumLanes == 0);

// A float buffer aligned to 64 bytes.
class AlignedFloats {
 public:
  explicit AlignedFloats(size_t n) : storage_(n + 16) {
    auto addr = reinterpret_cast<uintptr_t>(storage_.data());
    ptr_ = storage_.data() + ((64 - addr % 64) % 64) / sizeof(float);
  }
  float* get() { return ptr_; }

 private:
  std::vector<float> storage_;
  float* ptr_;
};

}  // namespace

void Select(const MatrixView& x, const uint32_t* rows, size_t m, SelectOp op, size_t param, float* out) {
  const std::vector<uint32_t> net = SortingNetwork(m);
  const simd::Kernels& k = simd::Best();
  const size_t tiles = (x.cols + kTile - 1) / kTile;
  const size_t tasks = (tiles + kSelectTilesPerTask - 1) / kSelectTilesPerTask;
  ParallelFor(tasks, [&](size_t task) {
    thread_local std::unique_ptr<AlignedFloats> scratch;
    thread_local size_t scratch_size = 0;
    const size_t need = (m + 2) * kTile;
    if (scratch_size < need) {
      scratch = std::make_unique<AlignedFloats>(need);
      scratch_size = need;
    }
    simd::SelectArgs args{x.data, x.cols, rows, m, static_cast<int>(op), param, net.data(), net.size() / 2,
                          out, scratch->get()};
    const size_t begin = task * kSelectTilesPerTask * kTile;
    const size_t end = std::min(x.cols, begin + kSelectTilesPerTask * kTile);
    k.select(args, begin, end);
  });
}

void Combine(const MatrixView& x, const uint32_t* rows, size_t m, const float* weights, const float* center,
             float divisor, float* out) {
  const simd::Kernels& k = simd::Best();
  const size_t tasks = (x.cols + kCombineBlock - 1) / kCombineBlock;
  ParallelFor(tasks, [&](size_t task) {
    const size_t c0 = task * kCombineBlock;
    const size_t len = std::min(kCombineBlock, x.cols - c0);
    std::vector<const float*> ptrs(m);
    for (size_t r = 0; r < m; ++r) ptrs[r] = x.row(rows[r]) + c0;
    float* acc = out + c0;
    std::fill(acc, acc + len, 0.0f);
    k.accumulate(acc, ptrs.data(), m, weights, center != nullptr ? center + c0 : nullptr, len);
    if (divisor != 0.0f) {
      for (size_t c = 0; c < len; ++c) acc[c] = acc[c] / divisor;
    }
  });
}

void SubsetMeans(const MatrixView& x, const uint32_t* offsets, size_t groups, const uint32_t* members, float* out) {
  const simd::Kernels& k = simd::Best();
  constexpr size_t kCols = simd::kSubsetCols;
  const size_t tasks = (x.cols + kSubsetBlock - 1) / kSubsetBlock;
  ParallelFor(tasks, [&](size_t task) {
    // The current slice of every row, copied next to each other: thousands of member reads per
    // slice then touch a few pages instead of one page per row (a hundred rows overflow the
    // L1 TLB).
    thread_local std::vector<float> slice;
    slice.resize(x.rows * kCols);
    const size_t c_begin = task * kSubsetBlock;
    const size_t c_end = std::min(x.cols, c_begin + kSubsetBlock);
    for (size_t c0 = c_begin; c0 < c_end; c0 += kCols) {
      const size_t len = std::min(kCols, c_end - c0);
      for (size_t r = 0; r < x.rows; ++r) {
        const float* src = x.row(r) + c0;
        std::memcpy(slice.data() + r * kCols, src, len * sizeof(float));
        // Start fetching the row's next slice (a hundred strided streams defeat the hardware
        // prefetcher).
        if (c0 + 2 * kCols <= x.cols) {
          for (size_t l = 0; l < kCols; l += 16) __builtin_prefetch(src + kCols + l, 0, 3);
        }
      }
      for (size_t g = 0; g < groups; ++g) {
        const size_t count = offsets[g + 1] - offsets[g];
        k.subset_sum(slice.data(), kCols, members + offsets[g], count, len, static_cast<float>(count),
                     out + g * x.cols + c0);
      }
    }
  });
}

void ScaleRows(const MatrixView& x, const float* scales, float* out) {
  const size_t blocks = (x.cols + kCombineBlock - 1) / kCombineBlock;
  ParallelFor(x.rows * blocks, [&](size_t task) {
    const size_t i = task / blocks;
    const size_t c0 = (task % blocks) * kCombineBlock;
    const size_t len = std::min(kCombineBlock, x.cols - c0);
    const float s = scales[i];
    const float* src = x.row(i) + c0;
    float* dst = out + i * x.cols + c0;
    for (size_t c = 0; c < len; ++c) dst[c] = src[c] * s;
  });
}

void Gram(const MatrixView& x, double* out) {
  const size_t n = x.rows;
  const simd::Kernels& k = simd::Best();
  const size_t bs = k.gram_block;
  const size_t nb = (n + bs - 1) / bs;
  std::vector<uint32_t> blocks;  // (I, J) first rows, I <= J
  for (size_t bi = 0; bi < nb; ++bi) {
    for (size_t bj = bi; bj < nb; ++bj) {
      blocks.push_back(static_cast<uint32_t>(bi * bs));
      blocks.push_back(static_cast<uint32_t>(bj * bs));
    }
  }
  const size_t nblocks = blocks.size() / 2;
  const size_t supers = NumSuperChunks(x.cols);
  const size_t threads = static_cast<size_t>(CpuThreads());
  const size_t groups =
      (supers == 0 || supers >= threads) ? 1 : std::min(nblocks, (2 * threads + supers - 1) / supers);
  std::vector<double> qbuf(supers * n * n, 0.0);  // Q(g) for every pair, [g][i][j]
  const size_t chunks = NumChunks(x.cols);
  const size_t per_block = bs * bs * kSumLanes;

  ParallelFor(supers * groups, [&](size_t task) {
    const size_t g = task / groups;
    const size_t grp = task % groups;
    const size_t b0 = grp * nblocks / groups;
    const size_t b1 = (grp + 1) * nblocks / groups;
    if (b0 == b1) return;
    std::vector<double> acc((b1 - b0) * per_block);
    std::vector<double> q((b1 - b0) * bs * bs, 0.0);
    std::vector<double> xd(n * kGramSubChunk);
    std::vector<const float*> ptrs(n);
    simd::GramArgs args{xd.data(), kGramSubChunk, n, blocks.data() + 2 * b0, b1 - b0, acc.data()};
    for (size_t b = g * kSumSuperChunk; b < std::min(chunks, (g + 1) * kSumSuperChunk); ++b) {
      std::fill(acc.begin(), acc.end(), 0.0);
      const size_t c_end = std::min(x.cols, (b + 1) * kSumChunk);
      for (size_t c = b * kSumChunk; c < c_end; c += kGramSubChunk) {
        const size_t len = std::min(c_end - c, kGramSubChunk);
        for (size_t r = 0; r < n; ++r) ptrs[r] = x.row(r) + c;
        k.widen(ptrs.data(), n, len, xd.data(), kGramSubChunk);
        k.gram(args, (len + kSumLanes - 1) / kSumLanes * kSumLanes);
      }
      for (size_t e = 0; e < q.size(); ++e) {
        const double* lanes = acc.data() + e * kSumLanes;
        double p = 0.0;
        for (size_t l = 0; l < kSumLanes; ++l) p = p + lanes[l];
        q[e] = q[e] + p;
      }
    }
    for (size_t kb = b0; kb < b1; ++kb) {
      for (size_t a = 0; a < bs; ++a) {
        for (size_t c = 0; c < bs; ++c) {
          const size_t i = blocks[2 * kb] + a;
          const size_t j = blocks[2 * kb + 1] + c;
          if (i < n && j < n && i <= j) qbuf[(g * n + i) * n + j] = q[((kb - b0) * bs + a) * bs + c];
        }
      }
    }
  });
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i; j < n; ++j) {
      double total = 0.0;
      for (size_t g = 0; g < supers; ++g) total = total + qbuf[(g * n + i) * n + j];
      out[i * n + j] = total;
      out[j * n + i] = total;
    }
  }
}

namespace {

// Per row, the fixed-order long sum of squares of (x - point) (point may be null).
void RowLongSums(const MatrixView& x, const float* point, double* out) {
  const simd::Kernels& k = simd::Best();
  const size_t supers = NumSuperChunks(x.cols);
  const size_t chunks = NumChunks(x.cols);
  std::vector<double> qbuf(supers * x.rows, 0.0);
  ParallelFor(supers * x.rows, [&](size_t task) {
    const size_t g = task / x.rows;
    const size_t i = task % x.rows;
    double q = 0.0;
    for (size_t b = g * kSumSuperChunk; b < std::min(chunks, (g + 1) * kSumSuperChunk); ++b) {
      const size_t c0 = b * kSumChunk;
      const size_t len = std::min(x.cols, c0 + kSumChunk) - c0;
      double lanes[kSumLanes] = {};
      k.lane_sum(x.row(i) + c0, point != nullptr ? point + c0 : nullptr, len, lanes);
      double p = 0.0;
      for (size_t l = 0; l < kSumLanes; ++l) p = p + lanes[l];
      q = q + p;
    }
    qbuf[g * x.rows + i] = q;
  });
  for (size_t i = 0; i < x.rows; ++i) {
    double total = 0.0;
    for (size_t g = 0; g < supers; ++g) total = total + qbuf[g * x.rows + i];
    out[i] = total;
  }
}

}  // namespace

void RowSqNorms(const MatrixView& x, double* out) { RowLongSums(x, nullptr, out); }

void SqDistancesTo(const MatrixView& x, const float* point, double* out) { RowLongSums(x, point, out); }

}  // namespace internal::cpu
}  // namespace cess::kernels::aggregate
