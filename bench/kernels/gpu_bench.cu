// cess_gpu_bench: what the kernels reach on the GPU that is present, against its own measured
// limits. Prints human-readable lines and, last, one JSON line.
//
//   1. device copy bandwidth B (cudaMemcpy D2D and a copy kernel; read + write bytes counted)
//   2. pinned host<->device bandwidth (H2D, D2H, both at once)
//   3. RS encode / decode with data already on the device: 10+4, 4+8, 16+8 with 1 MiB and 8 MiB
//      shards (>= 64 MiB of input per launch) and batches of 4 KiB / 64 KiB shards, as GB/s of
//      input shards and as a fraction of the memory bound B / (1 + outputs/k)
//   4. the host-memory pipeline (Codec, backend cuda) from pageable and from pinned buffers, as
//      a fraction of the pinned H2D bandwidth
//   5. the CPU-vs-GPU crossover batch size for Backend::kAuto (cuda_min_bytes)
//   6. tree SHA-256 (RunHashGpuBench, from the hash kernels), when built in
// Every GPU result is checked against the ref backend (sampled stripes) and, where the cpu
// backend is built, against ISA-L on all stripes, before it is timed.
//
// Usage: cess_gpu_bench [--device N] [--quick]
// Without a CUDA device it prints "no CUDA device: <reason>" and exits 0.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cess/kernels/backend.h"
#include "cess/kernels/erasure.h"
#include "cess/kernels/erasure_cuda.h"
#ifdef CESS_GPU_BENCH_HAVE_HASH
#include "gpu_bench_hash.h"
#endif

namespace cess::bench {
namespace {

namespace er = cess::kernels::erasure;
using cess::kernels::Backend;

#define BENCH_CUDA(expr)                                                                                     \
  do {                                                                                                       \
    const cudaError_t bench_err_ = (expr);                                                                   \
    if (bench_err_ != cudaSuccess) {                                                                         \
      std::fprintf(stderr, "CUDA error %s at %s:%d: %s\n", cudaGetErrorName(bench_err_), __FILE__, __LINE__, \
                   #expr);                                                                                   \
      std::exit(1);                                                                                          \
    }                                                                                                        \
  } while (0)

void Die(const std::string& what, const cess::Status& st) {
  std::fprintf(stderr, "FAILED: %s: %s\n", what.c_str(), st.ToString().c_str());
  std::exit(1);
}
#define BENCH_OK(what, expr)                   \
  do {                                         \
    const ::cess::Status bench_st_ = (expr);   \
    if (!bench_st_.ok()) Die(what, bench_st_); \
  } while (0)

constexpr double kGB = 1e9;

// A JSON object built field by field (numbers, strings, nested raw JSON).
class Json {
 public:
  Json& Num(const std::string& key, double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.6g", v);
    return Raw(key, buf);
  }
  Json& Str(const std::string& key, const std::string& v) {
    std::string q(1, '"');
    q.append(v).push_back('"');
    return Raw(key, q);
  }
  Json& Bool(const std::string& key, bool v) { return Raw(key, v ? "true" : "false"); }
  Json& Raw(const std::string& key, const std::string& v) {
    if (!body_.empty()) body_.push_back(',');
    body_.push_back('"');
    body_.append(key).append("\":").append(v);
    return *this;
  }
  std::string str() const {
    std::string out(1, '{');
    out.append(body_).push_back('}');
    return out;
  }

 private:
  std::string body_;
};

std::string Array(const std::string& items) {
  std::string out(1, '[');
  out.append(items).push_back(']');
  return out;
}

__global__ void FillKernel(uint8_t* p, size_t n, uint64_t seed) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n / 8;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    reinterpret_cast<uint64_t*>(p)[i] = x;
  }
}

__global__ void CopyKernel(const uint4* __restrict__ src, uint4* __restrict__ dst, size_t n) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    dst[i] = src[i];
  }
}

void FillRandom(uint8_t* d, size_t n, uint64_t seed) {
  FillKernel<<<1024, 256>>>(d, n, seed);
  BENCH_CUDA(cudaGetLastError());
  BENCH_CUDA(cudaDeviceSynchronize());
}

// Median seconds per call of `fn` (enqueued on `stream`): `trials` event-timed groups of `iters`.
double TimeStream(const std::function<void()>& fn, cudaStream_t stream, int iters, int trials = 5) {
  cudaEvent_t a, b;
  BENCH_CUDA(cudaEventCreate(&a));
  BENCH_CUDA(cudaEventCreate(&b));
  fn();  // warm-up
  BENCH_CUDA(cudaStreamSynchronize(stream));
  std::vector<double> t;
  for (int r = 0; r < trials; ++r) {
    BENCH_CUDA(cudaEventRecord(a, stream));
    for (int i = 0; i < iters; ++i) fn();
    BENCH_CUDA(cudaEventRecord(b, stream));
    BENCH_CUDA(cudaEventSynchronize(b));
    float ms = 0;
    BENCH_CUDA(cudaEventElapsedTime(&ms, a, b));
    t.push_back(ms / 1e3 / iters);
  }
  BENCH_CUDA(cudaEventDestroy(a));
  BENCH_CUDA(cudaEventDestroy(b));
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Median wall seconds of a synchronous host call.
double TimeHost(const std::function<void()>& fn, int trials) {
  fn();  // warm-up
  std::vector<double> t;
  for (int r = 0; r < trials; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

struct Limits {
  double copy_bw = 0;  // B: bytes read + written per second, cudaMemcpy D2D
  double h2d = 0;
  double d2h = 0;
};

Limits MeasureLimits(size_t free_bytes, Json& json) {
  Limits lim;
  const size_t n = std::min<size_t>(size_t{1} << 30, free_bytes / 8) & ~size_t{4095};
  uint8_t *a = nullptr, *b = nullptr;
  BENCH_CUDA(cudaMalloc(&a, n));
  BENCH_CUDA(cudaMalloc(&b, n));
  FillRandom(a, n, 1);
  cudaStream_t s;
  BENCH_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  const double t_memcpy =
      TimeStream([&] { BENCH_CUDA(cudaMemcpyAsync(b, a, n, cudaMemcpyDeviceToDevice, s)); }, s, 10);
  int sms = 0;
  BENCH_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  const double t_kernel = TimeStream(
      [&] {
        CopyKernel<<<sms * 8, 256, 0, s>>>(reinterpret_cast<const uint4*>(a), reinterpret_cast<uint4*>(b),
                                           n / 16);
        BENCH_CUDA(cudaGetLastError());
      },
      s, 10);
  lim.copy_bw = 2.0 * n / t_memcpy;
  const double kernel_bw = 2.0 * n / t_kernel;
  std::printf(
      "device copy: cudaMemcpy D2D %.0f GB/s, copy kernel %.0f GB/s (%zu MiB; read + write bytes counted)\n",
      lim.copy_bw / kGB, kernel_bw / kGB, n >> 20);
  std::printf("  B = %.0f GB/s (cudaMemcpy D2D, read + write) is the memory bound used below\n",
              lim.copy_bw / kGB);

  const size_t hn = size_t{256} << 20;
  uint8_t* h = nullptr;
  BENCH_CUDA(cudaHostAlloc(reinterpret_cast<void**>(&h), hn, cudaHostAllocDefault));
  std::memset(h, 1, hn);
  lim.h2d = hn / TimeStream([&] { BENCH_CUDA(cudaMemcpyAsync(a, h, hn, cudaMemcpyHostToDevice, s)); }, s, 5);
  lim.d2h = hn / TimeStream([&] { BENCH_CUDA(cudaMemcpyAsync(h, a, hn, cudaMemcpyDeviceToHost, s)); }, s, 5);
  // Both directions at once on two streams (half the buffer each way).
  cudaStream_t s2;
  BENCH_CUDA(cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking));
  const double t_bi = TimeHost(
      [&] {
        BENCH_CUDA(cudaMemcpyAsync(a, h, hn / 2, cudaMemcpyHostToDevice, s));
        BENCH_CUDA(cudaMemcpyAsync(h + hn / 2, b, hn / 2, cudaMemcpyDeviceToHost, s2));
        BENCH_CUDA(cudaStreamSynchronize(s));
        BENCH_CUDA(cudaStreamSynchronize(s2));
      },
      5);
  std::printf("pinned host<->device: H2D %.1f GB/s, D2H %.1f GB/s, both at once %.1f GB/s total (256 MiB)\n",
              lim.h2d / kGB, lim.d2h / kGB, hn / t_bi / kGB);
  json.Num("copy_bw_GBps", lim.copy_bw / kGB)
      .Str("copy_bw_counts", "read+write")
      .Num("copy_kernel_GBps", kernel_bw / kGB)
      .Num("h2d_GBps", lim.h2d / kGB)
      .Num("d2h_GBps", lim.d2h / kGB)
      .Num("bidir_GBps", hn / t_bi / kGB);
  BENCH_CUDA(cudaFreeHost(h));
  BENCH_CUDA(cudaStreamDestroy(s));
  BENCH_CUDA(cudaStreamDestroy(s2));
  BENCH_CUDA(cudaFree(a));
  BENCH_CUDA(cudaFree(b));
  return lim;
}

// The erasure pattern of the decode runs: data shards first, then parity, m in all.
std::vector<int> LostShards(int k, int m) {
  std::vector<int> lost;
  for (int i = 0; i < std::min(k, m); ++i) lost.push_back(i);
  for (int i = k; static_cast<int>(lost.size()) < m; ++i) lost.push_back(i);
  return lost;
}

std::unique_ptr<er::Codec> HostCodec(int k, int m, Backend b) {
  er::CodecOptions o;
  o.backend = b;
  auto c = er::Codec::Create(k, m, o);
  return c.ok() ? std::move(c).value() : nullptr;
}

std::string Size(size_t n) {
  if (n >= (size_t{1} << 20)) return std::to_string(n >> 20) + " MiB";
  return std::to_string(n >> 10) + " KiB";
}

// Checks the parity of `stripes` stripes (host copies) against ISA-L on all stripes when the cpu
// backend is built, and against ref on the first and the last stripe.
bool CheckParity(int k, int m, size_t stripes, size_t len, const cess::Bytes& data,
                 const cess::Bytes& parity) {
  const size_t in_per = static_cast<size_t>(k) * len;
  const size_t out_per = static_cast<size_t>(m) * len;
  auto ref = HostCodec(k, m, Backend::kRef);
  for (size_t s : {size_t{0}, stripes - 1}) {
    cess::Bytes want(out_per);
    BENCH_OK("ref encode", ref->EncodeBatch(1, len, cess::ByteSpan(data).subspan(s * in_per, in_per), want));
    if (std::memcmp(want.data(), parity.data() + s * out_per, out_per) != 0) return false;
  }
  if (auto cpu = HostCodec(k, m, Backend::kCpu)) {
    cess::Bytes want(parity.size());
    BENCH_OK("cpu encode", cpu->EncodeBatch(stripes, len, data, want));
    if (want != parity) return false;
  }
  return true;
}

struct RsCase {
  int k;
  int m;
  size_t len;
  size_t stripes;
};

// Device-resident encode and decode of one case. Returns its JSON.
std::string RunRsCase(const RsCase& c, const Limits& lim, int device, int iters) {
  auto made = er::CudaCodec::Create(c.k, c.m, [&] {
    er::CodecOptions o;
    o.cuda_device = device;
    return o;
  }());
  if (!made.ok()) Die("CudaCodec::Create", made.status());
  er::CudaCodec& codec = **made;
  const size_t kk = static_cast<size_t>(c.k);
  const size_t mm = static_cast<size_t>(c.m);
  const size_t n = kk + mm;
  const size_t in_bytes = c.stripes * kk * c.len;
  const size_t out_bytes = c.stripes * mm * c.len;
  uint8_t *d_data = nullptr, *d_parity = nullptr, *d_shards = nullptr, *d_saved = nullptr;
  BENCH_CUDA(cudaMalloc(&d_data, in_bytes));
  BENCH_CUDA(cudaMalloc(&d_parity, out_bytes));
  BENCH_CUDA(cudaMalloc(&d_shards, in_bytes + out_bytes));
  BENCH_CUDA(cudaMalloc(&d_saved, in_bytes + out_bytes));
  FillRandom(d_data, in_bytes, c.len * 31 + kk);
  cudaStream_t s;
  BENCH_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));

  // Verify, then time, the encode.
  BENCH_OK("EncodeDevice", codec.EncodeDevice(c.stripes, c.len, d_data, d_parity, s));
  BENCH_OK("sync", er::SynchronizeCudaStream(device, s));
  cess::Bytes h_data(in_bytes), h_parity(out_bytes);
  BENCH_CUDA(cudaMemcpy(h_data.data(), d_data, in_bytes, cudaMemcpyDeviceToHost));
  BENCH_CUDA(cudaMemcpy(h_parity.data(), d_parity, out_bytes, cudaMemcpyDeviceToHost));
  const bool enc_ok = CheckParity(c.k, c.m, c.stripes, c.len, h_data, h_parity);
  const double t_enc = TimeStream(
      [&] { BENCH_OK("EncodeDevice", codec.EncodeDevice(c.stripes, c.len, d_data, d_parity, s)); }, s, iters);

  // Decode: stripes of k+m shards, lose m (data first), rebuild in place.
  BENCH_CUDA(cudaMemcpy2DAsync(d_shards, n * c.len, d_data, kk * c.len, kk * c.len, c.stripes,
                               cudaMemcpyDeviceToDevice, s));
  BENCH_CUDA(cudaMemcpy2DAsync(d_shards + kk * c.len, n * c.len, d_parity, mm * c.len, mm * c.len, c.stripes,
                               cudaMemcpyDeviceToDevice, s));
  BENCH_CUDA(cudaMemcpyAsync(d_saved, d_shards, in_bytes + out_bytes, cudaMemcpyDeviceToDevice, s));
  const std::vector<int> lost = LostShards(c.k, c.m);
  for (int e : lost) {
    BENCH_CUDA(
        cudaMemset2DAsync(d_shards + static_cast<size_t>(e) * c.len, n * c.len, 0, c.len, c.stripes, s));
  }
  BENCH_OK("ReconstructDevice", codec.ReconstructDevice(c.stripes, c.len, d_shards, lost, s));
  BENCH_OK("sync", er::SynchronizeCudaStream(device, s));
  cess::Bytes got(in_bytes + out_bytes), want(in_bytes + out_bytes);
  BENCH_CUDA(cudaMemcpy(got.data(), d_shards, got.size(), cudaMemcpyDeviceToHost));
  BENCH_CUDA(cudaMemcpy(want.data(), d_saved, want.size(), cudaMemcpyDeviceToHost));
  const bool dec_ok = got == want;
  const double t_dec = TimeStream(
      [&] { BENCH_OK("ReconstructDevice", codec.ReconstructDevice(c.stripes, c.len, d_shards, lost, s)); }, s,
      iters);

  const double enc_bw = in_bytes / t_enc;
  const double dec_bw = in_bytes / t_dec;  // k survivor shards read per stripe
  const double enc_bound = lim.copy_bw / (1.0 + static_cast<double>(c.m) / c.k);
  const double dec_bound = lim.copy_bw / (1.0 + static_cast<double>(lost.size()) / c.k);
  std::printf(
      "RS %2d+%-2d shard %7s x %6zu stripes (%4zu MiB in): encode %7.1f GB/s = %.2f of B/(1+m/k) [%s], "
      "decode (lose %zu) %7.1f GB/s = %.2f of B/(1+e/k) [%s]; %.3f / %.3f ms per launch\n",
      c.k, c.m, Size(c.len).c_str(), c.stripes, in_bytes >> 20, enc_bw / kGB, enc_bw / enc_bound,
      enc_ok ? "verified" : "MISMATCH", lost.size(), dec_bw / kGB, dec_bw / dec_bound,
      dec_ok ? "verified" : "MISMATCH", t_enc * 1e3, t_dec * 1e3);
  BENCH_CUDA(cudaStreamDestroy(s));
  BENCH_CUDA(cudaFree(d_data));
  BENCH_CUDA(cudaFree(d_parity));
  BENCH_CUDA(cudaFree(d_shards));
  BENCH_CUDA(cudaFree(d_saved));
  if (!enc_ok || !dec_ok) {
    std::fprintf(stderr, "FAILED: GPU output differs from the reference for RS %d+%d shard %zu\n", c.k, c.m,
                 c.len);
    std::exit(1);
  }
  Json j;
  j.Num("k", c.k)
      .Num("m", c.m)
      .Num("shard_bytes", static_cast<double>(c.len))
      .Num("stripes", static_cast<double>(c.stripes));
  j.Num("encode_GBps", enc_bw / kGB)
      .Num("encode_frac_bound", enc_bw / enc_bound)
      .Num("encode_ms", t_enc * 1e3);
  j.Num("decode_lost", static_cast<double>(lost.size())).Num("decode_GBps", dec_bw / kGB);
  j.Num("decode_frac_bound", dec_bw / dec_bound).Num("decode_ms", t_dec * 1e3).Bool("verified", true);
  return j.str();
}

// The host-memory pipeline (Codec, backend cuda): EncodeBatch from pageable and pinned buffers.
std::string RunPipeline(const Limits& lim, int device, bool quick) {
  const int k = 10;
  const int m = 4;
  const size_t len = size_t{1} << 20;
  const size_t stripes = quick ? 16 : 64;
  er::CodecOptions o;
  o.backend = Backend::kCuda;
  o.cuda_device = device;
  auto made = er::CudaCodec::Create(k, m, o);
  if (!made.ok()) Die("CudaCodec::Create", made.status());
  er::CudaCodec& codec = **made;
  const size_t in_bytes = stripes * k * len;
  const size_t out_bytes = stripes * m * len;
  cess::Bytes data(in_bytes), parity(out_bytes);
  for (size_t i = 0; i < in_bytes; i += 8) {
    const uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull;
    std::memcpy(data.data() + i, &x, std::min<size_t>(8, in_bytes - i));
  }
  BENCH_OK("EncodeBatch", codec.EncodeBatch(stripes, len, data, parity));
  const bool ok_pageable = CheckParity(k, m, stripes, len, data, parity);
  const double t_pageable =
      TimeHost([&] { BENCH_OK("EncodeBatch", codec.EncodeBatch(stripes, len, data, parity)); }, 3);

  auto pin_in = er::CudaPinnedBuffer::Allocate(in_bytes);
  auto pin_out = er::CudaPinnedBuffer::Allocate(out_bytes);
  if (!pin_in.ok() || !pin_out.ok())
    Die("CudaPinnedBuffer", pin_in.ok() ? pin_out.status() : pin_in.status());
  std::memcpy(pin_in->data(), data.data(), in_bytes);
  BENCH_OK("EncodeBatch",
           codec.EncodeBatch(stripes, len, cess::ByteSpan(pin_in->data(), in_bytes), pin_out->span()));
  const bool ok_pinned = std::memcmp(pin_out->data(), parity.data(), out_bytes) == 0;
  const double t_pinned = TimeHost(
      [&] {
        BENCH_OK("EncodeBatch",
                 codec.EncodeBatch(stripes, len, cess::ByteSpan(pin_in->data(), in_bytes), pin_out->span()));
      },
      3);
  const double bw_pageable = in_bytes / t_pageable;
  const double bw_pinned = in_bytes / t_pinned;
  const double link_bound = std::min(lim.h2d, lim.d2h * k / m);
  std::printf(
      "host pipeline RS 10+4, %zu x 1 MiB stripes (%zu MiB in): pageable %.1f GB/s = %.2f of pinned H2D "
      "[%s]; "
      "pinned (direct DMA) %.1f GB/s = %.2f of pinned H2D [%s]; link bound min(H2D, D2H*k/m) = %.1f GB/s\n",
      stripes, in_bytes >> 20, bw_pageable / kGB, bw_pageable / lim.h2d,
      ok_pageable ? "verified" : "MISMATCH", bw_pinned / kGB, bw_pinned / lim.h2d,
      ok_pinned ? "verified" : "MISMATCH", link_bound / kGB);
  if (!ok_pageable || !ok_pinned) {
    std::fprintf(stderr, "FAILED: host pipeline output differs from the reference\n");
    std::exit(1);
  }
  Json j;
  j.Num("k", k)
      .Num("m", m)
      .Num("stripes", static_cast<double>(stripes))
      .Num("shard_bytes", static_cast<double>(len));
  j.Num("pageable_GBps", bw_pageable / kGB).Num("pageable_frac_h2d", bw_pageable / lim.h2d);
  j.Num("pinned_GBps", bw_pinned / kGB).Num("pinned_frac_h2d", bw_pinned / lim.h2d).Bool("verified", true);
  return j.str();
}

// The batch size from which the cuda backend (host memory, pageable) beats the cpu backend.
std::string RunCrossover(int device, bool quick) {
  if (!cess::kernels::CheckBackendAvailable(Backend::kCpu).ok()) {
    std::printf("crossover: cpu backend not built here (no ISA-L); not measured\n");
    return "null";
  }
  std::string rows;
  size_t crossover = 0;
  for (auto [k, m] : std::vector<std::pair<int, int>>{{10, 4}, {4, 8}}) {
    er::CodecOptions o;
    o.cuda_device = device;
    o.backend = Backend::kCpu;
    auto cpu = er::Codec::Create(k, m, o);
    o.backend = Backend::kCuda;
    auto gpu = er::Codec::Create(k, m, o);
    if (!cpu.ok() || !gpu.ok()) Die("Codec::Create", cpu.ok() ? gpu.status() : cpu.status());
    const size_t len = size_t{64} << 10;
    size_t first_win = 0;
    std::printf("crossover RS %d+%d (64 KiB shards, pageable host memory):", k, m);
    for (size_t total = size_t{256} << 10; total <= (quick ? size_t{64} << 20 : size_t{512} << 20);
         total *= 4) {
      const size_t stripes = std::max<size_t>(1, total / (static_cast<size_t>(k) * len));
      cess::Bytes data(stripes * k * len, 3), parity(stripes * m * len);
      const int trials = total <= (size_t{16} << 20) ? 7 : 3;
      const double t_cpu =
          TimeHost([&] { BENCH_OK("cpu", (*cpu)->EncodeBatch(stripes, len, data, parity)); }, trials);
      const double t_gpu =
          TimeHost([&] { BENCH_OK("cuda", (*gpu)->EncodeBatch(stripes, len, data, parity)); }, trials);
      const size_t bytes = data.size();
      std::printf(" %s: cpu %.1f / cuda %.1f GB/s;", Size(bytes).c_str(), bytes / t_cpu / kGB,
                  bytes / t_gpu / kGB);
      if (t_gpu < t_cpu && first_win == 0) first_win = bytes;
      if (t_gpu >= t_cpu) first_win = 0;  // must keep winning from there on
      if (!rows.empty()) rows.push_back(',');
      rows += Json()
                  .Num("k", k)
                  .Num("m", m)
                  .Num("bytes", static_cast<double>(bytes))
                  .Num("cpu_GBps", bytes / t_cpu / kGB)
                  .Num("cuda_GBps", bytes / t_gpu / kGB)
                  .str();
    }
    std::printf("\n  -> cuda wins from %s\n", first_win ? Size(first_win).c_str() : "never (in range)");
    crossover = std::max(crossover, first_win == 0 ? SIZE_MAX : first_win);
  }
  if (crossover == SIZE_MAX) {
    std::printf("crossover: cuda never beat cpu in range; keep cuda_min_bytes above the largest batch\n");
  } else {
    std::printf("crossover: suggested CodecOptions::cuda_min_bytes = %zu (%s)\n", crossover,
                Size(crossover).c_str());
  }
  return Json()
      .Num("cuda_min_bytes", crossover == SIZE_MAX ? -1.0 : static_cast<double>(crossover))
      .Raw("rows", Array(rows))
      .str();
}

int Main(int argc, char** argv) {
  int device = 0;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--device" && i + 1 < argc) {
      device = std::atoi(argv[++i]);
    } else if (a == "--quick") {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: %s [--device N] [--quick]\n", argv[0]);
      return 2;
    }
  }
  const cess::Status avail = cess::kernels::CheckBackendAvailable(Backend::kCuda);
  if (!avail.ok()) {
    std::printf("no CUDA device: %s; nothing run\n", avail.message().c_str());
    std::printf("{\"device\":null,\"reason\":\"%s\"}\n", avail.message().c_str());
    return 0;
  }
  if (device < 0 || device >= cess::kernels::CudaDeviceCount()) {
    std::printf("no CUDA device: device %d not visible (%d devices); nothing run\n", device,
                cess::kernels::CudaDeviceCount());
    return 0;
  }
  BENCH_CUDA(cudaSetDevice(device));
  cudaDeviceProp prop{};
  BENCH_CUDA(cudaGetDeviceProperties(&prop, device));
  size_t free_bytes = 0, total_bytes = 0;
  BENCH_CUDA(cudaMemGetInfo(&free_bytes, &total_bytes));
  std::printf("device %d: %s, %d SMs, %.1f GiB, compute capability %d.%d\n", device, prop.name,
              prop.multiProcessorCount, total_bytes / double(1 << 30), prop.major, prop.minor);
  Json json;
  json.Str("device", prop.name).Num("sms", prop.multiProcessorCount);

  const Limits lim = MeasureLimits(free_bytes, json);

  // Device-resident RS: large shards (>= 64 MiB per launch) and batches of small shards.
  const size_t target = quick ? (size_t{64} << 20) : (size_t{256} << 20);
  std::vector<RsCase> cases;
  for (auto [k, m] : std::vector<std::pair<int, int>>{{10, 4}, {4, 8}, {16, 8}}) {
    for (size_t len : {size_t{1} << 20, size_t{8} << 20, size_t{4} << 10, size_t{64} << 10}) {
      const size_t stripes = std::max<size_t>(1, (target + k * len - 1) / (k * len));
      cases.push_back({k, m, len, stripes});
    }
  }
  std::string rs_rows;
  for (const RsCase& c : cases) {
    if (!rs_rows.empty()) rs_rows.push_back(',');
    rs_rows.append(RunRsCase(c, lim, device, quick ? 5 : 20));
  }
  json.Raw("rs_device", Array(rs_rows));
  json.Raw("rs_host_pipeline", RunPipeline(lim, device, quick));
  json.Raw("auto_crossover", RunCrossover(device, quick));

#ifdef CESS_GPU_BENCH_HAVE_HASH
  std::printf("tree SHA-256:\n");
  std::fflush(stdout);
  RunHashGpuBench(device);
  json.Bool("hash_bench_run", true);
#else
  std::printf("tree SHA-256: not built into this program (bench/kernels/gpu_bench_hash* missing)\n");
  json.Bool("hash_bench_run", false);
#endif
  std::printf("%s\n", json.str().c_str());
  return 0;
}

}  // namespace
}  // namespace cess::bench

int main(int argc, char** argv) { return cess::bench::Main(argc, argv); }
