#include "cess/agenthub/agent_card.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>

#include "cess/core/bytes.h"
#include "cess/core/hash.h"

namespace cess::agenthub {
namespace {

using json = nlohmann::json;

json ValidCardJson() {
  return json::parse(R"({
    "name": "Accident Analyst",
    "description": "Analyses road accidents",
    "version": "1.2.0",
    "supportedInterfaces": [
      {"url": "http://127.0.0.1:9001/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"},
      {"url": "http://127.0.0.1:9002/", "protocolBinding": "GRPC", "protocolVersion": "1.0"}
    ],
    "provider": {"organization": "CESS", "url": "https://cess.network"},
    "capabilities": {"streaming": true, "pushNotifications": false},
    "defaultInputModes": ["text/plain"],
    "defaultOutputModes": ["text/plain", "application/json"],
    "skills": [
      {"id": "medical", "name": "Medical", "description": "Injury assessment", "tags": ["medical", "accident"],
       "examples": ["a cyclist fell"], "inputModes": ["text/plain"], "outputModes": ["text/plain"]},
      {"id": "driving", "name": "Driving", "description": "Fault analysis", "tags": []}
    ]
  })");
}

TEST(AgentCard, ParsesEveryField) {
  Result<AgentCard> card = AgentCardFromJson(ValidCardJson());
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(card->name, "Accident Analyst");
  EXPECT_EQ(card->version, "1.2.0");
  ASSERT_EQ(card->supported_interfaces.size(), 2u);
  EXPECT_EQ(card->PreferredUrl(), "http://127.0.0.1:9001/");
  EXPECT_EQ(card->supported_interfaces[1].protocol_binding, "GRPC");
  EXPECT_TRUE(card->has_provider);
  EXPECT_EQ(card->provider.organization, "CESS");
  EXPECT_TRUE(card->capabilities.streaming);
  EXPECT_FALSE(card->capabilities.push_notifications);
  EXPECT_EQ(card->default_output_modes.size(), 2u);
  ASSERT_EQ(card->skills.size(), 2u);
  EXPECT_EQ(card->skills[0].tags, (std::vector<std::string>{"medical", "accident"}));
  EXPECT_EQ(card->skills[0].examples.size(), 1u);
  ASSERT_NE(card->FindSkill("driving"), nullptr);
  EXPECT_EQ(card->FindSkill("nope"), nullptr);
}

TEST(AgentCard, RoundTripsThroughJson) {
  Result<AgentCard> card = AgentCardFromJson(ValidCardJson());
  ASSERT_TRUE(card.ok());
  Result<AgentCard> again = ParseAgentCard(AgentCardToString(*card));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*card, *again);
  EXPECT_EQ(AgentCardDigest(*card), AgentCardDigest(*again));
}

TEST(AgentCard, Accepts03ShapeAndConvertsTo10) {
  json j = ValidCardJson();
  j.erase("supportedInterfaces");
  j["url"] = "http://127.0.0.1:9001/";
  j["preferredTransport"] = "JSONRPC";
  j["protocolVersion"] = "0.3.0";
  j["additionalInterfaces"] = json::array({{{"url", "http://127.0.0.1:9003/"}, {"transport", "HTTP+JSON"}}});
  j["supportsAuthenticatedExtendedCard"] = true;
  Result<AgentCard> card = AgentCardFromJson(j);
  ASSERT_TRUE(card.ok()) << card.status();
  ASSERT_EQ(card->supported_interfaces.size(), 2u);
  EXPECT_EQ(card->supported_interfaces[0].protocol_version, "0.3.0");
  EXPECT_EQ(card->supported_interfaces[1].protocol_binding, "HTTP+JSON");
  EXPECT_TRUE(card->capabilities.extended_agent_card);
  json out = AgentCardToJson(*card);
  EXPECT_TRUE(out.contains("supportedInterfaces"));
  EXPECT_FALSE(out.contains("url"));
}

// Each mutation must fail with InvalidArgument whose message starts with the named field path.
TEST(AgentCard, ValidationNamesTheField) {
  struct Case {
    std::function<void(json&)> mutate;
    std::string path;
  };
  std::vector<Case> cases = {
      {[](json& j) { j.erase("name"); }, "name"},
      {[](json& j) { j["name"] = ""; }, "name"},
      {[](json& j) { j["name"] = 7; }, "name"},
      {[](json& j) { j.erase("description"); }, "description"},
      {[](json& j) { j.erase("version"); }, "version"},
      {[](json& j) { j.erase("supportedInterfaces"); }, "supportedInterfaces"},
      {[](json& j) { j["supportedInterfaces"] = json::array(); }, "supportedInterfaces"},
      {[](json& j) { j["supportedInterfaces"][1]["url"] = "ftp://x"; }, "supportedInterfaces[1].url"},
      {[](json& j) { j["supportedInterfaces"][0]["protocolBinding"] = "SOAP"; }, "supportedInterfaces[0].protocolBinding"},
      {[](json& j) { j["supportedInterfaces"][0].erase("url"); }, "supportedInterfaces[0].url"},
      {[](json& j) { j["provider"] = json::object(); }, "provider.organization"},
      {[](json& j) { j.erase("capabilities"); }, "capabilities"},
      {[](json& j) { j["capabilities"]["streaming"] = "yes"; }, "capabilities.streaming"},
      {[](json& j) { j["defaultInputModes"] = json::array(); }, "defaultInputModes"},
      {[](json& j) { j["defaultOutputModes"][1] = "json"; }, "defaultOutputModes[1]"},
      {[](json& j) { j["defaultOutputModes"][0] = 3; }, "defaultOutputModes[0]"},
      {[](json& j) { j["skills"] = json::array(); }, "skills"},
      {[](json& j) { j["skills"] = "medical"; }, "skills"},
      {[](json& j) { j["skills"][1].erase("id"); }, "skills[1].id"},
      {[](json& j) { j["skills"][0].erase("tags"); }, "skills[0].tags"},
      {[](json& j) { j["skills"][0]["tags"][1] = 5; }, "skills[0].tags[1]"},
      {[](json& j) { j["skills"][1]["id"] = "medical"; }, "skills[1].id"},
      {[](json& j) { j["skills"][0]["inputModes"] = json::array({"text"}); }, "skills[0].inputModes[0]"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    json j = ValidCardJson();
    cases[i].mutate(j);
    Result<AgentCard> card = AgentCardFromJson(j);
    ASSERT_FALSE(card.ok()) << "case " << i << " (" << cases[i].path << ") was accepted";
    EXPECT_EQ(card.status().code(), StatusCode::kInvalidArgument) << i;
    EXPECT_EQ(card.status().message().rfind(cases[i].path + ":", 0), 0u)
        << "case " << i << ": message '" << card.status().message() << "' does not name " << cases[i].path;
  }
}

TEST(AgentCard, CompatJsonCarriesBothGenerationsAndParsesBack) {
  Result<AgentCard> card = AgentCardFromJson(ValidCardJson());
  ASSERT_TRUE(card.ok());
  json compat = AgentCardToCompatJson(*card);
  EXPECT_EQ(compat["url"], "http://127.0.0.1:9001/");
  EXPECT_EQ(compat["preferredTransport"], "JSONRPC");
  EXPECT_EQ(compat["supportedInterfaces"].size(), 2u);
  Result<AgentCard> again = AgentCardFromJson(compat);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *card);
}

TEST(AgentCard, RejectsMalformedJson) {
  Result<AgentCard> card = ParseAgentCard("{\"name\": ");
  ASSERT_FALSE(card.ok());
  EXPECT_EQ(card.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(card.status().message().find("not valid JSON"), std::string::npos);
  EXPECT_FALSE(ParseAgentCard("[1,2]").ok());
}

TEST(AgentCard, CanonicalFormIsSortedAndCompact) {
  Result<AgentCard> card = AgentCardFromJson(ValidCardJson());
  ASSERT_TRUE(card.ok());
  std::string canon = CanonicalAgentCardJson(*card);
  EXPECT_EQ(canon, json::parse(canon).dump());  // compact: no whitespace outside strings
  EXPECT_EQ(canon.find('\n'), std::string::npos);
  // Top-level keys appear in sorted order.
  std::vector<std::string> keys = {"\"capabilities\"", "\"defaultInputModes\"", "\"defaultOutputModes\"",
                                   "\"description\"", "\"name\"", "\"provider\"", "\"skills\"",
                                   "\"supportedInterfaces\"", "\"version\""};
  size_t last = 0;
  for (const std::string& k : keys) {
    size_t at = canon.find(k);
    ASSERT_NE(at, std::string::npos) << k;
    EXPECT_GE(at, last) << k;
    last = at;
  }
  EXPECT_EQ(AgentCardDigest(*card), crypto::Sha256(AsBytes(canon)));
  EXPECT_EQ(CanonicalJson(json::parse(R"({"b":1,"a":{"d":[1,2],"c":"x y"}})")), R"({"a":{"c":"x y","d":[1,2]},"b":1})");
}

// The digest ignores key order and whitespace of the source text, and changes with any field.
TEST(AgentCard, DigestIsIndependentOfSourceFormatting) {
  std::mt19937_64 rng(std::random_device{}());
  json base = ValidCardJson();
  Result<AgentCard> card = AgentCardFromJson(base);
  ASSERT_TRUE(card.ok());
  const Hash256 want = AgentCardDigest(*card);
  for (int round = 0; round < 20; ++round) {
    // Rebuild the top-level object with its keys inserted in a random order, pretty-printed.
    std::vector<std::string> keys;
    for (auto it = base.begin(); it != base.end(); ++it) keys.push_back(it.key());
    std::shuffle(keys.begin(), keys.end(), rng);
    nlohmann::ordered_json shuffled = nlohmann::ordered_json::object();
    for (const std::string& k : keys) shuffled[k] = nlohmann::ordered_json::parse(base[k].dump());
    std::string text = shuffled.dump(static_cast<int>(rng() % 4));
    Result<AgentCard> again = ParseAgentCard(text);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(AgentCardDigest(*again), want);
  }
  AgentCard changed = *card;
  changed.skills[1].tags.push_back("x");
  EXPECT_NE(AgentCardDigest(changed), want);
  changed = *card;
  changed.capabilities.push_notifications = true;
  EXPECT_NE(AgentCardDigest(changed), want);
}

}  // namespace
}  // namespace cess::agenthub

#include "cess/agenthub/discovery.h"

namespace cess::agenthub {
namespace {

TEST(Discovery, FiltersBySkillTagAndText) {
  Result<AgentCard> card = AgentCardFromJson(ValidCardJson());
  ASSERT_TRUE(card.ok());
  EXPECT_TRUE(MatchesDiscovery(*card, {}));
  EXPECT_TRUE(MatchesDiscovery(*card, {.skill = "medical"}));
  EXPECT_FALSE(MatchesDiscovery(*card, {.skill = "Medical"}));  // ids are exact
  EXPECT_TRUE(MatchesDiscovery(*card, {.tag = "ACCIDENT"}));
  EXPECT_FALSE(MatchesDiscovery(*card, {.tag = "accid"}));
  EXPECT_TRUE(MatchesDiscovery(*card, {.q = "road"}));          // card description
  EXPECT_TRUE(MatchesDiscovery(*card, {.q = "fault ANALYSIS"})); // skill description
  EXPECT_TRUE(MatchesDiscovery(*card, {.q = "ccid"}));           // tag substring
  EXPECT_FALSE(MatchesDiscovery(*card, {.q = "weather"}));
  EXPECT_FALSE(MatchesDiscovery(*card, {.skill = "medical", .q = "weather"}));
}

TEST(Discovery, HubCardIsValidAndUnitesSkills) {
  Result<AgentCard> a = AgentCardFromJson(ValidCardJson());
  ASSERT_TRUE(a.ok());
  AgentCard b = *a;
  b.skills = {AgentSkill{"echo", "Echo", "Echoes", {"text"}, {}, {}, {}}, a->skills[0]};
  AgentCard hub = MakeHubCard("CESS hub", "Routes agents", "http://127.0.0.1:8080/a2a", {*a, b});
  EXPECT_TRUE(ValidateAgentCard(hub).ok()) << ValidateAgentCard(hub);
  ASSERT_EQ(hub.skills.size(), 3u);
  EXPECT_EQ(hub.skills[0].id, "driving");
  EXPECT_EQ(hub.skills[1].id, "echo");
  EXPECT_EQ(hub.skills[2].id, "medical");
  AgentCard empty = MakeHubCard("CESS hub", "Routes agents", "http://127.0.0.1:8080/a2a", {});
  EXPECT_TRUE(ValidateAgentCard(empty).ok());
}

}  // namespace
}  // namespace cess::agenthub
