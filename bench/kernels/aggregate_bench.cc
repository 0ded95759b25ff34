// Times the aggregate kernel primitives on one backend: coordinate median, trimmed mean,
// mean-around-median, mean (CombineRows), Gram, row norms. Input preparation (the upload, for
// cuda) is timed separately, so the per-primitive figures are kernel + result download.
//
//   cess_aggregate_kernel_bench [--n 100] [--d 10000000] [--backend cpu|cuda|ref]
//                               [--reps 3] [--threads 0] [--ops median,trimmed,...]
// Prints one line per primitive: median, min and max seconds over the repetitions, and the
// input bandwidth the median time implies (n*d*4 bytes / time).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cess/kernels/aggregate.h"

namespace agg = cess::kernels::aggregate;
using cess::kernels::Backend;

namespace {

double Seconds(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void Check(const cess::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 100;
  size_t d = 1000000;
  int reps = 3;
  int threads = 0;
  std::string backend_name = "cpu";
  std::string ops = "median,trimmed,meamed,mean,gram,norms,subset";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--n") n = std::strtoull(v, nullptr, 10);
    else if (flag == "--d") d = static_cast<size_t>(std::strtod(v, nullptr));
    else if (flag == "--reps") reps = std::atoi(v);
    else if (flag == "--threads") threads = std::atoi(v);
    else if (flag == "--backend") backend_name = v;
    else if (flag == "--ops") ops = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  auto backend = cess::kernels::ParseBackend(backend_name);
  Check(backend.status());
  agg::SetCpuThreads(threads);
  std::printf("# n=%zu d=%zu backend=%s threads=%d cpu_variant=%s reps=%d\n", n, d, backend_name.c_str(),
              agg::CpuThreads(), agg::CpuVariants().front().c_str(), reps);
  std::vector<float> m(n * d);
  {
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    for (float& v : m) v = normal(rng);
  }
  std::unique_ptr<agg::Input> x;
  const double prep = Seconds([&] {
    auto r = agg::Prepare(agg::MatrixView{m.data(), n, d}, *backend);
    Check(r.status());
    x = std::move(r).value();
  });
  std::printf("%-10s %9.4f s (prepare/upload)\n", "prepare", prep);
  std::vector<float> out(d);
  std::vector<double> gram(n * n);
  std::vector<double> norms(n);
  const size_t f = n / 10;
  // NNM-like groups: each row mixed with n - f rows (its own index and the following ones).
  std::vector<uint32_t> offsets = {0};
  std::vector<uint32_t> members;
  for (size_t g = 0; g < n; ++g) {
    for (size_t k = 0; k < n - f; ++k) members.push_back(static_cast<uint32_t>((g + k) % n));
    std::sort(members.end() - static_cast<std::ptrdiff_t>(n - f), members.end());
    offsets.push_back(static_cast<uint32_t>(members.size()));
  }
  std::vector<float> mixed;
  const std::vector<std::pair<std::string, std::function<void()>>> all = {
      {"median", [&] { Check(agg::CoordinateMedian(*x, {}, out)); }},
      {"trimmed", [&] { Check(agg::CoordinateTrimmedMean(*x, {}, f, out)); }},
      {"meamed", [&] { Check(agg::CoordinateMeanAroundMedian(*x, {}, n - f, out)); }},
      {"mean", [&] { Check(agg::CombineRows(*x, {.divisor = static_cast<float>(n)}, out)); }},
      {"gram", [&] { Check(agg::Gram(*x, gram)); }},
      {"norms", [&] { Check(agg::RowSqNorms(*x, norms)); }},
      {"subset", [&] {
         mixed.resize(n * d);
         Check(agg::SubsetMeans(*x, offsets, members, mixed));
       }},
  };
  for (const auto& [name, fn] : all) {
    if (("," + ops + ",").find("," + name + ",") == std::string::npos) continue;
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) t.push_back(Seconds(fn));
    std::sort(t.begin(), t.end());
    const double med = t[t.size() / 2];
    std::printf("%-10s %9.4f s  (min %.4f, max %.4f)  %6.2f GB/s\n", name.c_str(), med, t.front(), t.back(),
                static_cast<double>(n * d * 4) / med / 1e9);
  }
  return 0;
}
