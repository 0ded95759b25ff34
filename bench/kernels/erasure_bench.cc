// RS encode and decode throughput: ref, cpu (our ISA-L wrapper) and direct ISA-L calls side by
// side, for 4+8, 10+4 and 16+8 with 64 KiB, 1 MiB and 8 MiB shards. Bytes processed are the k
// data (or survivor) shards read per call. Decode rebuilds min(m, k) data shards plus enough
// parity shards to lose m in all (4+8 loses 8: 4 data + 4 parity) from the k survivors.
//
//   cess_erasure_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cess/kernels/erasure.h"

#ifdef CESS_BENCH_HAVE_ISAL
#include <isa-l/erasure_code.h>
#endif

namespace cess::kernels::erasure {
namespace {

struct Config {
  int k;
  int m;
};

// One stripe of k+m shards of `len` bytes, data random, parity encoded.
struct Shards {
  Shards(int k_in, int m_in, size_t len_in)
      : k(k_in), m(m_in), len(len_in), store(static_cast<size_t>(k_in + m_in)) {
    std::mt19937_64 rng(42);
    for (auto& s : store) {
      s.resize(len);
      for (auto& b : s) b = static_cast<uint8_t>(rng());
    }
  }
  std::vector<ByteSpan> Data() const {
    std::vector<ByteSpan> v;
    for (int i = 0; i < k; ++i) v.emplace_back(store[static_cast<size_t>(i)]);
    return v;
  }
  std::vector<MutableByteSpan> Parity() {
    std::vector<MutableByteSpan> v;
    for (int i = k; i < k + m; ++i) v.emplace_back(store[static_cast<size_t>(i)]);
    return v;
  }
  std::vector<MutableByteSpan> All() {
    std::vector<MutableByteSpan> v;
    for (auto& s : store) v.emplace_back(s);
    return v;
  }
  int k;
  int m;
  size_t len;
  std::vector<Bytes> store;
};

// The erasure pattern of the decode benchmarks: data shards first, then parity, m in all.
std::vector<int> LostShards(int k, int m) {
  std::vector<int> lost;
  for (int i = 0; i < std::min(k, m); ++i) lost.push_back(i);
  for (int i = k; static_cast<int>(lost.size()) < m; ++i) lost.push_back(i);
  return lost;
}

std::unique_ptr<Codec> MakeCodec(int k, int m, Backend backend, int threads = 1) {
  CodecOptions o;
  o.backend = backend;
  o.cpu_threads = threads;
  auto c = Codec::Create(k, m, o);
  return c.ok() ? std::move(c).value() : nullptr;
}

void BM_Encode(benchmark::State& state, Config c, size_t len, Backend backend) {
  auto codec = MakeCodec(c.k, c.m, backend);
  if (!codec) {
    state.SkipWithError("backend unavailable");
    return;
  }
  Shards s(c.k, c.m, len);
  const auto data = s.Data();
  const auto parity = s.Parity();
  for (auto _ : state) {
    if (!codec->Encode(data, parity).ok()) state.SkipWithError("encode failed");
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * c.k * static_cast<int64_t>(len));
}

void BM_Decode(benchmark::State& state, Config c, size_t len, Backend backend) {
  auto codec = MakeCodec(c.k, c.m, backend);
  if (!codec) {
    state.SkipWithError("backend unavailable");
    return;
  }
  Shards s(c.k, c.m, len);
  if (!codec->Encode(s.Data(), s.Parity()).ok()) state.SkipWithError("encode failed");
  const auto lost = LostShards(c.k, c.m);
  const auto all = s.All();
  for (auto _ : state) {
    if (!codec->Reconstruct(all, lost).ok()) state.SkipWithError("reconstruct failed");
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * c.k * static_cast<int64_t>(len));
}

// EncodeBatch of `stripes` stripes with the cpu backend over `threads` threads.
void BM_EncodeBatch(benchmark::State& state, Config c, size_t len, size_t stripes, int threads) {
  auto codec = MakeCodec(c.k, c.m, Backend::kCpu, threads);
  if (!codec) {
    state.SkipWithError("backend unavailable");
    return;
  }
  Bytes data(stripes * static_cast<size_t>(c.k) * len, 7), parity(stripes * static_cast<size_t>(c.m) * len);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 131 + (i >> 9));
  for (auto _ : state) {
    if (!codec->EncodeBatch(stripes, len, data, parity).ok()) state.SkipWithError("encode failed");
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
}

#ifdef CESS_BENCH_HAVE_ISAL
// ISA-L used directly, as its own example does: tables built once, one ec_encode_data per call.
void BM_IsalEncode(benchmark::State& state, Config c, size_t len) {
  Shards s(c.k, c.m, len);
  std::vector<unsigned char> matrix(static_cast<size_t>((c.k + c.m) * c.k));
  std::vector<unsigned char> tables(static_cast<size_t>(32 * c.k * c.m));
  gf_gen_cauchy1_matrix(matrix.data(), c.k + c.m, c.k);
  ec_init_tables(c.k, c.m, matrix.data() + c.k * c.k, tables.data());
  std::vector<unsigned char*> ptrs;
  for (auto& sh : s.store) ptrs.push_back(sh.data());
  for (auto _ : state) {
    ec_encode_data(static_cast<int>(len), c.k, c.m, tables.data(), ptrs.data(), ptrs.data() + c.k);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * c.k * static_cast<int64_t>(len));
}

void BM_IsalDecode(benchmark::State& state, Config c, size_t len) {
  Shards s(c.k, c.m, len);
  const int k = c.k;
  std::vector<unsigned char> matrix(static_cast<size_t>((c.k + c.m) * k));
  gf_gen_cauchy1_matrix(matrix.data(), c.k + c.m, k);
  // Encode first so that the rebuilt bytes are real.
  {
    std::vector<unsigned char> t(static_cast<size_t>(32 * k * c.m));
    ec_init_tables(k, c.m, matrix.data() + k * k, t.data());
    std::vector<unsigned char*> p;
    for (auto& sh : s.store) p.push_back(sh.data());
    ec_encode_data(static_cast<int>(len), k, c.m, t.data(), p.data(), p.data() + k);
  }
  const auto lost = LostShards(c.k, c.m);
  std::vector<bool> is_lost(static_cast<size_t>(c.k + c.m), false);
  for (int i : lost) is_lost[static_cast<size_t>(i)] = true;
  std::vector<int> survivors;
  for (int i = 0; i < c.k + c.m && static_cast<int>(survivors.size()) < k; ++i) {
    if (!is_lost[static_cast<size_t>(i)]) survivors.push_back(i);
  }
  // ISA-L's example: invert the survivor rows, copy rows for lost data, multiply for lost parity.
  std::vector<unsigned char> b(static_cast<size_t>(k * k)), inv(static_cast<size_t>(k * k));
  for (int r = 0; r < k; ++r) {
    for (int j = 0; j < k; ++j)
      b[static_cast<size_t>(r * k + j)] = matrix[static_cast<size_t>(survivors[r] * k + j)];
  }
  if (gf_invert_matrix(b.data(), inv.data(), k) != 0) state.SkipWithError("singular");
  const int e = static_cast<int>(lost.size());
  std::vector<unsigned char> rows(static_cast<size_t>(e * k));
  for (int o = 0; o < e; ++o) {
    const int t = lost[static_cast<size_t>(o)];
    for (int j = 0; j < k; ++j) {
      unsigned char v = 0;
      if (t < k) {
        v = inv[static_cast<size_t>(t * k + j)];
      } else {
        for (int l = 0; l < k; ++l)
          v ^= gf_mul(matrix[static_cast<size_t>(t * k + l)], inv[static_cast<size_t>(l * k + j)]);
      }
      rows[static_cast<size_t>(o * k + j)] = v;
    }
  }
  std::vector<unsigned char> tables(static_cast<size_t>(32 * k * e));
  ec_init_tables(k, e, rows.data(), tables.data());
  std::vector<unsigned char*> in, out;
  for (int i : survivors) in.push_back(s.store[static_cast<size_t>(i)].data());
  for (int i : lost) out.push_back(s.store[static_cast<size_t>(i)].data());
  for (auto _ : state) {
    ec_encode_data(static_cast<int>(len), k, e, tables.data(), in.data(), out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * k * static_cast<int64_t>(len));
}
#endif

std::string SizeName(size_t len) {
  return len >= (size_t{1} << 20) ? std::to_string(len >> 20) + "MiB" : std::to_string(len >> 10) + "KiB";
}

void RegisterAll() {
  const std::vector<Config> configs = {{4, 8}, {10, 4}, {16, 8}};
  const std::vector<size_t> lens = {size_t{64} << 10, size_t{1} << 20, size_t{8} << 20};
  for (Config c : configs) {
    const std::string km = std::to_string(c.k) + "+" + std::to_string(c.m);
    for (size_t len : lens) {
      const std::string suffix = "/" + km + "/" + SizeName(len);
      for (const char* op : {"encode", "decode"}) {
        const bool enc = op[0] == 'e';
        auto* ref = benchmark::RegisterBenchmark(("rs_" + std::string(op) + suffix + "/ref").c_str(),
                                                 enc ? BM_Encode : BM_Decode, c, len, Backend::kRef);
        // The reference is slow (~1 GB/s per output): one iteration of the large cases suffices.
        if (len >= (size_t{8} << 20)) {
          ref->Iterations(1);
        } else {
          ref->MinTime(0.1);
        }
        benchmark::RegisterBenchmark(("rs_" + std::string(op) + suffix + "/cpu").c_str(),
                                     enc ? BM_Encode : BM_Decode, c, len, Backend::kCpu);
#ifdef CESS_BENCH_HAVE_ISAL
        benchmark::RegisterBenchmark(("rs_" + std::string(op) + suffix + "/isal").c_str(),
                                     enc ? BM_IsalEncode : BM_IsalDecode, c, len);
#endif
      }
    }
  }
  // EncodeBatch over 1 and 2 threads (the box has 2 cores).
  for (Config c : {Config{10, 4}, Config{4, 8}}) {
    for (auto [len, stripes] :
         std::vector<std::pair<size_t, size_t>>{{size_t{1} << 20, 8}, {size_t{64} << 10, 128}}) {
      for (int threads : {1, 2}) {
        const std::string name = "rs_encode_batch/" + std::to_string(c.k) + "+" + std::to_string(c.m) + "/" +
                                 std::to_string(stripes) + "x" + SizeName(len) +
                                 "/cpu/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), BM_EncodeBatch, c, len, stripes, threads)->UseRealTime();
      }
    }
  }
}

}  // namespace
}  // namespace cess::kernels::erasure

int main(int argc, char** argv) {
  cess::kernels::erasure::RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
