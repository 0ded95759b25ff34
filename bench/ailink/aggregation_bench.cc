// CPU aggregation time of the robust rules against naive baselines, side by side.
//
//   cess_aggregation_bench [--n 10,25,100] [--d 1e5,1e6,1e7] [--rules mean,cwmed,cwtm,krum,nnm|cwtm]
//                          [--naive median,trimmed,krum] [--reps 3] [--threads 0]
//                          [--backend cpu] [--max-gb 4.5] [--naive-max-gb 4.5]
//
// "Ours" runs robust::Aggregator on the chosen backend (rule strings as in aggregator.h). The
// naive baselines are what a straightforward implementation does on the row-major matrix, split
// over the same threads:
//   median   per coordinate: strided gather of the n values + std::nth_element (even n: the two
//            middle values averaged)
//   trimmed  per coordinate: strided gather + full std::sort, sum of the middle n-2f in double
//   krum     per pair: a direct loop sum (x_i - x_j)^2 in double, then Krum scores
// f = n/10. Prints one markdown row per (n, d, method): median and min wall seconds over the
// reps, and the median process CPU seconds divided by the thread count ("cpu/thr"). On a shared
// machine where other work takes cores, cpu/thr is a lower bound on the wall time the run would
// have had with its cores to itself (equal when the threads never wait and run as fast side by
// side as alone; on SMT siblings or under a lower all-core clock they do not).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cess/ailink/robust/aggregator.h"
#include "cess/ailink/robust/rules.h"
#include "cess/kernels/aggregate.h"
#include "bench_util.h"

namespace agg = cess::kernels::aggregate;
namespace robust = cess::ailink::robust;
using cess::kernels::Backend;

namespace {

using cess::bench::SplitList;

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Runs fn(begin, end) over [0, total) split evenly across `threads` threads.
void Split(size_t total, int threads, const std::function<void(size_t, size_t)>& fn) {
  std::vector<std::thread> pool;
  const size_t t = static_cast<size_t>(std::max(1, threads));
  for (size_t k = 1; k < t; ++k) pool.emplace_back(fn, total * k / t, total * (k + 1) / t);
  fn(0, total / t);
  for (auto& th : pool) th.join();
}

void NaiveMedian(const float* x, size_t n, size_t d, float* out, int threads) {
  Split(d, threads, [&](size_t c0, size_t c1) {
    std::vector<float> v(n);
    for (size_t c = c0; c < c1; ++c) {
      for (size_t i = 0; i < n; ++i) v[i] = x[i * d + c];
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n / 2), v.end());
      float med = v[n / 2];
      if (n % 2 == 0) {
        const float lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n / 2));
        med = (lower + med) * 0.5f;
      }
      out[c] = med;
    }
  });
}

void NaiveTrimmedMean(const float* x, size_t n, size_t d, size_t f, float* out, int threads) {
  Split(d, threads, [&](size_t c0, size_t c1) {
    std::vector<float> v(n);
    for (size_t c = c0; c < c1; ++c) {
      for (size_t i = 0; i < n; ++i) v[i] = x[i * d + c];
      std::sort(v.begin(), v.end());
      double s = 0;
      for (size_t i = f; i < n - f; ++i) s += v[i];
      out[c] = static_cast<float>(s / static_cast<double>(n - 2 * f));
    }
  });
}

size_t NaiveKrum(const float* x, size_t n, size_t d, size_t f, int threads) {
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) pairs.emplace_back(i, j);
  }
  std::vector<double> dist(n * n, 0.0);
  Split(pairs.size(), threads, [&](size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; ++p) {
      const float* a = x + pairs[p].first * d;
      const float* b = x + pairs[p].second * d;
      double s = 0;
      for (size_t c = 0; c < d; ++c) {
        const double diff = static_cast<double>(a[c]) - b[c];
        s += diff * diff;
      }
      dist[pairs[p].first * n + pairs[p].second] = dist[pairs[p].second * n + pairs[p].first] = s;
    }
  });
  const std::vector<double> scores = robust::KrumScores(dist, n, n - f - 2);
  return static_cast<size_t>(std::min_element(scores.begin(), scores.end()) - scores.begin());
}

struct Timing {
  double median;
  double min;
  double cpu_median;  // process CPU seconds, median over the reps
};

Timing Time(int reps, const std::function<void()>& fn) {
  std::vector<double> t, cpu;
  for (int r = 0; r < reps; ++r) {
    const double c0 = ProcessCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    cpu.push_back(ProcessCpuSeconds() - c0);
  }
  std::sort(t.begin(), t.end());
  std::sort(cpu.begin(), cpu.end());
  return {t[t.size() / 2], t.front(), cpu[cpu.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  std::string ns = "10,25,100";
  std::string ds = "1e5,1e6,1e7";
  std::string rules = "mean,cwmed,cwtm,krum,nnm|cwtm";
  std::string naive = "median,trimmed,krum";
  std::string backend_name = "cpu";
  int reps = 3;
  int threads = 0;
  double max_gb = 4.5;
  double naive_max_gb = 4.5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string v = argv[i + 1];
    if (flag == "--n") ns = v;
    else if (flag == "--d") ds = v;
    else if (flag == "--rules") rules = v;
    else if (flag == "--naive") naive = v == "none" ? "" : v;
    else if (flag == "--reps") reps = std::atoi(v.c_str());
    else if (flag == "--threads") threads = std::atoi(v.c_str());
    else if (flag == "--backend") backend_name = v;
    else if (flag == "--max-gb") max_gb = std::atof(v.c_str());
    else if (flag == "--naive-max-gb") naive_max_gb = std::atof(v.c_str());
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  auto backend = cess::kernels::ParseBackend(backend_name);
  if (!backend.ok()) {
    std::fprintf(stderr, "%s\n", backend.status().ToString().c_str());
    return 2;
  }
  agg::SetCpuThreads(threads);
  const int nthreads = agg::CpuThreads();
  std::printf(
      "# threads=%d cpu_variant=%s backend=%s reps=%d (f = n/10; wall seconds: median of reps, min; cpu/thr: "
      "median process CPU seconds / threads)\n",
      nthreads, agg::CpuVariants().front().c_str(), backend_name.c_str(), reps);
  std::printf("| n | d | method | median s | min s | cpu/thr s |\n|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  for (const std::string& n_text : SplitList(ns)) {
    for (const std::string& d_text : SplitList(ds)) {
      const size_t n = std::strtoull(n_text.c_str(), nullptr, 10);
      const size_t d = static_cast<size_t>(std::strtod(d_text.c_str(), nullptr));
      const double gb = static_cast<double>(n * d * 4) / 1e9;
      if (gb > max_gb) continue;
      const size_t f = n / 10;
      std::vector<float> m(n * d);
      {
        std::mt19937 rng(static_cast<unsigned>(n * 31 + d));
        std::normal_distribution<float> normal;
        for (float& v : m) v = normal(rng);
      }
      const cess::ailink::MatrixView view{m.data(), n, d};
      for (const std::string& rule : SplitList(rules)) {
        auto a = robust::Aggregator::Create(rule);
        if (!a.ok()) {
          std::fprintf(stderr, "%s\n", a.status().ToString().c_str());
          return 2;
        }
        const Timing t = Time(reps, [&] {
          auto r = (*a)->Aggregate(view, f, {.backend = *backend});
          if (!r.ok()) {
            std::fprintf(stderr, "%s: %s\n", rule.c_str(), r.status().ToString().c_str());
            std::exit(1);
          }
        });
        std::printf("| %zu | %g | %s | %.4f | %.4f | %.4f |\n", n, static_cast<double>(d), rule.c_str(), t.median, t.min,
                    t.cpu_median / nthreads);
        std::fflush(stdout);
      }
      if (gb > naive_max_gb) continue;
      std::vector<float> out(d);
      for (const std::string& method : SplitList(naive)) {
        Timing t{};
        if (method == "median") {
          t = Time(reps, [&] { NaiveMedian(m.data(), n, d, out.data(), nthreads); });
        } else if (method == "trimmed") {
          t = Time(reps, [&] { NaiveTrimmedMean(m.data(), n, d, f, out.data(), nthreads); });
        } else if (method == "krum") {
          if (n <= 2 * f + 2) continue;
          t = Time(reps, [&] { (void)NaiveKrum(m.data(), n, d, f, nthreads); });
        } else {
          std::fprintf(stderr, "unknown naive method %s\n", method.c_str());
          return 2;
        }
        std::printf("| %zu | %g | naive %s | %.4f | %.4f | %.4f |\n", n, static_cast<double>(d), method.c_str(),
                    t.median, t.min, t.cpu_median / nthreads);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
