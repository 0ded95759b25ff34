// The cuda hash backend against kRef on a real GPU: the kCuda Hasher (host buffers through the
// pinned pipeline) and the device-resident calls of hash_cuda.h, at many lengths and alignments.
// Every test skips, with the reason, where no CUDA device is visible.
#include "cess/kernels/hash_cuda.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "cess/kernels/hash.h"
#include "hash_test_util.h"

namespace cess::kernels::hash {
namespace {

using testing::RandomBytes;

#define CESS_SKIP_WITHOUT_CUDA()                                                         \
  do {                                                                                   \
    const Status cuda_status = CheckBackendAvailable(Backend::kCuda);                    \
    if (!cuda_status.ok()) GTEST_SKIP() << "no CUDA device: " << cuda_status.ToString(); \
  } while (0)

std::unique_ptr<Hasher> Ref() { return Hasher::Create({.backend = Backend::kRef}).value(); }

Hash256 RefSha(ByteSpan b) {
  Hash256 h{};
  EXPECT_TRUE(Ref()->Sha256Batch(std::span<const ByteSpan>(&b, 1), std::span<Hash256>(&h, 1)).ok());
  return h;
}

DeviceBuffer Upload(ByteSpan data, size_t extra = 0) {
  DeviceBuffer buf = DeviceBuffer::Allocate(data.size() + extra).value();
  EXPECT_TRUE(buf.CopyFromHost(data).ok());
  return buf;
}

TEST(HashCuda, NoDeviceIsReportedNotHidden) {
  if (CheckBackendAvailable(Backend::kCuda).ok()) GTEST_SKIP() << "a device is present";
  EXPECT_EQ(Hasher::Create({.backend = Backend::kCuda}).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(DeviceHasher::Create(0).status().code(), StatusCode::kUnavailable);
  GTEST_SKIP() << "no CUDA device: " << CheckBackendAvailable(Backend::kCuda).ToString();
}

TEST(HashCuda, HostBatchMatchesRef) {
  CESS_SKIP_WITHOUT_CUDA();
  auto cuda = Hasher::Create({.backend = Backend::kCuda}).value();
  auto ref = Ref();
  std::mt19937_64 rng(std::random_device{}());
  const uint64_t seed = rng();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::vector<size_t> lengths = {0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 4096, 4097, 1000000};
  for (int i = 0; i < 2000; ++i) lengths.push_back(rng() % 5000);
  std::vector<Bytes> bufs;
  for (size_t i = 0; i < lengths.size(); ++i) bufs.push_back(RandomBytes(lengths[i], seed + i));
  std::vector<ByteSpan> in(bufs.begin(), bufs.end());
  // Unaligned views as well.
  for (size_t i = 0; i < 50; ++i) {
    if (bufs[i].size() > 2) in.push_back(ByteSpan(bufs[i]).subspan(1, bufs[i].size() - 2));
  }
  std::vector<Hash256> want(in.size());
  std::vector<Hash256> got(in.size());
  ASSERT_TRUE(ref->Sha256Batch(in, want).ok());
  ASSERT_TRUE(cuda->Sha256Batch(in, got).ok());
  for (size_t i = 0; i < in.size(); ++i)
    ASSERT_EQ(got[i], want[i]) << "message " << i << " of " << in[i].size();
  // The NIST "abc".
  const ByteSpan abc = AsBytes("abc");
  Hash256 h{};
  ASSERT_TRUE(cuda->Sha256Batch(std::span<const ByteSpan>(&abc, 1), std::span<Hash256>(&h, 1)).ok());
  EXPECT_EQ(ToHex(h), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HashCuda, DeviceBatchEveryLengthAndAlignment) {
  CESS_SKIP_WITHOUT_CUDA();
  auto dev = DeviceHasher::Create(0).value();
  for (size_t msg_len : {0u, 1u, 3u, 4u, 31u, 55u, 56u, 63u, 64u, 65u, 100u, 127u, 128u, 1000u, 4097u}) {
    for (size_t count : {1u, 2u, 127u, 128u, 129u, 3000u}) {
      const Bytes data = RandomBytes(msg_len * count + 16, msg_len * 7919 + count);
      DeviceBuffer d_in = Upload(data);
      DeviceBuffer d_out = DeviceBuffer::Allocate(32 * count + 16).value();
      for (size_t in_off : {0u, 1u, 2u, 3u, 4u, 8u}) {
        for (size_t out_off : {0u, 5u}) {
          ASSERT_TRUE(
              dev->Sha256BatchDevice(d_in.data() + in_off, msg_len, count, d_out.data() + out_off).ok());
          Bytes out(32 * count);
          ASSERT_TRUE(d_out.CopyToHost(out, out_off).ok());
          for (size_t i = 0; i < count; ++i) {
            const Hash256 want = RefSha(ByteSpan(data).subspan(in_off + i * msg_len, msg_len));
            ASSERT_EQ(ToHex(ByteSpan(out).subspan(32 * i, 32)), ToHex(want))
                << "len " << msg_len << " count " << count << " in_off " << in_off << " out_off " << out_off
                << " i " << i;
          }
        }
      }
    }
  }
}

TEST(HashCuda, DeviceTreeHashMatchesRef) {
  CESS_SKIP_WITHOUT_CUDA();
  auto dev = DeviceHasher::Create(0).value();
  auto ref = Ref();
  std::mt19937_64 rng(std::random_device{}());
  const uint64_t seed = rng();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (size_t leaf : {size_t{4096}, size_t{8192}, size_t{16384}}) {
    std::vector<size_t> sizes = {
        0,         1,         leaf - 1,      leaf,          leaf + 1, 3 * leaf, 5 * leaf + 7,
        63 * leaf, 64 * leaf, 65 * leaf + 1, 129 * leaf - 3};
    sizes.push_back(rng() % (3000 * leaf));
    for (size_t size : sizes) {
      const Bytes data = RandomBytes(size + 3, seed ^ size);
      DeviceBuffer d = Upload(data);
      for (size_t off : {0u, 1u, 3u}) {
        const ByteSpan host = ByteSpan(data).subspan(off, size);
        const Hash256 want = ref->TreeHash(host, leaf).value();
        auto got = dev->TreeHashDevice(d.data() + off, size, leaf);
        ASSERT_TRUE(got.ok()) << got.status();
        EXPECT_EQ(*got, want) << "leaf " << leaf << " size " << size << " off " << off;
      }
    }
  }
}

// More than 256 leaf blocks: the upper levels take several NodeReduceKernel launches.
TEST(HashCuda, DeviceTreeHashLargeAndAsync) {
  CESS_SKIP_WITHOUT_CUDA();
  auto dev = DeviceHasher::Create(0).value();
  const Bytes data = RandomBytes((size_t{96} << 20) + 12345, 77);
  const Hash256 want = Hasher::Create({.backend = Backend::kCpu}).ok()
                           ? Hasher::Create({.backend = Backend::kCpu}).value()->TreeHash(data, 4096).value()
                           : Ref()->TreeHash(data, 4096).value();
  DeviceBuffer d = Upload(data);
  EXPECT_EQ(dev->TreeHashDevice(d.data(), data.size(), 4096).value(), want);
  DeviceBuffer root = DeviceBuffer::Allocate(33).value();
  ASSERT_TRUE(dev->TreeHashDeviceAsync(d.data(), data.size(), 4096, root.data() + 1).ok());
  Hash256 got{};
  ASSERT_TRUE(root.CopyToHost(got, 1).ok());  // cudaMemcpy waits for the legacy default stream
  EXPECT_EQ(got, want);
  Hash256 free_fn{};
  ASSERT_TRUE(TreeHashDevice(d.data(), data.size(), 4096, &free_fn).ok());
  EXPECT_EQ(free_fn, want);
}

TEST(HashCuda, HostTreeHashThroughSeveralChunks) {
  CESS_SKIP_WITHOUT_CUDA();
  auto cuda = Hasher::Create({.backend = Backend::kCuda, .cuda_chunk_bytes = size_t{2} << 20}).value();
  auto ref = Ref();
  for (size_t leaf : {size_t{4096}, size_t{16384}}) {
    for (size_t size :
         {size_t{0}, size_t{5}, size_t{2} << 20, (size_t{9} << 20) + 5, (size_t{4} << 20) - 1}) {
      const Bytes data = RandomBytes(size, size + leaf);
      EXPECT_EQ(cuda->TreeHash(data, leaf).value(), ref->TreeHash(data, leaf).value()) << leaf << " " << size;
    }
  }
}

TEST(HashCuda, AutoAndFidUseTheGpu) {
  CESS_SKIP_WITHOUT_CUDA();
  auto ref = Ref();
  auto autoh = Hasher::Create({.cuda_min_bytes = 0, .cuda_min_messages = 1}).value();
  const Bytes data = RandomBytes(1 << 20, 5);
  EXPECT_EQ(autoh->TreeHash(data, 8192).value(), ref->TreeHash(data, 8192).value());
  auto cuda = Hasher::Create({.backend = Backend::kCuda}).value();
  EXPECT_EQ(ComputeFid(*cuda, data, 4096).value().fid, ComputeFid(*ref, data, 4096).value().fid);
}

TEST(HashCuda, Errors) {
  CESS_SKIP_WITHOUT_CUDA();
  auto dev = DeviceHasher::Create(0).value();
  DeviceBuffer d = DeviceBuffer::Allocate(4096).value();
  EXPECT_EQ(dev->TreeHashDevice(d.data(), 4096, 1000).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dev->TreeHashDevice(nullptr, 4096, 4096).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dev->TreeHashDeviceAsync(d.data(), 4096, 4096, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dev->Sha256BatchDevice(d.data(), 64, 2, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DeviceHasher::Create(1000).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(d.CopyFromHost(Bytes(4097)).code(), StatusCode::kOutOfRange);
  auto cuda = Hasher::Create({.backend = Backend::kCuda}).value();
  EXPECT_EQ(cuda->TreeHash(Bytes(10), 2048).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cess::kernels::hash
