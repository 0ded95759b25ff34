// The gateway's HTTP front in-process (issue 6 §2, §4): a real GatewayServer on a loopback port over
// a StaticCatalog of in-process example agents, called over real HTTP (keep-alive) and checked
// against the example agent's skills run directly (RunSkill, the plain reference) on fresh random
// inputs. Also the REST helpers, the metrics text and the usage-batch conversion for the chain.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cess/agenthub/a2a.h"
#include "cess/agenthub/clock.h"
#include "cess/agenthub/http_forwarder.h"
#include "cess/agenthub/hub.h"
#include "cess/agenthub/metering.h"
#include "cess/agenthub/router.h"
#include "cess/chain/runtime/agents.h"
#include "cessd/node_config.h"
#include "example_agent.h"
#include "gateway/agent_catalog.h"
#include "gateway/chain_directory.h"
#include "gateway/chain_usage_sink.h"
#include "gateway/http_server.h"
#include "gateway/metrics.h"
#include "gateway/rest.h"

namespace cess::gateway {
namespace {

using json = nlohmann::json;
namespace example = agenthub::example;

std::string RandomText(std::mt19937_64& rng, int min_words = 1, int max_words = 8) {
  static const char* kWords[] = {"car",      "hit",      "a",           "cyclist",  "at",        "the",
                                 "crossing", "driver",   "was",         "late",     "insurance", "claim",
                                 "Ünïcode",  "quote\"d", "back\\slash", "tab\tword"};
  std::uniform_int_distribution<int> n(min_words, max_words);
  std::uniform_int_distribution<size_t> w(0, std::size(kWords) - 1);
  std::string s;
  const int words = n(rng);
  for (int i = 0; i < words; ++i) {
    if (i > 0) s += ' ';
    s += kWords[w(rng)];
  }
  return s;
}

json SendBody(const std::string& method, const std::string& text, const json& metadata, int id = 1) {
  const bool v03 = method.find('/') != std::string::npos;
  json msg = v03 ? json{{"kind", "message"},
                        {"role", "user"},
                        {"messageId", "m" + std::to_string(id)},
                        {"parts", {{{"kind", "text"}, {"text", text}}}}}
                 : json{{"role", "ROLE_USER"},
                        {"messageId", "m" + std::to_string(id)},
                        {"parts", {{{"text", text}}}}};
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"method", method},
          {"params", {{"message", msg}, {"metadata", metadata}}}};
}

class RecordingSink final : public agenthub::UsageSink {
 public:
  Status Submit(const agenthub::UsageBatch& batch, const Bytes&) override {
    std::lock_guard<std::mutex> lock(mu);
    batches.push_back(batch);
    return Status::Ok();
  }
  std::mutex mu;
  std::vector<agenthub::UsageBatch> batches;
};

// Three example agents (two share the accident skills, one of them can be made to fail), the
// hub, and the gateway in front.
class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddAgent("text-agent", {"echo", "upper", "word-count", "reverse"}, 0, 10);
    AddAgent("accident-a", {"medical", "insurance", "driving"}, 0, 20);
    AddAgent("accident-b", {"medical", "insurance", "driving"}, 0, 30);
    router_ = std::make_unique<agenthub::Router>(agenthub::RealClock(), agenthub::RouterOptions{.seed = 7});
    counting_ = std::make_unique<CountingForwarder>(http_, metrics_);
    meter_ = std::make_unique<agenthub::UsageMeter>(sink_, agenthub::RealClock());
    hub_ =
        std::make_unique<agenthub::Hub>(catalog_, *router_, *counting_, meter_.get(), agenthub::RealClock());
    GatewayServerOptions o;
    o.workers = 16;
    server_ = std::make_unique<GatewayServer>(*hub_, catalog_, *router_, metrics_, o);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Stop();
    for (auto& a : agents_) a->Stop();
  }

  void AddAgent(const std::string& name, std::vector<std::string> skills, double fail_rate, uint64_t price) {
    example::ExampleAgentOptions o;
    o.name = name;
    o.skills = std::move(skills);
    o.fail_rate = fail_rate;
    auto agent = std::make_unique<example::ExampleAgent>(o);
    ASSERT_TRUE(agent->Start().ok());
    CatalogEntry e;
    e.card = agent->card();
    e.info = InfoFromCard(e.card);
    e.info.id = "id-" + name;
    e.info.url = agent->url();
    e.info.price = price;
    e.registry = {{"owner", "test"}};
    ASSERT_TRUE(catalog_.Upsert(e).ok());
    agents_.push_back(std::move(agent));
  }

  // POST to the gateway; returns the parsed reply (null on a non-JSON body).
  json Rpc(const std::string& body, int* http_status = nullptr, const std::string& path = "",
           const std::string& content_type = "application/json") {
    agenthub::HttpRequest r;
    r.url = server_->url() + path;
    r.body = body;
    r.content_type = content_type;
    auto res = client_.Post(r);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    if (!res.ok()) return nullptr;
    if (http_status) *http_status = res->status;
    if (res->body.empty()) return nullptr;
    json j = json::parse(res->body, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
  }

  json Get(const std::string& path, int* http_status, std::string* raw = nullptr) {
    agenthub::HttpRequest r;
    r.url = server_->url() + path.substr(1);
    auto res = client_.Get(r);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    if (!res.ok()) return nullptr;
    *http_status = res->status;
    if (raw) *raw = res->body;
    json j = json::parse(res->body, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
  }

  StaticCatalog catalog_;
  std::vector<std::unique_ptr<example::ExampleAgent>> agents_;
  agenthub::HttpForwarder http_;    // the hub's forwarder
  agenthub::HttpForwarder client_;  // the test's HTTP client
  GatewayMetrics metrics_;
  RecordingSink sink_;
  std::unique_ptr<agenthub::Router> router_;
  std::unique_ptr<CountingForwarder> counting_;
  std::unique_ptr<agenthub::UsageMeter> meter_;
  std::unique_ptr<agenthub::Hub> hub_;
  std::unique_ptr<GatewayServer> server_;
};

TEST_F(GatewayTest, CardNamesTheGatewayAndEverySkill) {
  int status = 0;
  json card = Get("/.well-known/agent-card.json", &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(card.value("url", ""), server_->url());
  ASSERT_TRUE(card.contains("supportedInterfaces"));
  EXPECT_EQ(card["supportedInterfaces"][0].value("url", ""), server_->url());
  std::set<std::string> ids;
  for (const auto& s : card["skills"]) ids.insert(s.value("id", ""));
  for (const char* want : {"echo", "upper", "word-count", "reverse", "medical", "insurance", "driving"}) {
    EXPECT_TRUE(ids.count(want)) << want;
  }
  // A paused agent's skills leave the card.
  auto entries = catalog_.ListEntries();
  ASSERT_TRUE(entries.ok());
  for (auto e : *entries) {
    if (e.info.id == "id-text-agent") {
      e.info.status = agenthub::AgentStatus::kPaused;
      ASSERT_TRUE(catalog_.Upsert(e).ok());
    }
  }
  card = Get("/.well-known/agent.json", &status);
  ASSERT_EQ(status, 200);
  ids.clear();
  for (const auto& s : card["skills"]) ids.insert(s.value("id", ""));
  EXPECT_FALSE(ids.count("upper"));
  EXPECT_TRUE(ids.count("medical"));
}

TEST_F(GatewayTest, SendMessageMatchesTheSkillRunDirectly) {
  std::mt19937_64 rng(std::random_device{}());
  const std::vector<std::string> skills = {"echo",    "upper",     "word-count", "reverse",
                                           "medical", "insurance", "driving"};
  for (int i = 0; i < 30; ++i) {
    const std::string skill = skills[static_cast<size_t>(i) % skills.size()];
    const std::string text = RandomText(rng);
    const std::string method = i % 2 ? "message/send" : "SendMessage";
    int status = 0;
    json reply = Rpc(SendBody(method, text, {{"skill", skill}}, i + 1).dump(), &status);
    ASSERT_EQ(status, 200);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(reply["id"], i + 1);
    auto want = example::RunSkill(skill, text);
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(agenthub::a2a::ResultText(reply["result"]), *want) << skill << " on '" << text << "'";
  }
  // One client, one connection: the gateway keeps it alive.
  EXPECT_EQ(client_.connections_opened(), 1u);
}

TEST_F(GatewayTest, StreamingPassesEveryEventThroughInOrder) {
  std::mt19937_64 rng(std::random_device{}());
  for (int round = 0; round < 3; ++round) {
    const std::string text = RandomText(rng, 3, 10);
    agenthub::HttpRequest r;
    r.url = server_->url() + "a2a";
    r.body = SendBody("SendStreamingMessage", text, {{"skill", "upper"}}).dump();
    std::vector<json> events;
    auto res = client_.PostStream(r, [&](const agenthub::SseEvent& e) {
      events.push_back(json::parse(e.data, nullptr, false));
      return Status::Ok();
    });
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    ASSERT_EQ(res->status, 200);
    EXPECT_EQ(res->content_type.rfind("text/event-stream", 0), 0u) << res->content_type;
    // The agent sends the task, one artifact update per word, then the final status.
    auto want = example::RunSkill("upper", text);
    ASSERT_TRUE(want.ok());
    std::vector<std::string> words;
    {
      std::istringstream in(*want);
      std::string w;
      while (in >> w) words.push_back(w);
    }
    ASSERT_EQ(events.size(), words.size() + 2) << text;
    std::vector<std::string> got;
    for (size_t i = 1; i + 1 < events.size(); ++i) {
      const json& ev = events[i];
      ASSERT_TRUE(ev.contains("result")) << ev.dump();
      const json& au =
          ev["result"].contains("artifactUpdate") ? ev["result"]["artifactUpdate"] : ev["result"];
      got.push_back(agenthub::a2a::MessageText(au["artifact"]));
    }
    // Artifact chunks append: every word after the first comes with its separating space.
    for (size_t i = 0; i < words.size(); ++i) words[i] = (i ? " " : "") + words[i];
    EXPECT_EQ(got, words);
  }
  // The connection survives a stream: a plain call on it still works.
  int status = 0;
  json reply = Rpc(SendBody("SendMessage", "after stream", {{"skill", "echo"}}).dump(), &status);
  EXPECT_EQ(agenthub::a2a::ResultText(reply["result"]), "after stream");
}

TEST_F(GatewayTest, AClientLeavingMidStreamDoesNotHurtOthers) {
  for (int i = 0; i < 5; ++i) {
    agenthub::HttpForwarder quitter;  // its own connection, dropped after the first event
    agenthub::HttpRequest r;
    r.url = server_->url();
    r.body =
        SendBody("SendStreamingMessage", "one two three four five six seven", {{"skill", "echo"}}).dump();
    auto res = quitter.PostStream(r, [](const agenthub::SseEvent&) { return Status::Unavailable("bye"); });
    EXPECT_FALSE(res.ok());
  }
  int status = 0;
  json reply = Rpc(SendBody("SendMessage", "still here", {{"skill", "upper"}}).dump(), &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(agenthub::a2a::ResultText(reply["result"]), "STILL HERE");
}

TEST_F(GatewayTest, MalformedJsonRpcGetsTheRightErrors) {
  struct Case {
    std::string body;
    int code;
  };
  const std::vector<Case> cases = {
      {"{not json", -32700},
      {"", -32700},
      {"[]", -32600},
      {R"({"jsonrpc":"1.0","id":1,"method":"SendMessage","params":{}})", -32600},
      {R"({"jsonrpc":"2.0","id":1})", -32600},
      {R"({"jsonrpc":"2.0","id":{"x":1},"method":"SendMessage"})", -32600},
      {R"({"jsonrpc":"2.0","id":1,"method":"NoSuchMethod","params":{}})", -32601},
      {R"({"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{}})", -32602},
      {R"({"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"role":"ROLE_USER","messageId":"x","parts":[{"text":"hi"}]}}})",
       -32602},  // no skill, skills or tags
      {R"({"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"no-such-task"}})", -32001},
      {R"({"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"role":"ROLE_USER","messageId":"x","parts":[{"text":"hi"}]},"metadata":{"skill":"nobody-has-this"}}})",
       -32602},
  };
  for (const auto& c : cases) {
    int status = 0;
    json reply = Rpc(c.body, &status);
    EXPECT_EQ(status, 200) << c.body;
    ASSERT_TRUE(reply.is_object() && reply.contains("error")) << c.body << " -> " << reply.dump();
    EXPECT_EQ(reply["error"].value("code", 0), c.code) << c.body << " -> " << reply.dump();
    EXPECT_EQ(reply.value("jsonrpc", ""), "2.0");
  }
  // A notification is answered with no body.
  int status = 0;
  json none = Rpc(
      R"({"jsonrpc":"2.0","method":"SendMessage","params":{"message":{"role":"ROLE_USER","messageId":"n","parts":[{"text":"x"}]},"metadata":{"skill":"echo"}}})",
      &status);
  EXPECT_EQ(status, 204);
  EXPECT_TRUE(none.is_null());
  // Not JSON by Content-Type: 415 with a JSON-RPC error body.
  json ct = Rpc(SendBody("SendMessage", "x", {{"skill", "echo"}}).dump(), &status, "", "text/plain");
  EXPECT_EQ(status, 415);
  ASSERT_TRUE(ct.contains("error"));
  EXPECT_EQ(ct["error"].value("code", 0), -32600);
  // application/json with parameters is fine.
  json ok = Rpc(SendBody("SendMessage", "x y", {{"skill", "word-count"}}).dump(), &status, "",
                "application/json; charset=utf-8");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(agenthub::a2a::ResultText(ok["result"]), "2 words");
}

TEST_F(GatewayTest, BatchesAnswerEachElement) {
  const std::string body = "[" + SendBody("SendMessage", "one two", {{"skill", "upper"}}, 1).dump() + "," +
                           R"({"jsonrpc":"2.0","id":2,"method":"Nope"})" + "," +
                           SendBody("message/send", "a b c", {{"skill", "word-count"}}, 3).dump() + "]";
  int status = 0;
  json reply = Rpc(body, &status);
  ASSERT_EQ(status, 200);
  ASSERT_TRUE(reply.is_array()) << reply.dump();
  ASSERT_EQ(reply.size(), 3u);
  std::map<int, json> by_id;
  for (const auto& r : reply) by_id[r["id"].get<int>()] = r;
  EXPECT_EQ(agenthub::a2a::ResultText(by_id[1]["result"]), "ONE TWO");
  EXPECT_EQ(by_id[2]["error"].value("code", 0), -32601);
  EXPECT_EQ(agenthub::a2a::ResultText(by_id[3]["result"]), "3 words");
}

TEST_F(GatewayTest, MultiSkillCallCombinesTheAccidentAgents) {
  std::mt19937_64 rng(std::random_device{}());
  const std::string text = RandomText(rng, 3, 8);
  int status = 0;
  json reply =
      Rpc(SendBody("SendMessage", text, {{"skills", {"medical", "insurance", "driving"}}}).dump(), &status);
  ASSERT_EQ(status, 200);
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  const json& task = reply["result"].contains("task") ? reply["result"]["task"] : reply["result"];
  ASSERT_TRUE(task.contains("artifacts"));
  std::map<std::string, std::string> by_skill;
  for (const auto& a : task["artifacts"]) by_skill[a.value("name", "")] = agenthub::a2a::MessageText(a);
  for (const char* skill : {"medical", "insurance", "driving"}) {
    auto want = example::RunSkill(skill, text);
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(by_skill[skill], *want) << skill;
  }
}

TEST_F(GatewayTest, FailsOverFromAFailingAgentWithinOneRequest) {
  // Replace accident-b by one that always fails with 500.
  agents_[2]->Stop();
  AddAgent("accident-b", {"medical", "insurance", "driving"}, 1.0, 5);  // cheapest: `cost` tries it first
  const std::string bad_url = agents_.back()->url();
  std::mt19937_64 rng(std::random_device{}());
  for (int i = 0; i < 12; ++i) {
    const std::string text = RandomText(rng);
    int status = 0;
    json reply =
        Rpc(SendBody("SendMessage", text, {{"skill", "insurance"}, {"strategy", "cost"}}, i).dump(), &status);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(agenthub::a2a::ResultText(reply["result"]), *example::RunSkill("insurance", text));
  }
  // The failing agent was tried (and then cooled down), and /metrics says so.
  EXPECT_GE(metrics_.AgentCalls(bad_url), 1u);
  int status = 0;
  std::string text;
  Get("/metrics", &status, &text);
  ASSERT_EQ(status, 200);
  EXPECT_NE(text.find("cess_gateway_agent_failures_total{agent=\"id-accident-b\"}"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cess_gateway_agent_cooldowns_total{agent=\"id-accident-b\"} 1"), std::string::npos)
      << text;
}

TEST_F(GatewayTest, ConcurrentClientsAllGetTheirOwnAnswers) {
  std::atomic<int> wrong{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t) * 7919 + std::random_device{}());
      agenthub::HttpForwarder client;
      for (int i = 0; i < 20; ++i) {
        const std::string text = RandomText(rng);
        agenthub::HttpRequest r;
        r.url = server_->url();
        r.body = SendBody("SendMessage", text, {{"skill", "reverse"}}, i).dump();
        auto res = client.Post(r);
        json j = res.ok() ? json::parse(res->body, nullptr, false) : json(nullptr);
        if (!j.is_object() || !j.contains("result") ||
            agenthub::a2a::ResultText(j["result"]) != *example::RunSkill("reverse", text)) {
          ++wrong;
        }
        ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), 120);
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(GatewayTest, DiscoveryRoutes) {
  int status = 0;
  json all = Get("/api/v1/agents", &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(all["agents"].size(), 3u);
  json med = Get("/api/v1/agents?skill=medical", &status);
  ASSERT_EQ(status, 200);
  ASSERT_EQ(med["agents"].size(), 2u);
  for (const auto& a : med["agents"]) EXPECT_NE(a.value("id", "").find("accident"), std::string::npos);
  json q = Get("/api/v1/agents?q=TEXT-AG", &status);  // case-insensitive name match
  ASSERT_EQ(status, 200);
  ASSERT_EQ(q["agents"].size(), 1u);
  EXPECT_EQ(q["agents"][0].value("id", ""), "id-text-agent");
  EXPECT_EQ(q["agents"][0].value("price", 0), 10);
  json none = Get("/api/v1/agents?skill=medical&q=text-agent", &status);
  EXPECT_EQ(none["agents"].size(), 0u);
  json one = Get("/api/v1/agents/id-accident-a", &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(one.value("name", ""), "accident-a");
  EXPECT_TRUE(one.contains("live"));
  EXPECT_TRUE(one["live"].value("healthy", false));
  EXPECT_EQ(one["registry"].value("owner", ""), "test");
  json missing = Get("/api/v1/agents/nobody", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(missing["error"].value("code", 0), 404);
  json bad = Get("/api/v1/agents?skill=%zz", &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(bad["error"].value("code", 0), 400);
  Get("/nowhere", &status);
  EXPECT_EQ(status, 404);
  json health = Get("/healthz", &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(health.value("agents", 0), 3);
  // POST on a REST route is 405; GET on the JSON-RPC route too.
  Rpc("{}", &status, "api/v1/agents");
  EXPECT_EQ(status, 405);
  Get("/a2a", &status);
  EXPECT_EQ(status, 405);
}

TEST_F(GatewayTest, MetricsCountRequestsAndAgentCalls) {
  for (int i = 0; i < 5; ++i) Rpc(SendBody("SendMessage", "x", {{"skill", "echo"}}, i).dump());
  Rpc("{oops");
  Rpc(R"({"jsonrpc":"2.0","id":1,"method":"Nope"})");
  int status = 0;
  std::string text;
  Get("/metrics", &status, &text);
  ASSERT_EQ(status, 200);
  EXPECT_NE(text.find("cess_gateway_rpc_requests_total{method=\"SendMessage\"} 5\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cess_gateway_rpc_failures_total{method=\"SendMessage\"} 0\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cess_gateway_rpc_failures_total{method=\"invalid\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cess_gateway_rpc_failures_total{method=\"unknown\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cess_gateway_agent_calls_total{agent=\"id-text-agent\"} 5\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cess_gateway_http_requests_total{route=\"a2a\",code=\"200\"} 7\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cess_gateway_request_duration_seconds_count{route=\"a2a\"} 7\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cess_gateway_request_duration_seconds_bucket{route=\"a2a\",le=\"+Inf\"} 7\n"),
            std::string::npos)
      << text;
  // The meter saw the same calls, and one flush hands them to the sink as one batch.
  auto flushed = meter_->Flush();
  ASSERT_TRUE(flushed.ok());
  ASSERT_EQ(sink_.batches.size(), 1u);
  ASSERT_EQ(sink_.batches[0].agents.size(), 1u);
  EXPECT_EQ(sink_.batches[0].agents[0].agent_id, "id-text-agent");
  EXPECT_EQ(sink_.batches[0].agents[0].calls, 5u);
  EXPECT_EQ(sink_.batches[0].agents[0].amount, 50u);  // price 10 × 5
}

TEST(GatewayRest, UrlDecodeAndDiscoveryQuery) {
  EXPECT_EQ(*UrlDecode("a%20b+c%2Fd"), "a b c/d");
  EXPECT_FALSE(UrlDecode("%2").ok());
  EXPECT_FALSE(UrlDecode("%g0").ok());
  EXPECT_FALSE(UrlDecode("abc%").ok());
  auto q = ParseDiscoveryQuery("skill=medical&tag=health%20care&q=car+crash&other=1&&");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->skill, "medical");
  EXPECT_EQ(q->tag, "health care");
  EXPECT_EQ(q->q, "car crash");
  // Round trip on random bytes through a percent-encoder.
  std::mt19937_64 rng(std::random_device{}());
  for (int i = 0; i < 200; ++i) {
    std::string raw(static_cast<size_t>(rng() % 20), '\0');
    for (char& c : raw) c = static_cast<char>(rng() & 0xff);
    std::string enc;
    for (unsigned char c : raw) {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      enc += buf;
    }
    auto dec = UrlDecode(enc);
    ASSERT_TRUE(dec.ok());
    EXPECT_EQ(*dec, raw);
  }
  EXPECT_EQ(ErrorBody(404, "no \"x\""), R"({"error":{"code":404,"message":"no \"x\""}})");
}

TEST(GatewayChain, UsageBatchBecomesSortedReportArgs) {
  namespace agents = chain::runtime::agents;
  std::mt19937_64 rng(std::random_device{}());
  for (int round = 0; round < 20; ++round) {
    agenthub::UsageBatch b;
    b.sequence = rng() % 5;
    b.start_unix_micros = 1000;
    b.end_unix_micros = 2000;
    const size_t n = rng() % 10;
    std::set<std::string> used;
    while (b.agents.size() < n) {
      agents::AgentId id;
      for (auto& x : id.bytes) x = static_cast<uint8_t>(rng());
      if (!used.insert(id.ToHex()).second) continue;
      agenthub::AgentUsage u;
      u.agent_id = id.ToHex();
      u.calls = rng() % 100;
      u.failures = u.calls ? rng() % (u.calls + 1) : 0;
      u.amount = rng() % 1000;
      u.latency_sum_micros = rng() % 100000;
      u.latency_buckets[rng() % agenthub::kLatencyBuckets] = u.calls;
      b.agents.push_back(u);  // deliberately in random order
    }
    auto args = ToReportUsageArgs(b, 42);
    ASSERT_TRUE(args.ok()) << args.status().ToString();
    EXPECT_EQ(args->sequence, 42u);  // the sink's number, not the meter's
    ASSERT_EQ(args->entries.size(), n);
    for (size_t i = 1; i < n; ++i) EXPECT_LT(args->entries[i - 1].agent, args->entries[i].agent);
    // Every agent's counters arrive unchanged (reference: a map by hex id).
    std::map<std::string, agenthub::AgentUsage> want;
    for (const auto& u : b.agents) want[u.agent_id] = u;
    for (const auto& e : args->entries) {
      const auto& u = want.at(e.agent.ToHex());
      EXPECT_EQ(e.usage.calls, u.calls);
      EXPECT_EQ(e.usage.failures, u.failures);
      EXPECT_EQ(e.usage.amount, u.amount);
      EXPECT_EQ(e.usage.latency_sum_micros, u.latency_sum_micros);
      for (size_t k = 0; k < agenthub::kLatencyBuckets; ++k)
        EXPECT_EQ(e.usage.latency_buckets[k], u.latency_buckets[k]);
    }
  }
  agenthub::UsageBatch bad;
  bad.agents.push_back({});
  bad.agents[0].agent_id = "not-hex";
  EXPECT_FALSE(ToReportUsageArgs(bad, 0).ok());
}

TEST(GatewayChain, EntryFromRecordKeepsRegistryFields) {
  namespace agents = chain::runtime::agents;
  agents::AgentRecord r;
  r.id.bytes[0] = 0xab;
  r.name = "med";
  const std::string card =
      R"({"name":"med","description":"d","version":"1","skills":[{"id":"medical","tags":["health"]}]})";
  r.card.assign(card.begin(), card.end());  // valid for the chain, not a full A2A 1.0 card
  r.skills = {{"medical", {"health"}}};
  r.endpoint = "http://127.0.0.1:1/";
  r.price = 7;
  r.reputation = 640;
  r.weight = 3;
  r.status = agents::AgentStatus::kPaused;
  CatalogEntry e = EntryFromRecord(r);
  EXPECT_EQ(e.info.id, r.id.ToHex());
  EXPECT_EQ(e.info.url, r.endpoint);
  EXPECT_EQ(e.info.price, 7u);
  EXPECT_EQ(e.info.reputation, 640u);
  EXPECT_EQ(e.info.weight, 3u);
  EXPECT_EQ(e.info.status, agenthub::AgentStatus::kPaused);
  EXPECT_EQ(e.info.skills, std::vector<std::string>{"medical"});
  EXPECT_EQ(e.info.tags, std::vector<std::string>{"health"});
  // The minimal card stands in and says why.
  EXPECT_TRUE(e.registry.contains("card_error"));
  EXPECT_TRUE(agenthub::ValidateAgentCard(e.card).ok());
  EXPECT_EQ(e.card.skills.at(0).id, "medical");
}

TEST(GatewayConfig, GatewaySectionAndRole) {
  const std::string base =
      "[chain]\ngenesis = \"g.json\"\n[node]\ndata_dir = \"d\"\nroles = [\"gateway\"]\n"
      "[keys]\naccount = \"k.json\"\n";
  auto ok =
      node::ParseNodeConfig(base +
                                "[gateway]\nlisten = \"127.0.0.1:9\"\nchain_api = \"127.0.0.1:30333\"\n"
                                "strategy = \"cost\"\nflush_ms = 2000\nhub_name = \"h\"\nworkers = 8\n"
                                "health_checks = false\nseed = 5\npublic_url = \"http://hub.example/\"\n",
                            "/cfg");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->is_gateway());
  EXPECT_FALSE(ok->is_validator());
  EXPECT_EQ(ok->gateway.listen, "127.0.0.1:9");
  EXPECT_EQ(ok->gateway.strategy, "cost");
  EXPECT_EQ(ok->gateway.flush_ms, 2000u);
  EXPECT_EQ(ok->gateway.workers, 8u);
  EXPECT_FALSE(ok->gateway.health_checks);
  EXPECT_EQ(ok->gateway.seed, 5u);
  EXPECT_EQ(ok->gateway.public_url, "http://hub.example/");
  EXPECT_EQ(ok->account_key_path, "/cfg/k.json");
  struct Bad {
    std::string text;
    std::string says;
  };
  const std::vector<Bad> bad = {
      {base + "[gateway]\nlisten = \"127.0.0.1:9\"\n", "gateway.chain_api"},
      {base + "[gateway]\nchain_api = \"127.0.0.1:1\"\nstrategy = \"fastest\"\n", "strategy"},
      {base + "[gateway]\nchain_api = \"127.0.0.1:1\"\nflush_ms = 5\n", "flush_ms"},
      {base + "[gateway]\nchain_api = \"127.0.0.1:1\"\ncolour = \"red\"\n", "colour"},
      {"[chain]\ngenesis = \"g.json\"\n[node]\ndata_dir = \"d\"\nroles = [\"gateway\"]\n[gateway]\nchain_api "
       "= "
       "\"127.0.0.1:1\"\n",
       "keys.account"},
      {"[chain]\ngenesis = \"g.json\"\n[node]\ndata_dir = \"d\"\nroles = [\"gateway\", "
       "\"validator\"]\n[keys]\n"
       "account = \"k\"\nvrf = \"v\"\n[gateway]\nchain_api = \"127.0.0.1:1\"\n",
       "alone"},
  };
  for (const auto& b : bad) {
    auto r = node::ParseNodeConfig(b.text, "/cfg");
    ASSERT_FALSE(r.ok()) << b.text;
    EXPECT_NE(r.status().message().find(b.says), std::string::npos) << r.status().ToString();
  }
}

}  // namespace
}  // namespace cess::gateway
