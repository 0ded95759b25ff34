#include "cessd/node.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "cess/chain/genesis.h"
#include "cess/chain/runtime/chain_application.h"
#include "cess/core/keyfile.h"
#include "cess/core/log.h"

namespace cess::node {
namespace {

namespace fs = std::filesystem;
const log::Logger kLog("cessd");

Result<chain::Genesis> ReadGenesis(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("genesis file " + path + " cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  auto genesis = chain::Genesis::FromJson(ss.str());
  if (!genesis.ok()) return genesis.status().WithContext(path);
  CESS_RETURN_IF_ERROR(genesis->Validate().WithContext(path));
  return genesis;
}

}  // namespace

uint64_t SystemClockMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

Result<std::unique_ptr<Node>> Node::Open(const NodeConfig& config) {
  std::unique_ptr<Node> node(new Node());
  node->config_ = config;

  CESS_ASSIGN_OR_RETURN(chain::Genesis genesis, ReadGenesis(config.genesis_path));
  if (!config.chain_id.empty() && config.chain_id != genesis.chain_id) {
    return Status::InvalidArgument("config names chain '" + config.chain_id + "' but the genesis is of '" +
                                   genesis.chain_id + "'");
  }

  chain::consensus::EngineConfig ec;
  std::string account_hex;
  if (config.is_validator()) {
    auto key = crypto::LoadEd25519Key(config.account_key_path);
    if (!key.ok()) return key.status().WithContext("account key " + config.account_key_path);
    auto vrf = crypto::LoadVrfKey(config.vrf_key_path);
    if (!vrf.ok()) return vrf.status().WithContext("vrf key " + config.vrf_key_path);
    account_hex = chain::AccountId::Of(*key).ToHex();
    ec.account_key = *key;
    ec.vrf_secret_key = *vrf;
    ec.validator = true;
    ec.safety_state_path = (fs::path(config.data_dir) / "voter_safety.bin").string();
  }
  ec.max_block_transactions = config.max_block_transactions;
  ec.tx_pool.max_transactions = std::max<size_t>(ec.tx_pool.max_transactions, size_t{4} * config.max_block_transactions);

  std::error_code fs_error;
  fs::create_directories(config.data_dir, fs_error);
  if (fs_error) return Status::IoError("cannot create data dir " + config.data_dir + ": " + fs_error.message());
  chain::state::StateStoreOptions so;
  so.sync = config.sync_writes;
  auto store = chain::state::StateStore::Open((fs::path(config.data_dir) / "state").string(), so);
  if (!store.ok()) return store.status().WithContext("state in " + config.data_dir);
  node->store_ = std::move(store).value();

  node->app_ = std::make_unique<chain::runtime::ChainApplication>(*node->store_);
  auto genesis_header = node->app_->InitChain(genesis);
  if (!genesis_header.ok()) return genesis_header.status().WithContext("init chain");

  node->service_ = std::make_unique<NodeService>(*node->app_, *genesis_header, &SystemClockMs, account_hex);
  node->service_->set_runtime(&node->app_->runtime());
  chain::p2p::GrpcNetworkOptions no;
  no.listen_address = config.listen;
  no.advertise_address = config.advertise;
  no.peers = config.peers;
  no.extra_services = {node->service_.get()};
  auto network = chain::p2p::GrpcNetwork::Start(no, nullptr);
  if (!network.ok()) return network.status();
  node->network_ = std::move(network).value();
  node->service_->set_network(node->network_.get());

  auto engine = chain::consensus::Engine::Create(std::move(ec), *node->app_, *node->network_);
  if (!engine.ok()) return engine.status().WithContext("consensus engine");
  node->engine_ = std::move(engine).value();
  node->network_->SetHandler(node->engine_.get());
  node->service_->set_engine(node->engine_.get());

  const chain::BlockHeader fin = node->engine_->finalized_header();
  kLog.Info("node up: chain {} genesis {} at {}; finalized height {}; {}", genesis.chain_id,
            chain::HashToHex(genesis.Hash()).substr(0, 16), node->network_->address(), fin.height,
            config.is_validator() ? "validator " + account_hex.substr(0, 16) : std::string("full node"));
  return node;
}

Node::~Node() {
  if (network_) network_->Shutdown();  // no handler or API call after this
  engine_.reset();
  network_.reset();
  service_.reset();
  app_.reset();
  store_.reset();
}

Status Node::Run(const std::atomic<bool>& stop) {
  const auto period = std::chrono::milliseconds(config_.tick_ms);
  auto next = std::chrono::steady_clock::now();
  while (!stop.load()) {
    engine_->Tick(SystemClockMs());
    Status health = engine_->health();
    if (!health.ok()) {
      kLog.Error("engine stopped: {}", health.ToString());
      return health;
    }
    next += period;
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // a slow tick does not cause a burst of catch-up ticks
    std::this_thread::sleep_until(next);
  }
  kLog.Info("node stopping");
  return Status::Ok();
}

}  // namespace cess::node
