#include "gateway/metrics.h"

#include <cstdio>
#include <sstream>

namespace cess::gateway {
namespace {

// Escapes a label value (backslash, double quote, newline).
std::string Label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

}  // namespace

void GatewayMetrics::ObserveHttp(std::string_view route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++http_[{std::string(route), status}];
  auto it = latency_.find(route);
  if (it == latency_.end()) it = latency_.emplace(std::string(route), Histogram{}).first;
  Histogram& h = it->second;
  size_t b = 0;
  while (b < kLatencyBucketsSeconds.size() && seconds > kLatencyBucketsSeconds[b]) ++b;
  ++h.buckets[b];
  ++h.count;
  h.sum += seconds;
}

void GatewayMetrics::ObserveRpc(std::string_view method, bool failed) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rpc_.find(method);
  if (it == rpc_.end()) it = rpc_.emplace(std::string(method), std::pair<uint64_t, uint64_t>{0, 0}).first;
  ++it->second.first;
  if (failed) ++it->second.second;
}

void GatewayMetrics::ObserveAgentCall(std::string_view url, bool failed) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = agents_.find(url);
  if (it == agents_.end()) it = agents_.emplace(std::string(url), AgentCounts{}).first;
  ++it->second.calls;
  if (failed) ++it->second.failures;
}

uint64_t GatewayMetrics::AgentCalls(std::string_view url) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = agents_.find(url);
  return it == agents_.end() ? 0 : it->second.calls;
}

std::string GatewayMetrics::Render(const std::map<std::string, std::string>& url_to_agent,
                                   const agenthub::Router* router) const {
  std::ostringstream o;
  std::lock_guard<std::mutex> lock(mu_);
  o << "# HELP cess_gateway_http_requests_total HTTP requests served, by route and status.\n"
    << "# TYPE cess_gateway_http_requests_total counter\n";
  for (const auto& [key, n] : http_) {
    o << "cess_gateway_http_requests_total{route=\"" << Label(key.first) << "\",code=\"" << key.second
      << "\"} " << n << "\n";
  }
  o << "# HELP cess_gateway_request_duration_seconds HTTP request latency, by route.\n"
    << "# TYPE cess_gateway_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b < h.buckets.size(); ++b) {
      cumulative += h.buckets[b];
      const std::string le = b < kLatencyBucketsSeconds.size() ? Num(kLatencyBucketsSeconds[b]) : "+Inf";
      o << "cess_gateway_request_duration_seconds_bucket{route=\"" << Label(route) << "\",le=\"" << le
        << "\"} " << cumulative << "\n";
    }
    o << "cess_gateway_request_duration_seconds_sum{route=\"" << Label(route) << "\"} " << Num(h.sum) << "\n"
      << "cess_gateway_request_duration_seconds_count{route=\"" << Label(route) << "\"} " << h.count << "\n";
  }
  o << "# HELP cess_gateway_rpc_requests_total JSON-RPC calls, by method.\n"
    << "# TYPE cess_gateway_rpc_requests_total counter\n";
  for (const auto& [method, c] : rpc_) {
    o << "cess_gateway_rpc_requests_total{method=\"" << Label(method) << "\"} " << c.first << "\n";
  }
  o << "# HELP cess_gateway_rpc_failures_total JSON-RPC calls answered with an error, by method.\n"
    << "# TYPE cess_gateway_rpc_failures_total counter\n";
  for (const auto& [method, c] : rpc_) {
    o << "cess_gateway_rpc_failures_total{method=\"" << Label(method) << "\"} " << c.second << "\n";
  }
  auto agent_label = [&](const std::string& url) {
    auto it = url_to_agent.find(url);
    return it == url_to_agent.end() ? url : it->second;
  };
  o << "# HELP cess_gateway_agent_calls_total Calls forwarded to each agent (fallback attempts included).\n"
    << "# TYPE cess_gateway_agent_calls_total counter\n";
  for (const auto& [url, c] : agents_) {
    o << "cess_gateway_agent_calls_total{agent=\"" << Label(agent_label(url)) << "\"} " << c.calls << "\n";
  }
  o << "# HELP cess_gateway_agent_failures_total Forwarded calls that failed (connection error, timeout, "
       "5xx, 429).\n"
    << "# TYPE cess_gateway_agent_failures_total counter\n";
  for (const auto& [url, c] : agents_) {
    o << "cess_gateway_agent_failures_total{agent=\"" << Label(agent_label(url)) << "\"} " << c.failures
      << "\n";
  }
  if (router != nullptr && !url_to_agent.empty()) {
    std::map<std::string, agenthub::EndpointSnapshot> snaps;
    for (const auto& [url, id] : url_to_agent) snaps.emplace(id, router->Snapshot(id));
    o << "# HELP cess_gateway_agent_in_flight Calls in flight to each agent.\n"
      << "# TYPE cess_gateway_agent_in_flight gauge\n";
    for (const auto& [id, s] : snaps)
      o << "cess_gateway_agent_in_flight{agent=\"" << Label(id) << "\"} " << s.in_flight << "\n";
    o << "# HELP cess_gateway_agent_peak_ewma_seconds Peak-EWMA latency estimate of each agent.\n"
      << "# TYPE cess_gateway_agent_peak_ewma_seconds gauge\n";
    for (const auto& [id, s] : snaps) {
      o << "cess_gateway_agent_peak_ewma_seconds{agent=\"" << Label(id) << "\"} "
        << Num(s.peak_ewma_micros / 1e6) << "\n";
    }
    o << "# HELP cess_gateway_agent_healthy 1 when the last health checks passed.\n"
      << "# TYPE cess_gateway_agent_healthy gauge\n";
    for (const auto& [id, s] : snaps)
      o << "cess_gateway_agent_healthy{agent=\"" << Label(id) << "\"} " << (s.healthy ? 1 : 0) << "\n";
    o << "# HELP cess_gateway_agent_cooldowns_total Times each agent entered cooldown.\n"
      << "# TYPE cess_gateway_agent_cooldowns_total counter\n";
    for (const auto& [id, s] : snaps)
      o << "cess_gateway_agent_cooldowns_total{agent=\"" << Label(id) << "\"} " << s.cooldowns << "\n";
  }
  return o.str();
}

void CountingForwarder::Count(const std::string& url, const Result<agenthub::HttpResponse>& r) {
  const bool failed = !r.ok() || r->status >= 500 || r->status == 429;
  metrics_.ObserveAgentCall(url, failed);
}

Result<agenthub::HttpResponse> CountingForwarder::Post(const agenthub::HttpRequest& request) {
  auto r = inner_.Post(request);
  Count(request.url, r);
  return r;
}

Result<agenthub::HttpResponse> CountingForwarder::PostStream(
    const agenthub::HttpRequest& request, const std::function<Status(const agenthub::SseEvent&)>& on_event) {
  auto r = inner_.PostStream(request, on_event);
  Count(request.url, r);
  return r;
}

Result<agenthub::HttpResponse> CountingForwarder::Get(const agenthub::HttpRequest& request) {
  return inner_.Get(request);
}

}  // namespace cess::gateway
