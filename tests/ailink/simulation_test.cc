// The simulation job end to end on real Fashion-MNIST (small subsets, an MLP): mean is FedAvg
// without attack, a robust rule beats mean under sign flipping, runs are deterministic and
// independent of the thread count, bad updates are rejected, divergence is contained, and the
// outputs are written.
#include "cess/ailink/sim/simulation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cess/ailink/data/idx.h"
#include "cess/ailink/data/partition.h"
#include "cess/ailink/model/flat_model.h"
#include "cess/ailink/model/model.h"
#include "cess/ailink/sim/report.h"
#include "cess/ailink/train/trainer.h"

namespace cess::ailink::sim {
namespace {

bool HaveFashionMnist() {
  return std::filesystem::exists(std::string(data::kFashionMnistDir) + "/train-images-idx3-ubyte.gz");
}

#define REQUIRE_DATA()                                                               \
  do {                                                                               \
    if (!HaveFashionMnist()) {                                                       \
      GTEST_SKIP() << "Fashion-MNIST is not installed at " << data::kFashionMnistDir \
                   << " (scripts/setup.sh installs dataset-fashion-mnist)";          \
    }                                                                                \
  } while (0)

SimulationConfig Small() {
  SimulationConfig c;
  c.dataset = "fashion-mnist";
  c.train_subset = 1200;
  c.test_subset = 500;
  c.partition = "iid";
  c.model = "mlp:32";
  c.clients = 4;
  c.byzantine = 0;
  c.attack = "none";
  c.rules = {"mean"};
  c.rounds = 3;
  c.eval_every = 1;
  c.threads = 2;
  c.seed = 5;
  return c;
}

TEST(Simulation, MeanEqualsFedAvgWithoutAttack) {
  REQUIRE_DATA();
  SimulationConfig c = Small();
  c.local_epochs = 1;
  c.batch = 300;  // one full-batch step per client and round
  c.momentum = 0.0;
  c.lr = 0.1;
  auto report = RunSimulation(c);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->rules.size(), 1u);
  const std::vector<float>& got = report->rules[0].final_model.values;

  // FedAvg written out independently: average the clients' models, weighted by their sizes.
  auto data = data::LoadFashionMnist();
  ASSERT_TRUE(data.ok());
  const data::Dataset train = data->train.Head(c.train_subset);
  auto spec = data::ParsePartitionSpec(c.partition);
  auto parts =
      data::Partition(train.labels, train.num_classes, c.clients, *spec, DeriveSeed(c.seed, kPartitionSeed));
  ASSERT_TRUE(parts.ok());
  auto model =
      model::CreateModel(c.model, {train.example_shape, train.num_classes}, DeriveSeed(c.seed, kModelSeed));
  ASSERT_TRUE(model.ok());
  train::LocalTrainOptions opt;
  opt.sgd = {.lr = 0.1, .momentum = 0.0};
  opt.local_epochs = 1;
  opt.batch_size = 300;
  const train::LocalTrainer trainer(opt);
  std::vector<train::ClientState> states;
  std::vector<train::TensorData> client_data;
  for (size_t i = 0; i < c.clients; ++i) {
    states.emplace_back(DeriveSeed(c.seed, kClientSeed + i));
    auto t = train::ToTensors(train, torch::kCPU, (*parts)[i]);
    ASSERT_TRUE(t.ok());
    client_data.push_back(std::move(*t));
  }
  std::vector<float> global = (*model)->GetFlat();
  for (size_t round = 0; round < c.rounds; ++round) {
    std::vector<double> sum(global.size(), 0.0);
    double total = 0;
    for (size_t i = 0; i < c.clients; ++i) {
      ASSERT_TRUE((*model)->SetFlat(global).ok());
      auto u = trainer.Train(**model, client_data[i], states[i]);
      ASSERT_TRUE(u.ok()) << u.status().ToString();
      const std::vector<float> local = (*model)->GetFlat();
      for (size_t k = 0; k < global.size(); ++k) sum[k] += static_cast<double>(local[k]) * u->samples;
      total += static_cast<double>(u->samples);
    }
    for (size_t k = 0; k < global.size(); ++k) global[k] = static_cast<float>(sum[k] / total);
  }
  ASSERT_EQ(got.size(), global.size());
  double max_diff = 0;
  for (size_t k = 0; k < got.size(); ++k) max_diff = std::max(max_diff, std::abs(double(got[k]) - global[k]));
  EXPECT_LT(max_diff, 1e-5);
  // And training did something.
  EXPECT_GT(report->rules[0].final_accuracy, report->rules[0].evaluations.front().test_accuracy + 0.2);
}

TEST(Simulation, RobustRuleBeatsMeanUnderSignFlip) {
  REQUIRE_DATA();
  SimulationConfig c = Small();
  c.train_subset = 3000;
  c.test_subset = 1000;
  c.model = "mlp:64";
  c.clients = 9;
  c.byzantine = 4;  // sign flip shrinks the mean of 9 to (5 - 4) / 9 of the honest mean
  c.attack = "signflip";
  c.rules = {"mean", "cwtm"};
  c.rounds = 30;
  c.eval_every = 30;
  c.lr = 0.01;  // small enough that the shrunken mean visibly lags (seeds 1-5: 16-20 points)
  auto report = RunSimulation(c);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const double mean_acc = report->rules[0].final_accuracy, robust_acc = report->rules[1].final_accuracy;
  EXPECT_GT(robust_acc, mean_acc + 0.10) << "mean " << mean_acc << " cwtm " << robust_acc;
  EXPECT_GT(robust_acc, 0.6);
}

TEST(Simulation, DeterministicAndIndependentOfThreads) {
  REQUIRE_DATA();
  SimulationConfig c = Small();
  c.clients = 6;
  c.byzantine = 1;
  c.attack = "alie:z=1.5";
  c.partition = "dirichlet:0.5";
  c.rules = {"nnm|cwtm", "krum"};
  c.threads = 1;
  auto one = RunSimulation(c);
  c.threads = 2;
  auto two = RunSimulation(c);
  ASSERT_TRUE(one.ok() && two.ok()) << one.status().ToString() << two.status().ToString();
  for (size_t r = 0; r < 2; ++r) {
    EXPECT_EQ(one->rules[r].final_model.values, two->rules[r].final_model.values) << c.rules[r];
    ASSERT_EQ(one->rules[r].evaluations.size(), 4u);  // rounds 0..3
    for (size_t e = 0; e < 4; ++e) {
      EXPECT_EQ(one->rules[r].evaluations[e].test_accuracy, two->rules[r].evaluations[e].test_accuracy);
      EXPECT_EQ(one->rules[r].evaluations[e].test_loss, two->rules[r].evaluations[e].test_loss);
    }
  }
  // Both rules start from the same model.
  EXPECT_EQ(one->rules[0].evaluations[0].test_loss, one->rules[1].evaluations[0].test_loss);
}

TEST(Simulation, InfiniteUpdatesAreRejectedEveryRound) {
  REQUIRE_DATA();
  SimulationConfig c = Small();
  c.clients = 5;
  c.byzantine = 1;
  c.attack = "inf";
  c.rules = {"mean"};
  auto report = RunSimulation(c);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const RuleReport& r = report->rules[0];
  EXPECT_EQ(r.updates_rejected, c.rounds);
  EXPECT_EQ(r.rounds_completed, c.rounds);
  EXPECT_FALSE(r.diverged);
  ASSERT_FALSE(r.events.empty());
  EXPECT_NE(r.events[0].find("client 4"), std::string::npos) << r.events[0];
  EXPECT_NE(r.events[0].find("inf"), std::string::npos) << r.events[0];
  EXPECT_TRUE(std::isfinite(r.final_accuracy));
  EXPECT_GT(r.final_accuracy, 0.3);
}

TEST(Simulation, DivergenceStopsTheRuleButNotTheJob) {
  REQUIRE_DATA();
  SimulationConfig c = Small();
  c.clients = 5;
  c.byzantine = 1;
  c.attack = "gaussian:sigma=1e36";  // finite, but the model's outputs overflow
  c.rules = {"mean", "cwmed"};
  c.rounds = 4;
  auto report = RunSimulation(c);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->rules[0].diverged);
  EXPECT_EQ(report->rules[0].evaluations.size(), 5u);  // still one per evaluation round
  EXPECT_TRUE(report->rules[0].evaluations.back().diverged);
  EXPECT_FALSE(report->rules[1].diverged);
  EXPECT_GT(report->rules[1].final_accuracy, 0.3);
}

TEST(Simulation, LabelFlipAndSampledParticipants) {
  REQUIRE_DATA();
  SimulationConfig c = Small();
  c.clients = 8;
  c.byzantine = 2;
  c.clients_per_round = 5;
  c.attack = "labelflip";
  c.rules = {"cwmed"};
  auto report = RunSimulation(c);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rules[0].rounds_completed + report->rules[0].rounds_lost, c.rounds);
  EXPECT_EQ(report->client_examples.size(), 8u);
}

TEST(Simulation, Errors) {
  SimulationConfig c = Small();
  c.byzantine = 4;
  EXPECT_EQ(RunSimulation(c).status().code(), StatusCode::kInvalidArgument);
  c = Small();
  c.dataset = "fashion-mnist:/nonexistent/dir";
  auto missing = RunSimulation(c);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("dataset"), std::string::npos) << missing.status().message();
  c = Small();
  c.device = "cuda";
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(RunSimulation(c).status().code(), StatusCode::kUnavailable);
  }
  REQUIRE_DATA();
  c = Small();
  c.model = "resnet-9000";
  auto bad_model = RunSimulation(c);
  ASSERT_FALSE(bad_model.ok());
  EXPECT_NE(bad_model.status().message().find("model"), std::string::npos) << bad_model.status().message();
  c = Small();
  c.clients = 2000;  // more clients than the 1200 examples
  EXPECT_FALSE(RunSimulation(c).ok());
}

TEST(Simulation, WritesCsvJsonPngAndModels) {
  REQUIRE_DATA();
  SimulationConfig c = Small();
  c.rules = {"mean", "gm:nu=0.1,iters=3"};
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("cess_sim_out_" + std::to_string(::getpid()))).string();
  c.out = dir;
  auto report = RunSimulation(c);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // The .pt file reloads to the final model.
  auto pt = model::LoadModel(c.model, {{1, 28, 28}, 10}, dir + "/model-1.pt");
  ASSERT_TRUE(pt.ok()) << pt.status().ToString();
  EXPECT_EQ((*pt)->GetFlat(), report->rules[1].final_model.values);
  ASSERT_TRUE(WriteSimulationOutputs(*report, dir).ok());

  std::ifstream csv(dir + "/evaluations.csv");
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(csv, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 1u + 2 * 4);
  EXPECT_EQ(lines[0].substr(0, 20), "rule,round,test_accu");
  EXPECT_EQ(lines[5].substr(0, 21), "\"gm:nu=0.1,iters=3\",0");

  std::ifstream js(dir + "/summary.json");
  const nlohmann::json summary = nlohmann::json::parse(js);
  EXPECT_EQ(summary["rules"].size(), 2u);
  EXPECT_EQ(summary["config"]["clients"], 4);
  EXPECT_EQ(summary["setup"]["parameters"], report->num_parameters);

  std::ifstream png(dir + "/accuracy.png", std::ios::binary);
  char magic[8] = {};
  png.read(magic, 8);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");

  auto flat = model::ReadFlatModel(dir + "/model-1.cessflt");
  ASSERT_TRUE(flat.ok()) << flat.status().ToString();
  EXPECT_EQ(flat->values, report->rules[1].final_model.values);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cess::ailink::sim
