// The cuda backend against the ref oracle: the host-memory pipeline (the whole backend
// conformance suite, with small chunks so that calls are cut into many pieces), pinned direct
// DMA, the device-resident calls at any alignment, and kAuto routing to CUDA. Labelled `gpu`;
// every test skips, naming the reason, where no CUDA device is visible.
#include "cess/kernels/erasure_cuda.h"

#include <gtest/gtest.h>

#include <thread>

#include "cess/kernels/erasure.h"
#include "erasure_backend_suite.h"
#include "erasure_test_util.h"

namespace cess::kernels::erasure {
namespace {

using testing::AllPatterns;
using testing::BackendCase;
using testing::BackendTest;
using testing::CheckReconstruct;
using testing::MakeCodec;
using testing::PatternString;
using testing::RandomBytes;
using testing::RandomPattern;
using testing::Stripe;

BackendCase CudaCase(const std::string& name, size_t chunk, int streams) {
  BackendCase c = BackendCase::Of(Backend::kCuda);
  c.name = name;
  c.options.cuda_chunk_bytes = chunk;
  c.options.cuda_streams = streams;
  c.options.decode_cache_entries = 8;
  return c;
}

BackendCase AutoOnCuda() {
  BackendCase c = BackendCase::Of(Backend::kAuto);
  c.name = "auto_on_cuda";
  c.options.cuda_min_bytes = 1;  // every non-empty call goes to CUDA when a device is present
  return c;
}

INSTANTIATE_TEST_SUITE_P(Cuda, BackendTest,
                         ::testing::Values(CudaCase("cuda", size_t{16} << 20, 3),
                                           CudaCase("cuda_small_chunks", 64 << 10, 2), AutoOnCuda()),
                         [](const ::testing::TestParamInfo<BackendCase>& tp) { return tp.param.name; });

class CudaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status st = CheckBackendAvailable(Backend::kCuda);
    if (!st.ok()) GTEST_SKIP() << st.message();
  }
  static std::unique_ptr<CudaCodec> MakeCuda(int k, int m, size_t chunk = size_t{16} << 20) {
    CodecOptions o;
    o.backend = Backend::kCuda;
    o.cuda_chunk_bytes = chunk;
    auto c = CudaCodec::Create(k, m, o);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(c).value() : nullptr;
  }
};

TEST(CudaAvailabilityTest, ReportsWhyNot) {
  const Status st = CheckBackendAvailable(Backend::kCuda);
  if (st.ok()) {
    EXPECT_GT(CudaDeviceCount(), 0);
    GTEST_SKIP() << "a CUDA device is visible; nothing to check here";
  }
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  CodecOptions o;
  o.backend = Backend::kCuda;
  EXPECT_EQ(Codec::Create(4, 2, o).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(CudaCodec::Create(4, 2, o).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(CudaDeviceBuffer::Allocate(0, 16).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(CudaPinnedBuffer::Allocate(16).status().code(), StatusCode::kUnavailable);
  GTEST_SKIP() << st.message();
}

TEST_F(CudaTest, CreateChecksOptions) {
  CodecOptions o;
  o.cuda_streams = 1;
  EXPECT_EQ(CudaCodec::Create(4, 2, o).status().code(), StatusCode::kInvalidArgument);
  o.cuda_streams = 2;
  o.cuda_chunk_bytes = 1000;
  EXPECT_EQ(CudaCodec::Create(4, 2, o).status().code(), StatusCode::kInvalidArgument);
  o.cuda_chunk_bytes = 1 << 20;
  o.cuda_device = CudaDeviceCount();
  EXPECT_EQ(CudaCodec::Create(4, 2, o).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(CudaCodec::Create(33, 2, {}).status().code(), StatusCode::kInvalidArgument);
}

// Large shards through the pipeline: many pieces, column splits of one stripe, both directions.
TEST_F(CudaTest, LargeShardsThroughThePipeline) {
  std::mt19937_64 rng(30);
  for (auto [k, m, len] : std::vector<std::tuple<int, int, size_t>>{
           {10, 4, (size_t{3} << 20) + 5}, {4, 8, size_t{1} << 20}, {16, 8, 777777}}) {
    auto cuda = MakeCuda(k, m, size_t{256} << 10);
    auto ref = MakeCodec(k, m, Backend::kRef);
    Stripe s(k, m, len, 1), r(k, m, len);
    s.FillRandom(rng);
    for (int j = 0; j < k; ++j) r.Fill(j, s.copy(j));
    ASSERT_TRUE(cuda->Encode(s.Data(), s.Parity()).ok());
    ASSERT_TRUE(ref->Encode(r.Data(), r.Parity()).ok());
    for (int p = k; p < k + m; ++p) ASSERT_EQ(s.copy(p), r.copy(p)) << k << "+" << m << " parity " << p;
    const auto original = s.Snapshot();
    ASSERT_NO_FATAL_FAILURE(CheckReconstruct(*cuda, s, original, RandomPattern(rng, k + m, m)));
  }
}

// EncodeBatch from pinned buffers takes the direct-DMA path (no staging copy).
TEST_F(CudaTest, PinnedEncodeBatchMatchesRef) {
  std::mt19937_64 rng(31);
  for (auto [stripes, len] : std::vector<std::pair<size_t, size_t>>{{1000, 4096}, {7, 100003}, {64, 33}}) {
    const int k = 10;
    const int m = 4;
    auto cuda = MakeCuda(k, m, size_t{1} << 20);
    auto ref = MakeCodec(k, m, Backend::kRef);
    auto in = CudaPinnedBuffer::Allocate(stripes * k * len);
    auto out = CudaPinnedBuffer::Allocate(stripes * m * len);
    ASSERT_TRUE(in.ok() && out.ok());
    const Bytes data = RandomBytes(rng, in->size());
    std::copy(data.begin(), data.end(), in->data());
    ASSERT_TRUE(cuda->EncodeBatch(stripes, len, ByteSpan(in->data(), in->size()), out->span()).ok());
    Bytes want(out->size());
    ASSERT_TRUE(ref->EncodeBatch(stripes, len, data, want).ok());
    ASSERT_TRUE(std::equal(want.begin(), want.end(), out->data())) << stripes << " x " << len;
  }
}

// The device-resident calls, at aligned and unaligned addresses and odd lengths.
TEST_F(CudaTest, EncodeDeviceMatchesRef) {
  std::mt19937_64 rng(32);
  for (auto [k, m] : std::vector<std::pair<int, int>>{{10, 4}, {4, 8}, {16, 8}, {1, 1}, {32, 16}, {5, 3}}) {
    auto cuda = MakeCuda(k, m);
    auto ref = MakeCodec(k, m, Backend::kRef);
    for (auto [stripes, len] : std::vector<std::pair<size_t, size_t>>{
             {1, 1}, {3, 15}, {2, 16}, {5, 17}, {1000, 64}, {9, 4099}, {1, size_t{1} << 20}}) {
      for (size_t skew : {size_t{0}, size_t{3}}) {
        const size_t in_bytes = stripes * static_cast<size_t>(k) * len;
        const size_t out_bytes = stripes * static_cast<size_t>(m) * len;
        auto d_in = CudaDeviceBuffer::Allocate(0, in_bytes + 16);
        auto d_out = CudaDeviceBuffer::Allocate(0, out_bytes + 32);
        ASSERT_TRUE(d_in.ok() && d_out.ok());
        ASSERT_TRUE(d_out->Fill(0xEE).ok());
        const Bytes data = RandomBytes(rng, in_bytes);
        ASSERT_TRUE(d_in->CopyFromHost(skew, data).ok());
        ASSERT_TRUE(cuda->EncodeDevice(stripes, len, d_in->data() + skew, d_out->data() + skew).ok());
        ASSERT_TRUE(SynchronizeCudaStream(0, nullptr).ok());
        Bytes got(out_bytes + 32);
        ASSERT_TRUE(d_out->CopyToHost(0, got).ok());
        Bytes want(out_bytes);
        ASSERT_TRUE(ref->EncodeBatch(stripes, len, data, want).ok());
        ASSERT_TRUE(std::equal(want.begin(), want.end(), got.begin() + static_cast<std::ptrdiff_t>(skew)))
            << k << "+" << m << " " << stripes << "x" << len << " skew " << skew;
        // Nothing written outside the parity range.
        for (size_t i = 0; i < skew; ++i) ASSERT_EQ(got[i], 0xEE);
        for (size_t i = skew + out_bytes; i < got.size(); ++i) ASSERT_EQ(got[i], 0xEE);
      }
    }
  }
}

TEST_F(CudaTest, ReconstructDeviceEveryPatternOf4Plus8) {
  std::mt19937_64 rng(33);
  const int k = 4;
  const int m = 8;
  const size_t stripes = 3;
  const size_t len = 1000;
  const size_t n = k + m;
  auto cuda = MakeCuda(k, m);
  auto ref = MakeCodec(k, m, Backend::kRef);
  Bytes original(stripes * n * len);
  for (size_t s = 0; s < stripes; ++s) {
    const Bytes data = RandomBytes(rng, k * len);
    Bytes parity(m * len);
    ASSERT_TRUE(ref->EncodeBatch(1, len, data, parity).ok());
    std::copy(data.begin(), data.end(), original.begin() + static_cast<std::ptrdiff_t>(s * n * len));
    std::copy(parity.begin(), parity.end(),
              original.begin() + static_cast<std::ptrdiff_t>(s * n * len + k * len));
  }
  auto d = CudaDeviceBuffer::Allocate(0, original.size());
  ASSERT_TRUE(d.ok());
  Bytes got(original.size());
  for (const auto& pattern : AllPatterns(static_cast<int>(n), m)) {
    Bytes wiped = original;
    for (size_t s = 0; s < stripes; ++s) {
      for (int e : pattern) {
        std::fill_n(wiped.begin() + static_cast<std::ptrdiff_t>(s * n * len + static_cast<size_t>(e) * len),
                    len, uint8_t{0});
      }
    }
    ASSERT_TRUE(d->CopyFromHost(0, wiped).ok());
    ASSERT_TRUE(cuda->ReconstructDevice(stripes, len, d->data(), pattern).ok());
    ASSERT_TRUE(SynchronizeCudaStream(0, nullptr).ok());
    ASSERT_TRUE(d->CopyToHost(0, got).ok());
    ASSERT_EQ(got, original) << "pattern " << PatternString(pattern);
  }
}

TEST_F(CudaTest, DeviceCallErrors) {
  auto cuda = MakeCuda(4, 2);
  auto d = CudaDeviceBuffer::Allocate(0, 6 * 64);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(cuda->EncodeDevice(1, 64, nullptr, d->data()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cuda->EncodeDevice(1, 64, d->data(), nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(cuda->EncodeDevice(0, 64, nullptr, nullptr).ok());
  EXPECT_EQ(cuda->ReconstructDevice(1, 64, d->data(), std::vector<int>{6}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(cuda->ReconstructDevice(1, 64, d->data(), std::vector<int>{1, 1}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(cuda->ReconstructDevice(1, 64, d->data(), std::vector<int>{0, 1, 2}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(cuda->ReconstructDevice(1, 64, nullptr, std::vector<int>{0}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(cuda->ReconstructDevice(1, 64, d->data(), std::vector<int>{}).ok());
  EXPECT_EQ(d->CopyFromHost(6 * 64, Bytes(1)).code(), StatusCode::kOutOfRange);
  Bytes out(1);
  EXPECT_EQ(d->CopyToHost(6 * 64 - 0, out).code(), StatusCode::kOutOfRange);
}

TEST_F(CudaTest, ConcurrentHostCallsOnOneCodec) {
  auto cuda = MakeCuda(10, 4, size_t{128} << 10);
  std::vector<std::thread> threads;
  std::vector<int> failures(3, 0);
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(300 + static_cast<uint64_t>(t));
      auto ref = MakeCodec(10, 4, Backend::kRef);
      for (int i = 0; i < 20; ++i) {
        const size_t len = 1 + rng() % 100000;
        Stripe s(10, 4, len), r(10, 4, len);
        s.FillRandom(rng);
        for (int j = 0; j < 10; ++j) r.Fill(j, s.copy(j));
        if (!cuda->Encode(s.Data(), s.Parity()).ok() || !ref->Encode(r.Data(), r.Parity()).ok() ||
            s.Snapshot() != r.Snapshot()) {
          ++failures[static_cast<size_t>(t)];
          continue;
        }
        const auto original = s.Snapshot();
        auto pattern = RandomPattern(rng, 14, 4);
        for (int e : pattern) std::fill(s.shard(e), s.shard(e) + len, uint8_t{0});
        if (!cuda->Reconstruct(s.All(), pattern).ok() || s.Snapshot() != original)
          ++failures[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(3, 0));
}

}  // namespace
}  // namespace cess::kernels::erasure
