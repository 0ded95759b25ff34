// Helpers shared by the aggregate kernel tests: random matrices with awkward values, and bitwise
// comparison that prints the first mismatch.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cess/kernels/aggregate.h"

namespace cess::kernels::aggregate::testing {

// A rows×cols matrix of N(0,1) values, with some awkward ones mixed in when `awkward`: exact
// duplicates, -0 and +0, values of huge and tiny magnitude, and repeated columns.
inline std::vector<float> RandomMatrix(size_t rows, size_t cols, uint64_t seed, bool awkward = true) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> m(rows * cols);
  for (float& v : m) v = normal(rng);
  if (!awkward || m.empty()) return m;
  std::uniform_int_distribution<size_t> pick(0, m.size() - 1);
  const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, 1e30f, -1e30f, 1e-30f, 3.0f, 3.0f};
  for (size_t k = 0; k < m.size() / 7 + 1; ++k) m[pick(rng)] = specials[k % std::size(specials)];
  if (rows >= 2) {  // a duplicate row
    for (size_t c = 0; c < cols; ++c) m[(rows - 1) * cols + c] = m[c];
  }
  return m;
}

template <typename T>
::testing::AssertionResult BitEqual(std::span<const T> a, std::span<const T> b) {
  if (a.size() != b.size()) {
    return ::testing::AssertionFailure() << "sizes differ: " << a.size() << " vs " << b.size();
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) {
      return ::testing::AssertionFailure() << "first difference at index " << i << ": " << a[i] << " vs " << b[i]
                                           << " (" << (a.size() - i) << " entries from there)";
    }
  }
  return ::testing::AssertionSuccess();
}

template <typename T>
::testing::AssertionResult BitEqual(const std::vector<T>& a, const std::vector<T>& b) {
  return BitEqual(std::span<const T>(a), std::span<const T>(b));
}

inline std::unique_ptr<Input> Prep(const std::vector<float>& m, size_t rows, size_t cols, Backend b) {
  auto r = Prepare(MatrixView{m.data(), rows, cols}, b);
  EXPECT_TRUE(r.ok()) << r.status();
  return std::move(r).value();
}

inline std::vector<float> Median(const Input& x, std::vector<uint32_t> rows = {}) {
  std::vector<float> out(x.cols());
  EXPECT_TRUE(CoordinateMedian(x, rows, out).ok());
  return out;
}
inline std::vector<float> Trimmed(const Input& x, size_t t, std::vector<uint32_t> rows = {}) {
  std::vector<float> out(x.cols());
  EXPECT_TRUE(CoordinateTrimmedMean(x, rows, t, out).ok());
  return out;
}
inline std::vector<float> Meamed(const Input& x, size_t keep, std::vector<uint32_t> rows = {}) {
  std::vector<float> out(x.cols());
  EXPECT_TRUE(CoordinateMeanAroundMedian(x, rows, keep, out).ok());
  return out;
}

// Runs every primitive on `x` and returns the outputs concatenated, so backends can be compared
// in one go.
struct AllOutputs {
  std::vector<float> floats;
  std::vector<double> doubles;
};

inline AllOutputs RunAll(const Input& x, uint64_t seed) {
  AllOutputs o;
  const size_t n = x.rows();
  const size_t d = x.cols();
  auto append = [&](const std::vector<float>& v) { o.floats.insert(o.floats.end(), v.begin(), v.end()); };
  auto append_d = [&](const std::vector<double>& v) { o.doubles.insert(o.doubles.end(), v.begin(), v.end()); };
  // Selections over all rows and over a shuffled subset.
  std::vector<uint32_t> subset(n);
  std::iota(subset.begin(), subset.end(), 0u);
  std::mt19937_64 rng(seed);
  std::shuffle(subset.begin(), subset.end(), rng);
  subset.resize((n + 1) / 2 + (n > 3 ? 1 : 0));
  for (const std::vector<uint32_t>& rows : {std::vector<uint32_t>{}, subset}) {
    const size_t m = rows.empty() ? n : rows.size();
    append(Median(x, rows));
    for (size_t t : {size_t{0}, size_t{1}, (m - 1) / 2}) {
      if (2 * t < m) append(Trimmed(x, t, rows));
    }
    for (size_t keep : {size_t{1}, m / 2 + 1, m > 2 ? m - 2 : m, m}) {
      if (keep >= 1 && keep <= m) append(Meamed(x, keep, rows));
    }
  }
  // Combinations.
  std::vector<float> out(d);
  EXPECT_TRUE(CombineRows(x, {.divisor = static_cast<float>(n)}, out).ok());
  append(out);
  std::vector<float> w(subset.size());
  std::vector<float> center(d);
  std::normal_distribution<float> normal;
  for (float& v : w) v = normal(rng);
  for (float& v : center) v = normal(rng);
  EXPECT_TRUE(CombineRows(x, {.rows = subset, .weights = w, .center = center.data(), .divisor = 3.0f}, out).ok());
  append(out);
  EXPECT_TRUE(CombineRows(x, {.rows = subset, .weights = w}, out).ok());
  append(out);
  std::vector<uint32_t> offsets = {0};
  std::vector<uint32_t> members;
  for (size_t g = 0; g < n; ++g) {
    for (size_t k = 0; k <= g % 3; ++k) members.push_back(static_cast<uint32_t>((g + 5 * k) % n));
    offsets.push_back(static_cast<uint32_t>(members.size()));
  }
  std::vector<float> means(n * d);
  EXPECT_TRUE(SubsetMeans(x, offsets, members, means).ok());
  append(means);
  std::vector<float> scales(n);
  for (float& v : scales) v = normal(rng);
  std::vector<float> scaled(n * d);
  EXPECT_TRUE(ScaleRows(x, scales, scaled).ok());
  append(scaled);
  // Long sums.
  std::vector<double> gram(n * n);
  EXPECT_TRUE(Gram(x, gram).ok());
  append_d(gram);
  std::vector<double> norms(n);
  EXPECT_TRUE(RowSqNorms(x, norms).ok());
  append_d(norms);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(std::memcmp(&norms[i], &gram[i * n + i], sizeof(double)), 0) << i;
  std::vector<double> to(n);
  EXPECT_TRUE(SqDistancesTo(x, center, to).ok());
  append_d(to);
  return o;
}

}  // namespace cess::kernels::aggregate::testing
