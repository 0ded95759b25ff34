// The agents module: card checks, registration with stake, updates and the skill index, expiry and
// refresh, pause/resume, deregistration with unbonding, hubs, usage batches (sequence, interval,
// shape, per-entry fee) and era reputation against a hand computation.
#include "cess/chain/runtime/agents.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "cess/chain/runtime/balances.h"
#include "cess/core/hash.h"
#include "runtime_test_util.h"

namespace cess::chain::runtime::testing {
namespace {

using agents::AgentId;
using agents::AgentRecord;
using agents::AgentStatus;
using agents::Error;
using agents::UsageCounters;

uint32_t Err(Error e) { return static_cast<uint32_t>(e); }
constexpr uint64_t kFee = 2000;  // covers weight 2

Bytes Json(const std::string& s) { return Bytes(s.begin(), s.end()); }

// A minimal A2A card named `name` with skills `skills` (each tagged "t-<id>").
Bytes Card(const std::string& name, const std::vector<std::string>& skills, const std::string& extra = "") {
  std::string s = R"({"name":")" + name + R"(","description":"d","version":"1.0",)" + extra + R"("skills":[)";
  for (size_t i = 0; i < skills.size(); ++i) {
    if (i > 0) s += ",";
    s += R"({"id":")" + skills[i] + R"(","name":"n","description":"d","tags":["t-)" + skills[i] + R"("]})";
  }
  s += "]}";
  return Json(s);
}

agents::RegisterArgs Reg(const std::string& name, const std::vector<std::string>& skills,
                         uint64_t stake = 20 * kCess) {
  agents::RegisterArgs a;
  a.card = Card(name, skills);
  a.endpoint = "http://127.0.0.1:9000/a2a";
  a.region = "eu-west";
  a.price = 7;
  a.stake = stake;
  a.weight = 3;
  return a;
}

Profile AgentsProfile() {
  Profile p = TestProfile();
  p.agent_min_stake = 10 * kCess;
  p.agent_ttl_blocks = 5;
  p.agent_unbond_blocks = 3;
  p.agent_max_per_owner = 2;
  return p;
}

UsageCounters Usage(uint64_t calls, uint64_t failures, std::vector<std::pair<size_t, uint64_t>> buckets) {
  UsageCounters u;
  u.calls = calls;
  u.failures = failures;
  u.amount = (calls - failures) * 7;
  u.latency_sum_micros = calls * 1000;
  for (auto [b, n] : buckets) u.latency_buckets[b] += n;
  return u;
}

class Agents : public ::testing::Test {
 protected:
  Agents() : chain_(TestGenesis(4, 8, AgentsProfile())) {}

  Receipt Run(uint8_t key, Call call) {
    ExecutedBlock b = chain_.Step({chain_.Tx(key, std::move(call), kFee)});
    return b.receipts.at(0);
  }
  void Expect(uint8_t key, Call call, Error e) {
    ExpectOnlyFeeAndNonce(chain_, chain_.Tx(key, std::move(call), kFee), ResultCode::kModuleError, Err(e));
  }
  uint64_t Height() { return chain_.app().committed_header().height; }
  // The record as the next block sees it.
  std::optional<AgentRecord> Agent(const AgentId& id) {
    return agents::ReadAgent(*chain_.Head(), id, Height() + 1).value();
  }
  AgentId RegisterOk(uint8_t key, const agents::RegisterArgs& args) {
    Receipt r = Run(key, agents::RegisterCall(args));
    EXPECT_TRUE(r.ok()) << ResultCodeName(r.code) << " " << r.module_error;
    return agents::MakeAgentId(Id(key), agents::ParseCard(args.card).value().name);
  }
  // Steps empty blocks until the committed head is the first block of a new era.
  void StepToNextEra() {
    const uint64_t era = chain_.app().committed_header().era;
    while (chain_.app().committed_header().era == era) chain_.Step();
  }
  uint64_t PotFree() { return balances::ReadAccount(*chain_.Head(), agents::PotAccount()).value().free; }
  const Profile& profile() const { return chain_.genesis().profile; }

  TestChain chain_;
};

// ---- pure parts

TEST(AgentsCard, AcceptsTheMinimumAndExtractsSkills) {
  auto c = agents::ParseCard(Json(
      R"({"name":"Echo","description":"echoes","version":"1.0.0","skills":[{"id":"echo","tags":["a","b"]},{"id":"upper"}],"extra":{"x":1}})"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name, "Echo");
  ASSERT_EQ(c->skills.size(), 2u);
  EXPECT_EQ(c->skills[0].id, "echo");
  EXPECT_EQ(c->skills[0].tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(c->skills[1].tags.empty());
}

TEST(AgentsCard, RefusesWithTheRightError) {
  struct Case {
    std::string json;
    Error want;
  };
  const std::vector<Case> cases = {
      {"not json", Error::kBadCard},
      {"[1,2]", Error::kBadCard},
      {R"({"description":"d","version":"1","skills":[{"id":"a"}]})", Error::kBadCard},  // no name
      {R"({"name":"","description":"d","version":"1","skills":[{"id":"a"}]})", Error::kBadCard},
      {R"({"name":"n","version":"1","skills":[{"id":"a"}]})", Error::kBadCard},      // no description
      {R"({"name":"n","description":"d","skills":[{"id":"a"}]})", Error::kBadCard},  // no version
      {R"({"name":"n","description":"d","version":1,"skills":[{"id":"a"}]})", Error::kBadCard},
      {R"({"name":"n","description":"d","version":"1"})", Error::kNoSkills},
      {R"({"name":"n","description":"d","version":"1","skills":[]})", Error::kNoSkills},
      {R"({"name":"n","description":"d","version":"1","skills":{"id":"a"}})", Error::kBadCard},
      {R"({"name":"n","description":"d","version":"1","skills":[{"name":"a"}]})", Error::kBadCard},
      {R"({"name":"n","description":"d","version":"1","skills":[{"id":"a"},{"id":"a"}]})", Error::kBadCard},
      {R"({"name":"n","description":"d","version":"1","skills":[{"id":"a","tags":"x"}]})", Error::kBadCard},
      {R"({"name":"n","description":"d","version":"1","skills":[{"id":"a","tags":[1]}]})", Error::kBadCard},
  };
  for (const Case& c : cases) {
    Error e = Error::kOverflow;
    EXPECT_FALSE(agents::ParseCard(Json(c.json), &e).ok()) << c.json;
    EXPECT_EQ(e, c.want) << c.json;
  }
  Error e = Error::kOverflow;
  Bytes big = Card("Big", {"a"}, R"("pad":")" + std::string(agents::kMaxCardBytes, 'x') + R"(",)");
  EXPECT_FALSE(agents::ParseCard(big, &e).ok());
  EXPECT_EQ(e, Error::kCardTooLarge);
}

TEST(AgentsIds, StableAndHex) {
  const AgentId a = agents::MakeAgentId(Id(1), "Echo");
  EXPECT_EQ(a, agents::MakeAgentId(Id(1), "Echo"));
  EXPECT_NE(a, agents::MakeAgentId(Id(2), "Echo"));
  EXPECT_NE(a, agents::MakeAgentId(Id(1), "Echo2"));
  // The first 16 bytes of SHA-256(owner ‖ name).
  const AccountId owner = Id(1);
  Bytes pre(owner.bytes.begin(), owner.bytes.end());
  pre.insert(pre.end(), {'E', 'c', 'h', 'o'});
  const Hash256 h = crypto::Sha256(pre);
  EXPECT_TRUE(std::equal(a.bytes.begin(), a.bytes.end(), h.begin()));
  EXPECT_EQ(a.ToHex().size(), 32u);
  EXPECT_EQ(AgentId::FromHex(a.ToHex()).value(), a);
  EXPECT_FALSE(AgentId::FromHex(a.ToHex() + "00").ok());
  EXPECT_FALSE(AgentId::FromHex("zz" + a.ToHex().substr(2)).ok());
}

// The plain reference: expand the histogram into sorted samples (by bucket) and take the sample of
// rank (n + 1) / 2.
uint32_t ReferenceLatencyScore(const std::array<uint64_t, agents::kUsageLatencyBuckets>& b) {
  std::vector<size_t> samples;
  for (size_t i = 0; i < b.size(); ++i) samples.insert(samples.end(), b[i], i);
  if (samples.empty()) return 0;
  return agents::kLatencyScoreByBucket[samples[(samples.size() + 1) / 2 - 1]];
}

TEST(AgentsReputation, LatencyScoreMatchesTheReferenceOnRandomHistograms) {
  std::mt19937_64 rng(std::random_device{}());
  for (int iter = 0; iter < 2000; ++iter) {
    std::array<uint64_t, agents::kUsageLatencyBuckets> b{};
    const int nonzero = static_cast<int>(rng() % 4);
    for (int k = 0; k < nonzero; ++k) b[rng() % b.size()] += rng() % 20;
    EXPECT_EQ(agents::LatencyScore(b), ReferenceLatencyScore(b));
  }
}

TEST(AgentsReputation, HandComputed) {
  // 10 calls, 1 failure: success 900. Buckets: 3 at ≤20 ms, 3 at ≤100 ms, 4 at ≤500 ms; rank 5
  // falls in ≤100 ms: latency 800. Era value (7·900 + 3·800)/10 = 870; from 500: (500+3·870)/4 = 777.
  const UsageCounters u = Usage(10, 1, {{4, 3}, {6, 3}, {8, 4}});
  EXPECT_EQ(agents::LatencyScore(u.latency_buckets), 800u);
  EXPECT_EQ(agents::EraReputation(u), 870u);
  EXPECT_EQ(agents::SmoothReputation(500, 870), 777u);
  // All fast, no failures: 1000; all above 5 s and all failed: 0.
  EXPECT_EQ(agents::EraReputation(Usage(4, 0, {{0, 4}})), 1000u);
  EXPECT_EQ(agents::EraReputation(Usage(4, 4, {{12, 4}})), 0u);
  EXPECT_EQ(agents::EraReputation(Usage(4, 0, {{11, 4}})), 700u);
  EXPECT_EQ(agents::SmoothReputation(1000, 1000), 1000u);
}

TEST(AgentsCodec, RoundTrips) {
  AgentRecord a;
  a.owner = Id(3);
  a.name = "x";
  a.card = Card("x", {"s"});
  a.digest = crypto::Sha256(a.card);
  a.skills = {{"s", {"t1", "t2"}}};
  a.endpoint = "https://e";
  a.price = 9;
  a.stake = 11;
  a.weight = 2;
  a.paused = true;
  a.reputation = 612;
  a.total_calls = 5;
  EXPECT_EQ(codec::Decode<AgentRecord>(codec::Encode(a)).value(), a);
  agents::ReportUsageArgs r;
  r.sequence = 4;
  r.start_unix_micros = -1;
  r.end_unix_micros = 99;
  r.entries.push_back({agents::MakeAgentId(Id(1), "a"), Usage(3, 1, {{2, 3}})});
  const agents::ReportUsageArgs back = codec::Decode<agents::ReportUsageArgs>(codec::Encode(r)).value();
  EXPECT_EQ(back.sequence, 4u);
  EXPECT_EQ(back.start_unix_micros, -1);
  EXPECT_EQ(back.entries, r.entries);
  agents::UpdateArgs u;
  u.fields = agents::kUpdatePrice;
  Bytes enc = codec::Encode(u);
  enc[16] = 0x40;  // an unknown field bit
  EXPECT_FALSE(codec::Decode<agents::UpdateArgs>(enc).ok());
}

TEST(AgentsProfile, ConstantsAreEncodedValidatedAndOptionalInGenesisJson) {
  const Profile devnet = Profile::Devnet();
  const Profile blank;
  EXPECT_EQ(blank.agent_min_stake, devnet.agent_min_stake);
  EXPECT_EQ(blank.agent_ttl_blocks, devnet.agent_ttl_blocks);
  EXPECT_EQ(blank.agent_unbond_blocks, devnet.agent_unbond_blocks);
  EXPECT_EQ(blank.agent_max_per_owner, devnet.agent_max_per_owner);
  EXPECT_GT(Profile::Cess().agent_min_stake, devnet.agent_min_stake);
  EXPECT_TRUE(Profile::Cess().Validate().ok());
  // Encoding round trip keeps the new fields.
  Profile p = AgentsProfile();
  EXPECT_EQ(codec::Decode<Profile>(codec::Encode(p)).value(), p);
  for (int f = 0; f < 4; ++f) {
    Profile q = devnet;
    if (f == 0) q.agent_min_stake = 0;
    if (f == 1) q.agent_ttl_blocks = 0;
    if (f == 2) q.agent_unbond_blocks = 0;
    if (f == 3) q.agent_max_per_owner = 0;
    EXPECT_EQ(q.Validate().code(), StatusCode::kInvalidArgument) << f;
  }
  // Genesis JSON: written, read back, and optional (a file without them gets the defaults).
  Genesis g = TestGenesis(4, 1, p);
  const std::string json = g.ToJson();
  EXPECT_NE(json.find("agent_ttl_blocks"), std::string::npos);
  EXPECT_EQ(Genesis::FromJson(json).value().profile, p);
  std::string stripped = json;
  for (const char* key :
       {"agent_min_stake", "agent_ttl_blocks", "agent_unbond_blocks", "agent_max_per_owner"}) {
    const size_t at = stripped.find(std::string("\"") + key + "\"");
    ASSERT_NE(at, std::string::npos) << key;
    const size_t end = stripped.find_first_of(",}", at);
    stripped.erase(at, end - at + (stripped[end] == ',' ? 1 : 0));
  }
  Result<Genesis> back = Genesis::FromJson(stripped);
  ASSERT_TRUE(back.ok()) << back.status() << stripped;
  EXPECT_EQ(back->profile.agent_ttl_blocks, blank.agent_ttl_blocks);
  EXPECT_EQ(back->profile.agent_max_per_owner, blank.agent_max_per_owner);
}

// ---- the module

TEST_F(Agents, RegisterStoresTheAgentAndMovesTheStake) {
  const uint64_t issuance = balances::ReadTotalIssuance(*chain_.Head()).value();
  const uint64_t free = chain_.Account(100).free;
  const agents::RegisterArgs args = Reg("Echo", {"echo", "upper"});
  const AgentId id = RegisterOk(100, args);
  const uint64_t h = Height();
  auto a = Agent(id);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->id, id);
  EXPECT_EQ(a->owner, Id(100));
  EXPECT_EQ(a->name, "Echo");
  EXPECT_EQ(a->card, args.card);
  EXPECT_EQ(a->digest, crypto::Sha256(args.card));
  ASSERT_EQ(a->skills.size(), 2u);
  EXPECT_EQ(a->AllTags(), (std::vector<std::string>{"t-echo", "t-upper"}));
  EXPECT_EQ(a->endpoint, args.endpoint);
  EXPECT_EQ(a->region, "eu-west");
  EXPECT_EQ(a->price, 7u);
  EXPECT_EQ(a->stake, 20 * kCess);
  EXPECT_EQ(a->weight, 3u);
  EXPECT_EQ(a->registered_at, h);
  EXPECT_EQ(a->expires_at, h + profile().agent_ttl_blocks);
  EXPECT_EQ(a->reputation, agents::kInitialReputation);
  EXPECT_EQ(a->status, AgentStatus::kActive);
  // Stake accounting: owner pays stake + fee; the pot holds stake + its reserve (minted once).
  EXPECT_EQ(chain_.Account(100).free, free - 20 * kCess - kFee);
  const uint64_t reserve = agents::ReadReserve(*chain_.Head()).value();
  EXPECT_EQ(reserve, profile().existential_deposit);
  EXPECT_EQ(PotFree(), 20 * kCess + reserve);
  EXPECT_EQ(balances::ReadTotalIssuance(*chain_.Head()).value(), issuance + reserve);
  // Lookups.
  auto by_skill = agents::AgentsWithSkill(*chain_.Head(), "upper", h).value();
  ASSERT_EQ(by_skill.size(), 1u);
  EXPECT_EQ(by_skill[0].id, id);
  EXPECT_TRUE(agents::AgentsWithSkill(*chain_.Head(), "uppe", h).value().empty());
  EXPECT_TRUE(agents::AgentsWithSkill(*chain_.Head(), "t-echo", h).value().empty());
  EXPECT_EQ(agents::AgentsOf(*chain_.Head(), Id(100), h).value().size(), 1u);
  EXPECT_TRUE(agents::AgentsOf(*chain_.Head(), Id(101), h).value().empty());
  // A second agent of another owner with a shared skill; ListAgents in id order.
  const AgentId id2 = RegisterOk(101, Reg("Echo", {"echo"}, 10 * kCess));
  EXPECT_NE(id, id2);
  auto all = agents::ListAgents(*chain_.Head(), Height()).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_LT(all[0].id, all[1].id);
  EXPECT_EQ(agents::AgentsWithSkill(*chain_.Head(), "echo", Height()).value().size(), 2u);
  EXPECT_EQ(PotFree(), 30 * kCess + reserve);
}

TEST_F(Agents, RegisterErrors) {
  auto with = [](auto f) {
    agents::RegisterArgs a = Reg("E", {"s"});
    f(a);
    return agents::RegisterCall(a);
  };
  Expect(100,
         with([](auto& a) { a.card = Card("E", {"s"}, R"("p":")" + std::string(17000, 'x') + R"(",)"); }),
         Error::kCardTooLarge);
  Expect(100, with([](auto& a) { a.card = Json("{"); }), Error::kBadCard);
  Expect(100, with([](auto& a) { a.card = Card("E", {}); }), Error::kNoSkills);
  Expect(100, with([](auto& a) { a.endpoint = "http://" + std::string(300, 'h'); }), Error::kEndpointTooLong);
  Expect(100, with([](auto& a) { a.endpoint = "ftp://x"; }), Error::kBadEndpoint);
  Expect(100, with([](auto& a) { a.endpoint = "http://"; }), Error::kBadEndpoint);
  Expect(100, with([](auto& a) { a.endpoint = "https://a b"; }), Error::kBadEndpoint);
  Expect(100, with([](auto& a) { a.region = std::string(33, 'r'); }), Error::kBadRegion);
  Expect(100, with([](auto& a) { a.weight = 0; }), Error::kBadWeight);
  Expect(100, with([](auto& a) { a.weight = agents::kMaxWeight + 1; }), Error::kBadWeight);
  Expect(100, with([](auto& a) { a.stake = 10 * kCess - 1; }), Error::kStakeTooLow);
  Expect(100, with([](auto& a) { a.stake = 2000 * kCess; }), Error::kInsufficientBalance);
  RegisterOk(100, Reg("E", {"s"}));
  Expect(100, with([](auto&) {}), Error::kAlreadyRegistered);
  RegisterOk(100, Reg("F", {"s"}));
  Expect(100, agents::RegisterCall(Reg("G", {"s"})), Error::kTooManyAgents);
  // The weight-2 call refuses a weight-1 fee.
  ExpectOnlyFeeAndNonce(chain_, chain_.Tx(101, agents::RegisterCall(Reg("H", {"s"})), 1000),
                        ResultCode::kFeeTooLow);
}

TEST_F(Agents, UpdateReplacesFieldsAndTheSkillIndex) {
  const AgentId id = RegisterOk(100, Reg("E", {"old1", "keep"}));
  agents::UpdateArgs u;
  u.agent = id;
  u.fields = agents::kUpdateCard | agents::kUpdateEndpoint | agents::kUpdatePrice;
  u.card = Card("E", {"keep", "new1"});
  u.endpoint = "https://agent.example/rpc";
  u.price = 99;
  u.region = "ignored";  // not in fields
  ASSERT_TRUE(Run(100, agents::UpdateCall(u)).ok());
  auto a = Agent(id).value();
  EXPECT_EQ(a.card, u.card);
  EXPECT_EQ(a.digest, crypto::Sha256(u.card));
  EXPECT_EQ(a.endpoint, u.endpoint);
  EXPECT_EQ(a.price, 99u);
  EXPECT_EQ(a.region, "eu-west");
  EXPECT_EQ(a.weight, 3u);
  const uint64_t h = Height();
  EXPECT_TRUE(agents::AgentsWithSkill(*chain_.Head(), "old1", h).value().empty());
  EXPECT_EQ(agents::AgentsWithSkill(*chain_.Head(), "keep", h).value().size(), 1u);
  EXPECT_EQ(agents::AgentsWithSkill(*chain_.Head(), "new1", h).value().size(), 1u);
  u.fields = agents::kUpdateRegion | agents::kUpdateWeight;
  u.region = "";
  u.weight = 1000;
  ASSERT_TRUE(Run(100, agents::UpdateCall(u)).ok());
  EXPECT_EQ(Agent(id)->region, "");
  EXPECT_EQ(Agent(id)->weight, 1000u);

  auto bad = [&](auto f) {
    agents::UpdateArgs b;
    b.agent = id;
    f(b);
    return agents::UpdateCall(b);
  };
  Expect(100, bad([](auto& b) {
           b.agent = agents::MakeAgentId(Id(100), "nope");
           b.fields = 8;
         }),
         Error::kNoSuchAgent);
  Expect(101, bad([](auto& b) { b.fields = agents::kUpdatePrice; }), Error::kNotOwner);
  Expect(100, bad([](auto& b) { b.fields = 0; }), Error::kNothingToUpdate);
  Expect(100, bad([](auto& b) {
           b.fields = agents::kUpdateCard;
           b.card = Card("Other", {"s"});
         }),
         Error::kNameChanged);
  Expect(100, bad([](auto& b) {
           b.fields = agents::kUpdateCard;
           b.card = Json("[]");
         }),
         Error::kBadCard);
  Expect(100, bad([](auto& b) {
           b.fields = agents::kUpdateCard;
           b.card = Card("E", {});
         }),
         Error::kNoSkills);
  Expect(100, bad([](auto& b) {
           b.fields = agents::kUpdateEndpoint;
           b.endpoint = "x";
         }),
         Error::kBadEndpoint);
  Expect(100, bad([](auto& b) {
           b.fields = agents::kUpdateEndpoint;
           b.endpoint = "http://" + std::string(250, 'a');
         }),
         Error::kEndpointTooLong);
  Expect(100, bad([](auto& b) {
           b.fields = agents::kUpdateRegion;
           b.region = std::string(40, 'r');
         }),
         Error::kBadRegion);
  Expect(100, bad([](auto& b) {
           b.fields = agents::kUpdateWeight;
           b.weight = 0;
         }),
         Error::kBadWeight);
}

TEST_F(Agents, ExpiryIsDerivedAndRefreshRevives) {
  const AgentId id = RegisterOk(100, Reg("E", {"s"}));
  const uint64_t expires = Agent(id)->expires_at;
  const auto head = chain_.Head();
  EXPECT_EQ(agents::ReadAgent(*head, id, expires - 1).value()->status, AgentStatus::kActive);
  EXPECT_EQ(agents::ReadAgent(*head, id, expires).value()->status, AgentStatus::kExpired);
  EXPECT_EQ(agents::AgentsWithSkill(*head, "s", expires).value().at(0).status, AgentStatus::kExpired);
  while (Height() < expires) chain_.Step();
  EXPECT_EQ(agents::ListAgents(*chain_.Head(), Height()).value().at(0).status, AgentStatus::kExpired);
  Expect(101, agents::RefreshCall(id), Error::kNotOwner);
  Expect(100, agents::RefreshCall(agents::MakeAgentId(Id(100), "x")), Error::kNoSuchAgent);
  ASSERT_TRUE(Run(100, agents::RefreshCall(id)).ok());
  EXPECT_EQ(Agent(id)->expires_at, Height() + profile().agent_ttl_blocks);
  EXPECT_EQ(Agent(id)->status, AgentStatus::kActive);
}

TEST_F(Agents, PauseAndResume) {
  const AgentId id = RegisterOk(100, Reg("E", {"s"}));
  Expect(100, agents::ResumeCall(id), Error::kNotPaused);
  Expect(101, agents::PauseCall(id), Error::kNotOwner);
  ASSERT_TRUE(Run(100, agents::PauseCall(id)).ok());
  EXPECT_EQ(Agent(id)->status, AgentStatus::kPaused);
  Expect(100, agents::PauseCall(id), Error::kAlreadyPaused);
  // Expiry dominates pause.
  EXPECT_EQ(agents::ReadAgent(*chain_.Head(), id, Agent(id)->expires_at).value()->status,
            AgentStatus::kExpired);
  ASSERT_TRUE(Run(100, agents::ResumeCall(id)).ok());
  EXPECT_EQ(Agent(id)->status, AgentStatus::kActive);
}

TEST_F(Agents, DeregisterUnbondsTheStakeAndClearsTheIndexes) {
  const AgentId id = RegisterOk(100, Reg("E", {"s1", "s2"}));
  Expect(101, agents::DeregisterCall(id), Error::kNotOwner);
  const uint64_t free = chain_.Account(100).free;
  const uint64_t reserve = agents::ReadReserve(*chain_.Head()).value();
  ASSERT_TRUE(Run(100, agents::DeregisterCall(id)).ok());
  const uint64_t release = Height() + profile().agent_unbond_blocks;
  EXPECT_FALSE(Agent(id).has_value());
  EXPECT_TRUE(agents::AgentsWithSkill(*chain_.Head(), "s1", Height()).value().empty());
  EXPECT_TRUE(agents::AgentsOf(*chain_.Head(), Id(100), Height()).value().empty());
  auto unb = agents::ListUnbonding(*chain_.Head()).value();
  ASSERT_EQ(unb.size(), 1u);
  EXPECT_EQ(unb[0].release_at, release);
  EXPECT_EQ(unb[0].agent, id);
  EXPECT_EQ(unb[0].owner, Id(100));
  EXPECT_EQ(unb[0].amount, 20 * kCess);
  EXPECT_EQ(PotFree(), 20 * kCess + reserve);  // still held
  EXPECT_EQ(chain_.Account(100).free, free - kFee);
  Expect(100, agents::DeregisterCall(id), Error::kNoSuchAgent);
  // Re-registering the same name works at once (a new registration).
  const AgentId again = RegisterOk(100, Reg("E", {"s1"}, 15 * kCess));
  EXPECT_EQ(again, id);
  EXPECT_EQ(PotFree(), 35 * kCess + reserve);
  // The stake comes back at the start of block `release`, and not before.
  while (Height() + 1 < release) {
    chain_.Step();
    EXPECT_EQ(agents::ListUnbonding(*chain_.Head()).value().size(), 1u) << "released early at " << Height();
  }
  chain_.Step();
  EXPECT_TRUE(agents::ListUnbonding(*chain_.Head()).value().empty());
  EXPECT_EQ(PotFree(), 15 * kCess + reserve);
  EXPECT_EQ(chain_.Account(100).free, free - 2 * kFee - 15 * kCess + 20 * kCess);
}

TEST_F(Agents, HubRegistration) {
  Expect(105, agents::RegisterHubCall(""), Error::kBadHubName);
  Expect(105, agents::RegisterHubCall(std::string(65, 'h')), Error::kBadHubName);
  ASSERT_TRUE(Run(105, agents::RegisterHubCall("hub-1")).ok());
  auto h = agents::ReadHub(*chain_.Head(), Id(105)).value();
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->name, "hub-1");
  EXPECT_EQ(h->next_sequence, 0u);
  Expect(105, agents::RegisterHubCall("again"), Error::kHubAlreadyRegistered);
  EXPECT_FALSE(agents::ReadHub(*chain_.Head(), Id(104)).value().has_value());
}

TEST_F(Agents, UsageBatchesAreCheckedAndRecorded) {
  const AgentId a = RegisterOk(100, Reg("A", {"s"}));
  const AgentId b = RegisterOk(101, Reg("B", {"s"}));
  const AgentId gone = agents::MakeAgentId(Id(102), "gone");
  std::vector<agents::UsageEntry> entries = {
      {a, Usage(4, 1, {{0, 2}, {7, 2}})}, {b, Usage(2, 0, {{3, 2}})}, {gone, Usage(1, 0, {{0, 1}})}};
  std::sort(entries.begin(), entries.end(), [](const auto& x, const auto& y) { return x.agent < y.agent; });
  agents::ReportUsageArgs batch{0, 1000, 2000, entries};
  Expect(105, agents::ReportUsageCall(batch), Error::kNotHub);
  ASSERT_TRUE(Run(105, agents::RegisterHubCall("hub")).ok());
  auto with = [&](auto f) {
    agents::ReportUsageArgs x = batch;
    f(x);
    return agents::ReportUsageCall(x);
  };
  Expect(105, with([](auto& x) { x.sequence = 1; }), Error::kSequenceGap);
  Expect(105, with([](auto& x) { x.end_unix_micros = 999; }), Error::kBadInterval);
  Expect(105, with([](auto& x) { std::swap(x.entries[0], x.entries[1]); }), Error::kUnsortedUsage);
  Expect(105, with([](auto& x) { x.entries[1] = x.entries[0]; }), Error::kUnsortedUsage);  // duplicate
  Expect(105, with([](auto& x) { x.entries[0].usage.failures = x.entries[0].usage.calls + 1; }),
         Error::kBadUsage);
  Expect(105, with([](auto& x) { x.entries[0].usage.latency_buckets[12] += 1; }), Error::kBadUsage);
  Expect(105, with([](auto& x) { x.entries.resize(agents::kMaxUsageEntries + 1); }), Error::kTooManyEntries);

  ExecutedBlock blk = chain_.Step({chain_.Tx(105, agents::ReportUsageCall(batch), kFee)});
  ASSERT_TRUE(blk.receipts.at(0).ok()) << blk.receipts.at(0).module_error;
  const uint64_t era = blk.header.era;
  EXPECT_EQ(agents::ReadUsage(*chain_.Head(), era, a).value(), (Usage(4, 1, {{0, 2}, {7, 2}})));
  EXPECT_EQ(agents::ReadUsage(*chain_.Head(), era, b).value(), (Usage(2, 0, {{3, 2}})));
  EXPECT_EQ(agents::ReadUsage(*chain_.Head(), era, gone).value(), UsageCounters{});  // skipped
  EXPECT_EQ(Agent(a)->total_calls, 4u);
  EXPECT_EQ(Agent(a)->total_failures, 1u);
  EXPECT_EQ(Agent(a)->total_amount, 21u);
  auto hub = agents::ReadHub(*chain_.Head(), Id(105)).value().value();
  EXPECT_EQ(hub.next_sequence, 1u);
  EXPECT_EQ(hub.last_end_unix_micros, 2000);
  EXPECT_EQ(hub.batches, 1u);
  // Replays and intervals before the last end are refused.
  Expect(105, agents::ReportUsageCall(batch), Error::kStaleSequence);
  Expect(105, with([](auto& x) {
           x.sequence = 1;
           x.start_unix_micros = 1999;
         }),
         Error::kBadInterval);
  // The next batch adds to the same era's counters (if still in this era).
  agents::ReportUsageArgs next{1, 2000, 3000, {{a, Usage(2, 0, {{1, 2}})}}};
  blk = chain_.Step({chain_.Tx(105, agents::ReportUsageCall(next), kFee)});
  ASSERT_TRUE(blk.receipts.at(0).ok());
  UsageCounters want = blk.header.era == era ? Usage(4, 1, {{0, 2}, {7, 2}}) : UsageCounters{};
  want.Add(Usage(2, 0, {{1, 2}}));
  EXPECT_EQ(agents::ReadUsage(*chain_.Head(), blk.header.era, a).value(), want);
  EXPECT_EQ(Agent(a)->total_calls, 6u);
}

TEST_F(Agents, LargeBatchesPayPerEntry) {
  ASSERT_TRUE(Run(105, agents::RegisterHubCall("hub")).ok());
  agents::ReportUsageArgs batch{0, 0, 1, {}};
  for (uint8_t i = 0; i < 65; ++i) {  // unknown agents: skipped, but still charged
    AgentId id;
    id.bytes.fill(i);
    batch.entries.push_back({id, Usage(1, 0, {{0, 1}})});
  }
  const uint64_t free = chain_.Account(105).free;
  Receipt r = Run(105, agents::ReportUsageCall(batch));
  ASSERT_TRUE(r.ok());
  // 65 entries: weight 1 covers 32, two more units of min_tx_fee.
  EXPECT_EQ(chain_.Account(105).free, free - kFee - 2 * profile().min_tx_fee);
}

TEST_F(Agents, ReputationAfterAnEraEqualsTheHandComputation) {
  const AgentId a = RegisterOk(100, Reg("A", {"s"}));
  const AgentId idle = RegisterOk(101, Reg("B", {"s"}));
  ASSERT_TRUE(Run(105, agents::RegisterHubCall("hub")).ok());
  // Keep both alive across the era boundary.
  chain_.Step(
      {chain_.Tx(100, agents::RefreshCall(a), kFee), chain_.Tx(101, agents::RefreshCall(idle), kFee)});
  agents::ReportUsageArgs batch{0, 0, 10, {{a, Usage(10, 1, {{4, 3}, {6, 3}, {8, 4}})}}};
  ExecutedBlock blk = chain_.Step({chain_.Tx(105, agents::ReportUsageCall(batch), kFee)});
  ASSERT_TRUE(blk.receipts.at(0).ok());
  const uint64_t usage_era = blk.header.era;
  EXPECT_EQ(Agent(a)->reputation, 500u);  // not before the era ends
  StepToNextEra();
  EXPECT_EQ(Agent(a)->reputation, 777u);
  EXPECT_EQ(Agent(a)->reputation_era, usage_era);
  EXPECT_EQ(Agent(idle)->reputation, 500u);
  // A second era: all fast and successful → (777 + 3·1000) / 4 = 944.
  batch = {1, 10, 20, {{a, Usage(5, 0, {{0, 5}})}}};
  ASSERT_TRUE(Run(105, agents::ReportUsageCall(batch)).ok());
  StepToNextEra();
  EXPECT_EQ(Agent(a)->reputation, 944u);
}

}  // namespace
}  // namespace cess::chain::runtime::testing
