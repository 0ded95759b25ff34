// The Forwarder on Boost.Beast: blocking calls with deadlines, and a keep-alive connection pool per
// agent endpoint (host:port). Boost types stay in the .cc.
#pragma once

#include <cstdint>
#include <memory>

#include "cess/agenthub/forwarder.h"

namespace cess::agenthub {

struct HttpForwarderOptions {
  size_t max_idle_per_endpoint = 64;  // idle keep-alive connections kept per host:port; default 64
};

// Thread-safe: any number of threads may call at once; each call uses its own connection (taken
// from the pool or newly opened) and returns it to the pool when the reply allows keep-alive.
// A pooled connection that turns out closed by the peer is retried once on a fresh one before the
// request is reported as failed (only when nothing of the reply was read).
class HttpForwarder final : public Forwarder {
 public:
  explicit HttpForwarder(HttpForwarderOptions options = {});
  ~HttpForwarder() override;
  HttpForwarder(const HttpForwarder&) = delete;
  HttpForwarder& operator=(const HttpForwarder&) = delete;

  Result<HttpResponse> Post(const HttpRequest& request) override;
  Result<HttpResponse> PostStream(const HttpRequest& request,
                                  const std::function<Status(const SseEvent&)>& on_event) override;
  Result<HttpResponse> Get(const HttpRequest& request) override;

  // Connections opened so far (for tests of keep-alive).
  uint64_t connections_opened() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cess::agenthub
