#include "cess/agenthub/health.h"

#include <chrono>

#include <nlohmann/json.hpp>

namespace cess::agenthub {

HealthChecker::HealthChecker(const AgentDirectory& directory, Router& router, Forwarder& forwarder,
                             HealthOptions options)
    : directory_(directory), router_(router), forwarder_(forwarder), options_(options) {}

HealthChecker::~HealthChecker() { Stop(); }

Status HealthChecker::CheckOnce() {
  CESS_ASSIGN_OR_RETURN(std::vector<AgentInfo> agents, directory_.ListAgents());
  for (const AgentInfo& a : agents) {
    if (a.status != AgentStatus::kActive) continue;
    HttpRequest req;
    req.url = a.HealthUrl();
    req.timeout_micros = options_.timeout_micros;
    Result<HttpResponse> resp = forwarder_.Get(req);
    bool ok = resp.ok() && resp->status == 200;
    if (ok) {
      nlohmann::json j = nlohmann::json::parse(resp->body, nullptr, false);
      ok = !j.is_discarded() && j.is_object();
    }
    bool verdict;
    {
      std::lock_guard lock(mu_);
      Counts& c = counts_[a.id];
      if (ok) {
        c.failures = 0;
        ++c.successes;
        if (!c.healthy && c.successes >= options_.healthy_after) c.healthy = true;
      } else {
        c.successes = 0;
        ++c.failures;
        if (c.healthy && c.failures >= options_.unhealthy_after) c.healthy = false;
      }
      verdict = c.healthy;
    }
    router_.SetHealthy(a.id, verdict);
  }
  return Status::Ok();
}

Status HealthChecker::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return Status::FailedPrecondition("health checker already started");
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void HealthChecker::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool HealthChecker::IsHealthy(const std::string& agent_id) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(agent_id);
  return it == counts_.end() || it->second.healthy;
}

void HealthChecker::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    (void)CheckOnce();  // a directory error just skips this round
    lock.lock();
    cv_.wait_for(lock, std::chrono::microseconds(options_.interval_micros), [this] { return stop_; });
  }
}

}  // namespace cess::agenthub
