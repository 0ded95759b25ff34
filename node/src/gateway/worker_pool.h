// A fixed pool of threads running queued tasks: where the gateway runs Hub::Handle, which blocks
// until the agent answers, so the Beast event loop never waits on an agent.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cess::gateway {

// Thread-safe.
class WorkerPool {
 public:
  // Starts `threads` threads (at least 1).
  explicit WorkerPool(size_t threads);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`. Returns false (and drops the task) after Stop.
  bool Submit(std::function<void()> task);
  // Runs the tasks already queued, then joins the threads. Idempotent.
  void Stop();
  size_t size() const { return threads_.size(); }

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stop_ = false;                        // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace cess::gateway
