// The miner role of cessd (issue 5 §2): a fragment store, the fragment service on the node's listen
// address, and the agent that does the miner's work on chain, as a client of a chain node
// ([miner] chain_api) and of an enclave ([miner] enclave). It holds no chain state itself.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "cess/chain/profile.h"
#include "cess/core/result.h"
#include "cess/enclave/client.h"
#include "cess/storage/fragment_store.h"
#include "cessd/node_client.h"
#include "cessd/node_config.h"
#include "cessd/tx_submitter.h"
#include "miner/miner_agent.h"
#include "miner/miner_service.h"

namespace cess::node {

class MinerNode {
 public:
  // Loads the account key, opens the fragment store under <data_dir>/fragments, connects to the
  // chain node (waiting up to 60 s for it to answer, to read the chain id and profile) and to the
  // enclave, and starts the fragment service. Errors: as the parts; Unavailable when the listen
  // address cannot be bound or the node never answers.
  static Result<std::unique_ptr<MinerNode>> Open(const NodeConfig& config);
  ~MinerNode();

  // Runs the agent every poll_ms until `stop` becomes true. Blocks.
  Status Run(const std::atomic<bool>& stop);
  const std::string& address() const { return address_; }

 private:
  MinerNode() = default;

  NodeConfig config_;
  std::string address_;
  chain::Profile profile_;
  std::unique_ptr<NodeClient> node_;
  std::unique_ptr<TxSubmitter> tx_;
  std::unique_ptr<enclave::EnclaveClient> enclave_;
  std::unique_ptr<storage::FragmentStore> store_;
  std::unique_ptr<MinerAgent> agent_;
  std::unique_ptr<MinerService> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace cess::node
