// The AI Agent Hub end to end with real processes (issue 6 §8): a light devnet (one validator, no
// storage miners) with the gateway (cessd role gateway) and one example agent registered by
// `cess devnet up --agents 1`, plus two more example agent processes registered through
// `cess agent register`. Checks, against the example agent's skills run directly (RunSkill):
//   - `cess agent call` (plain and --stream) reaches the agents through the gateway;
//   - `cess agent list` / `status` show the registry;
//   - a multi-skill call (the whitepaper's accident: medical, insurance, driving) combines three;
//   - malformed JSON-RPC through the gateway gets -32700 / -32600 / -32601;
//   - the @a2a-js/sdk client (npm, pinned in tests/e2e/a2a_client) fetches the hub's card and sends
//     a message and a stream through the hub (skipped, with the reason, when npm cannot install it);
//   - usage reaches the chain: the agents' lifetime call counters grow after calls;
//   - failover: with one accident agent killed (SIGKILL), calls still succeed through the other.
// Two test cases (the SDK one can be skipped on its own), each on one devnet.
// Waits are "until X, at most T" polls, never timed assertions.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cess/agenthub/http_forwarder.h"
#include "common/temp_dir.h"
#include "example_agent.h"
#include "e2e/e2e_util.h"
#include "node/cli_runner.h"

namespace cess {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using cess::test_util::TempDir;
using e2e::Eventually;
namespace example = agenthub::example;

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return 0;
  }
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// Runs a shell command, capturing stdout+stderr and the exit code.
std::pair<int, std::string> Shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, ""};
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string Skill(const std::string& skill, const std::string& text) {
  auto r = example::RunSkill(skill, text);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : "";
}

struct Agent {
  std::string name;
  std::string url;
  std::string id;
  pid_t pid = 0;
};

class AgentHubE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir("cess-agenthub-e2e");
    dir_ = tmp_->path() + "/devnet";
    scratch_ = tmp_->path();
    auto up = testing::RunCess("devnet up --dir " + dir_ +
                                   " --validators 1 --miners 0 --gateway --agents 1 --no-sync"
                                   " --timeout 120 --cessd " CESSD_PATH
                                   " --agent-bin " CESS_EXAMPLE_AGENT_PATH " --json",
                               scratch_);
    ASSERT_EQ(up.exit_code, 0) << up.err << up.out;
    json j = json::parse(up.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << up.out;
    gateway_ = j["gateway"].value("url", "");
    ASSERT_FALSE(gateway_.empty()) << up.out;
    ASSERT_EQ(j["agents"].size(), 1u);
    devnet_agent_id_ = j["agents"][0].value("id", "");
    // Two accident agents of our own, registered through the CLI.
    agenthub::HttpForwarder http;
    for (const char* name : {"acc-a", "acc-b"}) {
      Agent a;
      a.name = name;
      const int port = FreePort();
      ASSERT_NE(port, 0);
      a.url = "http://127.0.0.1:" + std::to_string(port) + "/";
      a.pid = Spawn({CESS_EXAMPLE_AGENT_PATH, "--listen", "127.0.0.1:" + std::to_string(port), "--name", name,
                     "--skills", "medical,insurance,driving"},
                    scratch_ + "/" + name + ".log");
      agenthub::HttpRequest get;
      get.url = a.url + ".well-known/agent-card.json";
      std::string card;
      ASSERT_TRUE(Eventually(
          [&] {
            auto r = http.Get(get);
            if (!r.ok() || r->status != 200) return false;
            card = r->body;
            return true;
          },
          15s))
          << name << " did not start";
      const std::string card_path = scratch_ + "/" + name + ".card.json";
      std::ofstream(card_path) << card;
      auto reg = testing::RunCess("agent register " + card_path + " --endpoint " + a.url +
                                      " --price 5 --stake 20cess --region eu --json --dir " + dir_,
                                  scratch_);
      ASSERT_EQ(reg.exit_code, 0) << reg.err << reg.out;
      json rj = json::parse(reg.out, nullptr, false);
      a.id = rj.value("id", "");
      ASSERT_EQ(a.id.size(), 32u) << reg.out;
      agents_.push_back(a);
    }
  }

  static void TearDownTestSuite() {
    for (auto& a : agents_) {
      if (a.pid > 0) {
        ::kill(a.pid, SIGKILL);
        ::waitpid(a.pid, nullptr, 0);
      }
    }
    testing::RunCess("devnet down --timeout 5 --dir " + dir_, scratch_);
    if (::testing::UnitTest::GetInstance()->failed_test_count() > 0) {
      std::error_code ec;
      fs::remove_all("/tmp/cess-agenthub-e2e-logs", ec);
      fs::copy(dir_ + "/logs", "/tmp/cess-agenthub-e2e-logs", fs::copy_options::recursive, ec);
      std::fprintf(stderr, "devnet logs kept in /tmp/cess-agenthub-e2e-logs\n");
    }
    delete tmp_;
    tmp_ = nullptr;
    agents_.clear();
  }

  // `cess agent call ...` through the devnet's gateway: stdout, or "" with a test failure.
  static std::string Call(const std::string& args) {
    auto r = testing::RunCess("agent call --dir " + dir_ + " " + args, scratch_);
    EXPECT_EQ(r.exit_code, 0) << "cess agent call " << args << "\n" << r.err << r.out;
    return r.out;
  }

  static json CessJson(const std::string& args) {
    auto r = testing::RunCess(args + " --json", scratch_);
    EXPECT_EQ(r.exit_code, 0) << "cess " << args << "\n" << r.err << r.out;
    json j = json::parse(r.out, nullptr, false);
    return j.is_discarded() ? json::object() : j;
  }

  static std::string RandomText() {
    static const char* kWords[] = {"car",    "hit",    "cyclist", "at",  "night",
                                   "driver", "braked", "late",    "wet", "road"};
    std::mt19937_64 rng(std::random_device{}());
    std::string s;
    const int n = 2 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      if (i > 0) s += ' ';
      s += kWords[rng() % std::size(kWords)];
    }
    return s;
  }

  // The phases of the devnet test, in the order it runs them (the last kills an agent).
  void CliCallReachesTheAgents();
  void ListAndStatusShowTheRegistry();
  void MultiSkillAccidentCall();
  void MalformedJsonRpcThroughTheGateway();
  void UsageReachesTheChain();
  void FailsOverWhenAnAgentIsKilled();

  static inline TempDir* tmp_ = nullptr;
  static inline std::string dir_, scratch_, gateway_, devnet_agent_id_;
  static inline std::vector<Agent> agents_;
};

void AgentHubE2E::CliCallReachesTheAgents() {
  for (int i = 0; i < 3; ++i) {
    const std::string text = RandomText();
    EXPECT_EQ(Call("--skill upper --text " + Quote(text)), Skill("upper", text) + "\n");
    EXPECT_EQ(Call("--skill word-count --text " + Quote(text)), Skill("word-count", text) + "\n");
    EXPECT_EQ(Call("--skill medical --text " + Quote(text)), Skill("medical", text) + "\n");
  }
  // --stream prints each event as it arrives: the task, one line per word, the final status.
  const std::string text = RandomText();
  const std::string out = Call("--stream --skill reverse --text " + Quote(text));
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<std::string> words;
  std::istringstream win(Skill("reverse", text));
  for (std::string w; win >> w;) words.push_back(w);
  ASSERT_EQ(lines.size(), words.size() + 2) << out;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string line = lines[i + 1].substr(
        lines[i + 1].find_first_not_of(' ') == std::string::npos ? 0 : lines[i + 1].find_first_not_of(' '));
    EXPECT_EQ(line, words[i]) << out;
  }
  EXPECT_TRUE(lines.back().find("completed") != std::string::npos ||
              lines.back().find("TASK_STATE_COMPLETED") != std::string::npos)
      << out;
  // A skill nobody offers is a clear error.
  auto r = testing::RunCess("agent call --dir " + dir_ + " --skill astrology --text x", scratch_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("-32602"), std::string::npos) << r.err;
}

void AgentHubE2E::ListAndStatusShowTheRegistry() {
  json all = CessJson("agent list --dir " + dir_);
  ASSERT_EQ(all["agents"].size(), 3u) << all.dump();
  std::map<std::string, json> by_id;
  for (const auto& a : all["agents"]) by_id[a.value("id", "")] = a;
  ASSERT_TRUE(by_id.count(devnet_agent_id_));
  for (const auto& a : agents_) {
    ASSERT_TRUE(by_id.count(a.id)) << a.name;
    EXPECT_EQ(by_id[a.id].value("endpoint", ""), a.url);
    EXPECT_EQ(by_id[a.id].value("price", 0), 5);
    EXPECT_EQ(by_id[a.id].value("stake", 0), 20'000'000);
    EXPECT_EQ(by_id[a.id].value("region", ""), "eu");
    EXPECT_EQ(by_id[a.id].value("status", ""), "active");
  }
  json med = CessJson("agent list --skill medical --dir " + dir_);
  EXPECT_EQ(med["agents"].size(), 2u);
  json st = CessJson("agent status " + agents_[0].id + " --dir " + dir_);
  EXPECT_EQ(st.value("name", ""), "acc-a");
  // The gateway's discovery route sees the same registry.
  agenthub::HttpForwarder http;
  agenthub::HttpRequest get;
  get.url = gateway_ + "api/v1/agents?skill=insurance";
  auto r = http.Get(get);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200);
  json j = json::parse(r->body);
  EXPECT_EQ(j["agents"].size(), 2u) << r->body;
}

void AgentHubE2E::MultiSkillAccidentCall() {
  const std::string text = RandomText();
  const std::string out = Call("--skills medical,insurance,driving --text " + Quote(text));
  for (const char* skill : {"medical", "insurance", "driving"}) {
    EXPECT_NE(out.find(std::string(skill) + ": " + Skill(skill, text)), std::string::npos) << skill << "\n"
                                                                                           << out;
  }
  // As a pipeline, each stage takes the previous one's output.
  const std::string piped = Call("--skills upper,reverse --mode pipeline --text " + Quote(text));
  EXPECT_EQ(piped, Skill("reverse", Skill("upper", text)) + "\n");
}

void AgentHubE2E::MalformedJsonRpcThroughTheGateway() {
  agenthub::HttpForwarder http;
  const std::vector<std::pair<std::string, int>> cases = {
      {"{\"jsonrpc\":\"2.0\",", -32700},
      {R"({"jsonrpc":"2.0","id":3,"params":{}})", -32600},
      {R"({"jsonrpc":"2.0","id":4,"method":"tasks/resubscribeX","params":{}})", -32601},
  };
  for (const auto& [body, code] : cases) {
    agenthub::HttpRequest req;
    req.url = gateway_;
    req.body = body;
    auto r = http.Post(req);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    json j = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r->body;
    EXPECT_EQ(j["error"].value("code", 0), code) << r->body;
  }
}

TEST_F(AgentHubE2E, A2aJsSdkClientTalksThroughTheHub) {
  if (Shell("command -v node && command -v npm").first != 0) GTEST_SKIP() << "node/npm not installed";
  const fs::path work = CESS_A2A_WORK_DIR;
  std::error_code ec;
  fs::create_directories(work, ec);
  for (const char* f : {"package.json", "package-lock.json", "client.mjs"}) {
    fs::copy_file(fs::path(CESS_A2A_CLIENT_DIR) / f, work / f, fs::copy_options::overwrite_existing, ec);
    ASSERT_FALSE(ec) << f << ": " << ec.message();
  }
  auto install = Shell("cd " + Quote(work.string()) + " && timeout 300 npm install --no-audit --no-fund");
  if (install.first != 0) {
    const std::string& o = install.second;
    for (const char* net : {"ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "network",
                            "proxy", "getaddrinfo"}) {
      if (o.find(net) != std::string::npos)
        GTEST_SKIP() << "npm cannot reach the registry: " << o.substr(0, 600);
    }
    FAIL() << "npm install failed:\n" << o;
  }
  const std::string text = RandomText();
  auto run = Shell("cd " + Quote(work.string()) + " && timeout 60 node client.mjs " + Quote(gateway_) +
                   " upper " + Quote(text));
  ASSERT_EQ(run.first, 0) << run.second;
  json j = json::parse(run.second.substr(run.second.find('{')), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << run.second;
  EXPECT_EQ(j["card"].value("url", ""), gateway_);
  bool has_upper = false;
  for (const auto& s : j["card"]["skills"]) has_upper |= s == "upper";
  EXPECT_TRUE(has_upper) << run.second;
  EXPECT_EQ(j.value("reply", ""), Skill("upper", text)) << run.second;
  EXPECT_EQ(j.value("streamText", ""), Skill("upper", text)) << run.second;
  ASSERT_FALSE(j["streamKinds"].empty());
  EXPECT_EQ(j["streamKinds"].front(), "task");
  EXPECT_EQ(j["streamKinds"].back(), "status-update");
}

void AgentHubE2E::UsageReachesTheChain() {
  for (int i = 0; i < 4; ++i) Call("--skill driving --text " + Quote(RandomText()));
  Call("--skill echo --text hello");
  // The gateway flushes every 2 s (devnet); a batch is one report_usage transaction.
  uint64_t accident_calls = 0, devnet_calls = 0;
  const bool seen = Eventually(
      [&] {
        accident_calls = 0;
        for (const auto& a : agents_)
          accident_calls +=
              CessJson("agent status " + a.id + " --dir " + dir_).value("total_calls", uint64_t{0});
        devnet_calls =
            CessJson("agent status " + devnet_agent_id_ + " --dir " + dir_).value("total_calls", uint64_t{0});
        return accident_calls >= 4 && devnet_calls >= 1;
      },
      60s);
  EXPECT_TRUE(seen) << "accident agents " << accident_calls << " calls, devnet agent " << devnet_calls;
  // And /metrics counts what went through.
  agenthub::HttpForwarder http;
  agenthub::HttpRequest get;
  get.url = gateway_ + "metrics";
  auto r = http.Get(get);
  ASSERT_TRUE(r.ok());
  // The router picks between the two accident agents; at least one of them has counted calls.
  bool counted = false;
  for (const auto& a : agents_) {
    counted = counted || r->body.find("cess_gateway_agent_calls_total{agent=\"" + a.id + "\"}") != std::string::npos;
  }
  EXPECT_TRUE(counted) << r->body;
}

void AgentHubE2E::FailsOverWhenAnAgentIsKilled() {
  ::kill(agents_[0].pid, SIGKILL);
  ::waitpid(agents_[0].pid, nullptr, 0);
  agents_[0].pid = 0;
  for (int i = 0; i < 8; ++i) {
    const std::string text = RandomText();
    EXPECT_EQ(Call("--skill insurance --strategy shuffle --text " + Quote(text)),
              Skill("insurance", text) + "\n");
  }
}

// One devnet for the CLI, registry, multi-agent, error, usage and failover checks (under ctest each
// test case runs in its own process with its own devnet, so they share one case).
TEST_F(AgentHubE2E, DevnetGatewayAndAgents) {
  {
    SCOPED_TRACE("CliCallReachesTheAgents");
    CliCallReachesTheAgents();
  }
  {
    SCOPED_TRACE("ListAndStatusShowTheRegistry");
    ListAndStatusShowTheRegistry();
  }
  {
    SCOPED_TRACE("MultiSkillAccidentCall");
    MultiSkillAccidentCall();
  }
  {
    SCOPED_TRACE("MalformedJsonRpcThroughTheGateway");
    MalformedJsonRpcThroughTheGateway();
  }
  {
    SCOPED_TRACE("UsageReachesTheChain");
    UsageReachesTheChain();
  }
  {
    SCOPED_TRACE("FailsOverWhenAnAgentIsKilled");
    FailsOverWhenAnAgentIsKilled();
  }
}

}  // namespace
}  // namespace cess
