// The aggregate kernels on CUDA: bit-identical to the cpu backend (itself checked against ref)
// on random and awkward inputs. Skipped, with the reason, where no device is visible.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aggregate_test_util.h"
#include "cess/kernels/aggregate.h"

namespace cess::kernels::aggregate {
namespace {

using testing::AllOutputs;
using testing::BitEqual;
using testing::Prep;
using testing::RandomMatrix;
using testing::RunAll;

class AggregateCuda : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status s = CheckBackendAvailable(Backend::kCuda);
    if (!s.ok()) GTEST_SKIP() << "CUDA backend not available: " << s.message();
  }
};

TEST_F(AggregateCuda, BitIdenticalToCpuOnManyShapes) {
  struct Shape {
    size_t rows;
    size_t cols;
  };
  const Shape shapes[] = {{1, 1},    {2, 33},   {3, 31},    {5, 100},    {8, 257},  {9, 65},   {10, 1000},
                          {17, 45},  {33, 40},  {64, 300},  {100, 513},  {129, 20}, {300, 10}, {6, 4097},
                          {12, 70000}, {3, 0}};
  uint64_t seed = 11;
  for (const Shape& s : shapes) {
    SCOPED_TRACE("shape " + std::to_string(s.rows) + "x" + std::to_string(s.cols));
    const std::vector<float> m = RandomMatrix(s.rows, s.cols, seed++);
    auto cpu = Prep(m, s.rows, s.cols, Backend::kCpu);
    auto gpu = Prep(m, s.rows, s.cols, Backend::kCuda);
    const AllOutputs a = RunAll(*cpu, seed);
    const AllOutputs b = RunAll(*gpu, seed);
    EXPECT_TRUE(BitEqual(a.floats, b.floats));
    EXPECT_TRUE(BitEqual(a.doubles, b.doubles));
  }
}

TEST_F(AggregateCuda, LongSumsAcrossSuperChunks) {
  const size_t n = 20;
  const size_t cols = 3 * kSumChunk * kSumSuperChunk + 4099;
  const std::vector<float> m = RandomMatrix(n, cols, 5, /*awkward=*/false);
  auto cpu = Prep(m, n, cols, Backend::kCpu);
  auto gpu = Prep(m, n, cols, Backend::kCuda);
  std::vector<double> a(n * n), b(n * n);
  ASSERT_TRUE(Gram(*cpu, a).ok());
  ASSERT_TRUE(Gram(*gpu, b).ok());
  EXPECT_TRUE(BitEqual(a, b));
  std::vector<double> na(n), nb(n);
  const std::span<const float> point(m.data() + cols, cols);
  ASSERT_TRUE(SqDistancesTo(*cpu, point, na).ok());
  ASSERT_TRUE(SqDistancesTo(*gpu, point, nb).ok());
  EXPECT_TRUE(BitEqual(na, nb));
}

TEST_F(AggregateCuda, WideSelectionsUseOptInSharedMemory) {
  // 400 rows need 400*4*32 = 51 KB per 32-thread block: above the 48 KB default.
  const size_t n = 400, d = 333;
  const std::vector<float> m = RandomMatrix(n, d, 8);
  auto cpu = Prep(m, n, d, Backend::kCpu);
  auto gpu = Prep(m, n, d, Backend::kCuda);
  EXPECT_TRUE(BitEqual(testing::Median(*cpu), testing::Median(*gpu)));
  EXPECT_TRUE(BitEqual(testing::Trimmed(*cpu, 50), testing::Trimmed(*gpu, 50)));
  EXPECT_TRUE(BitEqual(testing::Meamed(*cpu, 300), testing::Meamed(*gpu, 300)));
}

}  // namespace
}  // namespace cess::kernels::aggregate
