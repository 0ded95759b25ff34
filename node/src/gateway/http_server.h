// The gateway's HTTP/1.1 front (issue 6 §2, §4; DESIGN.md §10) on Boost.Beast, asynchronous with
// keep-alive: an io_context on `io_threads` threads accepts and reads requests; every request is
// handled on a WorkerPool (Hub::Handle blocks until the agent answers) and its reply written back
// asynchronously. Routes:
//
//   GET  /.well-known/agent-card.json   the hub's own Agent Card (1.0 + 0.3 members, so 0.3 clients
//                                       such as @a2a-js/sdk find `url`); also /.well-known/agent.json
//   POST / and POST /a2a                A2A JSON-RPC 2.0 (SendMessage, SendStreamingMessage, GetTask,
//                                       CancelTask and the 0.3 names) through Hub::Handle; a streamed
//                                       reply goes out as text/event-stream, each event as it arrives;
//                                       a reply with no body (notifications only) is 204
//   GET  /api/v1/agents?skill=&tag=&q=  registered agents matching the query: {"agents":[...]}
//   GET  /api/v1/agents/{id}            one agent with its card, registry record and live state
//   GET  /metrics                       Prometheus text
//   GET  /healthz                       {"status":"ok","agents":N} (503 when the catalog is unreadable)
//
// REST errors are real HTTP status codes with {"error":{"code":<http status>,"message":...}}; JSON-RPC
// errors travel in the JSON-RPC body (HTTP 200), except a POST whose Content-Type is not JSON
// (415, with a JSON-RPC -32600 error body).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "cess/agenthub/hub.h"
#include "cess/agenthub/router.h"
#include "cess/core/result.h"
#include "cess/core/status.h"
#include "gateway/agent_catalog.h"
#include "gateway/metrics.h"

namespace cess::gateway {

struct GatewayServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free port
  std::string public_url;              // the URL written into the hub's card; empty: http://<bound address>/
  std::string name = "CESS Agent Hub";
  std::string description =
      "Routes A2A calls to the agents registered on the CESS chain, by skill, load, "
      "latency, reputation and price, with failover.";
  size_t io_threads = 2;              // event-loop threads; default 2
  size_t workers = 64;                // threads running Hub::Handle; default 64
  size_t body_limit = 4 << 20;        // largest request body accepted; default 4 MiB
  int64_t idle_timeout_ms = 120'000;  // a keep-alive connection idle this long is closed
  int64_t write_timeout_ms = 30'000;  // one write (a reply or one SSE event) may take this long
};

// Thread-safe. The hub, catalog, router and metrics must outlive the server.
class GatewayServer {
 public:
  GatewayServer(agenthub::Hub& hub, const AgentCatalog& catalog, const agenthub::Router& router,
                GatewayMetrics& metrics, GatewayServerOptions options = {});
  ~GatewayServer();  // Stop()
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;

  // Binds the listen address and starts the threads. Errors: InvalidArgument for a malformed
  // address; IoError when it cannot be bound; FailedPrecondition when already started.
  Status Start();
  // Stops accepting, closes connections, finishes the queued work and joins all threads.
  // Idempotent; in-flight agent calls run to their end (their replies are dropped).
  void Stop();
  // "host:port" actually bound (after Start).
  std::string address() const;
  // "http://host:port/" (after Start).
  std::string url() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cess::gateway
