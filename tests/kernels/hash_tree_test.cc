// The tree hash (hash.h) on every host backend against a straightforward computation from its
// definition, at all three leaf sizes, odd leaf counts, short last leaves and empty data.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "cess/kernels/hash.h"
#include "hash_test_util.h"

namespace cess::kernels::hash {
namespace {

using testing::HashFromHex;
using testing::HostBackends;
using testing::NaiveTreeHash;
using testing::RandomBytes;

class TreeHashBackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<Hasher> MakeHasher(HasherOptions options = {}) {
    options.backend = GetParam();
    return Hasher::Create(options).value();
  }
};

TEST_P(TreeHashBackendTest, KnownAnswers) {
  auto hasher = MakeHasher();
  // Empty data: one empty leaf, SHA-256(0x00).
  EXPECT_EQ(ToHex(hasher->TreeHash({}, 4096).value()),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  // 10000 bytes of i % 251, 4 KiB leaves: three leaves, root H(1 ‖ H(1 ‖ l0 ‖ l1) ‖ l2) (from
  // Python's hashlib).
  Bytes data(10000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i % 251);
  EXPECT_EQ(ToHex(hasher->TreeHash(data, 4096).value()),
            "5635b73f45946809a9c450c61998cbf8b8ad92a18f9aa5c71830abb526aa664f");
}

TEST_P(TreeHashBackendTest, MatchesDefinition) {
  auto hasher = MakeHasher({.cpu_threads = 2, .cpu_parallel_min_bytes = 1});
  std::mt19937_64 rng(std::random_device{}());
  const uint64_t seed = rng();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (size_t leaf : {size_t{4096}, size_t{8192}, size_t{16384}}) {
    std::vector<size_t> sizes = {0,           1,        leaf - 1,     leaf,         leaf + 1,
                                 2 * leaf,    3 * leaf, 3 * leaf - 5, 5 * leaf + 7, 7 * leaf,
                                 9 * leaf + 1};
    sizes.push_back(rng() % (40 * leaf));
    for (size_t size : sizes) {
      const Bytes data = RandomBytes(size, seed + size);
      auto got = hasher->TreeHash(data, leaf);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(*got, NaiveTreeHash(data, leaf)) << "leaf " << leaf << " size " << size;
    }
  }
}

TEST_P(TreeHashBackendTest, RejectsBadLeafSizes) {
  auto hasher = MakeHasher();
  const Bytes data = RandomBytes(10000, 1);
  for (size_t leaf : {size_t{0}, size_t{1}, size_t{2048}, size_t{4095}, size_t{5000}, size_t{12288},
                      size_t{16385}, size_t{32768}}) {
    EXPECT_EQ(hasher->TreeHash(data, leaf).status().code(), StatusCode::kInvalidArgument) << leaf;
  }
}

INSTANTIATE_TEST_SUITE_P(HostBackends, TreeHashBackendTest, ::testing::ValuesIn(HostBackends()),
                         testing::BackendParamName);

// Big enough for the cpu backend's threaded levels (>= 8192 pairs): cpu on 2 threads, cpu on
// one and ref agree.
TEST(TreeHash, CpuThreadedLevelsMatchRef) {
  if (!CheckBackendAvailable(Backend::kCpu).ok()) GTEST_SKIP() << "cpu backend not built";
  const Bytes data = RandomBytes(size_t{16384 + 3} * 4096 + 100, 11);
  auto ref = Hasher::Create({.backend = Backend::kRef}).value();
  auto cpu2 = Hasher::Create({.backend = Backend::kCpu, .cpu_threads = 2}).value();
  auto cpu1 = Hasher::Create({.backend = Backend::kCpu, .cpu_threads = 1}).value();
  const Hash256 want = ref->TreeHash(data, 4096).value();
  EXPECT_EQ(cpu2->TreeHash(data, 4096).value(), want);
  EXPECT_EQ(cpu1->TreeHash(data, 4096).value(), want);
}

TEST(TreeHash, LeafSizeRule) {
  EXPECT_TRUE(IsValidTreeLeafSize(4096));
  EXPECT_TRUE(IsValidTreeLeafSize(8192));
  EXPECT_TRUE(IsValidTreeLeafSize(16384));
  EXPECT_FALSE(IsValidTreeLeafSize(2048));
  EXPECT_FALSE(IsValidTreeLeafSize(6144));
  EXPECT_FALSE(IsValidTreeLeafSize(32768));
}

}  // namespace
}  // namespace cess::kernels::hash
