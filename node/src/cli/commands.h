// Registration of the `cess` subcommands; each family lives in its own file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cess/core/result.h"

namespace CLI {
class App;
}

namespace cess::node {
class NodeClient;
}

namespace cess::cli {

void AddEcCommands(CLI::App& app);      // ec encode | ec decode       (ec_cmd.cc)
void AddHashCommands(CLI::App& app);    // hash fid                    (hash_cmd.cc)
void AddCryptoCommands(CLI::App& app);  // vrf prove | vrf verify, key gen (crypto_cmd.cc)
void AddFlCommands(CLI::App& app);      // fl simulate | fl aggregate  (fl_cmd.cc, in cess-fl)
void AddFlForwarder(CLI::App& app);     // `cess fl ...` runs cess-fl  (fl_forward.cc)
void AddDevnetCommands(CLI::App& app);  // devnet up | status | down   (devnet_cmd.cc)
void AddChainCommands(CLI::App& app);   // chain status | block | account (chain_cmd.cc)
void AddTxCommands(CLI::App& app);
void AddStorageCommands(CLI::App& app);
void AddAgentCommands(CLI::App& app);  // agent register | list | call | status | refresh (agent_cmd.cc)  // storage put | get | stat | buy, miner status (storage_cmd.cc)      // tx transfer, stake bond | unbond (tx_cmd.cc)

// Shared by the chain commands.
// Which node to talk to: --node ADDR, else the first node of the devnet in --dir.
struct NodeTarget {
  std::string node;
  std::string dir = "devnet";
  uint32_t timeout_ms = 5000;
};
// Adds --node and --dir to `cmd` (chain_cmd.cc).
void AddNodeTargetOptions(CLI::App* cmd, NodeTarget* target);
// A client of the target node. Errors: NotFound when neither --node nor a devnet manifest names one.
Result<std::unique_ptr<node::NodeClient>> ConnectNode(const NodeTarget& target);
// "12.500000 CESS" for base units.
std::string FormatAmount(uint64_t base_units);
// The API address of node `index` of the devnet in `dir`, and its faucet key file (devnet_cmd.cc).
// Errors: NotFound when `dir` holds no devnet.
Result<std::string> DevnetNodeAddress(const std::string& dir, size_t index);
Result<std::string> DevnetFaucetKey(const std::string& dir);

}  // namespace cess::cli
