// `cess agent register|list|call|status|refresh` (issue 6 §6): register an A2A agent on the chain's
// agents registry, list the registered agents, call one through the gateway, and inspect one.
//
//   register CARD.json --endpoint URL --price P --stake S [--region R] [--weight W] [--key K]
//       signs agents.register with --key (default: the devnet faucet) and prints the agent id
//   list [--skill S] [--json]          the registry, read from a node
//   call --skill X --text "..." [--gateway URL | --dir D] [--stream]
//       SendMessage (or, with --stream, SendStreamingMessage printing events as they arrive) through
//       the gateway; --skills a,b,c [--mode parallel|pipeline] makes a multi-agent call
//   status ID [--json]                 one agent's record, live usage and reputation
//   refresh ID [--key K]               moves the agent's expiry forward (agents expire after
//                                      profile.agent_ttl_blocks: 10 minutes on a devnet)
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cess/agenthub/a2a.h"
#include "cess/agenthub/http_forwarder.h"
#include "cess/chain/profile.h"
#include "cess/chain/runtime/agents.h"
#include "cess/core/keyfile.h"
#include "cess/core/random.h"
#include "cessd/node_client.h"
#include "cessd/remote_state.h"
#include "cessd/tx_submitter.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

namespace cess::cli {
namespace {

namespace fs = std::filesystem;
namespace agents = chain::runtime::agents;
using json = nlohmann::json;

struct AgentOptions {
  NodeTarget target;
  std::string key;
  std::string card;
  std::string endpoint;
  std::string price = "0";
  std::string stake;
  std::string region;
  uint32_t weight = 1;
  std::string skill;
  std::string skills;
  std::string mode = "parallel";
  std::string text;
  std::string gateway;
  std::string id;
  std::string strategy;
  bool stream = false;
  int timeout_s = 60;
  bool json = false;
};

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<crypto::Ed25519PrivateKey> SignerKey(const AgentOptions& o) {
  std::string path = o.key;
  if (path.empty()) {
    auto faucet = DevnetFaucetKey(o.target.dir);
    if (!faucet.ok()) return Status::InvalidArgument("--key is required (no devnet faucet key in --dir)");
    path = *faucet;
  }
  return crypto::LoadEd25519Key(path);
}

// The gateway to call: --gateway, else the one recorded in the devnet manifest of --dir.
Result<std::string> GatewayUrl(const AgentOptions& o) {
  if (!o.gateway.empty()) {
    std::string url = o.gateway;
    if (url.rfind("http://", 0) != 0) url = "http://" + url;
    return url;
  }
  const fs::path manifest = fs::absolute(o.target.dir) / "devnet.json";
  CESS_ASSIGN_OR_RETURN(std::string text, ReadText(manifest.string()));
  json m = json::parse(text, nullptr, false);
  if (m.is_discarded() || !m.contains("gateway") || !m["gateway"].is_object() ||
      m["gateway"].value("url", "").empty()) {
    return Status::NotFound("no gateway in " + manifest.string() +
                            " (start one with `cess devnet up --gateway`, or pass --gateway URL)");
  }
  return m["gateway"].value("url", "");
}

std::string SkillList(const agents::AgentRecord& r) {
  std::string s;
  for (const auto& k : r.skills) s += (s.empty() ? "" : ",") + k.id;
  return s;
}

json RecordJson(const agents::AgentRecord& r) {
  json skills = json::array();
  for (const auto& s : r.skills) skills.push_back({{"id", s.id}, {"tags", s.tags}});
  return {{"id", r.id.ToHex()},
          {"name", r.name},
          {"owner", r.owner.ToHex()},
          {"status", std::string(agents::AgentStatusName(r.status))},
          {"endpoint", r.endpoint},
          {"region", r.region},
          {"price", r.price},
          {"stake", r.stake},
          {"weight", r.weight},
          {"reputation", r.reputation},
          {"reputation_era", r.reputation_era},
          {"skills", skills},
          {"digest", chain::HashToHex(r.digest)},
          {"registered_at", r.registered_at},
          {"expires_at", r.expires_at},
          {"total_calls", r.total_calls},
          {"total_failures", r.total_failures},
          {"total_amount", r.total_amount}};
}

Status RunRegister(const AgentOptions& o) {
  CESS_ASSIGN_OR_RETURN(std::string card, ReadText(o.card));
  agents::Error why{};
  auto summary = agents::ParseCard(AsBytes(card), &why);
  if (!summary.ok()) return summary.status().WithContext(o.card);
  if (o.endpoint.empty()) return Status::InvalidArgument("--endpoint is required");
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  CESS_ASSIGN_OR_RETURN(auto key, SignerKey(o));
  agents::RegisterArgs args;
  args.card.assign(card.begin(), card.end());
  args.endpoint = o.endpoint;
  args.region = o.region;
  CESS_ASSIGN_OR_RETURN(args.price, ParseAmount(o.price));
  if (o.stake.empty()) {
    auto st = client->Status();
    if (!st.ok()) return st.status();
    CESS_ASSIGN_OR_RETURN(auto profile, chain::Profile::ByName(st->profile()));
    args.stake = profile.agent_min_stake;
  } else {
    CESS_ASSIGN_OR_RETURN(args.stake, ParseAmount(o.stake));
  }
  args.weight = o.weight;
  node::TxSubmitter tx(*client, std::move(key));
  const agents::AgentId id = agents::MakeAgentId(tx.account(), summary->name);
  CESS_ASSIGN_OR_RETURN(auto outcome, tx.SubmitAndWait(agents::RegisterCall(args), 0,
                                                       static_cast<uint32_t>(o.timeout_s) * 1000));
  if (o.json) {
    PrintJson({{"id", id.ToHex()},
               {"name", summary->name},
               {"owner", tx.account().ToHex()},
               {"endpoint", o.endpoint},
               {"price", args.price},
               {"stake", args.stake},
               {"height", outcome.height},
               {"tx", chain::HashToHex(outcome.tx_hash)}});
  } else {
    std::fprintf(stderr, "agent '%s' registered at height %llu (stake %s)\n", summary->name.c_str(),
                 static_cast<unsigned long long>(outcome.height), FormatAmount(args.stake).c_str());
    std::printf("%s\n", id.ToHex().c_str());
  }
  return Status::Ok();
}

Status RunList(const AgentOptions& o) {
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  CESS_ASSIGN_OR_RETURN(auto st, client->Status());
  node::RemoteStateReader reader(*client);
  std::vector<agents::AgentRecord> list;
  if (o.skill.empty()) {
    CESS_ASSIGN_OR_RETURN(list, agents::ListAgents(reader, st.best_height() + 1));
  } else {
    CESS_ASSIGN_OR_RETURN(list, agents::AgentsWithSkill(reader, o.skill, st.best_height() + 1));
  }
  if (o.json) {
    json rows = json::array();
    for (const auto& r : list) rows.push_back(RecordJson(r));
    PrintJson({{"height", st.best_height()}, {"agents", rows}});
    return Status::Ok();
  }
  std::printf("%-32s  %-20s %-8s %10s %5s  %-28s %s\n", "id", "name", "status", "price", "rep", "endpoint",
              "skills");
  for (const auto& r : list) {
    std::printf("%-32s  %-20s %-8s %10llu %5u  %-28s %s\n", r.id.ToHex().c_str(),
                r.name.substr(0, 20).c_str(), std::string(agents::AgentStatusName(r.status)).c_str(),
                static_cast<unsigned long long>(r.price), r.reputation, r.endpoint.c_str(),
                SkillList(r).c_str());
  }
  std::fprintf(stderr, "%zu agent(s) at height %llu\n", list.size(),
               static_cast<unsigned long long>(st.best_height()));
  return Status::Ok();
}

Status RunStatusCmd(const AgentOptions& o) {
  CESS_ASSIGN_OR_RETURN(auto id, agents::AgentId::FromHex(o.id));
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  CESS_ASSIGN_OR_RETURN(auto st, client->Status());
  node::RemoteStateReader reader(*client);
  CESS_ASSIGN_OR_RETURN(auto rec, agents::ReadAgent(reader, id, st.best_height() + 1));
  if (!rec) return Status::NotFound("no agent " + o.id + " on chain");
  CESS_ASSIGN_OR_RETURN(auto usage, agents::ReadUsage(reader, st.era(), id));
  json j = RecordJson(*rec);
  j["era"] = st.era();
  j["era_usage"] = {{"calls", usage.calls},
                    {"failures", usage.failures},
                    {"amount", usage.amount},
                    {"latency_sum_micros", usage.latency_sum_micros},
                    {"latency_buckets", usage.latency_buckets}};
  if (o.json) {
    PrintJson(j);
    return Status::Ok();
  }
  std::printf("agent %s  %s (%s)\n", rec->id.ToHex().c_str(), rec->name.c_str(),
              std::string(agents::AgentStatusName(rec->status)).c_str());
  std::printf("  owner       %s\n  endpoint    %s\n  region      %s\n  skills      %s\n",
              rec->owner.ToHex().c_str(), rec->endpoint.c_str(),
              rec->region.empty() ? "-" : rec->region.c_str(), SkillList(*rec).c_str());
  std::printf("  price       %llu per call\n  stake       %s\n  reputation  %u (era %llu)\n",
              static_cast<unsigned long long>(rec->price), FormatAmount(rec->stake).c_str(), rec->reputation,
              static_cast<unsigned long long>(rec->reputation_era));
  std::printf("  expires at  height %llu (now %llu)\n", static_cast<unsigned long long>(rec->expires_at),
              static_cast<unsigned long long>(st.best_height()));
  std::printf(
      "  usage       %llu calls, %llu failures, %llu owed (lifetime); %llu calls this era\n",
      static_cast<unsigned long long>(rec->total_calls), static_cast<unsigned long long>(rec->total_failures),
      static_cast<unsigned long long>(rec->total_amount), static_cast<unsigned long long>(usage.calls));
  return Status::Ok();
}

Status RunRefresh(const AgentOptions& o) {
  CESS_ASSIGN_OR_RETURN(auto id, agents::AgentId::FromHex(o.id));
  CESS_ASSIGN_OR_RETURN(auto client, ConnectNode(o.target));
  CESS_ASSIGN_OR_RETURN(auto key, SignerKey(o));
  node::TxSubmitter tx(*client, std::move(key));
  CESS_ASSIGN_OR_RETURN(
      auto outcome, tx.SubmitAndWait(agents::RefreshCall(id), 0, static_cast<uint32_t>(o.timeout_s) * 1000));
  std::fprintf(stderr, "agent %s refreshed at height %llu\n", o.id.c_str(),
               static_cast<unsigned long long>(outcome.height));
  return Status::Ok();
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// What one stream event says, for humans: an artifact's text or a status's state.
std::string EventLine(const json& event) {
  if (event.contains("error")) return "error: " + event["error"].value("message", event["error"].dump());
  if (!event.contains("result")) return event.dump();
  const json& r = event["result"];
  const json* body = &r;
  for (const char* k : {"artifactUpdate", "statusUpdate", "task", "message"}) {
    if (r.contains(k)) body = &r[k];
  }
  if (body->contains("artifact")) {
    // Chunks of one artifact append (" next", " word"); one per line reads better without the space.
    std::string t = agenthub::a2a::MessageText((*body)["artifact"]);
    t.erase(0, t.find_first_not_of(' ') == std::string::npos ? t.size() : t.find_first_not_of(' '));
    return t;
  }
  if (body->contains("status") && (*body)["status"].is_object()) {
    const json& s = (*body)["status"];
    std::string line = "[" + s.value("state", std::string("?")) + "]";
    if (s.contains("message")) {
      const std::string t = agenthub::a2a::MessageText(s["message"]);
      if (!t.empty()) line += " " + t;
    }
    return line;
  }
  if (body->contains("parts")) return agenthub::a2a::MessageText(*body);
  return r.dump();
}

Status RunCall(const AgentOptions& o) {
  CESS_ASSIGN_OR_RETURN(std::string url, GatewayUrl(o));
  const std::vector<std::string> skills = SplitList(o.skills);
  if (o.skill.empty() && skills.empty())
    return Status::InvalidArgument("name a --skill (or --skills a,b,...)");
  if (o.stream && !skills.empty()) return Status::InvalidArgument("--stream takes one --skill");
  json metadata = json::object();
  if (!skills.empty()) {
    metadata["skills"] = skills;
    metadata["mode"] = o.mode;
  } else {
    metadata["skill"] = o.skill;
  }
  if (!o.strategy.empty()) metadata["strategy"] = o.strategy;
  CESS_ASSIGN_OR_RETURN(Bytes nonce, crypto::RandomBytes(8));
  const std::string message_id = "cli-" + ToHex(nonce);
  json req = {
      {"jsonrpc", "2.0"},
      {"id", 1},
      {"method", o.stream ? "SendStreamingMessage" : "SendMessage"},
      {"params",
       {{"message", {{"role", "ROLE_USER"}, {"messageId", message_id}, {"parts", {{{"text", o.text}}}}}},
        {"metadata", metadata}}}};
  agenthub::HttpForwarder http;
  agenthub::HttpRequest hr;
  hr.url = url;
  hr.body = req.dump();
  hr.timeout_micros = int64_t{o.timeout_s} * 1'000'000;
  if (o.stream) {
    json events = json::array();
    auto r = http.PostStream(hr, [&](const agenthub::SseEvent& e) {
      json ev = json::parse(e.data, nullptr, false);
      if (o.json) {
        events.push_back(ev.is_discarded() ? json(e.data) : ev);
      } else {
        std::printf("%s\n", ev.is_discarded() ? e.data.c_str() : EventLine(ev).c_str());
        std::fflush(stdout);
      }
      return Status::Ok();
    });
    if (!r.ok()) return r.status().WithContext("gateway " + url);
    if (r->status != 200)
      return Status::Unavailable("gateway " + url + " answered HTTP " + std::to_string(r->status) + ": " +
                                 r->body);
    if (r->events == 0) {  // a plain JSON reply (e.g. an error) instead of a stream
      json reply = json::parse(r->body, nullptr, false);
      if (!reply.is_discarded() && reply.contains("error")) {
        return Status::FailedPrecondition("gateway: " +
                                          reply["error"].value("message", reply["error"].dump()));
      }
      if (o.json)
        PrintJson(reply);
      else
        std::printf("%s\n", r->body.c_str());
    } else if (o.json) {
      PrintJson({{"events", events}});
    }
    return Status::Ok();
  }
  auto r = http.Post(hr);
  if (!r.ok()) return r.status().WithContext("gateway " + url);
  json reply = json::parse(r->body, nullptr, false);
  if (reply.is_discarded()) {
    return Status::Unavailable("gateway " + url + " answered HTTP " + std::to_string(r->status) + ": " +
                               r->body);
  }
  if (reply.contains("error")) {
    const json& e = reply["error"];
    return Status::FailedPrecondition("gateway: " + e.value("message", e.dump()) + " (code " +
                                      std::to_string(e.value("code", 0)) + ")");
  }
  if (o.json) {
    PrintJson(reply);
    return Status::Ok();
  }
  const json& result = reply.contains("result") ? reply["result"] : reply;
  std::string text;
  if (!skills.empty()) {
    // Multi-agent: the status message holds "skill: text" lines (parallel) or the last stage's text.
    const json& task = result.contains("task") ? result["task"] : result;
    if (task.contains("status") && task["status"].contains("message")) {
      text = agenthub::a2a::MessageText(task["status"]["message"]);
    }
  }
  if (text.empty()) text = agenthub::a2a::ResultText(result);
  std::printf("%s\n", text.c_str());
  return Status::Ok();
}

}  // namespace

void AddAgentCommands(CLI::App& app) {
  auto* a = app.add_subcommand("agent", "The AI Agent Hub: register, list, call and inspect A2A agents");
  a->require_subcommand(1);

  auto ro = std::make_shared<AgentOptions>();
  auto* r = a->add_subcommand("register",
                              "Register an A2A agent (its Agent Card) on the chain; prints the agent id");
  r->add_option("card", ro->card, "Agent Card JSON file")->required();
  r->add_option("--endpoint", ro->endpoint, "The agent's JSON-RPC URL, e.g. http://127.0.0.1:9001/")
      ->required();
  r->add_option("--price", ro->price, "Price per call: base units, or e.g. 0.01cess")->capture_default_str();
  r->add_option("--stake", ro->stake,
                "Stake to hold: base units, or e.g. 10cess (default: the chain minimum)");
  r->add_option("--region", ro->region, "Region, e.g. eu");
  r->add_option("--weight", ro->weight, "Endpoint weight for the shuffle strategy (1..1000)")
      ->capture_default_str();
  r->add_option("--key", ro->key, "Owner key file (default: the devnet faucet)");
  r->add_option("--timeout", ro->timeout_s, "Seconds to wait for finality")->capture_default_str();
  AddNodeTargetOptions(r, &ro->target);
  r->add_flag("--json", ro->json, "Print the result as JSON");
  r->callback([ro] { RunOrExit([&] { return RunRegister(*ro); }); });

  auto lo = std::make_shared<AgentOptions>();
  auto* l = a->add_subcommand("list", "The registered agents");
  l->add_option("--skill", lo->skill, "Only agents offering this skill id");
  AddNodeTargetOptions(l, &lo->target);
  l->add_flag("--json", lo->json, "Print the result as JSON");
  l->callback([lo] { RunOrExit([&] { return RunList(*lo); }); });

  auto co = std::make_shared<AgentOptions>();
  auto* c = a->add_subcommand("call", "Send a message to an agent with a skill, through the gateway");
  c->add_option("--skill", co->skill, "The skill to call");
  c->add_option("--skills", co->skills, "Several skills, comma-separated: one multi-agent call");
  c->add_option("--mode", co->mode, "parallel | pipeline (with --skills)")->capture_default_str();
  c->add_option("--text", co->text, "The message text")->required();
  c->add_option("--strategy", co->strategy,
                "Routing strategy (p2c-ewma, least-busy, latency, cost, reputation, shuffle)");
  c->add_option("--gateway", co->gateway, "Gateway URL (default: the devnet's, from --dir)");
  c->add_option("--dir", co->target.dir, "Devnet directory whose gateway to use")->capture_default_str();
  c->add_flag("--stream", co->stream, "SendStreamingMessage: print each event as it arrives");
  c->add_option("--timeout", co->timeout_s, "Seconds to wait for the reply")->capture_default_str();
  c->add_flag("--json", co->json, "Print the JSON-RPC reply");
  c->callback([co] { RunOrExit([&] { return RunCall(*co); }); });

  auto so = std::make_shared<AgentOptions>();
  auto* s = a->add_subcommand("status", "One agent: record, usage and reputation");
  s->add_option("id", so->id, "Agent id (32 hex digits)")->required();
  AddNodeTargetOptions(s, &so->target);
  s->add_flag("--json", so->json, "Print the result as JSON");
  s->callback([so] { RunOrExit([&] { return RunStatusCmd(*so); }); });

  auto fo = std::make_shared<AgentOptions>();
  auto* f = a->add_subcommand("refresh", "Move an agent's expiry forward (owner only)");
  f->add_option("id", fo->id, "Agent id (32 hex digits)")->required();
  f->add_option("--key", fo->key, "Owner key file (default: the devnet faucet)");
  AddNodeTargetOptions(f, &fo->target);
  f->callback([fo] { RunOrExit([&] { return RunRefresh(*fo); }); });
}

}  // namespace cess::cli
