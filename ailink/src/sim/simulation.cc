#include "cess/ailink/sim/simulation.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cess/ailink/attacks/attacks.h"
#include "cess/ailink/data/partition.h"
#include "cess/ailink/data/registry.h"
#include "cess/ailink/model/model.h"
#include "cess/ailink/sim/strategy.h"
#include "cess/ailink/train/trainer.h"
#include "cess/kernels/backend.h"

namespace cess::ailink::sim {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

bool AllFinite(const std::vector<float>& v) {
  for (float x : v) {
    if (!std::isfinite(x)) return false;
  }
  return true;
}

// Runs fn(worker, item) for item in [0, items) on `workers` threads (the calling thread is one of
// them). Items are handed out in order; the first error stops the hand-out and is returned.
Status ParallelFor(size_t workers, size_t items, const std::function<Status(size_t, size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first_error;
  auto loop = [&](size_t worker) {
    while (!failed.load(std::memory_order_relaxed)) {
      const size_t item = next.fetch_add(1);
      if (item >= items) return;
      Status s = fn(worker, item);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = std::move(s);
        failed = true;
      }
    }
  };
  const size_t n = std::max<size_t>(1, std::min(workers, items));
  std::vector<std::thread> threads;
  threads.reserve(n - 1);
  for (size_t w = 1; w < n; ++w) threads.emplace_back(loop, w);
  loop(0);
  for (auto& t : threads) t.join();
  return first_error;
}

// Everything that is the same for every rule: data per client, the test set, replicas.
struct Setup {
  data::TrainTest data;
  std::vector<train::TensorData> client_data;
  std::vector<size_t> client_examples;
  std::vector<train::TensorData> test_chunks;  // fixed-size pieces, independent of the thread count
  std::unique_ptr<model::Model> initial;
  std::vector<std::unique_ptr<model::Model>> replicas;  // one per worker
  std::unique_ptr<attacks::Attack> attack;
  torch::Device device{torch::kCPU};
  size_t workers = 1;
};

Result<Setup> Prepare(const SimulationConfig& config, SimulationReport& report) {
  Setup s;
  CESS_ASSIGN_OR_RETURN(s.device, model::ParseDevice(config.device));
  CESS_ASSIGN_OR_RETURN(s.attack, attacks::ParseAttack(config.attack));

  auto loaded = data::LoadDataset(config.dataset);
  if (!loaded.ok()) return loaded.status().WithContext("load dataset '" + config.dataset + "'");
  s.data = std::move(*loaded);
  if (config.train_subset != 0) s.data.train = s.data.train.Head(config.train_subset);
  if (config.test_subset != 0) s.data.test = s.data.test.Head(config.test_subset);
  if (s.data.test.size() == 0) return Status::InvalidArgument("the test set is empty");

  CESS_ASSIGN_OR_RETURN(const data::PartitionSpec pspec, data::ParsePartitionSpec(config.partition));
  auto parts = data::Partition(s.data.train.labels, s.data.train.num_classes, config.clients, pspec,
                               DeriveSeed(config.seed, kPartitionSeed));
  if (!parts.ok()) return parts.status().WithContext("partition '" + config.partition + "'");

  const model::InputSpec input{s.data.train.example_shape, s.data.train.num_classes};
  auto initial = model::CreateModel(config.model, input, DeriveSeed(config.seed, kModelSeed));
  if (!initial.ok()) return initial.status().WithContext("model '" + config.model + "'");
  s.initial = std::move(*initial);
  if (Status st = s.initial->To(s.device); !st.ok()) return st;

  // Threads: one per core for CPU training (capped by the clients that train), one for CUDA.
  size_t workers = config.threads;
  if (workers == 0) {
    workers = s.device.is_cuda() ? 1 : std::max(1u, std::thread::hardware_concurrency());
  }
  s.workers = std::max<size_t>(1, std::min(workers, config.clients));
  train::UseSingleThreadedKernels();

  s.client_data.reserve(config.clients);
  for (size_t c = 0; c < config.clients; ++c) {
    auto t = train::ToTensors(s.data.train, s.device, (*parts)[c]);
    if (!t.ok()) return t.status().WithContext("client " + std::to_string(c) + " data");
    s.client_examples.push_back((*parts)[c].size());
    s.client_data.push_back(std::move(*t));
  }
  // The test set cut into contiguous chunks of a fixed size, evaluated in parallel and combined in
  // chunk order: the figures do not depend on the thread count.
  const size_t test_n = s.data.test.size();
  constexpr size_t kTestChunk = 1000;
  for (size_t b = 0; b < test_n; b += kTestChunk) {
    const size_t e = std::min(test_n, b + kTestChunk);
    std::vector<size_t> idx(e - b);
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = b + i;
    auto t = train::ToTensors(s.data.test, s.device, idx);
    if (!t.ok()) return t.status().WithContext("test data");
    s.test_chunks.push_back(std::move(*t));
  }
  for (size_t w = 0; w < s.workers; ++w) {
    auto r = s.initial->Clone();
    if (!r.ok()) return r.status().WithContext("model replica");
    s.replicas.push_back(std::move(*r));
  }

  report.model_spec = s.initial->spec();
  report.num_parameters = s.initial->NumParameters();
  report.train_examples = s.data.train.size();
  report.test_examples = s.data.test.size();
  report.client_examples = s.client_examples;
  report.threads = s.workers;
  report.device = s.device.str();
  return s;
}

// Test loss and accuracy of `global`, the chunks evaluated in parallel.
Result<train::Evaluation> EvaluateGlobal(Setup& s, const std::vector<float>& global) {
  std::vector<train::Evaluation> parts(s.test_chunks.size());
  Status st = ParallelFor(s.workers, s.test_chunks.size(), [&](size_t worker, size_t chunk) -> Status {
    model::Model& m = *s.replicas[worker];
    if (Status set = m.SetFlat(global); !set.ok()) return set;
    auto e = train::Evaluate(m, s.test_chunks[chunk], s.test_chunks[chunk].size());
    if (!e.ok()) return e.status();
    parts[chunk] = *e;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  train::Evaluation total;
  double loss_sum = 0, correct = 0;
  for (const auto& p : parts) {
    loss_sum += p.loss * static_cast<double>(p.samples);
    correct += p.accuracy * static_cast<double>(p.samples);
    total.samples += p.samples;
  }
  total.loss = loss_sum / static_cast<double>(total.samples);
  total.accuracy = correct / static_cast<double>(total.samples);
  return total;
}

// One rule's whole run.
Result<RuleReport> RunRule(const SimulationConfig& config, Setup& s, size_t rule_index,
                           SimulationObserver* observer) {
  const Clock::time_point t0 = Clock::now();
  RuleReport rr;
  rr.rule = config.rules[rule_index];

  CESS_ASSIGN_OR_RETURN(const cess::kernels::Backend backend, cess::kernels::ParseBackend(config.backend));
  auto strategy = RobustStrategy::Create({.rule = rr.rule,
                                          .f = config.byzantine,
                                          .clients_per_round = config.clients_per_round,
                                          .eval_every = config.eval_every,
                                          .max_update_norm = config.max_update_norm,
                                          .server_lr = config.server_lr,
                                          .backend = backend,
                                          .seed = DeriveSeed(config.seed, kStrategySeed)});
  if (!strategy.ok()) return strategy.status().WithContext("rule '" + rr.rule + "'");
  rr.description = (*strategy)->Describe();

  auto event = [&](const std::string& msg) {
    if (rr.events.size() < 10000) rr.events.push_back(msg);
    if (observer) observer->OnEvent(rule_index, msg);
  };

  train::LocalTrainOptions topt;
  topt.sgd = {.lr = config.lr, .momentum = config.momentum, .weight_decay = config.weight_decay};
  topt.batch_size = config.batch;
  topt.local_steps = config.local_steps;
  topt.local_epochs = config.local_epochs;
  topt.persistent_momentum = config.persistent_momentum;
  // Confident models push softmax gradients into subnormal floats, on which OpenBLAS runs several
  // times slower; flushing them to zero changes results by < 1e-6 (trainer tests).
  topt.flush_denormals = true;
  const train::LocalTrainer honest_trainer(topt);
  topt.flip_labels = true;
  const train::LocalTrainer flip_trainer(topt);

  // Fresh client states with the same seeds for every rule: same batches, same dropout masks.
  std::vector<train::ClientState> states;
  states.reserve(config.clients);
  for (size_t c = 0; c < config.clients; ++c) states.emplace_back(DeriveSeed(config.seed, kClientSeed + c));

  std::vector<float> global = s.initial->GetFlat();
  const size_t d = global.size();
  const size_t first_byzantine = config.clients - config.byzantine;
  const attacks::AttackKind attack_kind = s.attack->kind();
  train::Evaluation carried;  // the latest evaluation

  auto record = [&](size_t round, const train::Evaluation& e, double train_loss, size_t rejected,
                    bool diverged) {
    EvaluationRecord rec{.rule_index = rule_index,
                         .rule = rr.rule,
                         .round = round,
                         .test_accuracy = e.accuracy,
                         .test_loss = e.loss,
                         .train_loss = train_loss,
                         .elapsed_s = SecondsSince(t0),
                         .rejected = rejected,
                         .diverged = diverged};
    rr.evaluations.push_back(rec);
    rr.best_accuracy = std::max(rr.best_accuracy, e.accuracy);
    rr.final_accuracy = e.accuracy;
    if (observer) observer->OnEvaluation(rec);
  };

  // The initial model, so that every curve starts at round 0.
  {
    auto e = EvaluateGlobal(s, global);
    if (!e.ok()) return e.status().WithContext("evaluate");
    carried = *e;
    record(0, carried, 0.0, 0, false);
  }

  for (size_t round = 1; round <= config.rounds; ++round) {
    if (rr.diverged) {
      if ((*strategy)->ShouldEvaluate(round, config.rounds)) record(round, carried, NAN, 0, true);
      if (observer) observer->OnRoundEnd(rule_index, round);
      continue;
    }
    const RoundPlan plan = (*strategy)->ConfigureRound(round, config.clients);
    // Who trains: honest participants, plus Byzantine ones when they train (no attack: honest
    // behaviour; label flipping: training on flipped labels).
    std::vector<size_t> honest, byzantine, trainers;
    for (size_t c : plan.participants) (c >= first_byzantine ? byzantine : honest).push_back(c);
    const bool byzantine_train = attack_kind != attacks::AttackKind::kUpdate;
    trainers = honest;
    if (byzantine_train) trainers.insert(trainers.end(), byzantine.begin(), byzantine.end());

    // Rows in participant order; trainers write their own rows.
    UpdateMatrix updates(plan.participants.size(), d);
    std::vector<size_t> row_of(config.clients, 0);
    for (size_t r = 0; r < plan.participants.size(); ++r) row_of[plan.participants[r]] = r;
    std::vector<double> losses(plan.participants.size(), 0.0);
    Status trained = ParallelFor(s.workers, trainers.size(), [&](size_t worker, size_t item) -> Status {
      const size_t c = trainers[item];
      model::Model& m = *s.replicas[worker];
      if (Status set = m.SetFlat(global); !set.ok()) return set;
      const bool flip = c >= first_byzantine && attack_kind == attacks::AttackKind::kLabelFlip;
      auto u = (flip ? flip_trainer : honest_trainer).Train(m, s.client_data[c], states[c]);
      if (!u.ok()) return u.status().WithContext("client " + std::to_string(c));
      std::copy(u->delta.begin(), u->delta.end(), updates.row(row_of[c]).begin());
      losses[row_of[c]] = u->mean_loss;
      return Status::Ok();
    });
    if (!trained.ok()) return trained.WithContext("round " + std::to_string(round));
    double train_loss = 0;
    for (size_t c : honest) train_loss += losses[row_of[c]];
    train_loss = honest.empty() ? NAN : train_loss / static_cast<double>(honest.size());

    // The attack sees this round's honest updates.
    if (!byzantine.empty() && attack_kind == attacks::AttackKind::kUpdate) {
      if (honest.empty()) {
        event("round " + std::to_string(round) + ": no honest participant; the Byzantine ones send nothing");
        rr.rounds_lost++;
        if (observer) observer->OnRoundEnd(rule_index, round);
        continue;
      }
      UpdateMatrix honest_rows(honest.size(), d);
      for (size_t i = 0; i < honest.size(); ++i) {
        std::copy_n(updates.row(row_of[honest[i]]).data(), d, honest_rows.row(i).data());
      }
      auto crafted =
          s.attack->Craft(honest_rows.view(), byzantine.size(), DeriveSeed(config.seed, kAttackSeed + round));
      if (!crafted.ok()) return crafted.status().WithContext("attack in round " + std::to_string(round));
      for (size_t i = 0; i < byzantine.size(); ++i) {
        std::copy_n(crafted->row(i).data(), d, updates.row(row_of[byzantine[i]]).data());
      }
    }

    std::vector<size_t> samples;
    samples.reserve(plan.participants.size());
    for (size_t c : plan.participants) samples.push_back(s.client_examples[c]);
    auto agg = (*strategy)->Aggregate(round, updates.view(), plan.participants, samples);
    size_t rejected = 0;
    if (!agg.ok()) {
      event(agg.status().message() + "; round lost");
      rr.rounds_lost++;
    } else {
      rejected = agg->rejected.size();
      rr.updates_rejected += rejected;
      for (const RejectedUpdate& r : agg->rejected) {
        event("round " + std::to_string(round) + ": update of client " + std::to_string(r.client) +
              " rejected: " + r.reason);
      }
      for (size_t i = 0; i < d; ++i) global[i] += agg->step[i];
      rr.rounds_completed++;
      if (!AllFinite(global)) {
        rr.diverged = true;
        event("round " + std::to_string(round) + ": the global model diverged (non-finite parameters); " +
              "this rule's run stops here");
      }
    }

    if ((*strategy)->ShouldEvaluate(round, config.rounds) || rr.diverged) {
      auto e = EvaluateGlobal(s, global);
      if (!e.ok()) return e.status().WithContext("evaluate after round " + std::to_string(round));
      carried = *e;
      if (!rr.diverged && !std::isfinite(carried.loss)) {
        rr.diverged = true;
        event("round " + std::to_string(round) + ": the global model diverged (non-finite test loss); " +
              "this rule's run stops here");
      }
      if ((*strategy)->ShouldEvaluate(round, config.rounds))
        record(round, carried, train_loss, rejected, rr.diverged);
    }
    if (observer) observer->OnRoundEnd(rule_index, round);
  }

  // The final global model in the flat format.
  if (Status set = s.replicas[0]->SetFlat(global); !set.ok()) return set;
  rr.final_model = s.replicas[0]->ToFlatModel();
  if (!config.out.empty()) {
    // The same model as a LibTorch .pt file (the flat copy is written with the reports).
    std::error_code ec;
    std::filesystem::create_directories(config.out, ec);
    if (ec) return Status::IoError("create directory " + config.out + ": " + ec.message());
    const std::string pt = config.out + "/model-" + std::to_string(rule_index) + ".pt";
    if (Status saved = s.replicas[0]->SavePt(pt); !saved.ok()) return saved.WithContext("save " + pt);
  }
  rr.seconds = SecondsSince(t0);
  return rr;
}

}  // namespace

uint64_t DeriveSeed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Result<SimulationReport> RunSimulation(const SimulationConfig& config, SimulationObserver* observer) {
  if (Status v = config.Validate(); !v.ok()) return v;
  const Clock::time_point t0 = Clock::now();
  SimulationReport report;
  report.config = config;
  auto setup = Prepare(config, report);
  if (!setup.ok()) return setup.status();
  if (observer) observer->OnStart(report, config.rules.size() * config.rounds);
  for (size_t i = 0; i < config.rules.size(); ++i) {
    auto rr = RunRule(config, *setup, i, observer);
    if (!rr.ok()) return rr.status().WithContext("rule '" + config.rules[i] + "'");
    report.rules.push_back(std::move(*rr));
  }
  report.seconds = SecondsSince(t0);
  return report;
}

}  // namespace cess::ailink::sim
