// The gateway's Prometheus metrics (GET /metrics, text exposition format 0.0.4): HTTP requests by
// route and status, JSON-RPC requests by method and their failures, a request latency histogram,
// and per-agent calls and failures (counted by CountingForwarder) plus the router's live state.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cess/agenthub/forwarder.h"
#include "cess/agenthub/router.h"

namespace cess::gateway {

// Latency histogram bucket bounds in seconds (Prometheus `le`), plus +Inf.
inline constexpr std::array<double, 14> kLatencyBucketsSeconds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// Thread-safe: every method may be called from any thread.
class GatewayMetrics {
 public:
  // One HTTP request finished: `route` is a fixed label ("a2a", "agents", "agent", "card",
  // "metrics", "healthz", "other"), `status` its HTTP status, `seconds` its duration.
  void ObserveHttp(std::string_view route, int status, double seconds);
  // One JSON-RPC call (each element of a batch counts): `method` is the name as sent ("" when it
  // could not be read); `failed` when the reply carried an error.
  void ObserveRpc(std::string_view method, bool failed);
  // One forwarded call to an agent endpoint: failed on a transport error, 5xx or 429.
  void ObserveAgentCall(std::string_view url, bool failed);

  // Agent calls counted so far for `url` (tests).
  uint64_t AgentCalls(std::string_view url) const;

  // The exposition text. `url_to_agent` names the agent behind each endpoint URL (calls to an
  // unknown URL are labelled by the URL); `router` (may be null) adds the live per-agent gauges
  // for the ids in `url_to_agent`.
  std::string Render(const std::map<std::string, std::string>& url_to_agent,
                     const agenthub::Router* router) const;

 private:
  struct Histogram {
    std::array<uint64_t, kLatencyBucketsSeconds.size() + 1> buckets{};  // non-cumulative; last = +Inf
    uint64_t count = 0;
    double sum = 0;
  };
  struct AgentCounts {
    uint64_t calls = 0;
    uint64_t failures = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> http_;                   // (route, status) -> count
  std::map<std::string, Histogram, std::less<>> latency_;                  // route -> histogram
  std::map<std::string, std::pair<uint64_t, uint64_t>, std::less<>> rpc_;  // method -> (calls, failures)
  std::map<std::string, AgentCounts, std::less<>> agents_;                 // url -> counts
};

// A Forwarder decorator that counts every call into GatewayMetrics, then delegates. Thread-safe
// as the wrapped forwarder. Both references must outlive it.
class CountingForwarder final : public agenthub::Forwarder {
 public:
  CountingForwarder(agenthub::Forwarder& inner, GatewayMetrics& metrics) : inner_(inner), metrics_(metrics) {}
  Result<agenthub::HttpResponse> Post(const agenthub::HttpRequest& request) override;
  Result<agenthub::HttpResponse> PostStream(
      const agenthub::HttpRequest& request,
      const std::function<Status(const agenthub::SseEvent&)>& on_event) override;
  // Health probes are not counted as calls.
  Result<agenthub::HttpResponse> Get(const agenthub::HttpRequest& request) override;

 private:
  void Count(const std::string& url, const Result<agenthub::HttpResponse>& r);
  agenthub::Forwarder& inner_;
  GatewayMetrics& metrics_;
};

}  // namespace cess::gateway
