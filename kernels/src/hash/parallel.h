// Internal: split a loop over a few CPU threads (the box running the cpu backend has 2 cores).
#pragma once

#include <algorithm>
#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

#include "cess/core/status.h"

namespace cess::kernels::hash::internal {

// Threads to use for `cpu_threads` (HasherOptions): 0 means one per hardware thread, at most 4.
inline int ResolveCpuThreads(int cpu_threads) {
  if (cpu_threads > 0) return cpu_threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(hw, 1u, 4u));
}

// Splits [0, n) into at most `parts` contiguous ranges of about equal total weight(i) and runs
// fn(begin, end) -> Status on each: one range on the calling thread, the others on new threads
// (inline if a thread cannot be started). Returns the first error in range order.
template <typename WeightFn, typename Fn>
Status ParallelRanges(size_t n, int parts, WeightFn&& weight, Fn&& fn) {
  if (parts <= 1 || n <= 1) return fn(size_t{0}, n);
  parts = static_cast<int>(std::min<size_t>(static_cast<size_t>(parts), n));
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += static_cast<double>(weight(i));
  // Range boundaries at equal shares of the total weight.
  std::vector<size_t> bounds{0};
  double acc = 0;
  int next_part = 1;
  for (size_t i = 0; i < n && next_part < parts; ++i) {
    acc += static_cast<double>(weight(i));
    if (acc >= total * next_part / parts) {
      if (i + 1 > bounds.back() && i + 1 < n) bounds.push_back(i + 1);
      ++next_part;
    }
  }
  bounds.push_back(n);
  const size_t ranges = bounds.size() - 1;
  std::vector<Status> results(ranges);
  std::vector<std::thread> threads;
  threads.reserve(ranges);
  for (size_t r = 1; r < ranges; ++r) {
    try {
      threads.emplace_back([&, r] { results[r] = fn(bounds[r], bounds[r + 1]); });
    } catch (const std::system_error&) {
      results[r] = fn(bounds[r], bounds[r + 1]);
    }
  }
  results[0] = fn(bounds[0], bounds[1]);
  for (std::thread& t : threads) t.join();
  for (Status& s : results) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace cess::kernels::hash::internal
