// How one forwarded call ended, and the failover policy that follows from it.
#pragma once

#include <cstdint>
#include <string>

namespace cess::agenthub {

struct Outcome {
  enum class Kind : uint8_t {
    kSuccess,          // HTTP 2xx with a usable reply
    kHttpError,        // the agent answered with a non-2xx status (see http_status)
    kTimeout,          // no complete reply within the deadline
    kConnectionError,  // could not connect, or the connection broke
    kBadResponse,      // 2xx but the body is not a JSON-RPC response
  };
  Kind kind = Kind::kSuccess;
  int http_status = 200;
  int64_t latency_micros = 0;
  std::string retry_after;  // the Retry-After header verbatim (seconds or HTTP-date); empty = absent

  static Outcome Success(int64_t latency) { return {Kind::kSuccess, 200, latency, {}}; }
  static Outcome Http(int status, int64_t latency, std::string retry_after = {}) {
    return {Kind::kHttpError, status, latency, std::move(retry_after)};
  }
  static Outcome Timeout(int64_t latency) { return {Kind::kTimeout, 0, latency, {}}; }
  static Outcome ConnectionError(int64_t latency) { return {Kind::kConnectionError, 0, latency, {}}; }
  static Outcome BadResponse(int64_t latency) { return {Kind::kBadResponse, 200, latency, {}}; }

  bool ok() const { return kind == Kind::kSuccess; }
  // True when the agent is to blame: 5xx, 429, timeout, connection error, bad response. Other 4xx
  // are the caller's fault and do not count against the agent.
  bool CountsAsFailure() const;
  // The failover policy: try the next fallback within the same request on 5xx, 429, timeout,
  // connection error or a bad response; never on another 4xx (the next agent would refuse too).
  bool ShouldFailover() const;
};

// Parses a Retry-After value: delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00
// GMT", RFC 9110 IMF-fixdate) relative to `wall_now_micros`. Returns the delay in microseconds
// (0 for a date in the past), or -1 when the value is empty or unparseable.
int64_t ParseRetryAfter(const std::string& value, int64_t wall_now_micros);

}  // namespace cess::agenthub
