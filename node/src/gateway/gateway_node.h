// The gateway role of cessd (issue 6 §2): the AI Agent Hub's HTTP front over the agents registered
// on the chain. It runs alone, as a client of a chain node ([gateway] chain_api): it reads the
// registry (ChainAgentDirectory), routes and forwards A2A calls (agenthub::Hub on an HttpForwarder),
// probes agents (HealthChecker), and reports metered usage as one agents.report_usage transaction
// per [gateway] flush_ms, signed with [keys] account (registered as a hub at start).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "cess/agenthub/health.h"
#include "cess/agenthub/http_forwarder.h"
#include "cess/agenthub/hub.h"
#include "cess/agenthub/metering.h"
#include "cess/agenthub/router.h"
#include "cess/core/result.h"
#include "cessd/node_client.h"
#include "cessd/node_config.h"
#include "cessd/tx_submitter.h"
#include "gateway/chain_directory.h"
#include "gateway/chain_usage_sink.h"
#include "gateway/http_server.h"
#include "gateway/metrics.h"

namespace cess::gateway {

class GatewayNode {
 public:
  // Loads the account key, connects to the chain node (waiting up to 60 s for it to answer),
  // registers the hub (a failure is logged and retried at the first usage flush), and starts the
  // HTTP server, the health checker and the usage meter. Errors: InvalidArgument for a bad
  // strategy; the key file's errors; Unavailable when the node never answers; the server's.
  static Result<std::unique_ptr<GatewayNode>> Open(const node::NodeConfig& config);
  // Stops everything (a last usage flush included).
  ~GatewayNode();

  // Blocks until `stop` becomes true, then stops the server and flushes usage once more.
  Status Run(const std::atomic<bool>& stop);
  // "http://host:port/" of the HTTP front.
  std::string url() const { return server_ ? server_->url() : ""; }

 private:
  GatewayNode() = default;
  Status Shutdown();

  node::NodeConfig config_;
  std::unique_ptr<node::NodeClient> node_;
  std::unique_ptr<node::TxSubmitter> tx_;
  std::unique_ptr<ChainAgentDirectory> directory_;
  std::unique_ptr<agenthub::Router> router_;
  std::unique_ptr<agenthub::HttpForwarder> http_;
  std::unique_ptr<GatewayMetrics> metrics_;
  std::unique_ptr<CountingForwarder> forwarder_;
  std::unique_ptr<ChainUsageSink> sink_;
  std::unique_ptr<agenthub::UsageMeter> meter_;
  std::unique_ptr<agenthub::HealthChecker> health_;
  std::unique_ptr<agenthub::Hub> hub_;
  std::unique_ptr<GatewayServer> server_;
  bool shut_down_ = false;
};

}  // namespace cess::gateway
