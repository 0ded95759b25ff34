#include "gateway/gateway_node.h"

#include <chrono>
#include <random>
#include <thread>

#include "cess/agenthub/clock.h"
#include "cess/agenthub/strategy.h"
#include "cess/core/keyfile.h"
#include "cess/core/log.h"

namespace cess::gateway {
namespace {

const log::Logger kLog("gateway");

}  // namespace

Result<std::unique_ptr<GatewayNode>> GatewayNode::Open(const node::NodeConfig& config) {
  const node::GatewayConfig& gc = config.gateway;
  auto strategy = agenthub::ParseStrategy(gc.strategy);
  if (!strategy) return Status::InvalidArgument("unknown gateway.strategy '" + gc.strategy + "'");
  std::unique_ptr<GatewayNode> g(new GatewayNode());
  g->config_ = config;
  CESS_ASSIGN_OR_RETURN(auto key, crypto::LoadEd25519Key(config.account_key_path));
  CESS_ASSIGN_OR_RETURN(g->node_, node::NodeClient::Connect(gc.chain_api, 10000));
  Result<node::v1::StatusResponse> status = Status::Unavailable("not asked yet");
  for (int i = 0; i < 300; ++i) {
    status = g->node_->Status();
    if (status.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!status.ok()) return status.status().WithContext("chain node " + gc.chain_api);
  g->tx_ = std::make_unique<node::TxSubmitter>(*g->node_, std::move(key));

  g->directory_ = std::make_unique<ChainAgentDirectory>(*g->node_);
  agenthub::RouterOptions ro;
  ro.seed = gc.seed != 0 ? gc.seed : std::random_device{}();
  ro.default_strategy = *strategy;
  g->router_ = std::make_unique<agenthub::Router>(agenthub::RealClock(), ro);
  g->http_ = std::make_unique<agenthub::HttpForwarder>();
  g->metrics_ = std::make_unique<GatewayMetrics>();
  g->forwarder_ = std::make_unique<CountingForwarder>(*g->http_, *g->metrics_);
  ChainUsageSinkOptions so;
  so.hub_name = gc.hub_name;
  g->sink_ = std::make_unique<ChainUsageSink>(*g->node_, *g->tx_, so);
  if (Status s = g->sink_->EnsureHub(); !s.ok()) {
    kLog.Warn("hub registration failed (retried at the first usage flush): {}", s.ToString());
  }
  agenthub::UsageMeterOptions mo;
  mo.hub_id = g->tx_->account().ToHex();
  mo.flush_interval_micros = static_cast<int64_t>(gc.flush_ms) * 1000;
  g->meter_ = std::make_unique<agenthub::UsageMeter>(*g->sink_, agenthub::RealClock(), mo);
  g->hub_ = std::make_unique<agenthub::Hub>(*g->directory_, *g->router_, *g->forwarder_, g->meter_.get(),
                                            agenthub::RealClock());
  GatewayServerOptions opts;
  opts.listen = gc.listen;
  opts.public_url = gc.public_url;
  opts.workers = gc.workers;
  g->server_ = std::make_unique<GatewayServer>(*g->hub_, *g->directory_, *g->router_, *g->metrics_, opts);
  CESS_RETURN_IF_ERROR(g->server_->Start());
  CESS_RETURN_IF_ERROR(g->meter_->Start());
  if (gc.health_checks) {
    g->health_ = std::make_unique<agenthub::HealthChecker>(*g->directory_, *g->router_, *g->http_);
    CESS_RETURN_IF_ERROR(g->health_->Start());
  }
  kLog.Info("gateway {} serving {} (chain {}, hub account {}, strategy {})", gc.hub_name, g->server_->url(),
            status->chain_id(), g->tx_->account().ToHex(), gc.strategy);
  return g;
}

GatewayNode::~GatewayNode() { (void)Shutdown(); }

Status GatewayNode::Shutdown() {
  if (shut_down_) return Status::Ok();
  shut_down_ = true;
  if (health_) health_->Stop();
  if (server_) server_->Stop();
  if (meter_) return meter_->Stop();
  return Status::Ok();
}

Status GatewayNode::Run(const std::atomic<bool>& stop) {
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Status s = Shutdown();
  if (!s.ok()) kLog.Warn("last usage flush failed: {}", s.ToString());
  return Status::Ok();
}

}  // namespace cess::gateway
