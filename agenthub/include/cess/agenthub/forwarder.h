// The seam between the hub and the network: send a JSON-RPC body to an agent, or stream its SSE
// reply. HttpForwarder (http_forwarder.h) is the real one on Boost.Beast; tests may fake it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cess/agenthub/sse.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::agenthub {

struct HttpRequest {
  std::string url;                 // "http://host:port/path" (https is not supported)
  std::string body;                // POST body; empty for GET
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  int64_t timeout_micros = 30'000'000;  // whole exchange; default 30 s
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string retry_after;  // the Retry-After header, verbatim
  std::string body;         // empty for a streamed (text/event-stream) reply
  uint64_t events = 0;      // SSE events delivered (streamed replies)
};

// Thread safety: implementations must allow concurrent calls.
class Forwarder {
 public:
  virtual ~Forwarder() = default;
  // POSTs the request and returns the reply, whatever its HTTP status.
  // Errors: InvalidArgument for a bad URL; DeadlineExceeded when the timeout passes;
  // Unavailable when the connection cannot be made or breaks.
  virtual Result<HttpResponse> Post(const HttpRequest& request) = 0;
  // POSTs the request with "Accept: text/event-stream". When the reply is an event stream, each
  // event goes to `on_event` as it arrives (in order) and the returned body is empty; otherwise
  // the reply is returned as Post would. An error from `on_event` aborts the stream and is
  // returned. Errors: as Post (a timeout counts for the whole stream).
  virtual Result<HttpResponse> PostStream(const HttpRequest& request,
                                          const std::function<Status(const SseEvent&)>& on_event) = 0;
  // GETs request.url (health checks). Errors: as Post.
  virtual Result<HttpResponse> Get(const HttpRequest& request) = 0;
};

// A parsed "http://host[:port][/path]" URL.
struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";  // path and query
  // "host:port", the connection-pool key.
  std::string Authority() const { return host + ":" + std::to_string(port); }
};
// Errors: InvalidArgument for another scheme, a missing host or a bad port.
Result<HttpUrl> ParseHttpUrl(const std::string& url);

}  // namespace cess::agenthub
