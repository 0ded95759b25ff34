// A small fixed pool of threads for data-parallel loops (signature checks). Not a public interface.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cess::chain::runtime {

class WorkerPool {
 public:
  // `threads` counts the calling thread: threads - 1 workers are started (none for 1 or less).
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Calls fn(i) for every i in [0, n), on the caller and the workers; returns when all are done.
  // When another loop is running, this one runs on the caller alone. fn must not throw.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

 private:
  void WorkerLoop();
  void RunItems(const std::function<void(size_t)>& fn, size_t n);

  std::vector<std::thread> workers_;
  std::mutex job_mu_;  // held by the caller of the running loop
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  const std::function<void(size_t)>* fn_ = nullptr;  // guarded by mu_
  size_t n_ = 0;
  std::atomic<size_t> next_{0};
  uint64_t generation_ = 0;  // guarded by mu_
  int busy_ = 0;             // workers inside the current loop; guarded by mu_
  bool stop_ = false;        // guarded by mu_
};

}  // namespace cess::chain::runtime
