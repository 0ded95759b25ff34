// SHA-256 on every host backend: FIPS 180-4 known answers, padding boundaries, cpu vs ref on
// fresh random inputs, batches, and errors.
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
using testing::RandomBytes;

struct KnownAnswer {
  std::string message;
  std::string digest;
};

// FIPS 180-4 / NIST CSHS examples, and 'a'×n around the 55/56/64-byte padding boundaries
// (digests from Python's hashlib).
std::vector<KnownAnswer> KnownAnswers() {
  return {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopq"
       "rst"
       "nopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
      {std::string(55, 'a'), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {std::string(56, 'a'), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {std::string(57, 'a'), "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6"},
      {std::string(63, 'a'), "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {std::string(64, 'a'), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {std::string(65, 'a'), "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {std::string(119, 'a'), "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {std::string(120, 'a'), "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
      {std::string(121, 'a'), "e9615320128cc7a3d6078e9af05603188e5ccbf0d07d8b735d3df5e8e0c1281f"},
      {std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
}

class Sha256BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<Hasher> MakeHasher(HasherOptions options = {}) {
    options.backend = GetParam();
    auto h = Hasher::Create(options);
    EXPECT_TRUE(h.ok()) << h.status();
    return std::move(h).value();
  }
};

TEST_P(Sha256BackendTest, KnownAnswers) {
  auto hasher = MakeHasher();
  const std::vector<KnownAnswer> kats = KnownAnswers();
  std::vector<ByteSpan> inputs;
  for (const KnownAnswer& k : kats) inputs.push_back(AsBytes(k.message));
  std::vector<Hash256> out(kats.size());
  ASSERT_TRUE(hasher->Sha256Batch(inputs, out).ok());
  for (size_t i = 0; i < kats.size(); ++i) {
    EXPECT_EQ(ToHex(out[i]), kats[i].digest) << "message of " << kats[i].message.size() << " bytes";
    // One at a time, too.
    Hash256 one{};
    ASSERT_TRUE(
        hasher->Sha256Batch(std::span<const ByteSpan>(&inputs[i], 1), std::span<Hash256>(&one, 1)).ok());
    EXPECT_EQ(one, out[i]);
  }
}

TEST_P(Sha256BackendTest, MatchesRefOnRandomInputs) {
  auto ref = Hasher::Create({.backend = Backend::kRef}).value();
  // Force the multi-threaded path on small batches too.
  auto hasher = MakeHasher({.cpu_threads = 2, .cpu_parallel_min_bytes = 4096});
  std::mt19937_64 rng(std::random_device{}());
  const uint64_t seed = rng();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::vector<size_t> lengths = {0,  1,   2,   3,   4,   31,  32,   33,   55,   56,   57,    63,   64,
                                 65, 119, 120, 127, 128, 129, 1000, 4095, 4096, 4097, 65536, 65537};
  for (int i = 0; i < 24; ++i) lengths.push_back(rng() % (size_t{1} << 20));
  std::vector<Bytes> buffers;
  for (size_t i = 0; i < lengths.size(); ++i) buffers.push_back(RandomBytes(lengths[i], seed + i));
  std::vector<ByteSpan> inputs(buffers.begin(), buffers.end());
  std::vector<Hash256> want(inputs.size());
  std::vector<Hash256> got(inputs.size());
  ASSERT_TRUE(ref->Sha256Batch(inputs, want).ok());
  ASSERT_TRUE(hasher->Sha256Batch(inputs, got).ok());
  for (size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(got[i], want[i]) << "length " << lengths[i];
  // Unaligned views of the same bytes.
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].size() < 3) continue;
    const ByteSpan view = inputs[i].subspan(1, inputs[i].size() - 2);
    Hash256 a{};
    Hash256 b{};
    ASSERT_TRUE(ref->Sha256Batch(std::span<const ByteSpan>(&view, 1), std::span<Hash256>(&a, 1)).ok());
    ASSERT_TRUE(hasher->Sha256Batch(std::span<const ByteSpan>(&view, 1), std::span<Hash256>(&b, 1)).ok());
    EXPECT_EQ(a, b) << "view of length " << view.size();
  }
}

TEST_P(Sha256BackendTest, ManySmallMessagesInOneBatch) {
  auto ref = Hasher::Create({.backend = Backend::kRef}).value();
  auto hasher = MakeHasher({.cpu_threads = 2, .cpu_parallel_min_bytes = 1});
  const Bytes pool = RandomBytes(100000, 7);
  std::vector<ByteSpan> inputs;
  for (size_t i = 0; i < 3000; ++i) inputs.push_back(ByteSpan(pool).subspan(i * 31 % 90000, i % 97));
  std::vector<Hash256> want(inputs.size());
  std::vector<Hash256> got(inputs.size());
  ASSERT_TRUE(ref->Sha256Batch(inputs, want).ok());
  ASSERT_TRUE(hasher->Sha256Batch(inputs, got).ok());
  EXPECT_EQ(got, want);
}

TEST_P(Sha256BackendTest, Errors) {
  auto hasher = MakeHasher();
  std::vector<ByteSpan> inputs(3);
  std::vector<Hash256> out(2);
  EXPECT_EQ(hasher->Sha256Batch(inputs, out).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(hasher->Sha256Batch({}, {}).ok());
}

TEST_P(Sha256BackendTest, ReportsItsBackend) { EXPECT_EQ(MakeHasher()->backend(), GetParam()); }

INSTANTIATE_TEST_SUITE_P(HostBackends, Sha256BackendTest, ::testing::ValuesIn(HostBackends()),
                         testing::BackendParamName);

TEST(Sha256, OneShotMatchesKnownAnswers) {
  for (const KnownAnswer& k : KnownAnswers()) EXPECT_EQ(ToHex(Sha256(AsBytes(k.message))), k.digest);
}

TEST(Sha256, CreateRejectsBadOptions) {
  EXPECT_EQ(Hasher::Create({.cuda_device = -1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Hasher::Create({.cpu_threads = -2}).status().code(), StatusCode::kInvalidArgument);
  if (!CheckBackendAvailable(Backend::kCuda).ok()) {
    EXPECT_EQ(Hasher::Create({.backend = Backend::kCuda}).status().code(), StatusCode::kUnavailable);
  }
  if (!CheckBackendAvailable(Backend::kCpu).ok()) {
    EXPECT_EQ(Hasher::Create({.backend = Backend::kCpu}).status().code(), StatusCode::kUnavailable);
  }
}

}  // namespace
}  // namespace cess::kernels::hash
