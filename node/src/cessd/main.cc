// cessd: one CESS node (DESIGN.md §5). `cessd --config node.toml` runs until SIGTERM or SIGINT and
// then shuts down cleanly; a bad config or unreadable key is reported on stderr with exit code 2,
// a failure while running with exit code 1.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "cess/core/log.h"
#include "cessd/node.h"
#include "cessd/node_config.h"
#include "gateway/gateway_node.h"
#include "miner/miner_node.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnSignal(int) { g_stop.store(true); }

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: cessd --config node.toml\n"
               "Runs one CESS node with the roles its config names (see docs/chain.md).\n");
}

int Fail(int code, const cess::Status& status) {
  std::fprintf(stderr, "cessd: error: %s\n", status.ToString().c_str());
  cess::log::Flush();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      Usage(stdout);
      return 0;
    }
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = arg.substr(9);
    } else {
      std::fprintf(stderr, "cessd: unknown argument '%s'\n", arg.c_str());
      Usage(stderr);
      return 2;
    }
  }
  if (config_path.empty()) {
    Usage(stderr);
    return 2;
  }
  static_assert(std::atomic<bool>::is_always_lock_free);
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto config = cess::node::LoadNodeConfig(config_path);
  if (!config.ok()) return Fail(2, config.status());
  if (auto level = cess::log::ParseLevel(config->log_level); level.ok()) cess::log::SetLevel(*level);
  if (!config->log_file.empty()) {
    if (auto s = cess::log::LogToFile(config->log_file); !s.ok()) return Fail(2, s);
  }
  if (config->is_miner()) {
    auto miner = cess::node::MinerNode::Open(*config);
    if (!miner.ok()) return Fail(2, miner.status());
    std::fprintf(stderr, "cessd: miner listening on %s\n", (*miner)->address().c_str());
    const cess::Status run = (*miner)->Run(g_stop);
    miner->reset();
    cess::log::Flush();
    if (!run.ok()) return Fail(1, run);
    return 0;
  }
  if (config->is_gateway()) {
    auto gateway = cess::gateway::GatewayNode::Open(*config);
    if (!gateway.ok()) return Fail(2, gateway.status());
    std::fprintf(stderr, "cessd: gateway listening on %s\n", (*gateway)->url().c_str());
    const cess::Status run = (*gateway)->Run(g_stop);
    gateway->reset();
    cess::log::Flush();
    if (!run.ok()) return Fail(1, run);
    return 0;
  }
  auto node = cess::node::Node::Open(*config);
  if (!node.ok()) return Fail(2, node.status());
  std::fprintf(stderr, "cessd: listening on %s\n", (*node)->address().c_str());
  const cess::Status run = (*node)->Run(g_stop);
  node->reset();
  cess::log::Flush();
  if (!run.ok()) return Fail(1, run);
  return 0;
}
