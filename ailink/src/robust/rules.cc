#include "cess/ailink/robust/rules.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "robust/common.h"

namespace cess::ailink::robust {

using internal::agg::Input;
using internal::CheckMatrix;
using internal::LessNanLast;
using internal::NeedRows;
using internal::Prep;
namespace agg = internal::agg;

Result<std::vector<float>> Mean(const MatrixView& x, Backend backend) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, "mean"));
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  std::vector<float> out(x.cols);
  CESS_RETURN_IF_ERROR(agg::CombineRows(*in, {.divisor = static_cast<float>(x.rows)}, out));
  return out;
}

Result<std::vector<float>> CoordinateMedian(const MatrixView& x, size_t f, Backend backend) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, "cwmed"));
  CESS_RETURN_IF_ERROR(NeedRows("cwmed", x.rows, f, 2, 0));
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  std::vector<float> out(x.cols);
  CESS_RETURN_IF_ERROR(agg::CoordinateMedian(*in, {}, out));
  return out;
}

Result<std::vector<float>> TrimmedMean(const MatrixView& x, size_t f, Backend backend) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, "cwtm"));
  CESS_RETURN_IF_ERROR(NeedRows("cwtm", x.rows, f, 2, 0));
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  std::vector<float> out(x.cols);
  CESS_RETURN_IF_ERROR(agg::CoordinateTrimmedMean(*in, {}, f, out));
  return out;
}

Result<std::vector<float>> MeanAroundMedian(const MatrixView& x, size_t f, Backend backend) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, "meamed"));
  CESS_RETURN_IF_ERROR(NeedRows("meamed", x.rows, f, 2, 0));
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  std::vector<float> out(x.cols);
  CESS_RETURN_IF_ERROR(agg::CoordinateMeanAroundMedian(*in, {}, x.rows - f, out));
  return out;
}

std::vector<double> KrumScores(std::span<const double> dist, size_t n, size_t neighbours) {
  std::vector<double> scores(n, 0.0);
  std::vector<double> others;
  for (size_t i = 0; i < n; ++i) {
    others.clear();
    for (size_t j = 0; j < n; ++j) {
      if (j != i) others.push_back(dist[i * n + j]);
    }
    std::sort(others.begin(), others.end(), LessNanLast);
    double s = 0.0;
    for (size_t k = 0; k < neighbours && k < others.size(); ++k) s = s + others[k];
    scores[i] = s;
  }
  return scores;
}

namespace {

// Row indices ordered by (score, index), NaN scores last.
std::vector<uint32_t> RankByScore(const std::vector<double>& scores) {
  std::vector<uint32_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return LessNanLast(scores[a], scores[b]); });
  return order;
}

}  // namespace

Result<std::vector<uint32_t>> SelectMultiKrum(std::span<const double> dist, size_t n, size_t f, size_t m) {
  CESS_RETURN_IF_ERROR(NeedRows("krum", n, f, 2, 2));
  if (m == 0 || m > n) {
    return Status::InvalidArgument("multikrum: m=" + std::to_string(m) + " must be in [1, n=" + std::to_string(n) + "]");
  }
  if (dist.size() != n * n) return Status::InvalidArgument("krum: distance matrix is not n×n");
  std::vector<uint32_t> order = RankByScore(KrumScores(dist, n, n - f - 2));
  order.resize(m);
  std::sort(order.begin(), order.end());
  return order;
}

std::vector<uint32_t> SelectIteratedKrum(std::span<const double> dist, size_t n, size_t f, size_t count) {
  std::vector<uint32_t> left(n);
  std::iota(left.begin(), left.end(), 0u);
  std::vector<uint32_t> chosen;
  std::vector<double> sub;
  for (size_t step = 0; step < count && !left.empty(); ++step) {
    const size_t r = left.size();
    const size_t neighbours = r > f + 2 ? r - f - 2 : 0;
    sub.assign(r * r, 0.0);
    for (size_t a = 0; a < r; ++a) {
      for (size_t b = 0; b < r; ++b) sub[a * r + b] = dist[static_cast<size_t>(left[a]) * n + left[b]];
    }
    const std::vector<uint32_t> order = RankByScore(KrumScores(sub, r, neighbours));
    chosen.push_back(left[order.front()]);
    left.erase(left.begin() + order.front());
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

namespace {

Result<KrumResult> RunKrum(const MatrixView& x, size_t f, size_t m, Backend backend, const char* name) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, name));
  CESS_RETURN_IF_ERROR(NeedRows(name, x.rows, f, 2, 2));
  if (m > x.rows) {
    return Status::InvalidArgument(std::string(name) + ": m=" + std::to_string(m) + " exceeds n=" +
                                   std::to_string(x.rows));
  }
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  CESS_ASSIGN_OR_RETURN(std::vector<double> dist, internal::Distances(*in));
  KrumResult r;
  r.scores = KrumScores(dist, x.rows, x.rows - f - 2);
  CESS_ASSIGN_OR_RETURN(r.selected, SelectMultiKrum(dist, x.rows, f, m));
  r.aggregate.resize(x.cols);
  if (m == 1) {
    const float* row = x.row(r.selected.front());
    std::copy(row, row + x.cols, r.aggregate.begin());
  } else {
    CESS_RETURN_IF_ERROR(
        agg::CombineRows(*in, {.rows = r.selected, .divisor = static_cast<float>(m)}, r.aggregate));
  }
  return r;
}

}  // namespace

Result<KrumResult> Krum(const MatrixView& x, size_t f, Backend backend) { return RunKrum(x, f, 1, backend, "krum"); }

Result<KrumResult> MultiKrum(const MatrixView& x, size_t f, size_t m, Backend backend) {
  if (m == 0) m = x.rows > f ? x.rows - f : 0;
  return RunKrum(x, f, m, backend, "multikrum");
}

Result<std::vector<float>> GeometricMedian(const MatrixView& x, const GeometricMedianOptions& options,
                                           Backend backend) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, "gm"));
  if (!(options.nu > 0.0) || !std::isfinite(options.nu)) {
    return Status::InvalidArgument("gm: nu must be positive and finite");
  }
  if (options.iterations == 0) return Status::InvalidArgument("gm: iterations must be >= 1");
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  std::vector<float> z(x.cols, 0.0f);
  std::vector<double> sq(x.rows);
  std::vector<double> beta(x.rows);
  for (size_t t = 0; t < options.iterations; ++t) {
    CESS_RETURN_IF_ERROR(agg::SqDistancesTo(*in, z, sq));
    double total = 0.0;
    for (size_t i = 0; i < x.rows; ++i) {
      beta[i] = 1.0 / std::max(options.nu, std::sqrt(sq[i]));
      total = total + beta[i];
    }
    std::vector<uint32_t> rows;
    std::vector<float> weights;
    for (size_t i = 0; i < x.rows; ++i) {
      const float w = static_cast<float>(beta[i] / total);
      if (w != 0.0f) {
        rows.push_back(static_cast<uint32_t>(i));
        weights.push_back(w);
      }
    }
    if (rows.empty()) break;  // every row infinitely far: keep z
    CESS_RETURN_IF_ERROR(agg::CombineRows(*in, {.rows = rows, .weights = weights}, z));
  }
  return z;
}

Result<std::vector<float>> Bulyan(const MatrixView& x, size_t f, Backend backend) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, "bulyan"));
  CESS_RETURN_IF_ERROR(NeedRows("bulyan", x.rows, f, 4, 2));
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  CESS_ASSIGN_OR_RETURN(std::vector<double> dist, internal::Distances(*in));
  const size_t theta = x.rows - 2 * f;
  const std::vector<uint32_t> selected = SelectIteratedKrum(dist, x.rows, f, theta);
  std::vector<float> out(x.cols);
  CESS_RETURN_IF_ERROR(agg::CoordinateMeanAroundMedian(*in, selected, theta - 2 * f, out));
  return out;
}

}  // namespace cess::ailink::robust
