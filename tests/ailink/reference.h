// Plain, obviously-correct reference implementations of the robust rules for the tests: one
// coordinate or one pair at a time, in double precision, straight from the definitions in
// rules.h / preaggregators.h. They share no code with the library.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "cess/ailink/update.h"

namespace cess::ailink::testing {

using Rows = std::vector<std::vector<float>>;

inline Rows ToRows(const MatrixView& x) {
  Rows r(x.rows);
  for (size_t i = 0; i < x.rows; ++i) r[i].assign(x.row(i), x.row(i) + x.cols);
  return r;
}

inline UpdateMatrix FromRows(const Rows& rows) { return UpdateMatrix::FromRows(rows).value(); }

inline UpdateMatrix RandomUpdates(size_t n, size_t d, uint64_t seed, float spread = 1.0f, float offset = 0.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, spread);
  UpdateMatrix m(n, d);
  for (size_t i = 0; i < m.size(); ++i) m.data()[i] = offset + normal(rng);
  return m;
}

inline std::vector<double> Column(const Rows& x, size_t c) {
  std::vector<double> v;
  for (const auto& r : x) v.push_back(r[c]);
  return v;
}

inline std::vector<double> RefMean(const Rows& x) {
  std::vector<double> out(x[0].size(), 0.0);
  for (const auto& r : x) {
    for (size_t c = 0; c < r.size(); ++c) out[c] += r[c];
  }
  for (double& v : out) v /= static_cast<double>(x.size());
  return out;
}

// Exact float median as defined ((a+b)*0.5f of the two middle values for even n).
inline std::vector<float> RefMedian(const Rows& x) {
  std::vector<float> out;
  for (size_t c = 0; c < x[0].size(); ++c) {
    std::vector<float> v;
    for (const auto& r : x) v.push_back(r[c]);
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    out.push_back(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) * 0.5f);
  }
  return out;
}

inline std::vector<double> RefTrimmedMean(const Rows& x, size_t f) {
  std::vector<double> out;
  for (size_t c = 0; c < x[0].size(); ++c) {
    std::vector<double> v = Column(x, c);
    std::sort(v.begin(), v.end());
    double s = 0;
    for (size_t i = f; i < v.size() - f; ++i) s += v[i];
    out.push_back(s / static_cast<double>(v.size() - 2 * f));
  }
  return out;
}

// Mean of the k values closest to the median (median as the library defines it).
inline std::vector<double> RefMeanAroundMedian(const Rows& x, size_t k) {
  const std::vector<float> med = RefMedian(x);
  std::vector<double> out;
  for (size_t c = 0; c < x[0].size(); ++c) {
    std::vector<double> v = Column(x, c);
    std::sort(v.begin(), v.end(), [&](double a, double b) {
      const double da = std::fabs(a - med[c]), db = std::fabs(b - med[c]);
      return da != db ? da < db : a < b;
    });
    double s = 0;
    for (size_t i = 0; i < k; ++i) s += v[i];
    out.push_back(s / static_cast<double>(k));
  }
  return out;
}

inline double SqDist(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t c = 0; c < a.size(); ++c) {
    const double d = static_cast<double>(a[c]) - b[c];
    s += d * d;
  }
  return s;
}

// Krum scores over the rows listed in `idx` (sum of the `k` smallest distances to the others).
inline std::vector<double> RefKrumScores(const Rows& x, const std::vector<size_t>& idx, size_t k) {
  std::vector<double> scores;
  for (size_t a : idx) {
    std::vector<double> d;
    for (size_t b : idx) {
      if (a != b) d.push_back(SqDist(x[a], x[b]));
    }
    std::sort(d.begin(), d.end());
    double s = 0;
    for (size_t i = 0; i < k && i < d.size(); ++i) s += d[i];
    scores.push_back(s);
  }
  return scores;
}

inline std::vector<size_t> AllRows(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), size_t{0});
  return v;
}

// The m rows with the lowest Krum scores (ties: lower index), sorted.
inline std::vector<size_t> RefMultiKrumRows(const Rows& x, size_t f, size_t m) {
  const size_t n = x.size();
  const std::vector<double> s = RefKrumScores(x, AllRows(n), n - f - 2);
  std::vector<size_t> order = AllRows(n);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s[a] < s[b]; });
  order.resize(m);
  std::sort(order.begin(), order.end());
  return order;
}

inline std::vector<double> RefMeanOf(const Rows& x, const std::vector<size_t>& idx) {
  std::vector<double> out(x[0].size(), 0.0);
  for (size_t i : idx) {
    for (size_t c = 0; c < out.size(); ++c) out[c] += x[i][c];
  }
  for (double& v : out) v /= static_cast<double>(idx.size());
  return out;
}

inline std::vector<double> RefGeometricMedian(const Rows& x, double nu, size_t iters) {
  std::vector<double> z(x[0].size(), 0.0);
  for (size_t t = 0; t < iters; ++t) {
    std::vector<double> num(z.size(), 0.0);
    double den = 0;
    for (const auto& r : x) {
      double d2 = 0;
      for (size_t c = 0; c < z.size(); ++c) d2 += (r[c] - z[c]) * (r[c] - z[c]);
      const double beta = 1.0 / std::max(nu, std::sqrt(d2));
      for (size_t c = 0; c < z.size(); ++c) num[c] += beta * r[c];
      den += beta;
    }
    for (size_t c = 0; c < z.size(); ++c) z[c] = num[c] / den;
  }
  return z;
}

inline std::vector<double> RefBulyan(const Rows& x, size_t f) {
  const size_t n = x.size();
  std::vector<size_t> left = AllRows(n);
  std::vector<size_t> chosen;
  for (size_t step = 0; step < n - 2 * f; ++step) {
    const size_t r = left.size();
    const std::vector<double> s = RefKrumScores(x, left, r > f + 2 ? r - f - 2 : 0);
    const size_t best = static_cast<size_t>(std::min_element(s.begin(), s.end()) - s.begin());
    chosen.push_back(left[best]);
    left.erase(left.begin() + static_cast<std::ptrdiff_t>(best));
  }
  Rows sel;
  for (size_t i : chosen) sel.push_back(x[i]);
  return RefMeanAroundMedian(sel, chosen.size() - 2 * f);
}

// One round of centered clipping from center v (updated in place).
inline void RefCenteredClipping(const Rows& x, double tau, size_t iters, std::vector<double>& v) {
  for (size_t l = 0; l < iters; ++l) {
    std::vector<double> step(v.size(), 0.0);
    for (const auto& r : x) {
      double d2 = 0;
      for (size_t c = 0; c < v.size(); ++c) d2 += (r[c] - v[c]) * (r[c] - v[c]);
      const double scale = std::min(1.0, tau / std::sqrt(d2));
      for (size_t c = 0; c < v.size(); ++c) step[c] += scale * (r[c] - v[c]);
    }
    for (size_t c = 0; c < v.size(); ++c) v[c] += step[c] / static_cast<double>(x.size());
  }
}

inline double Norm(const std::vector<float>& r) {
  double s = 0;
  for (float v : r) s += static_cast<double>(v) * v;
  return std::sqrt(s);
}

inline Rows RefClip(const Rows& x, double c) {
  Rows out = x;
  for (auto& r : out) {
    const double n = Norm(r);
    if (n > c) {
      for (float& v : r) v = static_cast<float>(v * (c / n));
    }
  }
  return out;
}

inline std::vector<std::vector<double>> RefNnm(const Rows& x, size_t f) {
  const size_t n = x.size();
  std::vector<std::vector<double>> out;
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t> order = AllRows(n);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return SqDist(x[i], x[a]) < SqDist(x[i], x[b]); });
    order.resize(n - f);
    out.push_back(RefMeanOf(x, order));
  }
  return out;
}

inline Rows RefArc(const Rows& x, size_t f) {
  const size_t n = x.size();
  const size_t k = 2 * f * (n - f) / n;  // ⌊2·(f/n)·(n−f)⌋
  std::vector<size_t> order = AllRows(n);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return Norm(x[a]) > Norm(x[b]); });
  Rows out = x;
  if (k == 0) return out;
  const double bound = Norm(x[order[k]]);
  for (size_t r = 0; r < k; ++r) {
    const double nr = Norm(x[order[r]]);
    if (nr > bound) {
      for (float& v : out[order[r]]) v = static_cast<float>(v * (bound / nr));
    }
  }
  return out;
}

}  // namespace cess::ailink::testing
