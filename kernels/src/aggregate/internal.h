// Internal: the backend entry points behind cess/kernels/aggregate.h. Arguments are validated
// by the dispatch layer (dispatch.cc) before any of these run, so they assume valid input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "cess/core/result.h"
#include "cess/kernels/aggregate.h"

namespace cess::kernels::aggregate::internal {

// Which coordinate-wise statistic a selection computes; `param` is trim or keep.
enum class SelectOp : int { kMedian = 0, kTrimmedMean = 1, kMeanAroundMedian = 2 };

// A sorting network as a flat list of comparators (a, b), a < b: after all of them, in order,
// put min into a and max into b, the values are sorted ascending. Batcher's odd-even merge sort
// on the next power of two >= m, with every comparator that touches an index >= m dropped (those
// positions would hold +inf and such comparators are no-ops). m == 0 or 1 gives no comparators.
// The CUDA kernels enumerate exactly the same comparators with the same loops.
std::vector<uint32_t> SortingNetwork(size_t m);

// Where the long double sums put their pieces (see the contract in aggregate.h).
inline size_t NumChunks(size_t cols) { return (cols + kSumChunk - 1) / kSumChunk; }
inline size_t NumSuperChunks(size_t cols) {
  return (NumChunks(cols) + kSumSuperChunk - 1) / kSumSuperChunk;
}

// Runs fn(task) for task in [0, tasks) on up to CpuThreads() threads (the calling thread
// included); tasks are taken in increasing order by whichever thread is free. Runs inline when a
// thread cannot be started.
void ParallelFor(size_t tasks, const std::function<void(size_t)>& fn);

namespace ref {
void Select(const MatrixView& x, const uint32_t* rows, size_t m, SelectOp op, size_t param, float* out);
void Combine(const MatrixView& x, const uint32_t* rows, size_t m, const float* weights, const float* center,
             float divisor, float* out);
void SubsetMeans(const MatrixView& x, const uint32_t* offsets, size_t groups, const uint32_t* members, float* out);
void ScaleRows(const MatrixView& x, const float* scales, float* out);
void Gram(const MatrixView& x, double* out);
void RowSqNorms(const MatrixView& x, double* out);
void SqDistancesTo(const MatrixView& x, const float* point, double* out);
}  // namespace ref

namespace cpu {
void Select(const MatrixView& x, const uint32_t* rows, size_t m, SelectOp op, size_t param, float* out);
void Combine(const MatrixView& x, const uint32_t* rows, size_t m, const float* weights, const float* center,
             float divisor, float* out);
void SubsetMeans(const MatrixView& x, const uint32_t* offsets, size_t groups, const uint32_t* members, float* out);
void ScaleRows(const MatrixView& x, const float* scales, float* out);
void Gram(const MatrixView& x, double* out);
void RowSqNorms(const MatrixView& x, double* out);
void SqDistancesTo(const MatrixView& x, const float* point, double* out);
}  // namespace cpu

// CUDA backend (cuda.cu; cuda_stub.cc answers Unavailable when CUDA is not compiled in). `x` is
// an Input created by cuda::Prepare. Outputs are host memory.
namespace cuda {
Result<std::unique_ptr<Input>> Prepare(const MatrixView& host);
Status Select(const Input& x, const uint32_t* rows, size_t m, SelectOp op, size_t param, float* out);
Status Combine(const Input& x, const uint32_t* rows, size_t m, const float* weights, const float* center,
               float divisor, float* out);
Status SubsetMeans(const Input& x, const uint32_t* offsets, size_t groups, const uint32_t* members,
                   size_t num_members, float* out);
Status ScaleRows(const Input& x, const float* scales, float* out);
Status Gram(const Input& x, double* out);
Status RowSqNorms(const Input& x, double* out);
Status SqDistancesTo(const Input& x, const float* point, double* out);
}  // namespace cuda

}  // namespace cess::kernels::aggregate::internal
