// The simulation job (`cess fl simulate`): n clients, f of them Byzantine, train a shared model
// for a number of rounds under one or more aggregation rules, side by side on the same seeds
// (same data split, initial weights, client batches and attack randomness), and report test
// accuracy per evaluation. The coordinator here owns the round loop; a RobustStrategy (one per
// rule) chooses participants and aggregates (DESIGN.md §7, Flower's shape).
//
// Each round, for each rule:
//   1. the strategy picks the participants;
//   2. every honest participant (and every label-flipping Byzantine one) copies the global model,
//      trains locally from its own persistent state (client-side momentum), and returns its delta;
//      clients train in parallel on `threads` threads, each with its own model replica, with
//      single-threaded kernels — results do not depend on the thread count;
//   3. the Byzantine participants (the last f client ids) send what the attack crafts from the
//      honest deltas of the round (an omniscient attacker, as in ByzFL);
//   4. the strategy validates the updates (rejecting non-finite or oversized ones with a reason in
//      the event log) and aggregates the rest; the global model moves by the result;
//   5. on evaluation rounds the global model is evaluated on the test set.
// A round whose aggregation fails (e.g. too few valid updates) is lost, logged, and the job goes
// on; a global model that becomes non-finite (parameters or test loss) stops that rule's run ("diverged"),
// and its last evaluation is carried to the remaining evaluation rounds so that curves stay comparable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cess/ailink/model/flat_model.h"
#include "cess/ailink/sim/config.h"
#include "cess/core/result.h"

namespace cess::ailink::sim {

// One evaluation of one rule's global model.
struct EvaluationRecord {
  size_t rule_index = 0;
  std::string rule;          // the rule spec as given
  size_t round = 0;          // after this round (0 = the initial model)
  double test_accuracy = 0;  // in [0, 1]
  double test_loss = 0;
  double train_loss = 0;  // mean local training loss of the honest clients in this round
  double elapsed_s = 0;   // since this rule's run started
  size_t rejected = 0;    // updates rejected in this round
  bool diverged = false;  // carried from the divergence point
};

struct RuleReport {
  std::string rule;         // as given
  std::string description;  // canonical spec and f
  std::vector<EvaluationRecord> evaluations;
  double final_accuracy = 0;
  double best_accuracy = 0;
  size_t rounds_completed = 0;  // rounds whose aggregate was applied
  size_t rounds_lost = 0;       // rounds whose aggregation failed
  size_t updates_rejected = 0;
  bool diverged = false;
  double seconds = 0;
  std::vector<std::string> events;  // "round 12: client 11 rejected: value at coordinate 0 is inf"
  model::FlatModel final_model;     // the global model at the end
};

struct SimulationReport {
  SimulationConfig config;
  std::string model_spec;
  size_t num_parameters = 0;
  size_t train_examples = 0;
  size_t test_examples = 0;
  std::vector<size_t> client_examples;  // dataset size per client
  size_t threads = 0;
  std::string device;
  std::vector<RuleReport> rules;
  double seconds = 0;
};

// Every random choice of a job comes from its own seed, derived from the job's seed, so that a
// run can be reproduced piece by piece (tests rebuild the initial model and split this way):
// the partition uses DeriveSeed(seed, kPartitionSeed), the initial model
// DeriveSeed(seed, kModelSeed), client c's state DeriveSeed(seed, kClientSeed + c), the attack in
// round r DeriveSeed(seed, kAttackSeed + r), the strategy DeriveSeed(seed, kStrategySeed).
enum SeedStream : uint64_t {
  kPartitionSeed = 1,
  kModelSeed = 2,
  kStrategySeed = 3,
  kClientSeed = 1000,
  kAttackSeed = 1'000'000,
};
// SplitMix64 of (seed, stream): independent-looking seeds for each stream.
uint64_t DeriveSeed(uint64_t seed, uint64_t stream);

// Receives progress as the job runs (from the coordinating thread only). Defaults do nothing.
class SimulationObserver {
 public:
  virtual ~SimulationObserver() = default;
  // Called once after data and model are ready; total_rounds = rules × rounds.
  virtual void OnStart(const SimulationReport& setup, size_t total_rounds) {}
  virtual void OnRoundEnd(size_t rule_index, size_t round) {}
  virtual void OnEvaluation(const EvaluationRecord& record) {}
  virtual void OnEvent(size_t rule_index, const std::string& message) {}
};

// Runs the job. When config.out is set, each rule's final model is also saved there as
// model-<i>.pt (LibTorch); WriteSimulationOutputs writes the rest. Errors: those of config.Validate(); of
// loading the dataset, partitioning it and building the model (each prefixed with the step); Unavailable for
// a device that is not there; Internal when training fails. Rounds lost to aggregation errors are not errors
// (see above).
Result<SimulationReport> RunSimulation(const SimulationConfig& config,
                                       SimulationObserver* observer = nullptr);

}  // namespace cess::ailink::sim
