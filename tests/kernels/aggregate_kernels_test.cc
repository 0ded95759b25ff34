// The aggregate kernels: hand-computed values, every cpu variant bit-identical to ref on random
// and awkward inputs, independence from the thread count, and argument errors.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aggregate_test_util.h"
#include "cess/kernels/aggregate.h"

namespace cess::kernels::aggregate {
namespace {

using testing::AllOutputs;
using testing::BitEqual;
using testing::Meamed;
using testing::Median;
using testing::Prep;
using testing::RandomMatrix;
using testing::RunAll;
using testing::Trimmed;

TEST(AggregateKernels, HandComputedSelections) {
  // 4 rows × 3 coordinates.
  const std::vector<float> m = {1, 5, -1,  //
                                3, 2, -2,  //
                                2, 9, -3,  //
                                10, 4, -100};
  for (Backend b : {Backend::kRef, Backend::kCpu}) {
    SCOPED_TRACE(std::string(BackendName(b)));
    auto x = Prep(m, 4, 3, b);
    EXPECT_EQ(Median(*x), (std::vector<float>{2.5f, 4.5f, -2.5f}));
    EXPECT_EQ(Median(*x, {0, 1, 2}), (std::vector<float>{2.0f, 5.0f, -2.0f}));
    EXPECT_EQ(Trimmed(*x, 1), (std::vector<float>{2.5f, 4.5f, -2.5f}));
    EXPECT_EQ(Trimmed(*x, 0), (std::vector<float>{4.0f, 5.0f, -26.5f}));
    // keep 2 of {1,2,3,10} around 2.5: 2 and 3 -> 2.5. keep 3: distances 1.5,.5,.5,7.5 -> 1,2,3.
    EXPECT_EQ(Meamed(*x, 2), (std::vector<float>{2.5f, 4.5f, -2.5f}));
    EXPECT_EQ(Meamed(*x, 3), (std::vector<float>{2.0f, 11.0f / 3.0f, -2.0f}));
    EXPECT_EQ(Meamed(*x, 4), Trimmed(*x, 0));
  }
}

TEST(AggregateKernels, MeanAroundMedianTieDropsLargerValue) {
  // Values {0, 2, 4} around median 2: keep 2 -> 0 and 4 are equally far; the larger (4) goes.
  const std::vector<float> m = {0, 2, 4};
  for (Backend b : {Backend::kRef, Backend::kCpu}) {
    auto x = Prep(m, 3, 1, b);
    EXPECT_EQ(Meamed(*x, 2), (std::vector<float>{1.0f})) << BackendName(b);
  }
}

TEST(AggregateKernels, HandComputedCombinationsAndSums) {
  const std::vector<float> m = {1, 2, 3,  //
                                4, 5, 6};
  for (Backend b : {Backend::kRef, Backend::kCpu}) {
    SCOPED_TRACE(std::string(BackendName(b)));
    auto x = Prep(m, 2, 3, b);
    std::vector<float> out(3);
    ASSERT_TRUE(CombineRows(*x, {.divisor = 2.0f}, out).ok());
    EXPECT_EQ(out, (std::vector<float>{2.5f, 3.5f, 4.5f}));
    const std::vector<uint32_t> rows = {1};
    const std::vector<float> w = {2.0f};
    const std::vector<float> center = {1, 1, 1};
    ASSERT_TRUE(CombineRows(*x, {.rows = rows, .weights = w, .center = center.data()}, out).ok());
    EXPECT_EQ(out, (std::vector<float>{6, 8, 10}));

    std::vector<double> gram(4);
    ASSERT_TRUE(Gram(*x, gram).ok());
    EXPECT_EQ(gram, (std::vector<double>{14, 32, 32, 77}));
    std::vector<double> dist(4);
    ASSERT_TRUE(PairwiseSqDistances(*x, dist).ok());
    EXPECT_EQ(dist, (std::vector<double>{0, 27, 27, 0}));
    std::vector<double> norms(2);
    ASSERT_TRUE(RowSqNorms(*x, norms).ok());
    EXPECT_EQ(norms, (std::vector<double>{14, 77}));
    std::vector<double> to(2);
    const std::vector<float> p = {1, 1, 1};
    ASSERT_TRUE(SqDistancesTo(*x, p, to).ok());
    EXPECT_EQ(to, (std::vector<double>{5, 50}));

    std::vector<float> scaled(6);
    const std::vector<float> scales = {2.0f, 0.5f};
    ASSERT_TRUE(ScaleRows(*x, scales, scaled).ok());
    EXPECT_EQ(scaled, (std::vector<float>{2, 4, 6, 2, 2.5f, 3}));

    const std::vector<uint32_t> offsets = {0, 1, 3};
    const std::vector<uint32_t> members = {1, 0, 1};
    std::vector<float> means(6);
    ASSERT_TRUE(SubsetMeans(*x, offsets, members, means).ok());
    EXPECT_EQ(means, (std::vector<float>{4, 5, 6, 2.5f, 3.5f, 4.5f}));
  }
}

struct Shape {
  size_t rows;
  size_t cols;
};

class CpuVsRef : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ASSERT_TRUE(SetCpuVariant(GetParam()).ok()); }
  void TearDown() override { ASSERT_TRUE(SetCpuVariant("").ok()); }
};

TEST_P(CpuVsRef, BitIdenticalOnManyShapes) {
  const Shape shapes[] = {{1, 1},   {1, 40},  {2, 33},  {3, 31},  {4, 64},   {5, 100},  {7, 1},   {8, 257},
                          {9, 65},  {10, 97}, {16, 32}, {17, 45}, {31, 70},  {32, 33},  {33, 40}, {64, 35},
                          {65, 33}, {100, 50}, {128, 33}, {129, 20}, {6, 4097}, {3, 0}};
  uint64_t seed = 1;
  for (const Shape& s : shapes) {
    SCOPED_TRACE("shape " + std::to_string(s.rows) + "x" + std::to_string(s.cols));
    const std::vector<float> m = RandomMatrix(s.rows, s.cols, seed++);
    auto ref = Prep(m, s.rows, s.cols, Backend::kRef);
    auto cpu = Prep(m, s.rows, s.cols, Backend::kCpu);
    const AllOutputs a = RunAll(*ref, seed);
    const AllOutputs b = RunAll(*cpu, seed);
    EXPECT_TRUE(BitEqual(a.floats, b.floats));
    EXPECT_TRUE(BitEqual(a.doubles, b.doubles));
  }
}

TEST_P(CpuVsRef, LongSumsAcrossChunkAndSuperChunkBoundaries) {
  for (size_t cols : {kSumChunk - 1, kSumChunk + 3, kSumChunk * kSumSuperChunk + 13}) {
    SCOPED_TRACE("cols " + std::to_string(cols));
    const size_t n = 5;
    const std::vector<float> m = RandomMatrix(n, cols, cols, /*awkward=*/false);
    auto ref = Prep(m, n, cols, Backend::kRef);
    auto cpu = Prep(m, n, cols, Backend::kCpu);
    std::vector<double> a(n * n), b(n * n);
    ASSERT_TRUE(Gram(*ref, a).ok());
    ASSERT_TRUE(Gram(*cpu, b).ok());
    EXPECT_TRUE(BitEqual(a, b));
    std::vector<double> na(n), nb(n);
    ASSERT_TRUE(SqDistancesTo(*ref, std::span<const float>(m.data(), cols), na).ok());
    ASSERT_TRUE(SqDistancesTo(*cpu, std::span<const float>(m.data(), cols), nb).ok());
    EXPECT_TRUE(BitEqual(na, nb));
    EXPECT_EQ(nb[0], 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, CpuVsRef, ::testing::ValuesIn(CpuVariants()),
                         [](const auto& p) { return p.param; });

TEST(AggregateKernels, SelectionsWithInfinitiesAndDuplicates) {
  const size_t n = 9, d = 70;
  std::vector<float> m = RandomMatrix(n, d, 77);
  for (size_t c = 0; c < d; c += 3) m[c] = std::numeric_limits<float>::infinity();
  for (size_t c = 1; c < d; c += 5) m[d + c] = -std::numeric_limits<float>::infinity();
  for (size_t c = 0; c < d; ++c) m[2 * d + c] = m[3 * d + c] = m[4 * d + c];
  auto ref = Prep(m, n, d, Backend::kRef);
  auto cpu = Prep(m, n, d, Backend::kCpu);
  EXPECT_TRUE(BitEqual(Median(*ref), Median(*cpu)));
  EXPECT_TRUE(BitEqual(Trimmed(*ref, 2), Trimmed(*cpu, 2)));
  EXPECT_TRUE(BitEqual(Meamed(*ref, 5), Meamed(*cpu, 5)));
  for (float v : Median(*cpu)) EXPECT_TRUE(std::isfinite(v));
  for (float v : Trimmed(*cpu, 2)) EXPECT_TRUE(std::isfinite(v));
}

TEST(AggregateKernels, NaNNeverCrashes) {
  std::vector<float> m = RandomMatrix(6, 40, 5);
  for (size_t c = 0; c < 40; c += 2) m[c] = std::nanf("");
  for (Backend b : {Backend::kRef, Backend::kCpu}) {
    auto x = Prep(m, 6, 40, b);
    (void)Median(*x);
    (void)Trimmed(*x, 1);
    (void)Meamed(*x, 3);
  }
}

TEST(AggregateKernels, ResultsDoNotDependOnThreadCount) {
  const size_t n = 13, d = 300000;
  const std::vector<float> m = RandomMatrix(n, d, 99, /*awkward=*/false);
  auto x = Prep(m, n, d, Backend::kCpu);
  std::vector<AllOutputs> runs;
  for (int threads : {1, 2, 3}) {
    SetCpuThreads(threads);
    runs.push_back(RunAll(*x, 4));
  }
  SetCpuThreads(0);
  for (size_t i = 1; i < runs.size(); ++i) {
    EXPECT_TRUE(BitEqual(runs[0].floats, runs[i].floats));
    EXPECT_TRUE(BitEqual(runs[0].doubles, runs[i].doubles));
  }
}

TEST(AggregateKernels, GramDistancesMatchDirectComputation) {
  // Near-duplicate rows: the Gram form must still give their distances accurately.
  const size_t n = 6, d = 20000;
  std::vector<float> m = RandomMatrix(n, d, 3, /*awkward=*/false);
  for (size_t c = 0; c < d; ++c) {
    m[c] += 100.0f;
    m[d + c] = m[c] + 1e-3f * static_cast<float>((c % 7) - 3);
  }
  auto x = Prep(m, n, d, Backend::kCpu);
  std::vector<double> dist(n * n);
  ASSERT_TRUE(PairwiseSqDistances(*x, dist).ok());
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      long double direct = 0;
      for (size_t c = 0; c < d; ++c) {
        const long double diff = static_cast<long double>(m[i * d + c]) - m[j * d + c];
        direct += diff * diff;
      }
      const double got = dist[i * n + j];
      // |x|^2 is about 2e8 here; float accumulation would be off by ~10, double by ~1e-6.
      EXPECT_NEAR(got, static_cast<double>(direct), 1e-4 + 1e-9 * static_cast<double>(direct)) << i << "," << j;
    }
  }
  EXPECT_GT(dist[1], 0.0);
}

TEST(AggregateKernels, ArgumentErrors) {
  const std::vector<float> m(12, 1.0f);
  auto x = Prep(m, 4, 3, Backend::kCpu);
  std::vector<float> out(3);
  std::vector<float> short_out(2);
  const std::vector<uint32_t> bad_rows = {0, 4};
  EXPECT_EQ(CoordinateMedian(*x, bad_rows, out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CoordinateMedian(*x, {}, short_out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CoordinateTrimmedMean(*x, {}, 2, out).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CoordinateTrimmedMean(*x, {}, 1, out).ok());
  EXPECT_EQ(CoordinateMeanAroundMedian(*x, {}, 0, out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CoordinateMeanAroundMedian(*x, {}, 5, out).code(), StatusCode::kInvalidArgument);
  const std::vector<float> w = {1.0f};
  EXPECT_EQ(CombineRows(*x, {.weights = w}, out).code(), StatusCode::kInvalidArgument);
  std::vector<double> gram(15);
  EXPECT_EQ(Gram(*x, gram).code(), StatusCode::kInvalidArgument);
  const std::vector<uint32_t> offsets = {0, 0, 1};
  const std::vector<uint32_t> members = {1};
  std::vector<float> means(6);
  EXPECT_EQ(SubsetMeans(*x, offsets, members, means).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Prepare(MatrixView{nullptr, 2, 2}, Backend::kCpu).status().code(), StatusCode::kInvalidArgument);
  auto empty = Prepare(MatrixView{nullptr, 0, 5}, Backend::kCpu);
  ASSERT_TRUE(empty.ok());
  std::vector<float> out5(5);
  EXPECT_EQ(CoordinateMedian(**empty, {}, out5).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SetCpuVariant("no-such-isa").code(), StatusCode::kInvalidArgument);
}

TEST(AggregateKernels, CudaUnavailableIsAClearError) {
  if (CheckBackendAvailable(Backend::kCuda).ok()) GTEST_SKIP() << "a CUDA device is present";
  const std::vector<float> m(4, 1.0f);
  auto r = Prepare(MatrixView{m.data(), 2, 2}, Backend::kCuda);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
}

}  // namespace
}  // namespace cess::kernels::aggregate
