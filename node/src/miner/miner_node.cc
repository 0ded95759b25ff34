#include "miner/miner_node.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "cess/core/keyfile.h"
#include "cess/core/log.h"

namespace cess::node {
namespace {

namespace fs = std::filesystem;
const log::Logger kLog("miner");

}  // namespace

Result<std::unique_ptr<MinerNode>> MinerNode::Open(const NodeConfig& config) {
  std::unique_ptr<MinerNode> node(new MinerNode());
  node->config_ = config;
  CESS_ASSIGN_OR_RETURN(auto key, crypto::LoadEd25519Key(config.account_key_path));
  CESS_ASSIGN_OR_RETURN(node->node_, NodeClient::Connect(config.miner.chain_api, 10000));
  Result<v1::StatusResponse> status = Status::Unavailable("not asked yet");
  for (int i = 0; i < 300; ++i) {
    status = node->node_->Status();
    if (status.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!status.ok()) return status.status().WithContext("chain node " + config.miner.chain_api);
  CESS_ASSIGN_OR_RETURN(node->profile_, chain::Profile::ByName(status->profile()));
  CESS_ASSIGN_OR_RETURN(node->enclave_, enclave::EnclaveClient::Connect(config.miner.enclave));
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec) return Status::IoError("cannot create " + config.data_dir + ": " + ec.message());
  CESS_ASSIGN_OR_RETURN(node->store_,
                        storage::FragmentStore::Open((fs::path(config.data_dir) / "fragments").string(),
                                                     config.miner.capacity));
  node->tx_ = std::make_unique<TxSubmitter>(*node->node_, std::move(key));

  MinerAgentConfig ac;
  ac.region = config.miner.region;
  ac.endpoint = config.advertise.empty() ? config.listen : config.advertise;
  ac.capacity = config.miner.capacity;
  ac.collateral = config.miner.collateral;
  ac.pending_window_s = config.miner.pending_window_s;
  node->agent_ = std::make_unique<MinerAgent>(ac, node->profile_, status->chain_id(), *node->node_, *node->tx_,
                                              *node->enclave_, *node->store_);
  node->service_ =
      std::make_unique<MinerService>(*node->store_, *node->agent_, node->profile_.fragment_size, config.miner.region);

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // No SO_REUSEPORT: a second process on the same port must fail to start, not share it silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(4 << 20);
  builder.SetMaxSendMessageSize(4 << 20);
  builder.RegisterService(node->service_.get());
  node->server_ = builder.BuildAndStart();
  if (node->server_ == nullptr || port == 0) return Status::Unavailable("cannot listen on " + config.listen);
  node->address_ = config.listen.substr(0, config.listen.rfind(':')) + ":" + std::to_string(port);
  kLog.Info("miner {} serving fragments on {} (chain {}, profile {})", node->agent_->account().ToHex(),
            node->address_, status->chain_id(), node->profile_.name);
  return node;
}

MinerNode::~MinerNode() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

Status MinerNode::Run(const std::atomic<bool>& stop) {
  const auto period = std::chrono::milliseconds(config_.miner.poll_ms);
  auto loop = [&](const std::function<void()>& tick, std::chrono::milliseconds every) {
    while (!stop.load()) {
      const auto next = std::chrono::steady_clock::now() + every;
      tick();
      while (!stop.load() && std::chrono::steady_clock::now() < next) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  };
  std::thread audit([&] { loop([this] { agent_->TickAudit(); }, period / 2); });
  loop([this] { agent_->TickDuties(); }, period);
  audit.join();
  return Status::Ok();
}

}  // namespace cess::node
