// The configuration of one cessd process (DESIGN.md §5), read from a TOML file:
//
//   [chain]
//   genesis = "genesis.json"          # required; relative paths are relative to this file's folder
//   chain_id = "cess-devnet"          # optional; when set it must equal the genesis chain id
//
//   [node]
//   data_dir = "node0"                # required; the state lives in <data_dir>/state
//   listen = "127.0.0.1:30333"        # P2P and node API (gRPC); loopback unless configured
//   advertise = ""                    # the address peers use; default: the listen address
//   peers = ["127.0.0.1:30334"]       # bootstrap peers (more are learned by peer exchange)
//   roles = ["validator"]             # "validator" (others arrive with their issues); [] = full node
//
//   [keys]                            # required for the validator role
//   account = "keys/node0.ed25519.json"
//   vrf = "keys/node0.vrf.json"
//
//   [miner]                           # the miner role (runs alone, as a client of a node)
//   chain_api = "127.0.0.1:30333"     # the node API it reads state from and submits to
//   region = "eu"                     # the LBSS region it declares (1..32 bytes)
//   capacity = 4294967296             # bytes of fragment space it offers
//   collateral = 0                    # base units to bond at registration (0: the chain minimum)
//   enclave = "unix:enclave.sock"     # the cess-enclave socket that computes PoDR² tags
//   poll_ms = 300                     # how often it looks at the chain for work
//
//   [gateway]                         # the gateway role (runs alone, as a client of a node)
//   listen = "127.0.0.1:8080"         # the HTTP front (A2A JSON-RPC, /api/v1/agents, /metrics)
//   public_url = ""                   # the URL in the hub's agent card; default http://<listen>/
//   chain_api = "127.0.0.1:30333"     # the node API it reads the agent registry from and reports to
//   strategy = "p2c-ewma"             # default routing strategy (p2c-ewma, least-busy, latency, cost,
//                                     #   reputation, shuffle)
//   flush_ms = 6000                   # usage batch interval (one agents.report_usage tx per batch)
//   hub_name = "cess-gateway"         # the name registered with agents.register_hub
//   workers = 64                      # threads forwarding calls to agents
//   health_checks = true              # probe each agent's card every 5 s
//   seed = 0                          # routing RNG seed (0: random)
//
//   [log]
//   file = "logs/node0.log"           # default: stderr
//   level = "info"
//
//   [timing]
//   tick_ms = 20                      # how often the driver calls Engine::Tick
//   sync_writes = true                # fsync every commit
//   max_block_transactions = 8192     # per block (the engine's proposal bound)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cess/core/result.h"

namespace cess::node {

struct MinerConfig {
  std::string chain_api;
  std::string region;
  uint64_t capacity = uint64_t{4} << 30;
  uint64_t collateral = 0;
  std::string enclave;
  uint32_t poll_ms = 300;
  uint32_t pending_window_s = 600;  // how long early-pushed fragments wait for their declaration
};

struct GatewayConfig {
  std::string listen = "127.0.0.1:8080";
  std::string public_url;
  std::string chain_api;
  std::string strategy = "p2c-ewma";
  uint32_t flush_ms = 6000;
  std::string hub_name = "cess-gateway";
  uint32_t workers = 64;
  bool health_checks = true;
  uint64_t seed = 0;
};

struct NodeConfig {
  std::string config_dir;  // the folder of the config file (relative paths resolve against it)
  std::string genesis_path;
  std::string chain_id;  // empty: take the genesis chain id
  std::string data_dir;
  std::string listen = "127.0.0.1:30333";
  std::string advertise;
  std::vector<std::string> peers;
  std::vector<std::string> roles{"validator"};
  std::string account_key_path;
  std::string vrf_key_path;
  std::string log_file;
  std::string log_level = "info";
  uint32_t tick_ms = 20;
  bool sync_writes = true;
  uint32_t max_block_transactions = 8192;

  MinerConfig miner;
  GatewayConfig gateway;

  bool is_validator() const;
  bool is_miner() const;
  bool is_gateway() const;
};

// The roles cessd knows, and whether this build runs them.
bool IsKnownRole(const std::string& role);
bool IsImplementedRole(const std::string& role);

// Parses TOML text. Relative paths are resolved against `config_dir`. Errors: InvalidArgument with
// the line and column of a syntax error, or naming the missing / wrong-typed / invalid key (unknown
// keys and sections are refused too, so a typo does not go unnoticed).
Result<NodeConfig> ParseNodeConfig(const std::string& toml_text, const std::string& config_dir);

// Reads and parses the file at `path`. Errors: NotFound / IoError for the file; as ParseNodeConfig.
Result<NodeConfig> LoadNodeConfig(const std::string& path);

}  // namespace cess::node
