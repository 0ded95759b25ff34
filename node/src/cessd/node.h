// One running cessd node (DESIGN.md §5): the state store, the chain application, the consensus
// engine, the gRPC transport and the node API, wired together from a NodeConfig, with a driver
// thread that ticks the engine with the system clock.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "cess/chain/application.h"
#include "cess/chain/runtime/chain_application.h"
#include "cess/chain/consensus/engine.h"
#include "cess/chain/p2p/grpc_network.h"
#include "cess/chain/state/state_store.h"
#include "cess/core/result.h"
#include "cess/core/status.h"
#include "cessd/node_config.h"
#include "cessd/node_service.h"

namespace cess::node {

// Unix time in ms from the system clock (the only wall clock a node reads; never inside a state
// transition).
uint64_t SystemClockMs();

class Node {
 public:
  // Opens everything `config` names and starts serving: reads the genesis file and keys, opens
  // (or creates) the state under data_dir/state, initializes the chain, starts the transport and
  // the engine. Nothing ticks until Run. Errors: NotFound / InvalidArgument / PermissionDenied /
  // Corruption naming the file at fault; FailedPrecondition when the data dir holds another chain;
  // Unavailable when the listen address cannot be bound.
  static Result<std::unique_ptr<Node>> Open(const NodeConfig& config);

  // Stops the driver (if running), the transport and the engine, in that order. Committed state is
  // already durable.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Ticks the engine every tick_ms until `stop` becomes true or the engine reports a fatal error
  // (returned). Blocks the calling thread.
  Status Run(const std::atomic<bool>& stop);

  const std::string& address() const { return network_->address(); }
  chain::consensus::Engine& engine() { return *engine_; }

 private:
  Node() = default;

  NodeConfig config_;
  std::unique_ptr<chain::state::StateStore> store_;
  std::unique_ptr<chain::runtime::ChainApplication> app_;
  std::unique_ptr<NodeService> service_;
  std::unique_ptr<chain::p2p::GrpcNetwork> network_;
  std::unique_ptr<chain::consensus::Engine> engine_;
};

}  // namespace cess::node
