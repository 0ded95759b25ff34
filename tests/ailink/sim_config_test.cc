// The simulation job's configuration (flags, YAML, JSON) and the robust strategy, torch-free.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cess/ailink/sim/config.h"
#include "cess/ailink/sim/strategy.h"

namespace cess::ailink::sim {
namespace {

using nlohmann::json;

std::string TempFile(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / ("cess_sim_cfg_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(SplitRuleList, JoinsParametersToTheirRule) {
  auto r = SplitRuleList("mean, gm:nu=0.1,iters=3 ,clip:2.0|nnm|cwtm,gm:0.2,5,cwtm");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r,
            (std::vector<std::string>{"mean", "gm:nu=0.1,iters=3", "clip:2.0|nnm|cwtm", "gm:0.2,5", "cwtm"}));
  auto one = SplitRuleList("nnm|cwtm");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, std::vector<std::string>{"nnm|cwtm"});
}

TEST(SplitRuleList, Errors) {
  EXPECT_FALSE(SplitRuleList("").ok());
  EXPECT_FALSE(SplitRuleList("mean,,cwtm").ok());
  EXPECT_FALSE(SplitRuleList("iters=3,mean").ok());
  EXPECT_FALSE(SplitRuleList("mean,").ok());
}

TEST(SimulationConfig, DefaultsAreValid) {
  SimulationConfig c;
  EXPECT_TRUE(c.Validate().ok()) << c.Validate().ToString();
}

TEST(SimulationConfig, ValidateNamesTheKey) {
  auto expect_bad = [](auto mutate, const std::string& key) {
    SimulationConfig c;
    mutate(c);
    const Status s = c.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << key;
    EXPECT_NE(s.message().find(key), std::string::npos) << s.message();
  };
  expect_bad([](SimulationConfig& c) { c.byzantine = 12; }, "byzantine");
  expect_bad([](SimulationConfig& c) { c.clients = 0; }, "clients");
  expect_bad([](SimulationConfig& c) { c.rounds = 0; }, "rounds");
  expect_bad([](SimulationConfig& c) { c.batch = 0; }, "batch");
  expect_bad([](SimulationConfig& c) { c.lr = -1; }, "lr");
  expect_bad([](SimulationConfig& c) { c.lr = std::numeric_limits<double>::quiet_NaN(); }, "lr");
  expect_bad([](SimulationConfig& c) { c.momentum = 1.0; }, "momentum");
  expect_bad([](SimulationConfig& c) { c.device = "tpu"; }, "device");
  expect_bad([](SimulationConfig& c) { c.backend = "fpga"; }, "backend");
  expect_bad([](SimulationConfig& c) { c.partition = "zipf:2"; }, "partition");
  expect_bad([](SimulationConfig& c) { c.attack = "nosuchattack"; }, "attack");
  expect_bad([](SimulationConfig& c) { c.rules = {"mean", "nosuchrule"}; }, "rules");
  expect_bad([](SimulationConfig& c) { c.rules = {}; }, "rules");
  expect_bad([](SimulationConfig& c) { c.rules = {"cwtm", "trmean"}; }, "rules");  // same rule twice
  expect_bad([](SimulationConfig& c) { c.clients_per_round = 13; }, "clients_per_round");
  expect_bad([](SimulationConfig& c) { c.local_steps = 0; }, "local_steps");
}

TEST(ApplyConfigJson, SetsKeysBothSpellings) {
  SimulationConfig c;
  const json j = {{"model", "mlp"},   {"clients", 20}, {"f", 3},    {"rules", "mean,cwtm"},
                  {"local-steps", 2}, {"lr", 0.1},     {"seed", 7}, {"persistent_momentum", false}};
  ASSERT_TRUE(ApplyConfigJson(j, c).ok());
  EXPECT_EQ(c.model, "mlp");
  EXPECT_EQ(c.clients, 20u);
  EXPECT_EQ(c.byzantine, 3u);
  EXPECT_EQ(c.rules, (std::vector<std::string>{"mean", "cwtm"}));
  EXPECT_EQ(c.local_steps, 2u);
  EXPECT_DOUBLE_EQ(c.lr, 0.1);
  EXPECT_EQ(c.seed, 7u);
  EXPECT_FALSE(c.persistent_momentum);
}

TEST(ApplyConfigJson, Errors) {
  SimulationConfig c;
  EXPECT_NE(ApplyConfigJson({{"colour", "red"}}, c).message().find("colour"), std::string::npos);
  EXPECT_NE(ApplyConfigJson({{"rounds", -3}}, c).message().find("rounds"), std::string::npos);
  EXPECT_NE(ApplyConfigJson({{"rounds", 2.5}}, c).message().find("rounds"), std::string::npos);
  EXPECT_NE(ApplyConfigJson({{"model", 3}}, c).message().find("model"), std::string::npos);
  EXPECT_NE(ApplyConfigJson({{"rules", json::array({"mean", 3})}}, c).message().find("rules"),
            std::string::npos);
  EXPECT_FALSE(ApplyConfigJson(json::array({1, 2}), c).ok());
}

TEST(LoadConfigFile, YamlAndJson) {
  SimulationConfig y;
  const std::string yaml = TempFile("job.yaml",
                                    "# a job\n"
                                    "dataset: fashion-mnist\n"
                                    "partition: shards\n"
                                    "model: mlp:128\n"
                                    "n: 10\n"
                                    "f: 1\n"
                                    "attack: alie\n"
                                    "rules: [mean, \"clip:2.0|nnm|cwtm\", \"gm:nu=0.1,iters=3\"]\n"
                                    "rounds: 50\n"
                                    "lr: 0.02\n"
                                    "weight_decay: 1e-4\n"
                                    "persistent_momentum: false\n"
                                    "device: cpu\n");
  ASSERT_TRUE(LoadConfigFile(yaml, y).ok()) << LoadConfigFile(yaml, y).ToString();
  EXPECT_EQ(y.partition, "shards");
  EXPECT_EQ(y.model, "mlp:128");
  EXPECT_EQ(y.clients, 10u);
  EXPECT_EQ(y.byzantine, 1u);
  EXPECT_EQ(y.rules, (std::vector<std::string>{"mean", "clip:2.0|nnm|cwtm", "gm:nu=0.1,iters=3"}));
  EXPECT_EQ(y.rounds, 50u);
  EXPECT_DOUBLE_EQ(y.weight_decay, 1e-4);
  EXPECT_FALSE(y.persistent_momentum);
  EXPECT_TRUE(y.Validate().ok()) << y.Validate().ToString();

  SimulationConfig j;
  const std::string jpath = TempFile("job.json", R"({"rounds": 7, "rules": ["krum"], "eval_every": 1})");
  ASSERT_TRUE(LoadConfigFile(jpath, j).ok());
  EXPECT_EQ(j.rounds, 7u);
  EXPECT_EQ(j.rules, std::vector<std::string>{"krum"});
  EXPECT_EQ(j.eval_every, 1u);

  // The JSON written back by ToJson loads to the same config.
  SimulationConfig back;
  const std::string rt = TempFile("roundtrip.json", y.ToJson().dump());
  ASSERT_TRUE(LoadConfigFile(rt, back).ok());
  EXPECT_EQ(back.ToJson(), y.ToJson());
}

TEST(LoadConfigFile, Errors) {
  SimulationConfig c;
  EXPECT_EQ(LoadConfigFile("/nonexistent/job.yaml", c).code(), StatusCode::kNotFound);
  const Status syntax = LoadConfigFile(TempFile("bad.yaml", "rounds: [1, 2\nmodel: mlp\n"), c);
  EXPECT_EQ(syntax.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(syntax.message().find("line"), std::string::npos) << syntax.message();
  const Status json_syntax = LoadConfigFile(TempFile("bad.json", "{\"rounds\": }"), c);
  EXPECT_EQ(json_syntax.code(), StatusCode::kInvalidArgument);
  const Status unknown = LoadConfigFile(TempFile("unknown.yaml", "rounds: 3\nlearning_rate: 0.1\n"), c);
  EXPECT_NE(unknown.message().find("learning_rate"), std::string::npos) << unknown.message();
  EXPECT_FALSE(LoadConfigFile(TempFile("empty.yaml", ""), c).ok());
}

// ---- RobustStrategy ----

TEST(RobustStrategy, ConfigureRoundAllOrSample) {
  auto all = RobustStrategy::Create({.rule = "mean"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)->ConfigureRound(1, 4).participants, (std::vector<size_t>{0, 1, 2, 3}));

  auto some = RobustStrategy::Create({.rule = "mean", .clients_per_round = 5, .seed = 9});
  ASSERT_TRUE(some.ok());
  auto again = RobustStrategy::Create({.rule = "mean", .clients_per_round = 5, .seed = 9});
  bool differs_across_rounds = false;
  const auto first = (*some)->ConfigureRound(1, 20).participants;
  for (size_t r = 1; r <= 10; ++r) {
    const auto p = (*some)->ConfigureRound(r, 20).participants;
    ASSERT_EQ(p.size(), 5u);
    EXPECT_TRUE(std::is_sorted(p.begin(), p.end()));
    EXPECT_EQ(std::adjacent_find(p.begin(), p.end()), p.end());
    EXPECT_LT(p.back(), 20u);
    EXPECT_EQ(p, (*again)->ConfigureRound(r, 20).participants);  // deterministic
    differs_across_rounds |= p != first;
  }
  EXPECT_TRUE(differs_across_rounds);
}

TEST(RobustStrategy, RejectsInvalidRowsAndAggregatesTheRest) {
  auto s = RobustStrategy::Create({.rule = "mean", .f = 0, .max_update_norm = 10.0});
  ASSERT_TRUE(s.ok());
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> m = {1,   2,   //
                                inf, 0,   // non-finite
                                3,   4,   //
                                100, 0};  // norm 100 > 10
  const MatrixView view{m.data(), 4, 2};
  const std::vector<size_t> clients = {3, 5, 7, 9}, samples = {10, 10, 10, 10};
  auto r = (*s)->Aggregate(1, view, clients, samples);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, (std::vector<size_t>{3, 7}));
  ASSERT_EQ(r->rejected.size(), 2u);
  EXPECT_EQ(r->rejected[0].client, 5u);
  EXPECT_NE(r->rejected[0].reason.find("inf"), std::string::npos) << r->rejected[0].reason;
  EXPECT_EQ(r->rejected[1].client, 9u);
  EXPECT_NE(r->rejected[1].reason.find("norm"), std::string::npos) << r->rejected[1].reason;
  EXPECT_EQ(r->step, (std::vector<float>{2, 3}));
}

TEST(RobustStrategy, TooFewValidRowsLosesTheRound) {
  auto s = RobustStrategy::Create({.rule = "cwtm", .f = 1});
  ASSERT_TRUE(s.ok());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> m = {1, 2, nan, 4};  // 4 rows of 1: one bad leaves 3 > 2f = 2: fine
  const std::vector<size_t> c4 = {0, 1, 2, 3}, s4 = {1, 1, 1, 1};
  EXPECT_TRUE((*s)->Aggregate(1, {m.data(), 4, 1}, c4, s4).ok());
  const std::vector<float> m3 = {1, nan, 3};  // 2 valid rows, cwtm with f=1 needs 3
  const std::vector<size_t> c3 = {0, 1, 2}, s3 = {1, 1, 1};
  auto r = (*s)->Aggregate(2, {m3.data(), 3, 1}, c3, s3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("round 2"), std::string::npos) << r.status().message();
  // Shape mismatch.
  EXPECT_FALSE((*s)->Aggregate(3, {m3.data(), 3, 1}, c4, s4).ok());
  // Everything rejected.
  const std::vector<float> bad = {nan, nan, nan};
  EXPECT_FALSE((*s)->Aggregate(4, {bad.data(), 3, 1}, c3, s3).ok());
}

TEST(RobustStrategy, ServerLrAndEvaluationSchedule) {
  auto s = RobustStrategy::Create({.rule = "cwmed", .f = 1, .eval_every = 5, .server_lr = 0.5});
  ASSERT_TRUE(s.ok());
  const std::vector<float> m = {1, 2, 30};
  const std::vector<size_t> c = {0, 1, 2}, n = {1, 1, 1};
  auto r = (*s)->Aggregate(1, {m.data(), 3, 1}, c, n);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->step, std::vector<float>{1.0f});  // median 2, times 0.5
  EXPECT_FALSE((*s)->ShouldEvaluate(4, 12));
  EXPECT_TRUE((*s)->ShouldEvaluate(5, 12));
  EXPECT_TRUE((*s)->ShouldEvaluate(12, 12));
  EXPECT_NE((*s)->Describe().find("f=1"), std::string::npos);
  EXPECT_FALSE(RobustStrategy::Create({.rule = "nosuch"}).ok());
  EXPECT_FALSE(RobustStrategy::Create({.rule = "mean", .server_lr = 0}).ok());
}

}  // namespace
}  // namespace cess::ailink::sim
