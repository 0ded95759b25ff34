// Model updates as the robust rules see them: an n×d row-major float32 matrix (one row per
// participant), and the validation every update passes before aggregation (DESIGN.md §7).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cess/core/result.h"
#include "cess/kernels/aggregate.h"

namespace cess::ailink {

// A read-only n×d view (rows = updates, cols = coordinates). Not owning.
using MatrixView = cess::kernels::aggregate::MatrixView;

// An owned rows×cols float32 matrix, row-major. Storage is allocated without being zeroed (the
// constructor's fill argument says otherwise), so creating a large matrix that is about to be
// overwritten costs nothing. Movable, not copyable (use Clone()).
class UpdateMatrix {
 public:
  UpdateMatrix() = default;
  // A rows×cols matrix with unspecified contents.
  UpdateMatrix(size_t rows, size_t cols);
  // A rows×cols matrix with every value equal to `fill`.
  UpdateMatrix(size_t rows, size_t cols, float fill);
  UpdateMatrix(UpdateMatrix&&) noexcept = default;
  UpdateMatrix& operator=(UpdateMatrix&&) noexcept = default;

  // Builds a matrix from equal-length rows. Errors: InvalidArgument when lengths differ.
  static Result<UpdateMatrix> FromRows(const std::vector<std::vector<float>>& rows);
  // A copy of `view`.
  static UpdateMatrix Copy(const MatrixView& view);

  size_t rows() const { return rows_; }
  size_t cols() const { return cols_; }
  size_t size() const { return rows_ * cols_; }
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  // Row i. REQUIRES: i < rows().
  std::span<float> row(size_t i) { return {data_.get() + i * cols_, cols_}; }
  std::span<const float> row(size_t i) const { return {data_.get() + i * cols_, cols_}; }
  MatrixView view() const { return MatrixView{data_.get(), rows_, cols_}; }
  UpdateMatrix Clone() const { return Copy(view()); }

 private:
  size_t rows_ = 0;
  size_t cols_ = 0;
  std::unique_ptr<float[]> data_;
};

// What ValidateUpdates checks besides finiteness.
struct ValidationOptions {
  // Expected number of coordinates per update; 0 (default) accepts any.
  size_t expected_cols = 0;
  // Largest accepted L2 norm of an update; 0 (default) means no bound.
  double max_norm = 0.0;
};

// One rejected update.
struct RowIssue {
  size_t row = 0;
  std::string reason;  // e.g. "value at coordinate 17 is nan", "L2 norm 1.3e+04 exceeds bound 100"
};

// Every row of `updates` that fails a check: a non-finite value (NaN or ±inf, naming the first
// coordinate) or a norm above the bound. Rows are reported in increasing order, one issue each.
// Shape problems are not row issues: see ValidateUpdates. Uses up to
// kernels::aggregate::CpuThreads() threads.
std::vector<RowIssue> FindInvalidRows(const MatrixView& updates, const ValidationOptions& options = {});

// OK when `updates` can be aggregated: at least one row, a non-null data pointer, the expected
// number of columns, and no row issue. Errors: InvalidArgument with the reason, naming the first
// bad row ("update 3: value at coordinate 17 is nan").
Status ValidateUpdates(const MatrixView& updates, const ValidationOptions& options = {});

}  // namespace cess::ailink
