// cess_gpu_bench, hash part: device-resident tree SHA-256 and batched SHA-256 on the GPU.
//
// Anchors (reference/kernels-limits.md §3, §5): hashcat v6.2.6 mode 1400 on one H100 SXM5 does
// 16.2 G SHA-256 hashes/s, one 64-byte compression each, i.e. ~1.03 TB/s of compression input;
// our goal for the tree hash (4-16 KiB leaves, >= 128 MiB batches) is >= 0.5 TB/s.
// Throughput is input bytes / kernel time (cudaEvent around back-to-back calls on one stream),
// GB = 1e9 bytes.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cess/kernels/backend.h"
#include "cess/kernels/hash.h"
#include "cess/kernels/hash_cuda.h"
#include "gpu_bench_hash.h"

namespace cess::bench {
namespace {

namespace hk = cess::kernels::hash;
using cess::kernels::Backend;

constexpr double kGB = 1e9;
constexpr double kGoalTBps = 0.5;              // tree SHA-256 goal
constexpr double kHashcatHashesPerS = 16.2e9;  // H100 SXM5, hashcat -m 1400

#define HB_CUDA(expr)                                                                                       \
  do {                                                                                                      \
    const cudaError_t hb_err_ = (expr);                                                                     \
    if (hb_err_ != cudaSuccess) {                                                                           \
      std::fprintf(stderr, "hash bench: CUDA error %s at %s:%d: %s\n", cudaGetErrorName(hb_err_), __FILE__, \
                   __LINE__, #expr);                                                                        \
      std::exit(1);                                                                                         \
    }                                                                                                       \
  } while (0)

void DieIf(const cess::Status& st, const std::string& what) {
  if (st.ok()) return;
  std::fprintf(stderr, "hash bench FAILED: %s: %s\n", what.c_str(), st.ToString().c_str());
  std::exit(1);
}

template <typename T>
T ValueOrDie(cess::Result<T> r, const std::string& what) {
  DieIf(r.status(), what);
  return std::move(r).value();
}

// Fast deterministic filler (xorshift64*), so a GiB takes well under a second.
void FillRandom(uint8_t* p, size_t n, uint64_t seed) {
  uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    const uint64_t v = x * 0x2545f4914f6cdd1dull;
    std::memcpy(p + i, &v, 8);
  }
  for (; i < n; ++i) p[i] = static_cast<uint8_t>(x >> (8 * (i & 7)));
}

std::unique_ptr<hk::Hasher> HostHasher() {
  // The cpu backend (OpenSSL, threads) where built, else the reference code.
  auto cpu = hk::Hasher::Create({.backend = Backend::kCpu});
  if (cpu.ok()) return std::move(cpu).value();
  return ValueOrDie(hk::Hasher::Create({.backend = Backend::kRef}), "create ref hasher");
}

// ---- Verification ---------------------------------------------------------------------------

void Verify(hk::DeviceHasher& dev, const std::vector<uint8_t>& host, const hk::DeviceBuffer& d) {
  auto cpu = HostHasher();
  auto ref = ValueOrDie(hk::Hasher::Create({.backend = Backend::kRef}), "create ref hasher");
  int checks = 0;
  // Tree hash: three leaf sizes, aligned and unaligned starts, odd sizes and leaf counts.
  for (size_t leaf : {size_t{4096}, size_t{8192}, size_t{16384}}) {
    for (size_t size :
         {size_t{0}, size_t{1}, leaf + 1, 65 * leaf - 1, size_t{1000} * leaf + 3, host.size() - 1}) {
      for (size_t off : {size_t{0}, size_t{1}}) {
        if (off + size > host.size()) continue;
        const cess::Hash256 want = cpu->TreeHash(ByteSpan(host).subspan(off, size), leaf).value();
        const cess::Hash256 got =
            ValueOrDie(dev.TreeHashDevice(d.data() + off, size, leaf), "TreeHashDevice");
        if (got != want) {
          std::fprintf(stderr, "hash bench FAILED: tree hash mismatch (leaf %zu, size %zu, offset %zu)\n",
                       leaf, size, off);
          std::exit(1);
        }
        ++checks;
      }
    }
  }
  // Batched SHA-256 of equal-length messages, against ref message by message.
  auto d_out = ValueOrDie(hk::DeviceBuffer::Allocate(32 * 20000 + 8), "allocate");
  for (size_t len :
       {size_t{0}, size_t{32}, size_t{55}, size_t{56}, size_t{64}, size_t{65}, size_t{1000}, size_t{4097}}) {
    for (size_t off : {size_t{0}, size_t{3}}) {
      const size_t count = std::min<size_t>(20000, (host.size() - off) / std::max<size_t>(len, 1));
      DieIf(dev.Sha256BatchDevice(d.data() + off, len, count, d_out.data()), "Sha256BatchDevice");
      std::vector<uint8_t> out(32 * count);
      DieIf(d_out.CopyToHost(out), "copy hashes");
      std::vector<ByteSpan> msgs(count);
      for (size_t i = 0; i < count; ++i) msgs[i] = ByteSpan(host).subspan(off + i * len, len);
      std::vector<cess::Hash256> want(count);
      DieIf(ref->Sha256Batch(msgs, want), "ref batch");
      for (size_t i = 0; i < count; ++i) {
        if (std::memcmp(out.data() + 32 * i, want[i].data(), 32) != 0) {
          std::fprintf(stderr,
                       "hash bench FAILED: batch SHA-256 mismatch (len %zu, offset %zu, message %zu)\n", len,
                       off, i);
          std::exit(1);
        }
      }
      ++checks;
    }
  }
  std::printf("  verified: %d tree-hash and batch configurations match the CPU/ref backends\n", checks);
}

// ---- Timing ---------------------------------------------------------------------------------

// Seconds per call of `fn` (which enqueues work on `stream`), over `reps` back-to-back calls
// after two warm-up calls.
template <typename Fn>
double TimeCalls(cudaStream_t stream, int reps, Fn&& fn) {
  fn();
  fn();
  HB_CUDA(cudaStreamSynchronize(stream));
  cudaEvent_t start, stop;
  HB_CUDA(cudaEventCreate(&start));
  HB_CUDA(cudaEventCreate(&stop));
  HB_CUDA(cudaEventRecord(start, stream));
  for (int r = 0; r < reps; ++r) fn();
  HB_CUDA(cudaEventRecord(stop, stream));
  HB_CUDA(cudaEventSynchronize(stop));
  float ms = 0;
  HB_CUDA(cudaEventElapsedTime(&ms, start, stop));
  HB_CUDA(cudaEventDestroy(start));
  HB_CUDA(cudaEventDestroy(stop));
  return ms / 1e3 / reps;
}

}  // namespace

void RunHashGpuBench(int device) {
  HB_CUDA(cudaSetDevice(device));
  auto dev = ValueOrDie(hk::DeviceHasher::Create(device), "DeviceHasher::Create");
  size_t free_bytes = 0, total_bytes = 0;
  HB_CUDA(cudaMemGetInfo(&free_bytes, &total_bytes));
  // Up to 1 GiB of input, and room for the batch outputs (half the input for 64-byte messages).
  size_t max_bytes = size_t{1} << 30;
  while (max_bytes > (size_t{64} << 20) && max_bytes + max_bytes / 2 + (size_t{256} << 20) > free_bytes)
    max_bytes /= 2;
  std::printf("  device %d: %d SMs; input up to %zu MiB\n", device, dev->sm_count(), max_bytes >> 20);

  // Random input on the host (kept for the CPU checks) and on the device.
  std::vector<uint8_t> host(max_bytes);
  FillRandom(host.data(), host.size(), 42);
  auto d = ValueOrDie(hk::DeviceBuffer::Allocate(max_bytes, device), "allocate input");
  DieIf(d.CopyFromHost(host), "upload input");
  {
    // Verify on the first 64 MiB (+ odd sizes) before timing anything.
    std::vector<uint8_t> head(host.begin(), host.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                               host.size(), (size_t{64} << 20) + 4097)));
    Verify(*dev, head, d);
  }

  cudaStream_t stream;
  HB_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  auto d_root = ValueOrDie(hk::DeviceBuffer::Allocate(32, device), "allocate root");
  auto cpu = HostHasher();
  std::string json = "{";
  std::string rows;

  std::printf(
      "  tree SHA-256, device-resident (goal >= %.1f TB/s; hashcat ceiling ~1.03 TB/s of compressions)\n",
      kGoalTBps);
  std::printf("    %-8s %-10s %10s %10s %8s\n", "leaf", "batch", "ms/call", "GB/s", "of goal");
  double best_tree = 0;
  for (size_t leaf : {size_t{4096}, size_t{8192}, size_t{16384}}) {
    for (size_t bytes = size_t{256} << 20; bytes <= max_bytes; bytes *= 2) {
      const int reps = static_cast<int>(std::max<size_t>(5, (size_t{4} << 30) / bytes));
      const double s = TimeCalls(stream, reps, [&] {
        DieIf(dev->TreeHashDeviceAsync(d.data(), bytes, leaf, d_root.data(), stream), "TreeHashDeviceAsync");
      });
      // The timed root is right too (checked against the CPU once per leaf size, at 256 MiB).
      if (bytes == (size_t{256} << 20)) {
        HB_CUDA(cudaStreamSynchronize(stream));
        cess::Hash256 got{};
        DieIf(d_root.CopyToHost(got), "copy root");
        if (got != cpu->TreeHash(ByteSpan(host).first(bytes), leaf).value()) {
          std::fprintf(stderr, "hash bench FAILED: timed tree root differs from the CPU (leaf %zu)\n", leaf);
          std::exit(1);
        }
      }
      const double gbps = bytes / s / kGB;
      best_tree = std::max(best_tree, gbps);
      std::printf("    %-8zu %4zu MiB   %10.3f %10.1f %7.0f%%\n", leaf, bytes >> 20, s * 1e3, gbps,
                  100 * gbps / (kGoalTBps * 1000));
      if (!rows.empty()) rows += ",";
      rows += "{\"leaf\":" + std::to_string(leaf) + ",\"bytes\":" + std::to_string(bytes) +
              ",\"GBps\":" + std::to_string(gbps) + "}";
    }
  }
  json += "\"tree\":[" + rows + "],\"tree_best_GBps\":" + std::to_string(best_tree);

  // Batched SHA-256 of short messages, one thread each. A 64-byte message is two compressions
  // (data block + padding block); a 32-byte one is one, like hashcat's benchmark hashes.
  std::printf("  batched SHA-256, device-resident (hashcat H100: %.1f G hashes/s, one compression each)\n",
              kHashcatHashesPerS / 1e9);
  std::printf("    %-8s %-10s %10s %12s %14s %10s\n", "msg", "messages", "ms/call", "G hashes/s",
              "G compr./s", "of hashcat");
  rows.clear();
  for (size_t len : {size_t{64}, size_t{32}}) {
    const size_t count = std::min<size_t>(size_t{1} << 24, max_bytes / len);
    auto d_out = ValueOrDie(hk::DeviceBuffer::Allocate(32 * count, device), "allocate hashes");
    const double s = TimeCalls(stream, 10, [&] {
      DieIf(dev->Sha256BatchDevice(d.data(), len, count, d_out.data(), stream), "Sha256BatchDevice");
    });
    const double hps = count / s;
    const double compressions = hps * (len >= 56 ? 2 : 1);
    std::printf("    %-8zu %-10zu %10.3f %12.2f %14.2f %9.0f%%\n", len, count, s * 1e3, hps / 1e9,
                compressions / 1e9, 100 * compressions / kHashcatHashesPerS);
    if (!rows.empty()) rows += ",";
    rows += "{\"msg_bytes\":" + std::to_string(len) + ",\"hashes_per_s\":" + std::to_string(hps) +
            ",\"compressions_per_s\":" + std::to_string(compressions) + "}";
  }
  json += ",\"batch\":[" + rows + "]}";
  HB_CUDA(cudaStreamDestroy(stream));
  std::printf("  {\"hash_gpu_bench\":%s}\n", json.c_str());
  std::fflush(stdout);
}

}  // namespace cess::bench
