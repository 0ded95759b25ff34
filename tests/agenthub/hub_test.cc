// The hub end to end in one process: real example agents on loopback ports, the real Beast
// forwarder, a fake clock for the router (so cooldowns are exact).
#include "cess/agenthub/hub.h"

#include <gtest/gtest.h>

#include <memory>

#include "cess/agenthub/a2a.h"
#include "cess/agenthub/health.h"
#include "cess/agenthub/http_forwarder.h"
#include "example_agent.h"

namespace cess::agenthub {
namespace {

using json = nlohmann::json;
using example::ExampleAgent;
using example::ExampleAgentOptions;

class NullSink : public UsageSink {
 public:
  Status Submit(const UsageBatch& b, const Bytes&) override {
    last = b;
    return Status::Ok();
  }
  UsageBatch last;
};

class HubTest : public ::testing::Test {
 protected:
  // Starts an in-process agent and registers it.
  ExampleAgent& AddAgent(const std::string& id, ExampleAgentOptions o, uint64_t price = 10) {
    o.name = id;
    agents_.push_back(std::make_unique<ExampleAgent>(o));
    ExampleAgent& a = *agents_.back();
    Status st = a.Start();
    EXPECT_TRUE(st.ok()) << st;
    AgentInfo info;
    info.id = id;
    info.url = a.url();
    info.skills = o.skills;
    for (const AgentSkill& s : a.card().skills) info.tags.insert(info.tags.end(), s.tags.begin(), s.tags.end());
    info.price = price;
    EXPECT_TRUE(dir_.Upsert(info).ok());
    return a;
  }

  static std::string SendBody(const std::string& skill, const std::string& text, const std::string& method = "SendMessage",
                              json extra_md = json::object()) {
    json md = extra_md;
    if (!skill.empty()) md["skill"] = skill;
    json req = {{"jsonrpc", "2.0"},
                {"id", 1},
                {"method", method},
                {"params",
                 {{"message", a2a::MakeTextMessage(text, false, "m1", jsonrpc::ProtocolVersion::kV1_0)},
                  {"metadata", md}}}};
    return req.dump();
  }

  json Call(const std::string& body) {
    HubReply r = hub_.Handle(body);
    EXPECT_FALSE(r.streamed);
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }

  FakeClock clock_;
  StaticDirectory dir_;
  Router router_{clock_, {.seed = 11, .default_strategy = Strategy::kCost}};
  HttpForwarder forwarder_;
  NullSink sink_;
  UsageMeter meter_{sink_, clock_};
  Hub hub_{dir_, router_, forwarder_, &meter_, clock_, {.timeout_micros = 2'000'000}};
  std::vector<std::unique_ptr<ExampleAgent>> agents_;
};

TEST_F(HubTest, RoutesBySkillAndReusesConnections) {
  AddAgent("echoer", {.skills = {"echo"}});
  AddAgent("shouter", {.skills = {"upper"}});
  for (int i = 0; i < 20; ++i) {
    json r = Call(SendBody("upper", "hello hub " + std::to_string(i)));
    ASSERT_TRUE(r.contains("result")) << r.dump();
    EXPECT_EQ(a2a::ResultText(r["result"]), "HELLO HUB " + std::to_string(i));
    EXPECT_EQ(r["id"], 1);
  }
  EXPECT_EQ(agents_[1]->requests(), 20u);
  EXPECT_EQ(agents_[0]->requests(), 0u);
  EXPECT_EQ(forwarder_.connections_opened(), 1u) << "keep-alive: one connection for 20 sequential calls";
}

TEST_F(HubTest, FailsOverWithinOneRequestOn5xx) {
  ExampleAgent& bad = AddAgent("bad", {.skills = {"echo"}, .fail_rate = 1.0, .fail_status = 500}, 1);
  ExampleAgent& good = AddAgent("good", {.skills = {"echo"}}, 5);
  Result<CallResult> r = hub_.Forward({.skill = "echo"}, SendBody("echo", "x"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->agent_id, "good");
  EXPECT_EQ(r->attempts, 2u);
  EXPECT_EQ(r->tried, (std::vector<std::string>{"bad", "good"}));
  EXPECT_EQ(bad.requests(), 1u);
  EXPECT_EQ(good.requests(), 1u);
  EXPECT_EQ(router_.Snapshot("bad").recent_failures, 1u);
  ASSERT_TRUE(meter_.Flush().ok());
  ASSERT_EQ(sink_.last.agents.size(), 2u);
  EXPECT_EQ(sink_.last.agents[0].agent_id, "bad");
  EXPECT_EQ(sink_.last.agents[0].failures, 1u);
  EXPECT_EQ(sink_.last.agents[0].amount, 0u);
  EXPECT_EQ(sink_.last.agents[1].amount, 5u);
}

// Failures of fallback attempts count toward the cooldown, and a cooling agent gets no traffic.
TEST_F(HubTest, NoTrafficToAnAgentInCooldown) {
  ExampleAgent& bad = AddAgent("bad", {.skills = {"echo"}, .fail_rate = 1.0, .fail_status = 503}, 1);
  ExampleAgent& good = AddAgent("good", {.skills = {"echo"}}, 5);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(hub_.Forward({.skill = "echo"}, SendBody("echo", "x")).ok());
  EXPECT_EQ(bad.requests(), 3u);
  EXPECT_TRUE(router_.InCooldown("bad"));
  for (int i = 0; i < 10; ++i) {
    Result<CallResult> r = hub_.Forward({.skill = "echo"}, SendBody("echo", "x"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->attempts, 1u);
  }
  EXPECT_EQ(bad.requests(), 3u) << "an agent in cooldown received traffic";
  EXPECT_EQ(good.requests(), 13u);
  clock_.AdvanceMs(5'001);
  ASSERT_TRUE(hub_.Forward({.skill = "echo"}, SendBody("echo", "x")).ok());
  EXPECT_EQ(bad.requests(), 4u) << "after the cooldown the cheap agent is tried again";
}

// LiteLLM #32574: failures of an agent tried only as a fallback must cool it too.
TEST_F(HubTest, FallbackFailuresCountTowardCooldown) {
  ExampleAgent& first = AddAgent("first", {.skills = {"echo"}, .fail_rate = 1.0, .fail_status = 500}, 1);
  ExampleAgent& second = AddAgent("second", {.skills = {"echo"}, .fail_rate = 1.0, .fail_status = 502}, 2);
  ExampleAgent& third = AddAgent("third", {.skills = {"echo"}}, 3);
  for (int i = 0; i < 3; ++i) {
    Result<CallResult> r = hub_.Forward({.skill = "echo"}, SendBody("echo", "x"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->tried, (std::vector<std::string>{"first", "second", "third"}));
  }
  EXPECT_TRUE(router_.InCooldown("second")) << "three failures as a fallback";
  EXPECT_TRUE(router_.InCooldown("first"));
  Result<CallResult> r = hub_.Forward({.skill = "echo"}, SendBody("echo", "x"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tried, std::vector<std::string>{"third"});
  EXPECT_EQ(first.requests(), 3u);
  EXPECT_EQ(second.requests(), 3u);
  EXPECT_EQ(third.requests(), 4u);
}

TEST_F(HubTest, RateLimitCoolsForRetryAfter) {
  ExampleAgent& limited = AddAgent("limited", {.skills = {"echo"}, .fail_rate = 1.0, .fail_status = 429, .retry_after_s = 3}, 1);
  AddAgent("good", {.skills = {"echo"}}, 5);
  ASSERT_TRUE(hub_.Forward({.skill = "echo"}, SendBody("echo", "x")).ok());
  EXPECT_TRUE(router_.InCooldown("limited"));
  clock_.AdvanceMs(2'900);
  ASSERT_TRUE(hub_.Forward({.skill = "echo"}, SendBody("echo", "x")).ok());
  EXPECT_EQ(limited.requests(), 1u);
  clock_.AdvanceMs(200);
  EXPECT_FALSE(router_.InCooldown("limited"));
}

TEST_F(HubTest, FailsOverOnConnectionErrorAndTimeout) {
  AgentInfo dead;
  dead.id = "dead";
  dead.url = "http://127.0.0.1:1/";  // nothing listens on port 1
  dead.skills = {"echo"};
  dead.price = 0;
  ASSERT_TRUE(dir_.Upsert(dead).ok());
  AddAgent("slow", {.skills = {"echo"}, .delay_ms = 1500}, 1);
  AddAgent("good", {.skills = {"echo"}}, 5);
  Hub quick(dir_, router_, forwarder_, nullptr, clock_, {.timeout_micros = 200'000});
  Result<CallResult> r = quick.Forward({.skill = "echo"}, SendBody("echo", "x"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->tried, (std::vector<std::string>{"dead", "slow", "good"}));
  EXPECT_EQ(r->agent_id, "good");
  // With only two attempts allowed, both failures are reported, the last being a timeout.
  Hub two(dir_, router_, forwarder_, nullptr, clock_, {.timeout_micros = 200'000, .max_attempts = 2});
  Result<CallResult> f = two.Forward({.skill = "echo"}, SendBody("echo", "x"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kDeadlineExceeded) << f.status();
}

TEST_F(HubTest, ClientErrorIsNotRetried) {
  ExampleAgent& picky = AddAgent("picky", {.skills = {"echo"}, .fail_rate = 1.0, .fail_status = 404}, 1);
  ExampleAgent& good = AddAgent("good", {.skills = {"echo"}}, 5);
  Result<CallResult> r = hub_.Forward({.skill = "echo"}, SendBody("echo", "x"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->attempts, 1u);
  EXPECT_EQ(r->response.status, 404);
  EXPECT_EQ(picky.requests(), 1u);
  EXPECT_EQ(good.requests(), 0u);
}

TEST_F(HubTest, StreamsSseEventsInOrder) {
  AddAgent("bad", {.skills = {"echo"}, .fail_rate = 1.0, .fail_status = 500}, 1);
  AddAgent("streamer", {.skills = {"echo"}}, 5);
  const std::string text = "one two three four five six";
  for (const char* method : {"SendStreamingMessage", "message/stream"}) {
    std::vector<json> events;
    HubReply r = hub_.Handle(SendBody("echo", text, method), [&](std::string_view data) {
      events.push_back(json::parse(data));
      return Status::Ok();
    });
    ASSERT_TRUE(r.streamed) << r.body;
    ASSERT_EQ(events.size(), 8u);  // task, 6 words, final status
    std::string joined;
    for (size_t i = 1; i + 1 < events.size(); ++i) {
      const json& res = events[i]["result"];
      const json& upd = res.contains("artifactUpdate") ? res["artifactUpdate"] : res;
      joined += upd["artifact"]["parts"][0]["text"].get<std::string>();
    }
    EXPECT_EQ(joined, text);
    const json& last = events.back()["result"];
    const json& st = last.contains("statusUpdate") ? last["statusUpdate"] : last;
    EXPECT_TRUE(st["final"].get<bool>());
    EXPECT_TRUE(a2a::IsTerminalStateName(st["status"]["state"].get<std::string>()));
  }
}

// A client that goes away mid-stream stops the stream without blaming the agent.
TEST_F(HubTest, WriterErrorStopsTheStreamWithoutBlamingTheAgent) {
  AddAgent("streamer", {.skills = {"echo"}}, 5);
  AddAgent("other", {.skills = {"echo"}}, 6);
  int seen = 0;
  Result<CallResult> r = hub_.ForwardStream({.skill = "echo"}, SendBody("echo", "a b c d e f", "SendStreamingMessage"),
                                            [&](const SseEvent&) {
                                              return ++seen == 2 ? Status::Unavailable("client gone") : Status::Ok();
                                            });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "client gone");
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(router_.Snapshot("streamer").recent_failures, 0u);
  EXPECT_EQ(agents_[1]->requests(), 0u) << "no failover after the caller's own error";
}

TEST_F(HubTest, JsonRpcErrorsComeBackWithTheRightCodes) {
  AddAgent("echoer", {.skills = {"echo"}});
  auto code = [&](const std::string& body) {
    json j = Call(body);
    return j.contains("error") ? j["error"]["code"].get<int>() : 0;
  };
  EXPECT_EQ(code("{oops"), -32700);
  EXPECT_EQ(code(R"({"jsonrpc":"1.0","id":1,"method":"SendMessage"})"), -32600);
  EXPECT_EQ(code(R"({"jsonrpc":"2.0","id":1,"method":"Explode","params":{}})"), -32601);
  EXPECT_EQ(code(R"({"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{}})"), -32602);
  EXPECT_EQ(code(SendBody("", "no skill named")), -32602);
  EXPECT_EQ(code(SendBody("driving", "no such agent")), -32602);
  EXPECT_EQ(code(SendBody("echo", "x", "SendMessage", {{"strategy", "fastest"}})), -32602);
  EXPECT_EQ(code(R"({"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"nope"}})"), -32001);
  EXPECT_EQ(code(SendBody("echo", "x", "SendStreamingMessage")), -32004) << "streaming without a stream writer";
}

TEST_F(HubTest, TaskOperationsGoToTheAgentThatOwnsTheTask) {
  ExampleAgent& a = AddAgent("a", {.skills = {"echo"}}, 1);
  AddAgent("b", {.skills = {"echo"}}, 2);
  json sent = Call(SendBody("echo", "remember me", "message/send"));
  ASSERT_TRUE(sent.contains("result")) << sent.dump();
  EXPECT_EQ(sent["result"]["kind"], "task");  // 0.3 shape for a 0.3 method
  std::string task_id = sent["result"]["id"];
  json got = Call(json({{"jsonrpc", "2.0"}, {"id", "g"}, {"method", "GetTask"}, {"params", {{"id", task_id}}}}).dump());
  ASSERT_TRUE(got.contains("result")) << got.dump();
  EXPECT_EQ(got["id"], "g");
  EXPECT_EQ(a2a::ResultText(got["result"]), "remember me");
  json cancel = Call(json({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tasks/cancel"}, {"params", {{"id", task_id}}}}).dump());
  ASSERT_TRUE(cancel.contains("error"));
  EXPECT_EQ(cancel["error"]["code"], -32002);  // completed tasks cannot be canceled
  EXPECT_EQ(a.requests(), 3u);
}

TEST_F(HubTest, BatchesGetOneReplyPerRequest) {
  AddAgent("echoer", {.skills = {"echo", "upper"}});
  std::string body = "[" + SendBody("echo", "a") + "," + SendBody("upper", "b") +
                     R"(,{"jsonrpc":"2.0","id":9,"method":"Nope"},{"jsonrpc":"2.0","method":"GetTask","params":{"id":"z"}}])";
  HubReply r = hub_.Handle(body);
  json j = json::parse(r.body);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 3u);  // the notification gets no reply
  EXPECT_EQ(a2a::ResultText(j[0]["result"]), "a");
  EXPECT_EQ(a2a::ResultText(j[1]["result"]), "B");
  EXPECT_EQ(j[2]["error"]["code"], -32601);
}

TEST_F(HubTest, MultiAgentParallelAndPipeline) {
  AddAgent("med", {.skills = {"medical"}});
  AddAgent("ins", {.skills = {"insurance"}});
  AddAgent("drv", {.skills = {"driving"}});
  const std::string text = "two cars collided at a crossing; one driver hurt his arm";
  json md = {{"skills", {"medical", "insurance", "driving"}}, {"mode", "parallel"}};
  json par = Call(SendBody("", text, "SendMessage", md));
  ASSERT_TRUE(par.contains("result")) << par.dump();
  const json& task = par["result"]["task"];
  ASSERT_EQ(task["artifacts"].size(), 3u);
  std::string want;
  for (const char* s : {"medical", "insurance", "driving"}) {
    std::string out = *example::RunSkill(s, text);
    want += (want.empty() ? "" : "\n") + std::string(s) + ": " + out;
  }
  EXPECT_EQ(a2a::MessageText(task["status"]["message"]), want);
  EXPECT_EQ(task["status"]["state"], "TASK_STATE_COMPLETED");

  md["mode"] = "pipeline";
  json pipe = Call(SendBody("", text, "SendMessage", md));
  ASSERT_TRUE(pipe.contains("result"));
  std::string chained = *example::RunSkill("driving", *example::RunSkill("insurance", *example::RunSkill("medical", text)));
  EXPECT_EQ(a2a::MessageText(pipe["result"]["task"]["status"]["message"]), chained);

  // A missing skill fails a pipeline from that stage on.
  Result<std::vector<SkillResult>> r = hub_.CallSkills({"medical", "astrology", "driving"}, MultiMode::kPipeline, text, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].status.ok());
  EXPECT_EQ((*r)[1].status.code(), StatusCode::kNotFound);
  EXPECT_EQ((*r)[2].status.code(), StatusCode::kFailedPrecondition);
}

TEST_F(HubTest, HealthChecksFeedTheRouter) {
  AddAgent("alive", {.skills = {"echo"}}, 5);
  AgentInfo dead;
  dead.id = "dead";
  dead.url = "http://127.0.0.1:1/";
  dead.skills = {"echo"};
  dead.price = 1;
  ASSERT_TRUE(dir_.Upsert(dead).ok());
  HealthChecker hc(dir_, router_, forwarder_, {.timeout_micros = 200'000, .unhealthy_after = 2});
  ASSERT_TRUE(hc.CheckOnce().ok());
  EXPECT_TRUE(hc.IsHealthy("dead")) << "one failure is not enough";
  ASSERT_TRUE(hc.CheckOnce().ok());
  EXPECT_FALSE(hc.IsHealthy("dead"));
  EXPECT_FALSE(router_.Snapshot("dead").healthy);
  EXPECT_TRUE(router_.Snapshot("alive").healthy);
  // The cheaper dead agent is skipped without a connection attempt.
  Result<CallResult> r = hub_.Forward({.skill = "echo"}, SendBody("echo", "x"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tried, std::vector<std::string>{"alive"});
}

}  // namespace
}  // namespace cess::agenthub
