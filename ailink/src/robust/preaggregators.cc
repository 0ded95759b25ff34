#include "cess/ailink/robust/preaggregators.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cess/ailink/robust/rules.h"
#include "robust/common.h"

namespace cess::ailink::robust {

using internal::CheckMatrix;
using internal::LessNanLast;
using internal::Prep;
namespace agg = internal::agg;

namespace {

// x with row i scaled by scales[i].
Result<UpdateMatrix> Scaled(const agg::Input& in, const std::vector<float>& scales) {
  UpdateMatrix out(in.rows(), in.cols());
  CESS_RETURN_IF_ERROR(agg::ScaleRows(in, scales, std::span<float>(out.data(), out.size())));
  return out;
}

Result<std::vector<double>> Norms(const agg::Input& in) {
  std::vector<double> sq(in.rows());
  CESS_RETURN_IF_ERROR(agg::RowSqNorms(in, sq));
  for (double& v : sq) v = std::sqrt(v);
  return sq;
}

// Means of row groups (each group's members sorted increasing).
Result<UpdateMatrix> GroupMeans(const agg::Input& in, std::vector<std::vector<uint32_t>> groups) {
  std::vector<uint32_t> offsets = {0};
  std::vector<uint32_t> members;
  for (std::vector<uint32_t>& g : groups) {
    std::sort(g.begin(), g.end());
    members.insert(members.end(), g.begin(), g.end());
    offsets.push_back(static_cast<uint32_t>(members.size()));
  }
  UpdateMatrix out(groups.size(), in.cols());
  CESS_RETURN_IF_ERROR(agg::SubsetMeans(in, offsets, members, std::span<float>(out.data(), out.size())));
  return out;
}

// Uniform in [0, range) from a 64-bit generator, by rejection (no modulo bias, portable).
uint64_t UniformBelow(std::mt19937_64& rng, uint64_t range) {
  const uint64_t threshold = (0 - range) % range;  // 2^64 mod range
  for (;;) {
    const uint64_t r = rng();
    if (r >= threshold) return r % range;
  }
}

}  // namespace

Result<UpdateMatrix> StaticClip(const MatrixView& x, double c, Backend backend) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, "clip"));
  if (!(c > 0.0) || !std::isfinite(c)) return Status::InvalidArgument("clip: c must be positive and finite");
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  CESS_ASSIGN_OR_RETURN(std::vector<double> norms, Norms(*in));
  std::vector<float> scales(x.rows, 1.0f);
  for (size_t i = 0; i < x.rows; ++i) {
    if (norms[i] > c) scales[i] = static_cast<float>(c / norms[i]);
  }
  return Scaled(*in, scales);
}

Result<UpdateMatrix> NearestNeighborMixing(const MatrixView& x, size_t f, Backend backend) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, "nnm"));
  if (f >= x.rows) {
    return Status::InvalidArgument("nnm needs n > f (n=" + std::to_string(x.rows) + ", f=" + std::to_string(f) + ")");
  }
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  CESS_ASSIGN_OR_RETURN(std::vector<double> dist, internal::Distances(*in));
  const size_t n = x.rows;
  const size_t k = n - f;
  std::vector<std::vector<uint32_t>> groups(n);
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) {
    std::iota(order.begin(), order.end(), 0u);
    const double* row = dist.data() + i * n;
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return LessNanLast(row[a], row[b]); });
    groups[i].assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k));
  }
  return GroupMeans(*in, std::move(groups));
}

std::vector<uint32_t> SeededPermutation(size_t n, uint64_t seed) {
  std::vector<uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0u);
  std::mt19937_64 rng(seed);
  for (size_t i = n; i > 1; --i) {
    const size_t j = static_cast<size_t>(UniformBelow(rng, i));
    std::swap(perm[i - 1], perm[j]);
  }
  return perm;
}

Result<UpdateMatrix> Bucketing(const MatrixView& x, size_t s, uint64_t seed, Backend backend) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, "bucketing"));
  if (s == 0) return Status::InvalidArgument("bucketing: bucket size s must be >= 1");
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  const std::vector<uint32_t> perm = SeededPermutation(x.rows, seed);
  std::vector<std::vector<uint32_t>> groups;
  for (size_t b = 0; b < x.rows; b += s) {
    groups.emplace_back(perm.begin() + static_cast<std::ptrdiff_t>(b),
                        perm.begin() + static_cast<std::ptrdiff_t>(std::min(x.rows, b + s)));
  }
  return GroupMeans(*in, std::move(groups));
}

Result<UpdateMatrix> AdaptiveRobustClip(const MatrixView& x, size_t f, Backend backend) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, "arc"));
  if (f >= x.rows) {
    return Status::InvalidArgument("arc needs n > f (n=" + std::to_string(x.rows) + ", f=" + std::to_string(f) + ")");
  }
  const size_t n = x.rows;
  const size_t k = 2 * f * (n - f) / n;
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  CESS_ASSIGN_OR_RETURN(std::vector<double> norms, Norms(*in));
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  // Largest norm first; NaN counts as largest; ties: lower index first.
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return LessNanLast(norms[b], norms[a]) ; });
  std::vector<float> scales(n, 1.0f);
  if (k > 0) {
    const double bound = norms[order[k]];
    for (size_t r = 0; r < k; ++r) {
      const uint32_t i = order[r];
      if (norms[i] > bound) scales[i] = static_cast<float>(bound / norms[i]);
    }
  }
  return Scaled(*in, scales);
}

std::vector<uint32_t> DivideAndConquerKeep(const std::vector<double>& dist, size_t n, size_t k) {
  std::vector<uint32_t> keep(n);
  std::iota(keep.begin(), keep.end(), 0u);
  for (size_t round = 0; round < k; ++round) {
    const size_t m = keep.size();
    // Centred Gram matrix of the kept rows: B = −½·J·D·J (classical MDS).
    std::vector<double> row_mean(m, 0.0);
    double all_mean = 0.0;
    for (size_t a = 0; a < m; ++a) {
      for (size_t b = 0; b < m; ++b) row_mean[a] += dist[keep[a] * n + keep[b]];
      all_mean += row_mean[a];
      row_mean[a] /= static_cast<double>(m);
    }
    all_mean /= static_cast<double>(m) * static_cast<double>(m);
    std::vector<double> gram(m * m);
    for (size_t a = 0; a < m; ++a) {
      for (size_t b = 0; b < m; ++b) {
        gram[a * m + b] = -0.5 * (dist[keep[a] * n + keep[b]] - row_mean[a] - row_mean[b] + all_mean);
      }
    }
    // Top eigenvector by power iteration from a fixed start that is not orthogonal to the
    // non-constant eigenvectors in general (B annihilates the all-ones vector).
    std::vector<double> v(m), w(m);
    for (size_t a = 0; a < m; ++a) v[a] = 1.0 + static_cast<double>(a) / static_cast<double>(m) + (a % 3) * 0.25;
    double lambda = 0.0;
    for (int it = 0; it < 1000; ++it) {
      double norm = 0.0;
      for (size_t a = 0; a < m; ++a) {
        double s = 0.0;
        for (size_t b = 0; b < m; ++b) s += gram[a * m + b] * v[b];
        w[a] = s;
        norm += s * s;
      }
      norm = std::sqrt(norm);
      if (!(norm > 0.0) || !std::isfinite(norm)) break;  // all rows equal (or non-finite input)
      double change = 0.0;
      for (size_t a = 0; a < m; ++a) {
        const double next = w[a] / norm;
        change += (next - v[a]) * (next - v[a]);
        v[a] = next;
      }
      lambda = norm;
      if (change < 1e-26) break;
    }
    // Squared projection of centred row a on the top right singular vector: λ·u_a².
    size_t worst = m - 1;
    double worst_score = -1.0;
    for (size_t a = 0; a < m; ++a) {
      const double score = lambda * v[a] * v[a];
      if (!(score < worst_score)) {  // >= (and NaN): the higher index wins ties
        worst_score = score;
        worst = a;
      }
    }
    keep.erase(keep.begin() + static_cast<std::ptrdiff_t>(worst));
  }
  return keep;
}

Result<UpdateMatrix> DivideAndConquer(const MatrixView& x, size_t f, double c, Backend backend) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, "dnc"));
  if (!(c > 0.0) || !std::isfinite(c)) return Status::InvalidArgument("dnc: c must be positive and finite");
  const size_t k = static_cast<size_t>(std::floor(c * static_cast<double>(f)));
  if (k >= x.rows) {
    return Status::InvalidArgument("dnc needs n > floor(c*f) (n=" + std::to_string(x.rows) +
                                   ", f=" + std::to_string(f) + ", c=" + std::to_string(c) + ")");
  }
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  std::vector<double> dist;
  if (k > 0) {
    CESS_ASSIGN_OR_RETURN(dist, internal::Distances(*in));
  }
  const std::vector<uint32_t> keep = DivideAndConquerKeep(dist, x.rows, k);
  std::vector<std::vector<uint32_t>> groups;
  groups.reserve(keep.size());
  for (uint32_t i : keep) groups.push_back({i});
  return GroupMeans(*in, std::move(groups));
}

namespace {

// Checks c and computes k = floor(c*f) for the filters; `name` names the stage in errors.
Result<size_t> FilterCount(const MatrixView& x, size_t f, double c, const char* name) {
  CESS_RETURN_IF_ERROR(CheckMatrix(x, name));
  if (!(c > 0.0) || !std::isfinite(c)) return Status::InvalidArgument(std::string(name) + ": c must be positive and finite");
  const size_t k = static_cast<size_t>(std::floor(c * static_cast<double>(f)));
  if (k >= x.rows) {
    return Status::InvalidArgument(std::string(name) + " needs n > floor(c*f) (n=" + std::to_string(x.rows) +
                                   ", f=" + std::to_string(f) + ", c=" + std::to_string(c) + ")");
  }
  return k;
}

// The rows of x except the k with the highest score (ties: the higher index goes first; NaN
// counts as highest), unchanged and in index order.
Result<UpdateMatrix> DropHighestScores(const MatrixView& x, const std::vector<double>& score, size_t k,
                                       Backend backend) {
  const size_t n = x.rows;
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (score[a] == score[b] || (score[a] != score[a] && score[b] != score[b])) return a > b;
    return LessNanLast(score[b], score[a]);
  });
  std::vector<bool> dropped(n, false);
  for (size_t r = 0; r < k; ++r) dropped[order[r]] = true;
  std::vector<std::vector<uint32_t>> groups;
  for (uint32_t i = 0; i < n; ++i) {
    if (!dropped[i]) groups.push_back({i});
  }
  CESS_ASSIGN_OR_RETURN(auto in, Prep(x, backend));
  return GroupMeans(*in, std::move(groups));
}

// |#{j: x_ij > med_j} − #{j: x_ij < med_j}| for each row.
std::vector<double> SignImbalance(const MatrixView& x, const std::vector<float>& med) {
  std::vector<double> out(x.rows);
  for (size_t i = 0; i < x.rows; ++i) {
    const float* row = x.row(i);
    int64_t above = 0, below = 0;
    for (size_t j = 0; j < x.cols; ++j) {
      above += row[j] > med[j];
      below += row[j] < med[j];
    }
    out[i] = static_cast<double>(above > below ? above - below : below - above);
  }
  return out;
}

// guard: a row longer than this many times the median row norm is dropped before any other.
constexpr double kGuardNormBound = 10.0;
// Scores of oversized rows start here, above any z-score.
constexpr double kOversizedScore = 1e100;

// Robust z-scores: (v − median(v)) / (1.4826 · MAD(v)), the MAD floored at a tiny positive value
// so equal values give 0 and a lone outlier a huge score.
std::vector<double> RobustZ(const std::vector<double>& v) {
  auto median = [](std::vector<double> a) {
    std::sort(a.begin(), a.end(), LessNanLast);
    const size_t m = a.size() / 2;
    return a.size() % 2 == 1 ? a[m] : 0.5 * (a[m - 1] + a[m]);
  };
  const double med = median(v);
  std::vector<double> dev(v.size());
  for (size_t i = 0; i < v.size(); ++i) dev[i] = std::fabs(v[i] - med);
  const double scale = std::max(1.4826 * median(dev), 1e-12 * (std::fabs(med) + 1.0));
  std::vector<double> z(v.size());
  for (size_t i = 0; i < v.size(); ++i) z[i] = (v[i] - med) / scale;
  return z;
}

}  // namespace

Result<UpdateMatrix> SignAgreementFilter(const MatrixView& x, size_t f, double c, Backend backend) {
  CESS_ASSIGN_OR_RETURN(size_t k, FilterCount(x, f, c, "sign"));
  std::vector<double> score(x.rows, 0.0);
  if (k > 0 && x.cols > 0) {
    CESS_ASSIGN_OR_RETURN(std::vector<float> med, CoordinateMedian(x, 0, backend));
    score = SignImbalance(x, med);
  }
  return DropHighestScores(x, score, k, backend);
}

Result<UpdateMatrix> GuardFilter(const MatrixView& x, size_t f, double c, Backend backend) {
  CESS_ASSIGN_OR_RETURN(size_t k, FilterCount(x, f, c, "guard"));
  std::vector<double> score(x.rows, 0.0);
  if (k > 0 && x.cols > 0) {
    CESS_ASSIGN_OR_RETURN(std::vector<float> med, CoordinateMedian(x, 0, backend));
    const std::vector<double> imbalance = SignImbalance(x, med);
    double med_sq = 0.0;
    for (size_t j = 0; j < x.cols; ++j) med_sq += static_cast<double>(med[j]) * med[j];
    std::vector<double> neg_cos(x.rows, 0.0);
    std::vector<double> norm(x.rows, 0.0);
    for (size_t i = 0; i < x.rows; ++i) {
      const float* row = x.row(i);
      double dot = 0.0, sq = 0.0;
      for (size_t j = 0; j < x.cols; ++j) {
        dot += static_cast<double>(row[j]) * med[j];
        sq += static_cast<double>(row[j]) * row[j];
      }
      neg_cos[i] = sq > 0.0 && med_sq > 0.0 ? -dot / std::sqrt(sq * med_sq) : 0.0;
      norm[i] = std::sqrt(sq);
    }
    const std::vector<double> z_sign = RobustZ(imbalance);
    const std::vector<double> z_cos = RobustZ(neg_cos);
    std::vector<double> sorted_norm = norm;
    std::sort(sorted_norm.begin(), sorted_norm.end(), LessNanLast);
    const size_t h = x.rows / 2;
    const double median_norm = x.rows % 2 ? sorted_norm[h] : 0.5 * (sorted_norm[h - 1] + sorted_norm[h]);
    for (size_t i = 0; i < x.rows; ++i) {
      // Oversized rows go first (SignGuard's upper norm bound), largest first; then the rest by
      // the larger of the two z-scores.
      const bool oversized = !(norm[i] <= kGuardNormBound * median_norm);
      score[i] = oversized ? kOversizedScore + norm[i] / std::max(median_norm, 1e-300)
                           : std::max(z_sign[i], z_cos[i]);
    }
  }
  return DropHighestScores(x, score, k, backend);
}

}  // namespace cess::ailink::robust
