#include "worker_pool.h"

namespace cess::chain::runtime {

WorkerPool::WorkerPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void WorkerPool::RunItems(const std::function<void(size_t)>& fn, size_t n) {
  for (size_t i = next_.fetch_add(1); i < n; i = next_.fetch_add(1)) fn(i);
}

void WorkerPool::WorkerLoop() {
  uint64_t seen = 0;
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    const std::function<void(size_t)>* fn = fn_;
    const size_t n = n_;
    if (fn == nullptr) continue;  // woke after that loop ended
    ++busy_;
    lock.unlock();
    RunItems(*fn, n);
    lock.lock();
    if (--busy_ == 0) done_cv_.notify_all();
  }
}

void WorkerPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  std::unique_lock job(job_mu_, std::try_to_lock);
  if (workers_.empty() || n < 2 || !job.owns_lock()) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  {
    std::lock_guard lock(mu_);
    fn_ = &fn;
    n_ = n;
    next_.store(0);
    ++generation_;
  }
  cv_.notify_all();
  RunItems(fn, n);
  std::unique_lock lock(mu_);
  // Every item has been claimed; wait until the workers that joined this loop have finished.
  done_cv_.wait(lock, [&] { return busy_ == 0; });
  fn_ = nullptr;
}

}  // namespace cess::chain::runtime
