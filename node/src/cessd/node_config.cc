#include "cessd/node_config.h"

#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "cess/chain/p2p/grpc_network.h"
#include "cess/core/log.h"

namespace cess::node {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kKnownRoles = {"validator", "miner", "worker", "gateway", "cache"};
const std::set<std::string> kImplementedRoles = {"validator", "miner", "gateway"};
const std::set<std::string> kGatewayStrategies = {"p2c-ewma", "least-busy", "latency", "cost", "reputation", "shuffle"};

// Reads typed keys out of one table, remembering which keys were used so leftovers can be refused.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string section) : table_(table), section_(std::move(section)) {}

  Status String(const char* key, std::string* out, bool required = false) {
    const toml::node* n = Find(key);
    if (n == nullptr) return required ? Missing(key) : Status::Ok();
    auto v = n->value<std::string>();
    if (!v) return WrongType(key, "a string");
    *out = *v;
    return Status::Ok();
  }
  Status StringList(const char* key, std::vector<std::string>* out) {
    const toml::node* n = Find(key);
    if (n == nullptr) return Status::Ok();
    const toml::array* arr = n->as_array();
    if (arr == nullptr) return WrongType(key, "an array of strings");
    out->clear();
    for (const toml::node& e : *arr) {
      auto v = e.value<std::string>();
      if (!v) return WrongType(key, "an array of strings");
      out->push_back(*v);
    }
    return Status::Ok();
  }
  Status U32(const char* key, uint32_t* out, uint32_t min, uint32_t max) {
    const toml::node* n = Find(key);
    if (n == nullptr) return Status::Ok();
    auto v = n->value<int64_t>();
    if (!v || !n->is_integer()) return WrongType(key, "an integer");
    if (*v < min || *v > max) {
      return Status::InvalidArgument(Name(key) + " must be in " + std::to_string(min) + ".." + std::to_string(max));
    }
    *out = static_cast<uint32_t>(*v);
    return Status::Ok();
  }
  Status U64(const char* key, uint64_t* out, uint64_t min) {
    const toml::node* n = Find(key);
    if (n == nullptr) return Status::Ok();
    auto v = n->value<int64_t>();
    if (!v || !n->is_integer()) return WrongType(key, "an integer");
    if (*v < 0 || static_cast<uint64_t>(*v) < min) {
      return Status::InvalidArgument(Name(key) + " must be at least " + std::to_string(min));
    }
    *out = static_cast<uint64_t>(*v);
    return Status::Ok();
  }
  Status Bool(const char* key, bool* out) {
    const toml::node* n = Find(key);
    if (n == nullptr) return Status::Ok();
    if (!n->is_boolean()) return WrongType(key, "true or false");
    *out = *n->value<bool>();
    return Status::Ok();
  }
  // Refuses any key not read.
  Status NoUnknownKeys() const {
    if (table_ == nullptr) return Status::Ok();
    for (const auto& [k, v] : *table_) {
      if (used_.count(std::string(k.str())) == 0) {
        return Status::InvalidArgument("unknown key " + Name(std::string(k.str()).c_str()));
      }
    }
    return Status::Ok();
  }

 private:
  const toml::node* Find(const char* key) {
    used_.insert(key);
    return table_ == nullptr ? nullptr : table_->get(key);
  }
  std::string Name(const char* key) const { return "'" + section_ + "." + key + "'"; }
  Status Missing(const char* key) const { return Status::InvalidArgument("missing " + Name(key)); }
  Status WrongType(const char* key, const char* want) const {
    return Status::InvalidArgument(Name(key) + " must be " + want);
  }

  const toml::table* table_;
  std::string section_;
  std::set<std::string> used_;
};

std::string Resolve(const std::string& dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(dir) / path).lexically_normal().string();
}

Status Fill(const toml::table& root, const std::string& config_dir, NodeConfig* c) {
  static const std::set<std::string> kSections = {"chain", "node", "keys", "log", "timing", "miner", "gateway"};
  for (const auto& [k, v] : root) {
    const std::string name(k.str());
    if (kSections.count(name) == 0) return Status::InvalidArgument("unknown section [" + name + "]");
    if (!v.is_table()) return Status::InvalidArgument("'" + name + "' must be a section ([" + name + "])");
  }
  c->config_dir = config_dir;

  TableReader chain(root["chain"].as_table(), "chain");
  CESS_RETURN_IF_ERROR(chain.String("genesis", &c->genesis_path, /*required=*/true));
  CESS_RETURN_IF_ERROR(chain.String("chain_id", &c->chain_id));
  CESS_RETURN_IF_ERROR(chain.NoUnknownKeys());

  TableReader node(root["node"].as_table(), "node");
  CESS_RETURN_IF_ERROR(node.String("data_dir", &c->data_dir, /*required=*/true));
  CESS_RETURN_IF_ERROR(node.String("listen", &c->listen));
  CESS_RETURN_IF_ERROR(node.String("advertise", &c->advertise));
  CESS_RETURN_IF_ERROR(node.StringList("peers", &c->peers));
  CESS_RETURN_IF_ERROR(node.StringList("roles", &c->roles));
  CESS_RETURN_IF_ERROR(node.NoUnknownKeys());

  TableReader keys(root["keys"].as_table(), "keys");
  CESS_RETURN_IF_ERROR(keys.String("account", &c->account_key_path));
  CESS_RETURN_IF_ERROR(keys.String("vrf", &c->vrf_key_path));
  CESS_RETURN_IF_ERROR(keys.NoUnknownKeys());

  TableReader logs(root["log"].as_table(), "log");
  CESS_RETURN_IF_ERROR(logs.String("file", &c->log_file));
  CESS_RETURN_IF_ERROR(logs.String("level", &c->log_level));
  CESS_RETURN_IF_ERROR(logs.NoUnknownKeys());

  TableReader timing(root["timing"].as_table(), "timing");
  CESS_RETURN_IF_ERROR(timing.U32("tick_ms", &c->tick_ms, 1, 1000));
  CESS_RETURN_IF_ERROR(timing.Bool("sync_writes", &c->sync_writes));
  CESS_RETURN_IF_ERROR(timing.U32("max_block_transactions", &c->max_block_transactions, 1, 1u << 16));
  CESS_RETURN_IF_ERROR(timing.NoUnknownKeys());

  TableReader miner(root["miner"].as_table(), "miner");
  CESS_RETURN_IF_ERROR(miner.String("chain_api", &c->miner.chain_api));
  CESS_RETURN_IF_ERROR(miner.String("region", &c->miner.region));
  CESS_RETURN_IF_ERROR(miner.U64("capacity", &c->miner.capacity, 1));
  CESS_RETURN_IF_ERROR(miner.U64("collateral", &c->miner.collateral, 0));
  CESS_RETURN_IF_ERROR(miner.String("enclave", &c->miner.enclave));
  CESS_RETURN_IF_ERROR(miner.U32("poll_ms", &c->miner.poll_ms, 10, 60000));
  CESS_RETURN_IF_ERROR(miner.U32("pending_window_s", &c->miner.pending_window_s, 1, 7 * 86400));
  CESS_RETURN_IF_ERROR(miner.NoUnknownKeys());

  TableReader gateway(root["gateway"].as_table(), "gateway");
  CESS_RETURN_IF_ERROR(gateway.String("listen", &c->gateway.listen));
  CESS_RETURN_IF_ERROR(gateway.String("public_url", &c->gateway.public_url));
  CESS_RETURN_IF_ERROR(gateway.String("chain_api", &c->gateway.chain_api));
  CESS_RETURN_IF_ERROR(gateway.String("strategy", &c->gateway.strategy));
  CESS_RETURN_IF_ERROR(gateway.U32("flush_ms", &c->gateway.flush_ms, 100, 3600000));
  CESS_RETURN_IF_ERROR(gateway.String("hub_name", &c->gateway.hub_name));
  CESS_RETURN_IF_ERROR(gateway.U32("workers", &c->gateway.workers, 1, 4096));
  CESS_RETURN_IF_ERROR(gateway.Bool("health_checks", &c->gateway.health_checks));
  CESS_RETURN_IF_ERROR(gateway.U64("seed", &c->gateway.seed, 0));
  CESS_RETURN_IF_ERROR(gateway.NoUnknownKeys());

  // Values.
  if (c->data_dir.empty()) return Status::InvalidArgument("'node.data_dir' must not be empty");
  if (c->genesis_path.empty()) return Status::InvalidArgument("'chain.genesis' must not be empty");
  if (c->listen.empty() || c->listen.rfind(':') == std::string::npos) {
    return Status::InvalidArgument("'node.listen' must be host:port, got '" + c->listen + "'");
  }
  if (!c->advertise.empty() && !chain::p2p::GrpcNetwork::IsValidPeerAddress(c->advertise)) {
    return Status::InvalidArgument("'node.advertise' must be host:port, got '" + c->advertise + "'");
  }
  for (const std::string& p : c->peers) {
    if (!chain::p2p::GrpcNetwork::IsValidPeerAddress(p)) {
      return Status::InvalidArgument("'node.peers' holds a malformed address '" + p + "' (want host:port)");
    }
  }
  std::set<std::string> seen;
  for (const std::string& r : c->roles) {
    if (!IsKnownRole(r)) {
      return Status::InvalidArgument("unknown role '" + r + "' (known: validator, miner, worker, gateway, cache)");
    }
    if (!IsImplementedRole(r)) {
      return Status::InvalidArgument("role '" + r + "' is not available in this build yet (available: validator, miner, gateway)");
    }
    if (!seen.insert(r).second) return Status::InvalidArgument("role '" + r + "' is listed twice");
  }
  if (c->is_validator() && (c->account_key_path.empty() || c->vrf_key_path.empty())) {
    return Status::InvalidArgument("the validator role needs 'keys.account' and 'keys.vrf'");
  }
  if (c->is_miner()) {
    if (c->is_validator()) return Status::InvalidArgument("the miner role runs alone (not with validator)");
    if (c->account_key_path.empty()) return Status::InvalidArgument("the miner role needs 'keys.account'");
    if (c->miner.chain_api.empty() || !chain::p2p::GrpcNetwork::IsValidPeerAddress(c->miner.chain_api)) {
      return Status::InvalidArgument("the miner role needs 'miner.chain_api' = host:port of a node API");
    }
    if (c->miner.region.empty() || c->miner.region.size() > 32) {
      return Status::InvalidArgument("'miner.region' must hold 1..32 bytes");
    }
    if (c->miner.enclave.empty()) return Status::InvalidArgument("the miner role needs 'miner.enclave' (unix:PATH)");
  }
  if (c->is_gateway()) {
    if (c->is_validator() || c->is_miner()) {
      return Status::InvalidArgument("the gateway role runs alone (not with validator or miner)");
    }
    if (c->account_key_path.empty()) return Status::InvalidArgument("the gateway role needs 'keys.account'");
    if (c->gateway.chain_api.empty() || !chain::p2p::GrpcNetwork::IsValidPeerAddress(c->gateway.chain_api)) {
      return Status::InvalidArgument("the gateway role needs 'gateway.chain_api' = host:port of a node API");
    }
    if (c->gateway.listen.empty() || c->gateway.listen.rfind(':') == std::string::npos) {
      return Status::InvalidArgument("'gateway.listen' must be host:port, got '" + c->gateway.listen + "'");
    }
    if (kGatewayStrategies.count(c->gateway.strategy) == 0) {
      return Status::InvalidArgument("unknown 'gateway.strategy' '" + c->gateway.strategy +
                                     "' (known: p2c-ewma, least-busy, latency, cost, reputation, shuffle)");
    }
    if (c->gateway.hub_name.empty() || c->gateway.hub_name.size() > 64) {
      return Status::InvalidArgument("'gateway.hub_name' must hold 1..64 bytes");
    }
  }
  if (auto level = log::ParseLevel(c->log_level); !level.ok()) {
    return Status::InvalidArgument("'log.level': " + level.status().message());
  }
  c->genesis_path = Resolve(config_dir, c->genesis_path);
  c->data_dir = Resolve(config_dir, c->data_dir);
  c->account_key_path = Resolve(config_dir, c->account_key_path);
  c->vrf_key_path = Resolve(config_dir, c->vrf_key_path);
  c->log_file = Resolve(config_dir, c->log_file);
  if (c->miner.enclave.rfind("unix:", 0) == 0 && c->miner.enclave.rfind("unix://", 0) != 0) {
    c->miner.enclave = "unix:" + Resolve(config_dir, c->miner.enclave.substr(5));
  }
  return Status::Ok();
}

}  // namespace

bool NodeConfig::is_validator() const {
  for (const std::string& r : roles) {
    if (r == "validator") return true;
  }
  return false;
}

bool NodeConfig::is_miner() const {
  for (const std::string& r : roles) {
    if (r == "miner") return true;
  }
  return false;
}

bool NodeConfig::is_gateway() const {
  for (const std::string& r : roles) {
    if (r == "gateway") return true;
  }
  return false;
}

bool IsKnownRole(const std::string& role) { return kKnownRoles.count(role) > 0; }
bool IsImplementedRole(const std::string& role) { return kImplementedRoles.count(role) > 0; }

Result<NodeConfig> ParseNodeConfig(const std::string& toml_text, const std::string& config_dir) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status::InvalidArgument("config line " + std::to_string(where.line) + " column " +
                                   std::to_string(where.column) + ": " + std::string(e.description()));
  }
  NodeConfig c;
  CESS_RETURN_IF_ERROR(Fill(root, config_dir, &c));
  return c;
}

Result<NodeConfig> LoadNodeConfig(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::NotFound("config file " + path + " does not exist");
  std::ifstream in(path);
  if (!in) return Status::IoError("cannot read config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string dir = fs::absolute(fs::path(path), ec).parent_path().string();
  auto r = ParseNodeConfig(ss.str(), dir);
  if (!r.ok()) return r.status().WithContext(path);
  return r;
}

}  // namespace cess::node
