#include "cess/ailink/update.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "cess/kernels/aggregate.h"

namespace cess::ailink {
namespace agg = cess::kernels::aggregate;

UpdateMatrix::UpdateMatrix(size_t rows, size_t cols)
    : rows_(rows), cols_(cols), data_(std::make_unique_for_overwrite<float[]>(rows * cols)) {}

UpdateMatrix::UpdateMatrix(size_t rows, size_t cols, float fill) : UpdateMatrix(rows, cols) {
  std::fill(data_.get(), data_.get() + rows * cols, fill);
}

Result<UpdateMatrix> UpdateMatrix::FromRows(const std::vector<std::vector<float>>& rows) {
  const size_t cols = rows.empty() ? 0 : rows.front().size();
  UpdateMatrix m(rows.size(), cols);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != cols) {
      return Status::InvalidArgument("row " + std::to_string(i) + " has " + std::to_string(rows[i].size()) +
                                     " values, row 0 has " + std::to_string(cols));
    }
    std::copy(rows[i].begin(), rows[i].end(), m.row(i).begin());
  }
  return m;
}

UpdateMatrix UpdateMatrix::Copy(const MatrixView& view) {
  UpdateMatrix m(view.rows, view.cols);
  if (view.size() != 0) std::memcpy(m.data(), view.data, view.size() * sizeof(float));
  return m;
}

namespace {

constexpr size_t kScanBlock = size_t{1} << 16;

// Index of the first non-finite value in [0, len), or len.
size_t FirstNonFinite(const float* v, size_t len) {
  for (size_t b = 0; b < len; b += 1024) {
    const size_t e = std::min(len, b + 1024);
    uint32_t any = 0;
    for (size_t c = b; c < e; ++c) {
      uint32_t bits;
      std::memcpy(&bits, &v[c], sizeof bits);
      any |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    }
    if (any != 0) {
      for (size_t c = b; c < e; ++c) {
        if (!std::isfinite(v[c])) return c;
      }
    }
  }
  return len;
}

// Runs fn(task) for every task on up to CpuThreads() threads.
template <typename Fn>
void RunTasks(size_t tasks, Fn&& fn) {
  const size_t threads = std::min<size_t>(static_cast<size_t>(agg::CpuThreads()), tasks);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) fn(t);
  };
  std::vector<std::thread> pool;
  for (size_t i = 1; i < threads; ++i) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;
    }
  }
  worker();
  for (std::thread& t : pool) t.join();
}

std::string Describe(float v) {
  if (std::isnan(v)) return "nan";
  return v > 0 ? "+inf" : "-inf";
}

}  // namespace

std::vector<RowIssue> FindInvalidRows(const MatrixView& updates, const ValidationOptions& options) {
  std::vector<RowIssue> issues;
  if (updates.data == nullptr || updates.size() == 0) return issues;
  const size_t blocks = (updates.cols + kScanBlock - 1) / kScanBlock;
  // first_bad[row * blocks + block] = absolute coordinate of the block's first non-finite value.
  std::vector<size_t> first_bad(updates.rows * blocks, std::numeric_limits<size_t>::max());
  RunTasks(updates.rows * blocks, [&](size_t task) {
    const size_t i = task / blocks;
    const size_t c0 = (task % blocks) * kScanBlock;
    const size_t len = std::min(kScanBlock, updates.cols - c0);
    const size_t at = FirstNonFinite(updates.row(i) + c0, len);
    if (at < len) first_bad[task] = c0 + at;
  });
  std::vector<bool> bad(updates.rows, false);
  for (size_t i = 0; i < updates.rows; ++i) {
    const size_t* b = first_bad.data() + i * blocks;
    const size_t c = *std::min_element(b, b + blocks);
    if (c != std::numeric_limits<size_t>::max()) {
      bad[i] = true;
      issues.push_back({i, "value at coordinate " + std::to_string(c) + " is " + Describe(updates.row(i)[c])});
    }
  }
  if (options.max_norm > 0.0) {
    std::vector<double> norms(updates.rows, 0.0);
    auto input = agg::Prepare(updates, cess::kernels::Backend::kCpu);
    if (input.ok() && agg::RowSqNorms(**input, norms).ok()) {
      for (size_t i = 0; i < updates.rows; ++i) {
        const double norm = std::sqrt(norms[i]);
        if (!bad[i] && norm > options.max_norm) {
          char buf[96];
          std::snprintf(buf, sizeof buf, "L2 norm %.6g exceeds bound %.6g", norm, options.max_norm);
          issues.push_back({i, buf});
        }
      }
      std::sort(issues.begin(), issues.end(), [](const RowIssue& a, const RowIssue& b) { return a.row < b.row; });
    }
  }
  return issues;
}

Status ValidateUpdates(const MatrixView& updates, const ValidationOptions& options) {
  if (updates.rows == 0) return Status::InvalidArgument("no updates to aggregate (0 rows)");
  if (updates.data == nullptr && updates.cols != 0) return Status::InvalidArgument("update matrix has no data");
  if (options.expected_cols != 0 && updates.cols != options.expected_cols) {
    return Status::InvalidArgument("updates have " + std::to_string(updates.cols) + " coordinates, expected " +
                                   std::to_string(options.expected_cols));
  }
  const std::vector<RowIssue> issues = FindInvalidRows(updates, options);
  if (!issues.empty()) {
    std::string msg = "update " + std::to_string(issues.front().row) + ": " + issues.front().reason;
    if (issues.size() > 1) msg += " (and " + std::to_string(issues.size() - 1) + " more bad updates)";
    return Status::InvalidArgument(msg);
  }
  return Status::Ok();
}

}  // namespace cess::ailink
