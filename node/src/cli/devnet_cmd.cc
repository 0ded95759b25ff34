// `cess devnet up|status|down` (DESIGN.md §5, issue 4 §6): a local multi-process devnet.
//
// Layout of a devnet directory D:
//   D/devnet.json               the manifest (chain id, genesis hash, nodes, faucet)
//   D/genesis.json              the genesis (devnet profile unless --profile says otherwise)
//   D/keys/                     node<i>.ed25519.json, node<i>.vrf.json, faucet.ed25519.json
//   D/node<i>/node.toml         each validator's cessd config; its state in D/node<i>/data
//   D/node<i>/cessd.pid         the pid of its running cessd
//   D/logs/node<i>.log          its log (and node<i>.stderr for what it printed before logging)
//   D/enclave/                  the cess-enclave: data/ (sealed keys), enclave.sock, cessd.pid
//   D/miner<i>/node.toml        each storage miner's cessd config (role miner); fragments in
//                               D/miner<i>/data, key in D/keys/miner<i>.ed25519.json
//   D/gateway/node.toml         the agent hub's gateway (role gateway; `up --gateway`), key in
//                               D/keys/gateway.ed25519.json (funded by the faucet)
//   D/agent<i>/cessd.pid        example agents (`up --agents N`), registered on chain by the faucet
// `up` on a fresh D writes all of that and starts the enclave, the validators and (after the first
// finalized block, the enclave's registration with the tee module and a storage quota for the
// faucet) the miners; on an existing D it (re)starts every process that is not running, keeping
// the chain. `--reset` deletes D first.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cess/agenthub/http_forwarder.h"
#include "cess/chain/genesis.h"
#include "cess/chain/runtime/agents.h"
#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/chain/runtime/tee.h"
#include "cess/enclave/client.h"
#include "cessd/remote_state.h"
#include "cessd/tx_submitter.h"
#include "cess/chain/profile.h"
#include "cess/core/ecvrf.h"
#include "cess/core/ed25519.h"
#include "cess/core/keyfile.h"
#include "cessd/devnet_keys.h"
#include "cessd/node_client.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

namespace cess::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr uint64_t kCess = chain::kUnitsPerCess;

struct UpOptions {
  std::string dir = "devnet";
  int validators = 4;
  std::string profile = "devnet";
  uint64_t slot_ms = 0;  // 0: the profile's
  uint64_t audit_interval = 0;  // 0: the profile's
  uint32_t pending_window_s = 600;
  int bench_accounts = 0;
  std::string cessd;
  std::string chain_id = "cess-devnet";
  int timeout_s = 90;
  bool reset = false;
  bool no_wait = false;
  bool no_sync = false;
  std::string log_level = "info";
  bool json = false;
  int miners = 14;  // storage miners (0: none, and no enclave)
  uint64_t miner_capacity = uint64_t{1} << 30;
  std::string enclave_bin;
  bool gateway = false;  // start the agent hub's gateway (kept in the manifest once added)
  int agents = 0;        // example agents to run and register (kept in the manifest once added)
  std::string agent_bin;
};

struct DirOptions {
  std::string dir = "devnet";
  int timeout_s = 15;
  bool json = false;
};

Result<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return Status::NotFound("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFile(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IoError("cannot write " + p.string());
  return Status::Ok();
}

// A free TCP port on 127.0.0.1 for a node to listen on. It is taken below the kernel's ephemeral
// range (/proc/sys/net/ipv4/ip_local_port_range), because a port from that range can be handed to
// some outgoing connection's local end between this check and the node's bind, which then fails
// with "Address already in use". Candidates are tried from a random start and test-bound.
Result<int> FreeLoopbackPort() {
  int ephemeral_low = 32768;
  if (auto range = ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); range.ok()) {
    const int low = std::atoi(range->c_str());
    if (low > 2048) ephemeral_low = low;
  }
  const int lo = std::max(1024, ephemeral_low - 12768), hi = ephemeral_low - 1;
  static std::mt19937 rng(std::random_device{}());
  const int span = hi - lo + 1;
  const int start = static_cast<int>(rng() % static_cast<unsigned>(span));
  for (int i = 0; i < span; ++i) {
    const int port = lo + (start + i) % span;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return Status::IoError("socket: " + std::string(std::strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (free) return port;
  }
  return Status::ResourceExhausted("no free TCP port on 127.0.0.1 in " + std::to_string(lo) + "-" + std::to_string(hi));
}

// The cessd binary: --cessd, else next to this executable, else on PATH.
std::string FindCessd(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& p : {self.parent_path() / "cessd", self.parent_path().parent_path() / "node" / "cessd"}) {
      if (fs::exists(p, ec)) return p.string();
    }
  }
  return "cessd";
}

// The cess-enclave binary: --enclave-bin, else next to this executable (or in ../enclave), else PATH.
std::string FindEnclave(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& p :
         {self.parent_path() / "cess-enclave", self.parent_path().parent_path() / "enclave" / "cess-enclave"}) {
      if (fs::exists(p, ec)) return p.string();
    }
  }
  return "cess-enclave";
}

// The cess-example-agent binary: --agent-bin, else next to this executable (or in ../agenthub), else PATH.
std::string FindExampleAgent(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& p : {self.parent_path() / "cess-example-agent",
                              self.parent_path().parent_path() / "agenthub" / "cess-example-agent"}) {
      if (fs::exists(p, ec)) return p.string();
    }
  }
  return "cess-example-agent";
}

std::string NodeName(size_t i) { return "node" + std::to_string(i); }
std::string MinerName(size_t i) { return "miner" + std::to_string(i); }
// Unix socket paths are limited to 107 bytes.
constexpr size_t kMaxSocketPath = 107;

// The pid of a running cessd of node `name`, or 0.
pid_t RunningPid(const fs::path& dir, const std::string& name) {
  auto text = ReadFile(dir / name / "cessd.pid");
  if (!text.ok()) return 0;
  const pid_t pid = static_cast<pid_t>(std::atoll(text->c_str()));
  if (pid <= 0) return 0;
  // A zombie child of ours counts as gone.
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == pid) return 0;
  if (::kill(pid, 0) != 0) return 0;
  // So does a zombie someone else has not reaped yet (a node started by an earlier `devnet up` is
  // inherited by init, which may reap it late): its state in /proc/PID/stat is Z or X.
  auto stat = ReadFile(fs::path("/proc") / std::to_string(pid) / "stat");
  if (stat.ok()) {
    const size_t paren = stat->rfind(')');
    if (paren != std::string::npos && paren + 2 < stat->size()) {
      const char state = (*stat)[paren + 2];
      if (state == 'Z' || state == 'X') return 0;
    }
  }
  return pid;
}

// Starts `argv` as process `name` in its own session, output to D/logs/<name>.stderr, its pid in
// D/<name>/cessd.pid.
Result<pid_t> StartProcess(const fs::path& dir, const std::string& name, const std::vector<std::string>& argv) {
  const std::string err_path = (dir / "logs" / (name + ".stderr")).string();
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return Status::IoError("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    ::setsid();
    const int null_fd = ::open("/dev/null", O_RDONLY);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    if (err_fd >= 0) {
      ::dup2(err_fd, 1);
      ::dup2(err_fd, 2);
    }
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  CESS_RETURN_IF_ERROR(WriteFile(dir / name / "cessd.pid", std::to_string(pid) + "\n"));
  return pid;
}

// Starts cessd for node or miner `name` with D/<name>/node.toml.
Result<pid_t> StartNode(const fs::path& dir, const std::string& name, const std::string& cessd) {
  return StartProcess(dir, name, {cessd, "--config", (dir / name / "node.toml").string()});
}

std::string Tail(const fs::path& p, size_t max_bytes = 2000) {
  auto text = ReadFile(p);
  if (!text.ok()) return "";
  return text->size() > max_bytes ? text->substr(text->size() - max_bytes) : *text;
}

// Writes keys, genesis, configs and the manifest of a fresh devnet.
Status CreateDevnet(const UpOptions& o, const fs::path& dir) {
  if (o.validators < 1 || o.validators > 64) return Status::InvalidArgument("--validators must be in 1..64");
  if (o.bench_accounts < 0 || o.bench_accounts > 100000) {
    return Status::InvalidArgument("--bench-accounts must be in 0..100000");
  }
  CESS_ASSIGN_OR_RETURN(chain::Profile profile, chain::Profile::ByName(o.profile));
  if (o.slot_ms != 0) profile.slot_ms = o.slot_ms;
  if (o.audit_interval != 0) profile.audit_interval_blocks = o.audit_interval;
  profile.validators_elected = static_cast<uint32_t>(o.validators);
  CESS_RETURN_IF_ERROR(profile.Validate());

  std::error_code ec;
  for (const char* sub : {"keys", "logs"}) {
    fs::create_directories(dir / sub, ec);
    if (ec) return Status::IoError("cannot create " + (dir / sub).string() + ": " + ec.message());
  }
  chain::Genesis g;
  g.chain_id = o.chain_id;
  g.profile = profile;

  json nodes = json::array();
  std::vector<int> ports;
  for (int i = 0; i < o.validators; ++i) {
    CESS_ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
    ports.push_back(port);
  }
  for (int i = 0; i < o.validators; ++i) {
    const std::string name = NodeName(static_cast<size_t>(i));
    CESS_ASSIGN_OR_RETURN(auto key, crypto::Ed25519PrivateKey::Generate());
    CESS_ASSIGN_OR_RETURN(auto vrf_sk, crypto::ecvrf::GenerateSecretKey());
    CESS_ASSIGN_OR_RETURN(auto vrf_pk, crypto::ecvrf::PublicKeyFromSecret(vrf_sk));
    const fs::path key_path = dir / "keys" / (name + ".ed25519.json");
    const fs::path vrf_path = dir / "keys" / (name + ".vrf.json");
    CESS_RETURN_IF_ERROR(crypto::SaveEd25519Key(key_path.string(), key, /*overwrite=*/true));
    CESS_RETURN_IF_ERROR(crypto::SaveVrfKey(vrf_path.string(), vrf_sk, /*overwrite=*/true));
    const chain::AccountId account = chain::AccountId::Of(key);
    const uint64_t stake = std::max<uint64_t>(profile.min_validator_stake * 10, 10'000 * kCess);
    g.accounts.push_back({account, stake + 1'000'000 * kCess});
    g.validators.push_back({account, vrf_pk, stake});

    const std::string address = "127.0.0.1:" + std::to_string(ports[static_cast<size_t>(i)]);
    std::string peers;
    for (int j = 0; j < o.validators; ++j) {
      if (j == i) continue;
      if (!peers.empty()) peers += ", ";
      peers += "\"127.0.0.1:" + std::to_string(ports[static_cast<size_t>(j)]) + "\"";
    }
    fs::create_directories(dir / name, ec);
    if (ec) return Status::IoError("cannot create " + (dir / name).string());
    std::ostringstream toml;
    toml << "# cessd config of devnet validator " << name << " (written by cess devnet up)\n"
         << "[chain]\ngenesis = \"../genesis.json\"\nchain_id = \"" << o.chain_id << "\"\n\n"
         << "[node]\ndata_dir = \"data\"\nlisten = \"" << address << "\"\npeers = [" << peers << "]\n"
         << "roles = [\"validator\"]\n\n"
         << "[keys]\naccount = \"../keys/" << name << ".ed25519.json\"\nvrf = \"../keys/" << name
         << ".vrf.json\"\n\n"
         << "[log]\nfile = \"../logs/" << name << ".log\"\nlevel = \"" << o.log_level << "\"\n\n"
         << "[timing]\ntick_ms = 20\nsync_writes = " << (o.no_sync ? "false" : "true") << "\n";
    CESS_RETURN_IF_ERROR(WriteFile(dir / name / "node.toml", toml.str()));
    nodes.push_back({{"name", name},
                     {"account", account.ToHex()},
                     {"address", address},
                     {"config", (dir / name / "node.toml").string()},
                     {"log", (dir / "logs" / (name + ".log")).string()}});
  }
  // Storage: an enclave and the miners, each a client of one validator's node API.
  json miners = json::array();
  json enclave = json::object();
  if (o.miners < 0 || o.miners > 256) return Status::InvalidArgument("--miners must be in 0..256");
  if (o.miners > 0) {
    const std::string socket = (dir / "enclave" / "enclave.sock").string();
    if (socket.size() > kMaxSocketPath) {
      return Status::InvalidArgument("the enclave socket path " + socket + " is longer than " +
                                     std::to_string(kMaxSocketPath) + " bytes; use a shorter --dir");
    }
    fs::create_directories(dir / "enclave" / "data", ec);
    if (ec) return Status::IoError("cannot create " + (dir / "enclave").string());
    enclave = {{"socket", socket},
               {"data_dir", (dir / "enclave" / "data").string()},
               {"secret_file", (dir / "keys" / "enclave.secret").string()},
               {"log", (dir / "logs" / "enclave.log").string()}};
    const char* kRegions[] = {"eu", "us"};
    for (int i = 0; i < o.miners; ++i) {
      const std::string name = MinerName(static_cast<size_t>(i));
      CESS_ASSIGN_OR_RETURN(auto key, crypto::Ed25519PrivateKey::Generate());
      const fs::path key_path = dir / "keys" / (name + ".ed25519.json");
      CESS_RETURN_IF_ERROR(crypto::SaveEd25519Key(key_path.string(), key, /*overwrite=*/true));
      const chain::AccountId account = chain::AccountId::Of(key);
      // Four times the minimum, so that a penalty or two does not freeze the miner at once.
      const uint64_t collateral = 4 * chain::runtime::sminer::MinCollateral(profile, o.miner_capacity);
      g.accounts.push_back({account, collateral + 1'000'000 * kCess});
      CESS_ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
      const std::string address = "127.0.0.1:" + std::to_string(port);
      const std::string region = kRegions[i % 2];
      const std::string chain_api = "127.0.0.1:" + std::to_string(ports[static_cast<size_t>(i % o.validators)]);
      fs::create_directories(dir / name, ec);
      if (ec) return Status::IoError("cannot create " + (dir / name).string());
      std::ostringstream toml;
      toml << "# cessd config of devnet storage miner " << name << " (written by cess devnet up)\n"
           << "[chain]\ngenesis = \"../genesis.json\"\nchain_id = \"" << o.chain_id << "\"\n\n"
           << "[node]\ndata_dir = \"data\"\nlisten = \"" << address << "\"\nroles = [\"miner\"]\n\n"
           << "[keys]\naccount = \"../keys/" << name << ".ed25519.json\"\n\n"
           << "[miner]\nchain_api = \"" << chain_api << "\"\nregion = \"" << region << "\"\ncapacity = "
           << o.miner_capacity << "\ncollateral = " << collateral << "\nenclave = \"unix:" << socket
           << "\"\npoll_ms = 400\npending_window_s = " << o.pending_window_s << "\n\n"
           << "[log]\nfile = \"../logs/" << name << ".log\"\nlevel = \"" << o.log_level << "\"\n";
      CESS_RETURN_IF_ERROR(WriteFile(dir / name / "node.toml", toml.str()));
      miners.push_back({{"name", name},
                        {"account", account.ToHex()},
                        {"address", address},
                        {"region", region},
                        {"config", (dir / name / "node.toml").string()},
                        {"log", (dir / "logs" / (name + ".log")).string()}});
    }
  }
  CESS_ASSIGN_OR_RETURN(auto faucet, crypto::Ed25519PrivateKey::Generate());
  const fs::path faucet_path = dir / "keys" / "faucet.ed25519.json";
  CESS_RETURN_IF_ERROR(crypto::SaveEd25519Key(faucet_path.string(), faucet, /*overwrite=*/true));
  g.accounts.push_back({chain::AccountId::Of(faucet), 1'000'000'000 * kCess});
  for (int i = 0; i < o.bench_accounts; ++i) {
    CESS_ASSIGN_OR_RETURN(auto k, node::DevnetBenchKey(static_cast<uint64_t>(i)));
    g.accounts.push_back({chain::AccountId::Of(k), 1'000'000 * kCess});
  }
  // Slot 0 starts a few seconds from now, after the nodes have started.
  const auto now_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  g.genesis_time_ms = now_ms + 3000;
  CESS_RETURN_IF_ERROR(g.Validate());
  CESS_RETURN_IF_ERROR(WriteFile(dir / "genesis.json", g.ToJson()));

  json manifest = {{"chain_id", g.chain_id},
                   {"genesis_hash", chain::HashToHex(g.Hash())},
                   {"profile", profile.name},
                   {"slot_ms", profile.slot_ms},
                   {"min_tx_fee", profile.min_tx_fee},
                   {"bench_accounts", o.bench_accounts},
                   {"faucet", {{"account", chain::AccountId::Of(faucet).ToHex()}, {"key", faucet_path.string()}}},
                   {"nodes", nodes},
                   {"miners", miners},
                   {"enclave", enclave}};
  return WriteFile(dir / "devnet.json", manifest.dump(2) + "\n");
}

Result<json> ReadManifest(const fs::path& dir) {
  auto text = ReadFile(dir / "devnet.json");
  if (!text.ok()) return Status::NotFound("no devnet in " + dir.string() + " (run `cess devnet up --dir " + dir.string() + "`)");
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("nodes") || !j["nodes"].is_array()) {
    return Status::Corruption((dir / "devnet.json").string() + " is not a devnet manifest");
  }
  return j;
}

// After the first finalized block: registers the enclave with the tee module (the faucet is its
// controller), gives the faucet a storage quota, starts the miners that are not running, and waits
// until every miner is registered with sminer.
Status StartStorage(const UpOptions& o, const fs::path& dir, const json& manifest, const node::NodeClient& client,
                    std::vector<std::pair<std::string, pid_t>>* started) {
  namespace tee = chain::runtime::tee;
  namespace file_bank = chain::runtime::file_bank;
  namespace sminer = chain::runtime::sminer;
  const json enclave = manifest["enclave"];
  CESS_ASSIGN_OR_RETURN(auto ec_client, enclave::EnclaveClient::Connect("unix:" + enclave.value("socket", "")));
  CESS_ASSIGN_OR_RETURN(auto info, ec_client->Info());
  CESS_ASSIGN_OR_RETURN(auto faucet_key, crypto::LoadEd25519Key(manifest["faucet"].value("key", "")));
  node::TxSubmitter tx(client, std::move(faucet_key));
  node::RemoteStateReader reader(client);
  CESS_ASSIGN_OR_RETURN(auto registered, tee::ReadTee(reader, info.attestation_key));
  if (!registered) {
    CESS_ASSIGN_OR_RETURN(auto status, client.Status());
    tee::RegisterArgs args;
    args.attestation_key = info.attestation_key;
    args.podr2_public_key = info.podr2_public_key.Serialize();
    args.endpoint = "unix:" + enclave.value("socket", "");
    CESS_ASSIGN_OR_RETURN(args.signature, ec_client->Attest(status.chain_id(), tx.account().bytes));
    CESS_RETURN_IF_ERROR(tx.SubmitAndWait(tee::RegisterCall(args), 0, 60000).status().WithContext("tee.register"));
  }
  CESS_ASSIGN_OR_RETURN(auto quota, file_bank::ReadQuota(reader, tx.account()));
  if (quota.total == 0) {
    CESS_RETURN_IF_ERROR(tx.SubmitAndWait(file_bank::BuySpaceCall(16), 0, 60000).status().WithContext("buy_space"));
  }
  const std::string cessd = FindCessd(o.cessd);
  const json miners = manifest.value("miners", json::array());
  for (const auto& m : miners) {
    const std::string name = m.value("name", "");
    if (RunningPid(dir, name) != 0) continue;
    CESS_ASSIGN_OR_RETURN(pid_t pid, StartNode(dir, name, cessd));
    started->emplace_back(name, pid);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
  while (true) {
    for (const auto& [name, pid] : *started) {
      int status = 0;
      if (name.rfind("miner", 0) == 0 && ::waitpid(pid, &status, WNOHANG) == pid) {
        return Status::Unavailable("cessd of " + name + " exited (status " + std::to_string(status) + "):\n" +
                                   Tail(dir / "logs" / (name + ".stderr")) + Tail(dir / "logs" / (name + ".log")));
      }
    }
    CESS_ASSIGN_OR_RETURN(auto list, sminer::ListMiners(reader));
    size_t ours = 0;
    for (const auto& m : miners) {
      for (const auto& l : list) ours += l.id.ToHex() == m.value("account", "");
    }
    if (ours == miners.size()) return Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::DeadlineExceeded(std::to_string(ours) + " of " + std::to_string(miners.size()) +
                                      " miners registered within " + std::to_string(o.timeout_s) + " s; see " +
                                      (dir / "logs").string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

// The agent hub (issue 6): adds the gateway (with --gateway) and example agents (with --agents N)
// to the manifest the first time they are asked for, funds the gateway's account from the faucet,
// starts whichever of them is not running, registers every example agent on chain with the faucet
// as owner (refreshing an expired one), and waits until the gateway answers /healthz.
// Agent i serves "echo,upper,word-count,reverse" when i is even, "medical,insurance,driving" when odd.
Status StartHub(const UpOptions& o, const fs::path& dir, json* manifest, const node::NodeClient& client,
                std::vector<std::pair<std::string, pid_t>>* started) {
  namespace agents = chain::runtime::agents;
  namespace balances = chain::runtime::balances;
  if (o.agents < 0 || o.agents > 16) return Status::InvalidArgument("--agents must be in 0..16");
  std::error_code ec;
  bool changed = false;
  CESS_ASSIGN_OR_RETURN(auto faucet_key, crypto::LoadEd25519Key((*manifest)["faucet"].value("key", "")));
  const chain::AccountId faucet = chain::AccountId::Of(faucet_key);
  if (!manifest->contains("gateway") && (o.gateway || o.agents > 0)) {
    CESS_ASSIGN_OR_RETURN(auto key, crypto::Ed25519PrivateKey::Generate());
    const fs::path key_path = dir / "keys" / "gateway.ed25519.json";
    CESS_RETURN_IF_ERROR(crypto::SaveEd25519Key(key_path.string(), key, /*overwrite=*/true));
    CESS_ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
    const std::string address = "127.0.0.1:" + std::to_string(port);
    fs::create_directories(dir / "gateway", ec);
    if (ec) return Status::IoError("cannot create " + (dir / "gateway").string());
    std::ostringstream toml;
    toml << "# cessd config of the devnet agent hub gateway (written by cess devnet up)\n"
         << "[chain]\ngenesis = \"../genesis.json\"\nchain_id = \"" << manifest->value("chain_id", "") << "\"\n\n"
         << "[node]\ndata_dir = \"data\"\nroles = [\"gateway\"]\n\n"
         << "[keys]\naccount = \"../keys/gateway.ed25519.json\"\n\n"
         << "[gateway]\nlisten = \"" << address << "\"\nchain_api = \""
         << (*manifest)["nodes"][0].value("address", "") << "\"\nstrategy = \"p2c-ewma\"\nflush_ms = 2000\n"
         << "hub_name = \"devnet-gateway\"\n\n"
         << "[log]\nfile = \"../logs/gateway.log\"\nlevel = \"" << o.log_level << "\"\n";
    CESS_RETURN_IF_ERROR(WriteFile(dir / "gateway" / "node.toml", toml.str()));
    (*manifest)["gateway"] = {{"name", "gateway"},
                              {"account", chain::AccountId::Of(key).ToHex()},
                              {"address", address},
                              {"url", "http://" + address + "/"},
                              {"key", key_path.string()},
                              {"config", (dir / "gateway" / "node.toml").string()},
                              {"log", (dir / "logs" / "gateway.log").string()}};
    changed = true;
  }
  json agent_rows = manifest->value("agents", json::array());
  for (int i = static_cast<int>(agent_rows.size()); i < o.agents; ++i) {
    const std::string name = "agent" + std::to_string(i);
    CESS_ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
    const std::string address = "127.0.0.1:" + std::to_string(port);
    const std::string skills = i % 2 == 0 ? "echo,upper,word-count,reverse" : "medical,insurance,driving";
    const std::string agent_name = "devnet-" + name;
    agent_rows.push_back({{"name", name},
                          {"agent_name", agent_name},
                          {"id", agents::MakeAgentId(faucet, agent_name).ToHex()},
                          {"address", address},
                          {"url", "http://" + address + "/"},
                          {"skills", skills},
                          {"log", (dir / "logs" / (name + ".stderr")).string()}});
    changed = true;
  }
  if (changed) {
    if (!agent_rows.empty()) (*manifest)["agents"] = agent_rows;
    CESS_RETURN_IF_ERROR(WriteFile(dir / "devnet.json", manifest->dump(2) + "\n"));
  }
  node::TxSubmitter tx(client, std::move(faucet_key));
  node::RemoteStateReader reader(client);
  // Example agents: start, wait for their card, register (or refresh) on chain.
  agenthub::HttpForwarder http;
  for (const auto& a : agent_rows) {
    const std::string name = a.value("name", "");
    if (RunningPid(dir, name) == 0) {
      fs::create_directories(dir / name, ec);
      CESS_ASSIGN_OR_RETURN(pid_t pid, StartProcess(dir, name,
                                                    {FindExampleAgent(o.agent_bin), "--listen", a.value("address", ""),
                                                     "--name", a.value("agent_name", ""), "--skills",
                                                     a.value("skills", "")}));
      started->emplace_back(name, pid);
    }
    agenthub::HttpRequest get;
    get.url = a.value("url", "") + ".well-known/agent-card.json";
    get.timeout_micros = 1'000'000;
    Result<agenthub::HttpResponse> card = Status::Unavailable("not asked yet");
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < until) {
      card = http.Get(get);
      if (card.ok() && card->status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!card.ok() || card->status != 200) {
      return Status::Unavailable("example agent " + name + " does not serve its card:\n" +
                                 Tail(dir / "logs" / (name + ".stderr")));
    }
    CESS_ASSIGN_OR_RETURN(auto id, agents::AgentId::FromHex(a.value("id", "")));
    CESS_ASSIGN_OR_RETURN(auto st, client.Status());
    CESS_ASSIGN_OR_RETURN(auto rec, agents::ReadAgent(reader, id, st.best_height() + 1));
    if (!rec) {
      CESS_ASSIGN_OR_RETURN(auto profile, chain::Profile::ByName(st.profile()));
      agents::RegisterArgs args;
      args.card.assign(card->body.begin(), card->body.end());
      args.endpoint = a.value("url", "");
      args.price = 10;
      args.stake = profile.agent_min_stake;
      CESS_RETURN_IF_ERROR(
          tx.SubmitAndWait(agents::RegisterCall(args), 0, 60000).status().WithContext("agents.register " + name));
    } else if (rec->status == agents::AgentStatus::kExpired) {
      CESS_RETURN_IF_ERROR(tx.SubmitAndWait(agents::RefreshCall(id), 0, 60000).status().WithContext("agents.refresh " + name));
    }
  }
  if (!manifest->contains("gateway")) return Status::Ok();
  const json gw = (*manifest)["gateway"];
  CESS_ASSIGN_OR_RETURN(auto gw_account, chain::AccountId::FromHex(gw.value("account", "")));
  CESS_ASSIGN_OR_RETURN(auto info, balances::ReadAccount(reader, gw_account));
  if (info.free < 100 * kCess) {
    CESS_RETURN_IF_ERROR(tx.SubmitAndWait(balances::TransferCall(gw_account, 10'000 * kCess), 0, 60000)
                             .status()
                             .WithContext("funding the gateway account"));
  }
  if (RunningPid(dir, "gateway") == 0) {
    CESS_ASSIGN_OR_RETURN(pid_t pid, StartNode(dir, "gateway", FindCessd(o.cessd)));
    started->emplace_back("gateway", pid);
  }
  agenthub::HttpRequest health;
  health.url = gw.value("url", "") + "healthz";
  health.timeout_micros = 1'000'000;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
  while (true) {
    auto r = http.Get(health);
    if (r.ok() && r->status == 200) return Status::Ok();
    const pid_t pid = RunningPid(dir, "gateway");
    if (pid == 0 || std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("the gateway did not come up:\n" + Tail(dir / "logs" / "gateway.stderr") +
                                 Tail(dir / "logs" / "gateway.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Status RunUp(const UpOptions& o) {
  const fs::path dir = fs::absolute(o.dir);
  std::error_code ec;
  if (o.reset && fs::exists(dir / "devnet.json", ec)) {
    auto m = ReadManifest(dir);
    if (m.ok()) {
      std::vector<std::string> names{"enclave"};
      for (const auto& n : (*m)["nodes"]) names.push_back(n.value("name", ""));
      for (const auto& n : m->value("miners", json::array())) names.push_back(n.value("name", ""));
      for (const auto& n : m->value("agents", json::array())) names.push_back(n.value("name", ""));
      if (!m->value("gateway", json::object()).empty()) names.push_back("gateway");
      for (const std::string& name : names) {
        if (RunningPid(dir, name) != 0) {
          return Status::FailedPrecondition("devnet in " + dir.string() + " is running; `cess devnet down` first");
        }
      }
    }
    fs::remove_all(dir, ec);
    if (ec) return Status::IoError("cannot delete " + dir.string() + ": " + ec.message());
  }
  const bool fresh = !fs::exists(dir / "devnet.json", ec);
  if (fresh) CESS_RETURN_IF_ERROR(CreateDevnet(o, dir));
  CESS_ASSIGN_OR_RETURN(json manifest, ReadManifest(dir));
  const std::string cessd = FindCessd(o.cessd);

  Stopwatch watch;
  std::vector<std::pair<std::string, pid_t>> started;
  const json enclave = manifest.value("enclave", json::object());
  const bool storage = !enclave.empty();
  if (storage && RunningPid(dir, "enclave") == 0) {
    const std::string socket = enclave.value("socket", "");
    fs::remove(socket, ec);
    CESS_ASSIGN_OR_RETURN(pid_t pid, StartProcess(dir, "enclave",
                                                  {FindEnclave(o.enclave_bin), "--data-dir", enclave.value("data_dir", ""),
                                                   "--listen", "unix:" + socket, "--secret-file",
                                                   enclave.value("secret_file", ""), "--log-file",
                                                   enclave.value("log", ""), "--log-level", o.log_level}));
    started.emplace_back("enclave", pid);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!fs::exists(socket, ec) && std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        return Status::Unavailable("cess-enclave exited (status " + std::to_string(status) + "):\n" +
                                   Tail(dir / "logs" / "enclave.stderr") + Tail(dir / "logs" / "enclave.log"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  for (const auto& n : manifest["nodes"]) {
    const std::string name = n.value("name", "");
    if (RunningPid(dir, name) != 0) continue;
    CESS_ASSIGN_OR_RETURN(pid_t pid, StartNode(dir, name, cessd));
    started.emplace_back(name, pid);
  }
  if (!o.json) {
    std::fprintf(stderr, "devnet %s: %s, %zu process(es) started (validators%s)\n", dir.c_str(),
                 fresh ? "created" : "existing", started.size(), storage ? ", enclave; miners follow" : "");
  }

  // Wait for a finalized block above what the first node had when we started.
  const std::string address = manifest["nodes"][0].value("address", "");
  CESS_ASSIGN_OR_RETURN(auto client, node::NodeClient::Connect(address, 1000));
  uint64_t target = 1;
  json last = json::object();
  bool finalized = o.no_wait;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
  bool first_status = true;
  while (!finalized && std::chrono::steady_clock::now() < deadline) {
    for (const auto& [name, pid] : started) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        return Status::Unavailable("cessd of " + name + " exited (status " + std::to_string(status) + "):\n" +
                                   Tail(dir / "logs" / (name + ".stderr")) + Tail(dir / "logs" / (name + ".log")));
      }
    }
    auto st = client->Status();
    if (st.ok()) {
      if (first_status && !fresh) target = st->finalized_height() + 1;
      first_status = false;
      if (!o.json && ::isatty(2)) {
        std::fprintf(stderr, "\r  slot %llu  best %llu  finalized %llu  peers %u   ",
                     static_cast<unsigned long long>(st->slot()), static_cast<unsigned long long>(st->best_height()),
                     static_cast<unsigned long long>(st->finalized_height()), st->peers());
      }
      if (st->finalized_height() >= target) {
        finalized = true;
        last = {{"best_height", st->best_height()},
                {"finalized_height", st->finalized_height()},
                {"finalized_hash", st->finalized_hash()}};
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!o.json && ::isatty(2)) std::fprintf(stderr, "\n");
  if (!finalized) {
    return Status::DeadlineExceeded("no block finalized within " + std::to_string(o.timeout_s) +
                                    " s; see the logs in " + (dir / "logs").string());
  }
  if (storage && finalized) CESS_RETURN_IF_ERROR(StartStorage(o, dir, manifest, *client, &started));
  if (finalized && (o.gateway || o.agents > 0 || manifest.contains("gateway") || manifest.contains("agents"))) {
    CESS_RETURN_IF_ERROR(StartHub(o, dir, &manifest, *client, &started));
  }
  json nodes = json::array();
  for (const auto& n : manifest["nodes"]) {
    nodes.push_back({{"name", n["name"]}, {"address", n["address"]}, {"account", n["account"]},
                     {"pid", RunningPid(dir, n.value("name", ""))}});
  }
  json miner_rows = json::array();
  for (const auto& n : manifest.value("miners", json::array())) {
    miner_rows.push_back({{"name", n["name"]}, {"address", n["address"]}, {"account", n["account"]},
                          {"region", n["region"]}, {"pid", RunningPid(dir, n.value("name", ""))}});
  }
  if (o.json) {
    json out = {{"dir", dir.string()}, {"chain_id", manifest["chain_id"]}, {"genesis_hash", manifest["genesis_hash"]},
                {"created", fresh}, {"nodes", nodes}, {"miners", miner_rows}, {"faucet", manifest["faucet"]},
                {"seconds", watch.Seconds()}};
    if (manifest.contains("gateway")) out["gateway"] = manifest["gateway"];
    if (manifest.contains("agents")) out["agents"] = manifest["agents"];
    out.update(last);
    PrintJson(out);
  } else {
    std::printf("devnet %s up: chain %s, %zu validators\n", dir.c_str(),
                manifest.value("chain_id", "").c_str(), nodes.size());
    for (const auto& n : nodes) {
      std::printf("  %-6s %-21s pid %-7d %s\n", n["name"].get<std::string>().c_str(),
                  n["address"].get<std::string>().c_str(), n["pid"].get<int>(),
                  n["account"].get<std::string>().c_str());
    }
    for (const auto& n : miner_rows) {
      std::printf("  %-7s %-21s pid %-7d %-4s %s\n", n["name"].get<std::string>().c_str(),
                  n["address"].get<std::string>().c_str(), n["pid"].get<int>(), n["region"].get<std::string>().c_str(),
                  n["account"].get<std::string>().c_str());
    }
    if (!o.no_wait) {
      std::printf("finalized height %llu (best %llu) after %.1f s\n",
                  static_cast<unsigned long long>(last.value("finalized_height", uint64_t{0})),
                  static_cast<unsigned long long>(last.value("best_height", uint64_t{0})), watch.Seconds());
    }
    if (manifest.contains("gateway")) {
      std::printf("  gateway %s  (cess agent call --dir %s --skill ... --text ...)\n",
                  manifest["gateway"].value("url", "").c_str(), o.dir.c_str());
    }
    for (const auto& a : manifest.value("agents", json::array())) {
      std::printf("  %-7s %-21s %s  id %s\n", a.value("name", "").c_str(), a.value("address", "").c_str(),
                  a.value("skills", "").c_str(), a.value("id", "").c_str());
    }
    std::printf("faucet key %s\n", manifest["faucet"].value("key", "").c_str());
  }
  return Status::Ok();
}

Status RunStatus(const DirOptions& o) {
  const fs::path dir = fs::absolute(o.dir);
  CESS_ASSIGN_OR_RETURN(json manifest, ReadManifest(dir));
  json nodes = json::array();
  for (const auto& n : manifest["nodes"]) {
    const std::string name = n.value("name", "");
    const std::string address = n.value("address", "");
    json row = {{"name", name}, {"address", address}, {"account", n.value("account", "")},
                {"pid", RunningPid(dir, name)}};
    row["running"] = row["pid"].get<int>() != 0;
    auto client = node::NodeClient::Connect(address, 2000);
    if (client.ok()) {
      auto st = (*client)->Status();
      row["reachable"] = st.ok();
      if (st.ok()) {
        row["best_height"] = st->best_height();
        row["finalized_height"] = st->finalized_height();
        row["finalized_hash"] = st->finalized_hash();
        row["peers"] = st->peers();
        row["era"] = st->era();
      } else {
        row["error"] = st.status().message();
      }
    }
    nodes.push_back(row);
  }
  // The other processes: enclave, miners, gateway, example agents (pid and whether it runs).
  json others = json::array();
  auto add_other = [&](const std::string& role, const std::string& name, const std::string& address) {
    const pid_t pid = RunningPid(dir, name);
    others.push_back({{"role", role}, {"name", name}, {"address", address}, {"pid", pid}, {"running", pid != 0}});
  };
  if (!manifest.value("enclave", json::object()).empty()) {
    add_other("enclave", "enclave", "unix:" + manifest["enclave"].value("socket", ""));
  }
  for (const auto& m : manifest.value("miners", json::array())) {
    add_other("miner", m.value("name", ""), m.value("address", ""));
  }
  if (manifest.contains("gateway")) {
    add_other("gateway", manifest["gateway"].value("name", "gateway"), manifest["gateway"].value("address", ""));
  }
  for (const auto& a : manifest.value("agents", json::array())) {
    add_other("agent", a.value("name", ""), a.value("address", a.value("url", "")));
  }
  if (o.json) {
    PrintJson({{"dir", dir.string()}, {"chain_id", manifest["chain_id"]}, {"nodes", nodes}, {"processes", others}});
    return Status::Ok();
  }
  std::printf("devnet %s: chain %s\n", dir.c_str(), manifest.value("chain_id", "").c_str());
  std::printf("  %-6s %-21s %-8s %-8s %-10s %-6s\n", "node", "address", "pid", "best", "finalized", "peers");
  for (const auto& r : nodes) {
    const bool up = r.value("reachable", false);
    std::printf("  %-6s %-21s %-8s %-8s %-10s %-6s\n", r["name"].get<std::string>().c_str(),
                r["address"].get<std::string>().c_str(),
                r["running"].get<bool>() ? std::to_string(r["pid"].get<int>()).c_str() : "down",
                up ? std::to_string(r["best_height"].get<uint64_t>()).c_str() : "-",
                up ? std::to_string(r["finalized_height"].get<uint64_t>()).c_str() : "-",
                up ? std::to_string(r["peers"].get<uint32_t>()).c_str() : "-");
  }
  if (!others.empty()) {
    std::printf("  %-8s %-10s %-8s %s\n", "role", "name", "pid", "address");
    for (const auto& r : others) {
      std::printf("  %-8s %-10s %-8s %s\n", r["role"].get<std::string>().c_str(), r["name"].get<std::string>().c_str(),
                  r["running"].get<bool>() ? std::to_string(r["pid"].get<int>()).c_str() : "down",
                  r["address"].get<std::string>().c_str());
    }
  }
  return Status::Ok();
}

Status RunDown(const DirOptions& o) {
  const fs::path dir = fs::absolute(o.dir);
  CESS_ASSIGN_OR_RETURN(json manifest, ReadManifest(dir));
  std::vector<std::pair<std::string, pid_t>> pids;
  std::vector<std::string> names;
  if (!manifest.value("gateway", json::object()).empty()) names.push_back("gateway");
  for (const auto& n : manifest.value("agents", json::array())) names.push_back(n.value("name", ""));
  for (const auto& n : manifest.value("miners", json::array())) names.push_back(n.value("name", ""));
  for (const auto& n : manifest["nodes"]) names.push_back(n.value("name", ""));
  if (!manifest.value("enclave", json::object()).empty()) names.push_back("enclave");
  for (const std::string& name : names) {
    const pid_t pid = RunningPid(dir, name);
    if (pid != 0) {
      ::kill(pid, SIGTERM);
      pids.emplace_back(name, pid);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
  json stopped = json::array();
  for (const auto& [name, pid] : pids) {
    bool killed = false;
    while (RunningPid(dir, name) != 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        killed = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::error_code ec;
    fs::remove(dir / name / "cessd.pid", ec);
    stopped.push_back({{"name", name}, {"pid", pid}, {"killed", killed}});
  }
  if (o.json) {
    PrintJson({{"dir", dir.string()}, {"stopped", stopped}});
  } else {
    std::printf("devnet %s down: %zu node(s) stopped\n", dir.c_str(), stopped.size());
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> DevnetNodeAddress(const std::string& dir, size_t index) {
  CESS_ASSIGN_OR_RETURN(json manifest, ReadManifest(fs::absolute(dir)));
  if (index >= manifest["nodes"].size()) return Status::NotFound("the devnet has no node " + std::to_string(index));
  return manifest["nodes"][index].value("address", "");
}

Result<std::string> DevnetFaucetKey(const std::string& dir) {
  CESS_ASSIGN_OR_RETURN(json manifest, ReadManifest(fs::absolute(dir)));
  return manifest["faucet"].value("key", "");
}

void AddDevnetCommands(CLI::App& app) {
  auto* d = app.add_subcommand("devnet", "A local multi-process devnet (validators on loopback ports)");
  d->require_subcommand(1);

  auto up = std::make_shared<UpOptions>();
  auto* u = d->add_subcommand("up", "Create (if needed) and start a devnet, and wait for a finalized block");
  u->add_option("--dir", up->dir, "Devnet directory")->capture_default_str();
  u->add_option("--validators", up->validators, "Validators (new devnet only)")->capture_default_str();
  u->add_option("--profile", up->profile, "Protocol profile: devnet|cess (new devnet only)")->capture_default_str();
  u->add_option("--slot-ms", up->slot_ms, "Slot duration override in ms (new devnet only)");
  u->add_option("--audit-interval", up->audit_interval, "Blocks between audit challenges (new devnet only)");
  u->add_option("--pending-window", up->pending_window_s,
                "Seconds miners keep early-pushed fragments waiting for their declaration (new devnet only)")
      ->capture_default_str();
  u->add_option("--bench-accounts", up->bench_accounts, "Fund K deterministic test accounts (for the load generator)")
      ->capture_default_str();
  u->add_option("--chain-id", up->chain_id, "Chain id (new devnet only)")->capture_default_str();
  u->add_option("--cessd", up->cessd, "Path of the cessd binary (default: next to cess)");
  u->add_option("--timeout", up->timeout_s, "Seconds to wait for finality")->capture_default_str();
  u->add_option("--log-level", up->log_level, "Node log level (new devnet only)")->capture_default_str();
  u->add_flag("--reset", up->reset, "Delete the directory first (a new chain)");
  u->add_flag("--no-wait", up->no_wait, "Do not wait for a finalized block");
  u->add_flag("--no-sync", up->no_sync, "Do not fsync commits (faster; survives kill -9, not power loss)");
  u->add_option("--miners", up->miners, "Storage miners, with an enclave (new devnet only; 0: none)")
      ->capture_default_str();
  u->add_option("--miner-capacity", up->miner_capacity, "Bytes each miner offers (new devnet only)")
      ->capture_default_str();
  u->add_option("--enclave-bin", up->enclave_bin, "Path of the cess-enclave binary (default: next to cess)");
  u->add_flag("--gateway", up->gateway, "Also run the agent hub's gateway (cessd role gateway)");
  u->add_option("--agents", up->agents, "Also run N example agents, registered on chain by the faucet")
      ->capture_default_str();
  u->add_option("--agent-bin", up->agent_bin, "Path of the cess-example-agent binary (default: next to cess)");
  u->add_flag("--json", up->json, "Print the result as JSON");
  u->callback([up] { RunOrExit([&] { return RunUp(*up); }); });

  auto st = std::make_shared<DirOptions>();
  auto* s = d->add_subcommand("status", "Show each node of a devnet: process, heights, peers");
  s->add_option("--dir", st->dir, "Devnet directory")->capture_default_str();
  s->add_flag("--json", st->json, "Print the result as JSON");
  s->callback([st] { RunOrExit([&] { return RunStatus(*st); }); });

  auto dn = std::make_shared<DirOptions>();
  auto* down = d->add_subcommand("down", "Stop every node of a devnet (SIGTERM, then SIGKILL after --timeout)");
  down->add_option("--dir", dn->dir, "Devnet directory")->capture_default_str();
  down->add_option("--timeout", dn->timeout_s, "Seconds to wait before SIGKILL")->capture_default_str();
  down->add_flag("--json", dn->json, "Print the result as JSON");
  down->callback([dn] { RunOrExit([&] { return RunDown(*dn); }); });
}

}  // namespace cess::cli
