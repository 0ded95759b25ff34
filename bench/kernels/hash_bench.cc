// SHA-256 and tree-hash benchmarks of the host backends, against raw OpenSSL EVP on the same
// buffers (the cpu backend's goal is >= 0.9x EVP; kernels-limits.md §5 item 6).
//
//   BM_Sha256_{Ref,Cpu,EvpReuse,EvpDigest}/<bytes>        one buffer per call
//   BM_Sha256Batch_{Cpu1T,Cpu,EvpReuse}/<bytes>/<count>  `count` buffers per call
//   BM_TreeHash_{Cpu,Ref}/<leaf>/<bytes>
// EvpReuse: one EVP_MD_CTX and a fetched EVP_MD reused across calls (what `openssl speed -evp`
// does); EvpDigest: EVP_Digest(EVP_sha256()) one-shot per call.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "cess/kernels/hash.h"

namespace cess::kernels::hash {
namespace {

Bytes Fill(size_t n) {
  Bytes b(n);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b[i] = static_cast<uint8_t>(x);
  }
  return b;
}

// Null (and the benchmark skipped with the reason) when the backend is not built.
std::unique_ptr<Hasher> MakeHasher(benchmark::State& state, Backend backend, int threads = 0) {
  auto h = Hasher::Create({.backend = backend, .cpu_threads = threads});
  if (!h.ok()) {
    state.SkipWithError(h.status().ToString().c_str());
    return nullptr;
  }
  return std::move(h).value();
}

void HashOne(benchmark::State& state, Backend backend) {
  const Bytes data = Fill(static_cast<size_t>(state.range(0)));
  auto hasher = MakeHasher(state, backend);
  if (hasher == nullptr) return;
  const ByteSpan in(data);
  Hash256 out{};
  for (auto _ : state) {
    if (!hasher->Sha256Batch(std::span<const ByteSpan>(&in, 1), std::span<Hash256>(&out, 1)).ok())
      std::abort();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Sha256_Ref(benchmark::State& state) { HashOne(state, Backend::kRef); }
void BM_Sha256_Cpu(benchmark::State& state) { HashOne(state, Backend::kCpu); }

void BM_Sha256_EvpReuse(benchmark::State& state) {
  const Bytes data = Fill(static_cast<size_t>(state.range(0)));
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Hash256 out{};
  for (auto _ : state) {
    unsigned len = 0;
    if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 || EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx, out.data(), &len) != 1) {
      std::abort();
    }
    benchmark::DoNotOptimize(out);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Sha256_EvpDigest(benchmark::State& state) {
  const Bytes data = Fill(static_cast<size_t>(state.range(0)));
  Hash256 out{};
  for (auto _ : state) {
    unsigned len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) std::abort();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// A batch of `count` distinct buffers of `bytes` each.
struct Batch {
  std::vector<Bytes> bufs;
  std::vector<ByteSpan> spans;
  std::vector<Hash256> out;
  Batch(size_t bytes, size_t count) : out(count) {
    const Bytes pool = Fill(bytes * count);
    for (size_t i = 0; i < count; ++i) {
      bufs.emplace_back(pool.begin() + static_cast<std::ptrdiff_t>(i * bytes),
                        pool.begin() + static_cast<std::ptrdiff_t>((i + 1) * bytes));
    }
    spans.assign(bufs.begin(), bufs.end());
  }
};

void HashBatch(benchmark::State& state, Backend backend, int threads) {
  Batch b(static_cast<size_t>(state.range(0)), static_cast<size_t>(state.range(1)));
  auto hasher = MakeHasher(state, backend, threads);
  if (hasher == nullptr) return;
  for (auto _ : state) {
    if (!hasher->Sha256Batch(b.spans, b.out).ok()) std::abort();
    benchmark::DoNotOptimize(b.out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0) * state.range(1));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(1));
}

void BM_Sha256Batch_Cpu1T(benchmark::State& state) { HashBatch(state, Backend::kCpu, 1); }
void BM_Sha256Batch_Cpu(benchmark::State& state) { HashBatch(state, Backend::kCpu, 0); }

void BM_Sha256Batch_EvpReuse(benchmark::State& state) {
  Batch b(static_cast<size_t>(state.range(0)), static_cast<size_t>(state.range(1)));
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  for (auto _ : state) {
    for (size_t i = 0; i < b.spans.size(); ++i) {
      unsigned len = 0;
      if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 ||
          EVP_DigestUpdate(ctx, b.spans[i].data(), b.spans[i].size()) != 1 ||
          EVP_DigestFinal_ex(ctx, b.out[i].data(), &len) != 1) {
        std::abort();
      }
    }
    benchmark::DoNotOptimize(b.out.data());
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0) * state.range(1));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(1));
}

void Tree(benchmark::State& state, Backend backend) {
  const Bytes data = Fill(static_cast<size_t>(state.range(1)));
  auto hasher = MakeHasher(state, backend);
  if (hasher == nullptr) return;
  for (auto _ : state) {
    auto root = hasher->TreeHash(data, static_cast<size_t>(state.range(0)));
    if (!root.ok()) std::abort();
    benchmark::DoNotOptimize(*root);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(1));
}

void BM_TreeHash_Cpu(benchmark::State& state) { Tree(state, Backend::kCpu); }
void BM_TreeHash_Ref(benchmark::State& state) { Tree(state, Backend::kRef); }

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;

void OneSizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {int64_t{64}, 4 * kKiB, kMiB, 32 * kMiB}) b->Arg(n);
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}
// Batches of about 32 MiB (and 1 MiB of 64-byte messages, Merkle-node sized).
void BatchSizes(benchmark::internal::Benchmark* b) {
  b->Args({64, 16384})->Args({4 * kKiB, 8192})->Args({kMiB, 32})->Args({32 * kMiB, 2});
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(BM_Sha256_Ref)->Apply(OneSizes);
BENCHMARK(BM_Sha256_Cpu)->Apply(OneSizes);
BENCHMARK(BM_Sha256_EvpReuse)->Apply(OneSizes);
BENCHMARK(BM_Sha256_EvpDigest)->Apply(OneSizes);
BENCHMARK(BM_Sha256Batch_Cpu1T)->Apply(BatchSizes);
BENCHMARK(BM_Sha256Batch_Cpu)->Apply(BatchSizes);
BENCHMARK(BM_Sha256Batch_EvpReuse)->Apply(BatchSizes);
BENCHMARK(BM_TreeHash_Cpu)
    ->Args({4096, 64 * kMiB})
    ->Args({8192, 64 * kMiB})
    ->Args({16384, 64 * kMiB})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_TreeHash_Ref)->Args({4096, 16 * kMiB})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace cess::kernels::hash

BENCHMARK_MAIN();
