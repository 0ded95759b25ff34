// `cess fl simulate` (the federated-learning simulation job) and `cess fl aggregate` (one robust
// rule over an n×d .npy matrix).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cess/ailink/npy.h"
#include "cess/ailink/sim/config.h"
#include "cess/ailink/sim/report.h"
#include "cess/ailink/sim/simulation.h"
#include "cess/kernels/backend.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

namespace cess::cli {
namespace {

using ailink::sim::SimulationConfig;

std::string Percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * fraction);
  return buf;
}

std::string Loss(double loss) {
  if (!std::isfinite(loss)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", loss);
  return buf;
}

// Prints evaluations as they come and drives the progress bar.
class ConsoleObserver final : public ailink::sim::SimulationObserver {
 public:
  ConsoleObserver(const SimulationConfig& config, bool quiet) : config_(config), quiet_(quiet) {
    for (const auto& r : config.rules) width_ = std::max(width_, r.size());
  }

  void OnStart(const ailink::sim::SimulationReport& s, size_t total_rounds) override {
    if (!quiet_) {
      std::printf("== AI-LINK simulation: %s (%zu parameters) on %s (%zu train / %zu test examples)\n",
                  s.model_spec.c_str(), s.num_parameters, config_.dataset.c_str(), s.train_examples,
                  s.test_examples);
      std::printf(
          "   %zu clients, %zu Byzantine (%s), partition %s, %zu rounds, %zu local step(s) of batch %zu, "
          "lr %g, momentum %g, %zu thread(s) on %s\n",
          config_.clients, config_.byzantine, config_.attack.c_str(), config_.partition.c_str(),
          config_.rounds, config_.local_epochs ? config_.local_epochs : config_.local_steps, config_.batch,
          config_.lr, config_.momentum, s.threads, s.device.c_str());
      std::fflush(stdout);
    }
    progress_ = std::make_unique<Progress>("training", total_rounds, "rounds");
  }

  void OnRoundEnd(size_t, size_t) override { progress_->Add(1); }

  void OnEvaluation(const ailink::sim::EvaluationRecord& r) override {
    progress_->SetStatus("[" + r.rule + "] " + Percent(r.test_accuracy));
    if (quiet_) return;
    char line[512];
    std::snprintf(line, sizeof line, "[%-*s] round %5zu  test accuracy %7s  loss %-9s%s%s",
                  static_cast<int>(width_), r.rule.c_str(), r.round, Percent(r.test_accuracy).c_str(),
                  Loss(r.test_loss).c_str(),
                  r.rejected ? ("  rejected " + std::to_string(r.rejected)).c_str() : "",
                  r.diverged ? "  (diverged)" : "");
    progress_->Print(line);
  }

  void OnEvent(size_t rule_index, const std::string& message) override {
    // Rejections repeat every round under some attacks: show the first few per rule.
    if (quiet_ || ++events_[rule_index] > 3) return;
    progress_->Print("[" + config_.rules[rule_index] + "] " + message +
                     (events_[rule_index] == 3 ? " (further events in summary.json)" : ""));
  }

  void Finish() {
    if (progress_) progress_->Done();
  }

 private:
  const SimulationConfig& config_;
  bool quiet_;
  size_t width_ = 4;
  std::unique_ptr<Progress> progress_;
  std::map<size_t, size_t> events_;
};

struct SimulateOptions {
  std::string config_file;
  bool json = false;
  bool quiet = false;
  SimulationConfig flags;  // flag values; only those given are applied over the file
  std::string rules_text;
  std::vector<std::pair<CLI::Option*, std::function<void(SimulationConfig&)>>> given;
};

Status RunSimulate(SimulateOptions& o) {
#ifndef CESS_HAVE_TORCH
  return Status::Unavailable("this build has no LibTorch (configure with -DCESS_WITH_TORCH=ON)");
#else
  SimulationConfig config;
  if (!o.config_file.empty()) {
    if (Status s = ailink::sim::LoadConfigFile(o.config_file, config); !s.ok()) return s;
  }
  for (auto& [opt, apply] : o.given) {
    if (opt->count() > 0) apply(config);
  }
  if (!o.rules_text.empty()) {
    auto rules = ailink::sim::SplitRuleList(o.rules_text);
    if (!rules.ok()) return rules.status().WithContext("--rule");
    config.rules = std::move(*rules);
  }
  if (Status v = config.Validate(); !v.ok()) return v;

  ConsoleObserver observer(config, o.quiet || o.json);
  auto report = ailink::sim::RunSimulation(config, &observer);
  observer.Finish();
  if (!report.ok()) return report.status();

  if (!config.out.empty()) {
    if (Status s = ailink::sim::WriteSimulationOutputs(*report, config.out); !s.ok()) return s;
  }
  if (o.json) {
    PrintJson(ailink::sim::SummaryJson(*report));
    return Status::Ok();
  }
  std::printf("== final test accuracy after %zu rounds (%.1f s)\n", config.rounds, report->seconds);
  size_t width = 4;
  for (const auto& r : report->rules) width = std::max(width, r.rule.size());
  for (const auto& r : report->rules) {
    std::string notes;
    if (r.diverged) notes += ", diverged";
    if (r.rounds_lost) notes += ", " + std::to_string(r.rounds_lost) + " rounds lost";
    if (r.updates_rejected) notes += ", " + std::to_string(r.updates_rejected) + " updates rejected";
    std::printf("   %-*s %8s  (best %s, %.1f s%s)\n", static_cast<int>(width), r.rule.c_str(),
                Percent(r.final_accuracy).c_str(), Percent(r.best_accuracy).c_str(), r.seconds,
                notes.c_str());
  }
  if (!config.out.empty()) {
    std::printf("   outputs: %s/evaluations.csv, summary.json, accuracy.png, model-<i>.{pt,cessflt}\n",
                config.out.c_str());
  }
  return Status::Ok();
#endif
}

template <typename T>
void Flag(CLI::App* cmd, SimulateOptions& o, const std::string& name, T SimulationConfig::*field,
          const std::string& help) {
  CLI::Option* opt = cmd->add_option(name, o.flags.*field, help);
  o.given.emplace_back(opt, [&o, field](SimulationConfig& c) { c.*field = o.flags.*field; });
}

void AddSimulate(CLI::App* fl) {
  auto o = std::make_shared<SimulateOptions>();
  const SimulationConfig defaults;
  auto* cmd = fl->add_subcommand(
      "simulate",
      "Run a federated training simulation: n clients (f Byzantine) train a model under one or more "
      "aggregation rules side by side on the same seeds; prints test accuracy per evaluation and writes a "
      "CSV, a JSON summary and a PNG plot to --out");
  cmd->add_option("--config", o->config_file, "YAML or JSON file with the keys below (flags override it)")
      ->check(CLI::ExistingFile);
  auto d = [](const auto& v) { return " (default " + std::string(nlohmann::json(v).dump()) + ")"; };
  Flag(cmd, *o, "--dataset", &SimulationConfig::dataset,
       "fashion-mnist | fashion-mnist:<dir> | idx:<4 paths> | csv:<train>,<test>" + d(defaults.dataset));
  Flag(cmd, *o, "--train-subset", &SimulationConfig::train_subset,
       "Use the first N training examples (0 = all)");
  Flag(cmd, *o, "--test-subset", &SimulationConfig::test_subset,
       "Evaluate on the first N test examples (0 = all)");
  Flag(cmd, *o, "--partition", &SimulationConfig::partition,
       "iid | dirichlet:<alpha> | gamma:<similarity> | shards[:<per client>]" + d(defaults.partition));
  Flag(cmd, *o, "--model", &SimulationConfig::model,
       "mlp[:h1,h2..] | cnn-small | cnn-mnist | torchscript:<path>" + d(defaults.model));
  Flag(cmd, *o, "-n,--clients", &SimulationConfig::clients, "Number of clients" + d(defaults.clients));
  Flag(cmd, *o, "-f,--byzantine", &SimulationConfig::byzantine,
       "Byzantine clients (the last f) and the rules' budget f" + d(defaults.byzantine));
  Flag(cmd, *o, "--attack", &SimulationConfig::attack,
       "none | signflip | labelflip | gaussian[:sigma=S] | alie[:z=Z] | ipm[:eps=E] | mimic[:idx=I] | inf | "
       "minmax[:dev=unit|std]" +
           d(defaults.attack));
  cmd->add_option(
      "--rule,--rules", o->rules_text,
      "Aggregation rule(s), comma-separated, run side by side, e.g. mean,nnm|cwtm,clip:2.0|nnm|cwtm "
      "(default mean,guard|mean)");
  Flag(cmd, *o, "--rounds", &SimulationConfig::rounds, "Rounds" + d(defaults.rounds));
  Flag(cmd, *o, "--clients-per-round", &SimulationConfig::clients_per_round,
       "Participants per round (0 = all)");
  Flag(cmd, *o, "--local-steps", &SimulationConfig::local_steps,
       "Local mini-batches per round" + d(defaults.local_steps));
  Flag(cmd, *o, "--local-epochs", &SimulationConfig::local_epochs,
       "Local epochs per round (overrides --local-steps)");
  Flag(cmd, *o, "--lr", &SimulationConfig::lr, "Client learning rate" + d(defaults.lr));
  Flag(cmd, *o, "--momentum", &SimulationConfig::momentum, "Client SGD momentum" + d(defaults.momentum));
  Flag(cmd, *o, "--weight-decay", &SimulationConfig::weight_decay,
       "Client weight decay" + d(defaults.weight_decay));
  Flag(cmd, *o, "--persistent-momentum", &SimulationConfig::persistent_momentum,
       "Keep client momentum across rounds (true|false)" + d(defaults.persistent_momentum));
  Flag(cmd, *o, "--batch", &SimulationConfig::batch, "Batch size" + d(defaults.batch));
  Flag(cmd, *o, "--eval-every", &SimulationConfig::eval_every,
       "Evaluate every N rounds" + d(defaults.eval_every));
  Flag(cmd, *o, "--seed", &SimulationConfig::seed, "Seed of every random choice" + d(defaults.seed));
  Flag(cmd, *o, "--device", &SimulationConfig::device, "cpu | cuda | cuda:<i> | auto" + d(defaults.device));
  Flag(cmd, *o, "--threads", &SimulationConfig::threads, "Training threads (0 = one per core)");
  Flag(cmd, *o, "--backend", &SimulationConfig::backend,
       "Aggregation backend auto|ref|cpu|cuda" + d(defaults.backend));
  Flag(cmd, *o, "--max-update-norm", &SimulationConfig::max_update_norm,
       "Reject updates with a larger L2 norm (0 = off)");
  Flag(cmd, *o, "--server-lr", &SimulationConfig::server_lr, "Server learning rate" + d(defaults.server_lr));
  Flag(cmd, *o, "--out", &SimulationConfig::out, "Directory for evaluations.csv, summary.json, accuracy.png");
  cmd->add_flag("--json", o->json, "Print the summary as JSON at the end (no per-evaluation lines)");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only the final accuracies");
  cmd->callback([o] { RunOrExit([&] { return RunSimulate(*o); }); });
}

struct AggregateOptions {
  std::string rule;
  size_t f = 0;
  std::string in;
  std::string out;
  std::string backend = "auto";
  uint64_t seed = 0;
};

void AddAggregate(CLI::App* fl) {
  auto o = std::make_shared<AggregateOptions>();
  auto* cmd =
      fl->add_subcommand("aggregate",
                         "Apply an aggregation rule to an n×d float32 .npy matrix of updates and write the "
                         "d-vector as float32 .npy");
  cmd->add_option("--rule", o->rule, "Rule spec, e.g. cwtm, krum, clip:2.0|nnm|cwtm, gm:nu=0.1,iters=3")
      ->required();
  cmd->add_option("--f", o->f, "Byzantine budget f")->required();
  cmd->add_option("--in", o->in, "Input .npy (n×d float32)")->required();
  cmd->add_option("--out", o->out, "Output .npy (d float32)")->required();
  cmd->add_option("--backend", o->backend, "auto|ref|cpu|cuda")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of bucketing's permutation")->capture_default_str();
  cmd->callback([o] {
    RunOrExit([&]() -> Status {
      CESS_ASSIGN_OR_RETURN(kernels::Backend backend, kernels::ParseBackend(o->backend));
      if (Status s = kernels::CheckBackendAvailable(backend); !s.ok()) return s.WithContext("--backend");
      Stopwatch sw;
      if (Status s = ailink::AggregateNpy(o->rule, o->f, o->in, o->out, backend, o->seed); !s.ok()) return s;
      std::printf("aggregated %s with '%s' (f=%zu) into %s in %.3f s\n", o->in.c_str(), o->rule.c_str(), o->f,
                  o->out.c_str(), sw.Seconds());
      return Status::Ok();
    });
  });
}

}  // namespace

void AddFlCommands(CLI::App& app) {
  auto* fl = app.add_subcommand("fl", "Federated learning (AI-LINK): simulate jobs, apply robust rules");
  fl->require_subcommand(1);
  AddSimulate(fl);
  AddAggregate(fl);
}

}  // namespace cess::cli
