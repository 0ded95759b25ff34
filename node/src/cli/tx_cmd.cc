// `cess tx transfer` and `cess stake bond|unbond` (issue 4 §6): build a call, sign it with a key
// file, submit it to a node, and (by default) wait until the signer's nonce advances on the node's
// best chain, i.e. the transaction is in a block.
//
// Amounts: a plain integer is base units; a number with the suffix "cess" (any case) is CESS, e.g.
// "1.5cess" = 1,500,000 base units.
#include <CLI/CLI.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "cess/chain/profile.h"
#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/staking.h"
#include "cess/chain/transaction.h"
#include "cess/core/keyfile.h"
#include "cessd/node_client.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

namespace cess::cli {
namespace {

using json = nlohmann::json;

struct TxOptions {
  NodeTarget target;
  std::string key;  // default: the devnet's faucet key
  std::string amount;
  std::string to;
  uint64_t fee = 0;  // 0: the chain's minimum for a weight-1 call
  bool no_wait = false;
  int timeout_s = 30;
  bool json = false;
};

Status Submit(const TxOptions& o, const std::string& action, chain::Call call) {
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  std::string key_path = o.key;
  if (key_path.empty()) {
    auto faucet = DevnetFaucetKey(o.target.dir);
    if (!faucet.ok()) return Status::InvalidArgument("--key is required (no devnet faucet key in --dir)");
    key_path = *faucet;
  }
  CESS_ASSIGN_OR_RETURN(auto key, crypto::LoadEd25519Key(key_path));
  const chain::AccountId signer = chain::AccountId::Of(key);
  CESS_ASSIGN_OR_RETURN(auto status, client->Status());
  CESS_ASSIGN_OR_RETURN(auto account, client->GetAccount(signer));

  chain::Transaction tx;
  tx.nonce = account.nonce();
  tx.fee = o.fee != 0 ? o.fee : status.min_tx_fee();
  tx.call = std::move(call);
  CESS_RETURN_IF_ERROR(tx.Sign(key, status.chain_id()));
  CESS_ASSIGN_OR_RETURN(auto reply, client->Submit(tx));
  if (!reply.accepted()) {
    return Status::FailedPrecondition(action + " refused by the node: " + reply.code_name() +
                                      (reply.message().empty() ? "" : " (" + reply.message() + ")"));
  }

  uint64_t included_at = 0;
  bool included = false;
  if (!o.no_wait) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
    while (std::chrono::steady_clock::now() < deadline) {
      auto now = client->GetAccount(signer);
      if (now.ok() && now->nonce() > tx.nonce) {
        included = true;
        included_at = now->at_height();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (!included) {
      return Status::DeadlineExceeded(action + " " + reply.tx_hash() + " not in a block after " +
                                      std::to_string(o.timeout_s) + " s");
    }
  }
  if (o.json) {
    json j = {{"action", action}, {"tx_hash", reply.tx_hash()}, {"signer", signer.ToHex()},
              {"nonce", tx.nonce}, {"fee", tx.fee}, {"included", included}};
    if (included) j["included_by_height"] = included_at;
    PrintJson(j);
  } else if (included) {
    std::printf("%s %s included by block #%llu (nonce %llu, fee %s)\n", action.c_str(), reply.tx_hash().c_str(),
                static_cast<unsigned long long>(included_at), static_cast<unsigned long long>(tx.nonce),
                FormatAmount(tx.fee).c_str());
  } else {
    std::printf("%s %s submitted (nonce %llu)\n", action.c_str(), reply.tx_hash().c_str(),
                static_cast<unsigned long long>(tx.nonce));
  }
  return Status::Ok();
}

void AddCommon(CLI::App* cmd, TxOptions* o) {
  AddNodeTargetOptions(cmd, &o->target);
  cmd->add_option("--key", o->key, "Signer's Ed25519 key file (default: the devnet faucet)");
  cmd->add_option("--amount", o->amount, "Amount: base units, or e.g. 1.5cess")->required();
  cmd->add_option("--fee", o->fee, "Fee in base units (default: the chain minimum)");
  cmd->add_option("--timeout", o->timeout_s, "Seconds to wait for inclusion")->capture_default_str();
  cmd->add_flag("--no-wait", o->no_wait, "Return once the node accepted the transaction");
  cmd->add_flag("--json", o->json, "Print the result as JSON");
}

}  // namespace

void AddTxCommands(CLI::App& app) {
  auto* t = app.add_subcommand("tx", "Sign and submit transactions");
  t->require_subcommand(1);
  auto to = std::make_shared<TxOptions>();
  auto* tr = t->add_subcommand("transfer", "Transfer free balance to another account");
  tr->add_option("--to", to->to, "Recipient account id (64 hex digits)")->required();
  AddCommon(tr, to.get());
  tr->callback([to] {
    RunOrExit([&]() -> Status {
      CESS_ASSIGN_OR_RETURN(auto dest, chain::AccountId::FromHex(to->to));
      CESS_ASSIGN_OR_RETURN(uint64_t amount, ParseAmount(to->amount));
      return Submit(*to, "transfer", chain::runtime::balances::TransferCall(dest, amount));
    });
  });

  auto* s = app.add_subcommand("stake", "Bond and unbond stake");
  s->require_subcommand(1);
  auto bo = std::make_shared<TxOptions>();
  auto* bond = s->add_subcommand("bond", "Bond free balance as stake");
  AddCommon(bond, bo.get());
  bond->callback([bo] {
    RunOrExit([&]() -> Status {
      CESS_ASSIGN_OR_RETURN(uint64_t amount, ParseAmount(bo->amount));
      return Submit(*bo, "bond", chain::runtime::staking::BondCall(amount));
    });
  });
  auto uo = std::make_shared<TxOptions>();
  auto* unbond = s->add_subcommand("unbond", "Start unbonding stake (withdrawable after the bonding period)");
  AddCommon(unbond, uo.get());
  unbond->callback([uo] {
    RunOrExit([&]() -> Status {
      CESS_ASSIGN_OR_RETURN(uint64_t amount, ParseAmount(uo->amount));
      return Submit(*uo, "unbond", chain::runtime::staking::UnbondCall(amount));
    });
  });
}

}  // namespace cess::cli
