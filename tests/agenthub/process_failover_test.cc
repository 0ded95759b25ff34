// Failover across real `cess-example-agent` processes on loopback ports (label: integration).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cess/agenthub/a2a.h"
#include "cess/agenthub/agent_card.h"
#include "cess/agenthub/http_forwarder.h"
#include "cess/agenthub/hub.h"

#ifndef CESS_EXAMPLE_AGENT_PATH
#error "CESS_EXAMPLE_AGENT_PATH must name the cess-example-agent binary"
#endif

namespace cess::agenthub {
namespace {

using json = nlohmann::json;

// A child process running cess-example-agent; killed on destruction.
class AgentProcess {
 public:
  explicit AgentProcess(std::vector<std::string> args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv;
      std::string bin = CESS_EXAMPLE_AGENT_PATH;
      argv.push_back(bin.data());
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    // Read the "listening on http://127.0.0.1:PORT/" line (with a deadline).
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      char buf[256];
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n > 0) line.append(buf, static_cast<size_t>(n));
      else if (n == 0) break;
      else std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    close(fds[0]);
    size_t at = line.find("http://");
    if (at != std::string::npos) url_ = line.substr(at, line.find('\n') - at);
  }
  ~AgentProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

std::string Send(const std::string& skill, const std::string& text) {
  return json({{"jsonrpc", "2.0"},
               {"id", 1},
               {"method", "message/send"},
               {"params",
                {{"message", a2a::MakeTextMessage(text, false, "m", jsonrpc::ProtocolVersion::kV0_3)},
                 {"metadata", {{"skill", skill}}}}}})
      .dump();
}

TEST(ProcessFailover, FailingAgentThenWorkingAgentInOneRequest) {
  AgentProcess failing({"--listen", "127.0.0.1:0", "--name", "failing", "--skills", "upper", "--fail-rate", "1",
                        "--fail-status", "500"});
  AgentProcess working({"--listen", "127.0.0.1:0", "--name", "working", "--skills", "upper,echo"});
  ASSERT_FALSE(failing.url().empty()) << "failing agent did not start";
  ASSERT_FALSE(working.url().empty()) << "working agent did not start";

  StaticDirectory dir;
  ASSERT_TRUE(dir.Upsert({.id = "failing", .url = failing.url(), .skills = {"upper"}, .price = 1}).ok());
  ASSERT_TRUE(dir.Upsert({.id = "working", .url = working.url(), .skills = {"upper", "echo"}, .price = 2}).ok());
  Router router(RealClock(), {.default_strategy = Strategy::kCost});
  HttpForwarder forwarder;
  Hub hub(dir, router, forwarder, nullptr, RealClock(), {.timeout_micros = 5'000'000});

  Result<CallResult> r = hub.Forward({.skill = "upper"}, Send("upper", "fail over please"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->tried, (std::vector<std::string>{"failing", "working"}));
  json reply = json::parse(r->response.body);
  EXPECT_EQ(a2a::ResultText(reply["result"]), "FAIL OVER PLEASE");

  // Kill the working process: its pooled connection breaks and the hub reports every attempt.
  kill(working.pid(), SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Result<CallResult> dead = hub.Forward({.skill = "echo"}, Send("echo", "x"));
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.status().code(), StatusCode::kUnavailable) << dead.status();
}

TEST(ProcessFailover, AgentCardIsServed) {
  AgentProcess agent({"--listen", "127.0.0.1:0", "--name", "carded", "--skills", "medical,driving", "--region", "eu"});
  ASSERT_FALSE(agent.url().empty());
  HttpForwarder forwarder;
  Result<HttpResponse> card = forwarder.Get({.url = agent.url() + ".well-known/agent-card.json"});
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(card->status, 200);
  Result<AgentCard> parsed = ParseAgentCard(card->body);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->name, "carded");
  ASSERT_EQ(parsed->skills.size(), 2u);
  EXPECT_EQ(parsed->skills[1].id, "driving");
  EXPECT_TRUE(parsed->capabilities.streaming);
}

}  // namespace
}  // namespace cess::agenthub
