// `cess chain status|block|account` (issue 4 §6): what a node says about the chain, over the node API.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cess/chain/profile.h"
#include "cess/chain/types.h"
#include "cessd/node_client.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

namespace cess::cli {
namespace {

using json = nlohmann::json;

struct StatusOptions {
  NodeTarget target;
  bool json = false;
};

struct BlockOptions {
  NodeTarget target;
  uint64_t height = 0;
  bool json = false;
};

struct AccountOptions {
  NodeTarget target;
  std::string account;
  bool finalized = false;
  bool json = false;
};

json StatsJson(const google::protobuf::Map<std::string, uint64_t>& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

Status RunStatus(const StatusOptions& o) {
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  CESS_ASSIGN_OR_RETURN(auto st, client->Status());
  json validators = json::array();
  for (const auto& v : st.validators()) {
    validators.push_back({{"account", v.account()},
                          {"score", v.score()},
                          {"credit", v.credit()},
                          {"stake_score", v.stake_score()},
                          {"vrf_score", v.vrf_score()},
                          {"bonded", v.bonded()}});
  }
  if (o.json) {
    PrintJson({{"node", client->address()},
               {"chain_id", st.chain_id()},
               {"genesis_hash", st.genesis_hash()},
               {"profile", st.profile()},
               {"node_account", st.node_account()},
               {"best_height", st.best_height()},
               {"best_hash", st.best_hash()},
               {"finalized_height", st.finalized_height()},
               {"finalized_hash", st.finalized_hash()},
               {"finalized_state_root", st.finalized_state_root()},
               {"era", st.era()},
               {"epoch", st.epoch()},
               {"slot", st.slot()},
               {"validators", validators},
               {"peers", st.peers()},
               {"pool_size", st.pool_size()},
               {"engine", StatsJson(st.engine_stats())},
               {"network", StatsJson(st.network_stats())}});
    return Status::Ok();
  }
  std::printf("chain       %s (%s profile), genesis %s\n", st.chain_id().c_str(), st.profile().c_str(),
              st.genesis_hash().substr(0, 16).c_str());
  std::printf("node        %s, %u peers%s%s\n", client->address().c_str(), st.peers(),
              st.node_account().empty() ? "" : ", validator ", st.node_account().substr(0, 16).c_str());
  std::printf("best        #%llu %s\n", static_cast<unsigned long long>(st.best_height()),
              st.best_hash().substr(0, 16).c_str());
  std::printf("finalized   #%llu %s (state root %s)\n", static_cast<unsigned long long>(st.finalized_height()),
              st.finalized_hash().substr(0, 16).c_str(), st.finalized_state_root().substr(0, 16).c_str());
  std::printf("time        era %llu, epoch %llu, slot %llu\n", static_cast<unsigned long long>(st.era()),
              static_cast<unsigned long long>(st.epoch()), static_cast<unsigned long long>(st.slot()));
  std::printf("validators  %d elected\n", st.validators_size());
  std::printf("  %-64s %6s %6s %6s %6s %16s\n", "account", "score", "credit", "stake", "vrf", "bonded");
  for (const auto& v : st.validators()) {
    std::printf("  %-64s %6llu %6llu %6llu %6llu %16s\n", v.account().c_str(),
                static_cast<unsigned long long>(v.score()), static_cast<unsigned long long>(v.credit()),
                static_cast<unsigned long long>(v.stake_score()), static_cast<unsigned long long>(v.vrf_score()),
                FormatAmount(v.bonded()).c_str());
  }
  return Status::Ok();
}

Status RunBlock(const BlockOptions& o) {
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  CESS_ASSIGN_OR_RETURN(auto b, client->GetBlock(o.height));
  json txs = json::array();
  for (const auto& h : b.tx_hashes()) txs.push_back(h);
  json j = {{"height", b.height()},       {"hash", b.hash()},         {"parent_hash", b.parent_hash()},
            {"slot", b.slot()},           {"epoch", b.epoch()},       {"era", b.era()},
            {"author", b.author()},       {"state_root", b.state_root()},
            {"transactions_root", b.transactions_root()},            {"receipts_root", b.receipts_root()},
            {"transactions", txs},        {"has_justification", b.has_justification()}};
  if (o.json) {
    PrintJson(j);
  } else {
    std::printf("%s\n", j.dump(2).c_str());
  }
  return Status::Ok();
}

Status RunAccount(const AccountOptions& o) {
  CESS_ASSIGN_OR_RETURN(auto id, chain::AccountId::FromHex(o.account));
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  CESS_ASSIGN_OR_RETURN(auto a, client->GetAccount(id, o.finalized));
  if (o.json) {
    json chunks = json::array();
    for (const auto& c : a.unlocking_chunks()) chunks.push_back({{"amount", c.amount()}, {"unlock_era", c.unlock_era()}});
    PrintJson({{"account", a.account()}, {"free", a.free()}, {"bonded", a.bonded()}, {"unlocking", a.unlocking()},
               {"unlocking_chunks", chunks}, {"nonce", a.nonce()}, {"at_height", a.at_height()}});
  } else {
    std::printf("account    %s (at #%llu)\nfree       %s\nbonded     %s\nunlocking  %s\nnonce      %llu\n",
                a.account().c_str(), static_cast<unsigned long long>(a.at_height()), FormatAmount(a.free()).c_str(),
                FormatAmount(a.bonded()).c_str(), FormatAmount(a.unlocking()).c_str(),
                static_cast<unsigned long long>(a.nonce()));
  }
  return Status::Ok();
}

}  // namespace

void AddNodeTargetOptions(CLI::App* cmd, NodeTarget* target) {
  cmd->add_option("--node", target->node, "Node API address host:port (default: node0 of --dir)");
  cmd->add_option("--dir", target->dir, "Devnet directory whose first node to ask")->capture_default_str();
}

Result<std::unique_ptr<node::NodeClient>> ConnectNode(const NodeTarget& target) {
  std::string address = target.node;
  if (address.empty()) {
    CESS_ASSIGN_OR_RETURN(address, DevnetNodeAddress(target.dir, 0));
  }
  return node::NodeClient::Connect(address, target.timeout_ms);
}

std::string FormatAmount(uint64_t base_units) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%llu.%06llu", static_cast<unsigned long long>(base_units / chain::kUnitsPerCess),
                static_cast<unsigned long long>(base_units % chain::kUnitsPerCess));
  return std::string(buf) + " CESS";
}

void AddChainCommands(CLI::App& app) {
  auto* c = app.add_subcommand("chain", "Ask a node about the chain");
  c->require_subcommand(1);

  auto so = std::make_shared<StatusOptions>();
  auto* s = c->add_subcommand("status", "Best and finalized height, era, elected validators with their scores");
  AddNodeTargetOptions(s, &so->target);
  s->add_flag("--json", so->json, "Print the result as JSON");
  s->callback([so] { RunOrExit([&] { return RunStatus(*so); }); });

  auto bo = std::make_shared<BlockOptions>();
  auto* b = c->add_subcommand("block", "A finalized block by height");
  b->add_option("height", bo->height, "Block height")->required();
  AddNodeTargetOptions(b, &bo->target);
  b->add_flag("--json", bo->json, "Print the result as JSON");
  b->callback([bo] { RunOrExit([&] { return RunBlock(*bo); }); });

  auto ao = std::make_shared<AccountOptions>();
  auto* a = c->add_subcommand("account", "Balances, stake and nonce of an account");
  a->add_option("account", ao->account, "Account id (64 hex digits)")->required();
  a->add_flag("--finalized", ao->finalized, "Read the finalized state (default: the best block's)");
  AddNodeTargetOptions(a, &ao->target);
  a->add_flag("--json", ao->json, "Print the result as JSON");
  a->callback([ao] { RunOrExit([&] { return RunAccount(*ao); }); });
}

}  // namespace cess::cli
