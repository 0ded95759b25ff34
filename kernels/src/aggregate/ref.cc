// The ref backend: the definitions of aggregate.h written as plainly as possible, one coordinate
// and one pair at a time. Every other backend is tested bit for bit against this one.
#include <algorithm>
#include <cmath>
#include <vector>

#include "aggregate/internal.h"

namespace cess::kernels::aggregate::internal::ref {
namespace {

// Ascending order with NaN last, so std::sort stays well-defined on any input.
bool Less(float a, float b) { return a < b || (!std::isnan(a) && std::isnan(b)); }

float Median(const std::vector<float>& s) {
  const size_t m = s.size();
  if (m % 2 == 1) return s[m / 2];
  return (s[m / 2 - 1] + s[m / 2]) * 0.5f;
}

float SelectOne(std::vector<float>& v, SelectOp op, size_t param) {
  for (float& x : v) x = x + 0.0f;  // -0 -> +0
  std::sort(v.begin(), v.end(), Less);
  const size_t m = v.size();
  switch (op) {
    case SelectOp::kMedian:
      return Median(v);
    case SelectOp::kTrimmedMean: {
      float sum = 0.0f;
      for (size_t i = param; i < m - param; ++i) sum = sum + v[i];
      return sum / static_cast<float>(m - 2 * param);
    }
    case SelectOp::kMeanAroundMedian: {
      // Shrink the sorted list from both ends to `param` values, dropping the end farther from
      // the median each time (the right end when both are equally far).
      const float med = Median(v);
      size_t lo = 0;
      size_t hi = m;  // window [lo, hi)
      while (hi - lo > param) {
        const float dl = std::fabs(v[lo] - med);
        const float dr = std::fabs(v[hi - 1] - med);
        if (dl > dr) {
          ++lo;
        } else {
          --hi;
        }
      }
      float sum = 0.0f;
      for (size_t i = lo; i < hi; ++i) sum = sum + v[i];
      return sum / static_cast<float>(param);
    }
  }
  return 0.0f;
}

// The fixed-order long sum of aggregate.h over term(c), c in [0, cols).
template <typename Term>
double LongSum(size_t cols, Term term) {
  double total = 0.0;
  const size_t chunks = NumChunks(cols);
  for (size_t g0 = 0; g0 < chunks; g0 += kSumSuperChunk) {
    double q = 0.0;
    for (size_t b = g0; b < std::min(chunks, g0 + kSumSuperChunk); ++b) {
      double lanes[kSumLanes] = {};
      for (size_t c = b * kSumChunk; c < std::min(cols, (b + 1) * kSumChunk); ++c) {
        lanes[c % kSumLanes] = lanes[c % kSumLanes] + term(c);
      }
      double p = 0.0;
      for (size_t l = 0; l < kSumLanes; ++l) p = p + lanes[l];
      q = q + p;
    }
    total = total + q;
  }
  return total;
}

}  // namespace

void Select(const MatrixView& x, const uint32_t* rows, size_t m, SelectOp op, size_t param, float* out) {
  std::vector<float> v(m);
  for (size_t c = 0; c < x.cols; ++c) {
    for (size_t k = 0; k < m; ++k) v[k] = x.row(rows[k])[c];
    out[c] = SelectOne(v, op, param);
  }
}

void Combine(const MatrixView& x, const uint32_t* rows, size_t m, const float* weights, const float* center,
             float divisor, float* out) {
  for (size_t c = 0; c < x.cols; ++c) {
    float sum = 0.0f;
    for (size_t k = 0; k < m; ++k) {
      float t = x.row(rows[k])[c];
      if (center != nullptr) t = t - center[c];
      if (weights != nullptr) t = weights[k] * t;
      sum = sum + t;
    }
    out[c] = divisor != 0.0f ? sum / divisor : sum;
  }
}

void SubsetMeans(const MatrixView& x, const uint32_t* offsets, size_t groups, const uint32_t* members, float* out) {
  for (size_t g = 0; g < groups; ++g) {
    const float count = static_cast<float>(offsets[g + 1] - offsets[g]);
    for (size_t c = 0; c < x.cols; ++c) {
      float sum = 0.0f;
      for (size_t k = offsets[g]; k < offsets[g + 1]; ++k) sum = sum + x.row(members[k])[c];
      out[g * x.cols + c] = sum / count;
    }
  }
}

void ScaleRows(const MatrixView& x, const float* scales, float* out) {
  for (size_t i = 0; i < x.rows; ++i) {
    for (size_t c = 0; c < x.cols; ++c) out[i * x.cols + c] = x.row(i)[c] * scales[i];
  }
}

void Gram(const MatrixView& x, double* out) {
  const size_t n = x.rows;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i; j < n; ++j) {
      const float* a = x.row(i);
      const float* b = x.row(j);
      const double g = LongSum(x.cols, [&](size_t c) { return static_cast<double>(a[c]) * static_cast<double>(b[c]); });
      out[i * n + j] = g;
      out[j * n + i] = g;
    }
  }
}

void RowSqNorms(const MatrixView& x, double* out) {
  for (size_t i = 0; i < x.rows; ++i) {
    const float* a = x.row(i);
    out[i] = LongSum(x.cols, [&](size_t c) { return static_cast<double>(a[c]) * static_cast<double>(a[c]); });
  }
}

void SqDistancesTo(const MatrixView& x, const float* point, double* out) {
  for (size_t i = 0; i < x.rows; ++i) {
    const float* a = x.row(i);
    out[i] = LongSum(x.cols, [&](size_t c) {
      const double diff = static_cast<double>(a[c]) - static_cast<double>(point[c]);
      return diff * diff;
    });
  }
}

}  // namespace cess::kernels::aggregate::internal::ref
