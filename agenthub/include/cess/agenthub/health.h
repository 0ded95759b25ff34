// Active health checks: GET each agent's card URL every interval; `unhealthy_after` consecutive
// failures mark it unhealthy, `healthy_after` consecutive successes mark it healthy again. The
// verdicts feed Router::SetHealthy (the router ignores health when every candidate is unhealthy).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "cess/agenthub/agent.h"
#include "cess/agenthub/forwarder.h"
#include "cess/agenthub/router.h"
#include "cess/core/status.h"

namespace cess::agenthub {

struct HealthOptions {
  int64_t interval_micros = 5'000'000;  // between rounds (Start); default 5 s
  int64_t timeout_micros = 1'000'000;   // per probe; default 1 s
  uint32_t unhealthy_after = 3;         // consecutive failures; default 3
  uint32_t healthy_after = 1;           // consecutive successes; default 1
};

// Thread-safe.
class HealthChecker {
 public:
  HealthChecker(const AgentDirectory& directory, Router& router, Forwarder& forwarder,
                HealthOptions options = {});
  ~HealthChecker();  // stops the background thread
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Probes every Active agent once (sequentially) and updates the router. A probe succeeds on an
  // HTTP 200 whose body parses as a JSON object. Errors: the directory's error.
  Status CheckOnce();
  // Runs CheckOnce every interval on a background thread. Errors: FailedPrecondition when started.
  Status Start();
  void Stop();
  // The current verdict for an agent (true for one never probed).
  bool IsHealthy(const std::string& agent_id) const;

 private:
  void Loop();
  const AgentDirectory& directory_;
  Router& router_;
  Forwarder& forwarder_;
  const HealthOptions options_;
  struct Counts {
    uint32_t failures = 0;
    uint32_t successes = 0;
    bool healthy = true;
  };
  mutable std::mutex mu_;
  std::map<std::string, Counts> counts_;  // guarded by mu_
  std::thread thread_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
};

}  // namespace cess::agenthub
