// The cuda backend of cess/kernels/aggregate.h in a build without CUDA: every call is Unavailable.
#include "aggregate/internal.h"

namespace cess::kernels::aggregate::internal::cuda {
namespace {
Status NotBuilt() { return Status::Unavailable("aggregate: cuda backend not built (no nvcc at configure time)"); }
}  // namespace

Result<std::unique_ptr<Input>> Prepare(const MatrixView&) { return NotBuilt(); }
Status Select(const Input&, const uint32_t*, size_t, SelectOp, size_t, float*) { return NotBuilt(); }
Status Combine(const Input&, const uint32_t*, size_t, const float*, const float*, float, float*) { return NotBuilt(); }
Status SubsetMeans(const Input&, const uint32_t*, size_t, const uint32_t*, size_t, float*) { return NotBuilt(); }
Status ScaleRows(const Input&, const float*, float*) { return NotBuilt(); }
Status Gram(const Input&, double*) { return NotBuilt(); }
Status RowSqNorms(const Input&, double*) { return NotBuilt(); }
Status SqDistancesTo(const Input&, const float*, double*) { return NotBuilt(); }

}  // namespace cess::kernels::aggregate::internal::cuda
