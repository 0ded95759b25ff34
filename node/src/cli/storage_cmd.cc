// `cess storage put|get|stat|buy` and `cess miner status` (issue 5 §6): store and read files on
// the network, inspect a file's record (segments, fragments, miners, tags, last proofs), buy space,
// and look at the miners.
//
// The signer (--key, default the devnet faucet) owns what it stores; with --encrypt the file is
// sealed with AES-256-GCM under a master key derived from the signer's key (never sent anywhere),
// so `get` with the same key decrypts it.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cess/chain/runtime/audit.h"
#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/core/keyfile.h"
#include "cessd/node_client.h"
#include "cessd/remote_state.h"
#include "cessd/tx_submitter.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "storage_client/file_ops.h"
#include "storage_client/miner_client.h"

namespace cess::cli {
namespace {

using json = nlohmann::json;
namespace file_bank = chain::runtime::file_bank;
namespace sminer = chain::runtime::sminer;
namespace audit = chain::runtime::audit;

struct StorageOptions {
  NodeTarget target;
  std::string key;
  std::string file;
  std::string fid;
  std::string out;
  std::vector<std::string> regions;
  std::string name;
  std::string range;
  bool encrypt = false;
  bool no_wait = false;
  bool early_push = false;
  uint32_t gib = 1;
  int timeout_s = 120;
  bool json = false;
};

Result<crypto::Ed25519PrivateKey> SignerKey(const StorageOptions& o) {
  std::string path = o.key;
  if (path.empty()) {
    auto faucet = DevnetFaucetKey(o.target.dir);
    if (!faucet.ok()) return Status::InvalidArgument("--key is required (no devnet faucet key in --dir)");
    path = *faucet;
  }
  return crypto::LoadEd25519Key(path);
}

std::string PhaseLabel(const std::string& phase) {
  if (phase == "encode") return "encode";
  if (phase == "push") return "upload";
  return "download";
}

// One progress bar per phase, replaced when the phase changes.
struct PhaseBars {
  std::string phase;
  std::unique_ptr<Progress> bar;
  uint64_t shown = 0;
  void Update(const std::string& p, uint64_t done, uint64_t total) {
    if (p != phase || !bar) {
      if (bar) bar->Done();
      phase = p;
      bar = std::make_unique<Progress>(PhaseLabel(p), total);
      shown = 0;
    }
    if (done > shown) {
      bar->Add(done - shown);
      shown = done;
    }
  }
  void Done() {
    if (bar) bar->Done();
    bar.reset();
  }
};

Status RunPut(const StorageOptions& o) {
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  CESS_ASSIGN_OR_RETURN(auto key, SignerKey(o));
  node::PutOptions po;
  po.regions = o.regions;
  po.name = o.name;
  po.wait_active = !o.no_wait;
  po.early_push = o.early_push;
  po.timeout_ms = static_cast<uint32_t>(o.timeout_s) * 1000;
  if (o.encrypt) {
    CESS_ASSIGN_OR_RETURN(po.master_key, node::MasterKeyFromAccountKey(key));
  }
  PhaseBars bars;
  po.progress = [&](const std::string& phase, uint64_t done, uint64_t total) { bars.Update(phase, done, total); };
  node::TxSubmitter tx(*client, std::move(key));
  auto r = node::PutFile(*client, tx, o.file, po);
  bars.Done();
  if (!r.ok()) return r.status();
  json miners = json::array();
  for (const auto& m : r->miners) miners.push_back(m.ToHex());
  if (o.json) {
    PrintJson({{"fid", chain::HashToHex(r->fid)}, {"size", r->file_size}, {"segments", r->segments},
               {"encrypted", o.encrypt}, {"dedup", r->dedup}, {"miners", miners},
               {"state", std::string(file_bank::FileStateName(r->state))}, {"encode_s", r->encode_s},
               {"declare_s", r->declare_s}, {"push_s", r->push_s}, {"data_s", r->encode_s + r->push_s},
               {"early_push", r->early_push}, {"push_retries", r->push_retries}, {"active_s", r->active_s}});
  } else {
    std::fprintf(stderr, "%s: %llu bytes, %u segment(s)%s, %s; encode %.2f s, then %s %.2f s, push %.2f s%s\n",
                 o.file.c_str(), static_cast<unsigned long long>(r->file_size), r->segments,
                 o.encrypt ? ", encrypted" : "", r->dedup ? "already stored (added as owner)" : "stored on 12 miners",
                 r->encode_s, r->early_push ? "(pushed while encoding) declare" : "declare", r->declare_s, r->push_s,
                 o.no_wait ? "" : (", active after " + std::to_string(r->active_s).substr(0, 4) + " s").c_str());
    std::printf("%s\n", chain::HashToHex(r->fid).c_str());
  }
  return Status::Ok();
}

Result<std::pair<uint64_t, uint64_t>> ParseRange(const std::string& range) {
  // "a-b" (inclusive, as HTTP) or "a-" (to the end).
  const size_t dash = range.find('-');
  if (dash == std::string::npos || dash == 0) return Status::InvalidArgument("--range must be START-END or START-");
  try {
    const uint64_t a = std::stoull(range.substr(0, dash));
    if (dash + 1 == range.size()) return std::make_pair(a, uint64_t{0});
    const uint64_t b = std::stoull(range.substr(dash + 1));
    if (b < a) return Status::InvalidArgument("--range end before start");
    return std::make_pair(a, b - a + 1);
  } catch (...) {
    return Status::InvalidArgument("--range must be START-END or START-");
  }
}

Status RunGet(const StorageOptions& o) {
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  CESS_ASSIGN_OR_RETURN(Hash256 fid, chain::HashFromHex(o.fid));
  node::GetOptions go;
  if (auto key = SignerKey(o); key.ok()) {
    CESS_ASSIGN_OR_RETURN(go.master_key, node::MasterKeyFromAccountKey(*key));
  }
  if (!o.range.empty()) {
    CESS_ASSIGN_OR_RETURN(auto r, ParseRange(o.range));
    go.offset = r.first;
    go.length = r.second;
  }
  PhaseBars bars;
  go.progress = [&](const std::string& phase, uint64_t done, uint64_t total) { bars.Update(phase, done, total); };
  auto r = node::GetFile(*client, fid, o.out, go);
  bars.Done();
  if (!r.ok()) return r.status();
  if (o.json) {
    PrintJson({{"fid", o.fid}, {"out", o.out}, {"bytes", r->bytes}, {"failed_fetches", r->failed_fetches},
               {"seconds", r->seconds}});
  } else {
    std::fprintf(stderr, "%s: %llu bytes in %.2f s (%s)%s\n", o.out.c_str(), static_cast<unsigned long long>(r->bytes),
                 r->seconds, FormatRate(static_cast<double>(r->bytes), r->seconds).c_str(),
                 r->failed_fetches ? (", " + std::to_string(r->failed_fetches) + " fragment fetches failed").c_str() : "");
  }
  return Status::Ok();
}

Status RunStat(const StorageOptions& o) {
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  CESS_ASSIGN_OR_RETURN(Hash256 fid, chain::HashFromHex(o.fid));
  node::RemoteStateReader reader(*client);
  CESS_ASSIGN_OR_RETURN(auto file, file_bank::ReadFile(reader, fid));
  if (!file) return Status::NotFound("no file " + o.fid + " on chain");
  json owners = json::array();
  for (const auto& ow : file->owners) owners.push_back({{"account", ow.account.ToHex()}, {"name", ow.name}});
  json segments = json::array();
  std::map<chain::AccountId, json> miners;
  uint64_t tagged = 0, available = 0, total = 0;
  for (size_t s = 0; s < file->segments.size(); ++s) {
    json frags = json::array();
    for (size_t j = 0; j < file->segments[s].fragments.size(); ++j) {
      const auto& f = file->segments[s].fragments[j];
      ++total;
      tagged += f.tagged;
      available += f.available;
      frags.push_back({{"index", j}, {"hash", chain::HashToHex(f.hash)}, {"miner", f.miner.ToHex()},
                       {"available", f.available}, {"tagged", f.tagged}});
      if (f.miner != chain::AccountId() && miners.count(f.miner) == 0) {
        json m = {{"account", f.miner.ToHex()}};
        if (auto info = sminer::ReadMiner(reader, f.miner); info.ok() && *info) {
          m["endpoint"] = (*info)->endpoint;
          m["region"] = (*info)->region;
          m["state"] = std::string(sminer::MinerStateName((*info)->state));
        }
        json proofs = json::array();
        if (auto h = audit::ReadAuditHistory(reader, f.miner); h.ok()) {
          for (const auto& rec : *h) {
            proofs.push_back({{"height", rec.height}, {"passed", rec.passed}, {"fragments", rec.fragment_count}});
          }
        }
        m["last_proofs"] = proofs;
        miners[f.miner] = m;
      }
    }
    segments.push_back({{"index", s}, {"hash", chain::HashToHex(file->segments[s].hash)}, {"fragments", frags}});
  }
  json miner_list = json::array();
  for (auto& [id, m] : miners) miner_list.push_back(m);
  json j = {{"fid", o.fid},
            {"size", file->size},
            {"state", std::string(file_bank::FileStateName(file->state))},
            {"encrypted", !file->cipher_info.empty()},
            {"owners", owners},
            {"regions", file->regions},
            {"declared_at", file->declared_at},
            {"fragments", total},
            {"available", available},
            {"tagged", tagged},
            {"miners", miner_list},
            {"segments", segments}};
  if (o.json) {
    PrintJson(j);
    return Status::Ok();
  }
  std::printf("file %s\n  size %llu bytes, %zu segment(s), state %s%s\n", o.fid.c_str(),
              static_cast<unsigned long long>(file->size), file->segments.size(),
              std::string(file_bank::FileStateName(file->state)).c_str(), file->cipher_info.empty() ? "" : ", encrypted");
  for (const auto& ow : file->owners) std::printf("  owner %s (%s)\n", ow.account.ToHex().c_str(), ow.name.c_str());
  std::printf("  fragments %llu: %llu available, %llu tagged\n", static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(available), static_cast<unsigned long long>(tagged));
  std::printf("  %-5s %-10s %-21s %-8s %s\n", "index", "miner", "endpoint", "state", "last proofs (height:result)");
  for (size_t jdx = 0; jdx < (file->segments.empty() ? 0 : file->segments[0].fragments.size()); ++jdx) {
    const auto& f = file->segments[0].fragments[jdx];
    const auto it = miners.find(f.miner);
    std::string proofs;
    if (it != miners.end()) {
      for (const auto& p : it->second["last_proofs"]) {
        proofs += std::to_string(p["height"].get<uint64_t>()) + (p["passed"].get<bool>() ? ":ok " : ":FAIL ");
      }
    }
    std::printf("  %-5zu %-10s %-21s %-8s %s\n", jdx, f.miner.ToHex().substr(0, 8).c_str(),
                it == miners.end() ? "-" : it->second.value("endpoint", "").c_str(),
                it == miners.end() ? "lost" : it->second.value("state", "").c_str(), proofs.c_str());
  }
  return Status::Ok();
}

Status RunBuy(const StorageOptions& o) {
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  CESS_ASSIGN_OR_RETURN(auto key, SignerKey(o));
  node::TxSubmitter tx(*client, std::move(key));
  CESS_RETURN_IF_ERROR(tx.SubmitAndWait(file_bank::BuySpaceCall(o.gib)).status());
  node::RemoteStateReader reader(*client);
  CESS_ASSIGN_OR_RETURN(auto quota, file_bank::ReadQuota(reader, tx.account()));
  if (o.json) {
    PrintJson({{"account", tx.account().ToHex()}, {"quota_total", quota.total}, {"quota_used", quota.used}});
  } else {
    std::printf("quota of %s: %llu of %llu bytes used\n", tx.account().ToHex().c_str(),
                static_cast<unsigned long long>(quota.used), static_cast<unsigned long long>(quota.total));
  }
  return Status::Ok();
}

Status RunMinerStatus(const StorageOptions& o) {
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  node::RemoteStateReader reader(*client);
  CESS_ASSIGN_OR_RETURN(auto miners, sminer::ListMiners(reader));
  json rows = json::array();
  for (const auto& m : miners) {
    CESS_ASSIGN_OR_RETURN(auto info, sminer::ReadMiner(reader, m.id));
    json r = {{"account", m.id.ToHex()}, {"region", m.region}, {"endpoint", m.endpoint},
              {"state", std::string(sminer::MinerStateName(m.state))}, {"power", m.power}, {"free", m.free}};
    if (info) {
      r["capacity"] = info->capacity;
      r["service"] = info->service;
      r["locked"] = info->locked;
      r["collateral"] = info->collateral;
      r["rewards"] = info->reward_total;
      r["misses"] = info->total_misses;
    }
    auto mc = node::MinerClient::Connect(m.endpoint, 2000);
    if (mc.ok()) {
      auto st = (*mc)->Status();
      r["reachable"] = st.ok();
      if (st.ok()) {
        r["fragments"] = st->fragments();
        r["used"] = st->used();
        r["challenges_answered"] = st->challenges_answered();
        r["last_error"] = st->last_error();
      }
    }
    rows.push_back(r);
  }
  if (o.json) {
    PrintJson({{"miners", rows}});
    return Status::Ok();
  }
  std::printf("%-10s %-8s %-21s %-9s %-10s %-10s %-6s %-9s %s\n", "miner", "region", "endpoint", "state", "service",
              "free", "frags", "answered", "reachable");
  for (const auto& r : rows) {
    std::printf("%-10s %-8s %-21s %-9s %-10llu %-10llu %-6llu %-9llu %s\n",
                r["account"].get<std::string>().substr(0, 8).c_str(), r["region"].get<std::string>().c_str(),
                r["endpoint"].get<std::string>().c_str(), r["state"].get<std::string>().c_str(),
                static_cast<unsigned long long>(r.value("service", uint64_t{0})),
                static_cast<unsigned long long>(r.value("free", uint64_t{0})),
                static_cast<unsigned long long>(r.value("fragments", uint64_t{0})),
                static_cast<unsigned long long>(r.value("challenges_answered", uint64_t{0})),
                r.value("reachable", false) ? "yes" : "no");
  }
  return Status::Ok();
}

void AddCommon(CLI::App* cmd, StorageOptions* o, bool key) {
  AddNodeTargetOptions(cmd, &o->target);
  if (key) cmd->add_option("--key", o->key, "Signer's Ed25519 key file (default: the devnet faucet)");
  cmd->add_flag("--json", o->json, "Print the result as JSON");
}

}  // namespace

void AddStorageCommands(CLI::App& app) {
  auto* st = app.add_subcommand("storage", "Store and read files on the network");
  st->require_subcommand(1);

  auto put = std::make_shared<StorageOptions>();
  auto* p = st->add_subcommand("put", "Store a file on 12 miners; prints its FID");
  p->add_option("FILE", put->file, "The file to store")->required();
  p->add_option("--region", put->regions, "Allowed miner region (repeat for several; default: any)");
  p->add_option("--name", put->name, "The name recorded for the file (default: its file name)");
  p->add_flag("--encrypt", put->encrypt, "Encrypt with AES-256-GCM under a key derived from the signer's key");
  p->add_flag("--no-wait", put->no_wait, "Return after the upload without waiting for the file to be Active");
  p->add_flag("--early-push", put->early_push,
              "Push fragments while encoding, before the declaration (for remote miners; files up to 256 MiB)");
  p->add_option("--timeout", put->timeout_s, "Seconds to wait for the chain")->capture_default_str();
  AddCommon(p, put.get(), true);
  p->callback([put] { RunOrExit([&] { return RunPut(*put); }); });

  auto get = std::make_shared<StorageOptions>();
  auto* g = st->add_subcommand("get", "Read a file from its miners");
  g->add_option("FID", get->fid, "The file ID")->required();
  g->add_option("-o,--out", get->out, "Where to write it")->required();
  g->add_option("--range", get->range, "Only bytes START-END (inclusive) or START-");
  AddCommon(g, get.get(), true);
  g->callback([get] { RunOrExit([&] { return RunGet(*get); }); });

  auto stat = std::make_shared<StorageOptions>();
  auto* s = st->add_subcommand("stat", "Show a file's record: segments, fragments, miners, tags, last proofs");
  s->add_option("FID", stat->fid, "The file ID")->required();
  AddCommon(s, stat.get(), false);
  s->callback([stat] { RunOrExit([&] { return RunStat(*stat); }); });

  auto buy = std::make_shared<StorageOptions>();
  auto* b = st->add_subcommand("buy", "Buy storage quota (GiB of fragment space; a file costs 3x its size)");
  b->add_option("--gib", buy->gib, "GiB to buy")->capture_default_str();
  AddCommon(b, buy.get(), true);
  b->callback([buy] { RunOrExit([&] { return RunBuy(*buy); }); });

  auto* m = app.add_subcommand("miner", "Storage miners");
  m->require_subcommand(1);
  auto ms = std::make_shared<StorageOptions>();
  auto* mst = m->add_subcommand("status", "Every registered miner: chain record and live status");
  AddCommon(mst, ms.get(), false);
  mst->callback([ms] { RunOrExit([&] { return RunMinerStatus(*ms); }); });
}

}  // namespace cess::cli
