// The federated-learning round policy in Flower's shape (style guide; DESIGN.md §7): the
// coordinator owns the round loop and asks a Strategy which clients take part in a round, how to
// turn their updates into the global step, and when to evaluate. Robust rules stay plain
// functions (cess/ailink/robust/) that the strategy calls. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cess/ailink/robust/aggregator.h"
#include "cess/ailink/update.h"
#include "cess/core/result.h"
#include "cess/kernels/backend.h"

namespace cess::ailink::sim {

// One round's plan.
struct RoundPlan {
  size_t round = 0;                  // 1-based
  std::vector<size_t> participants;  // client ids, increasing, no repeats
};

// An update rejected before aggregation (validation), with the reason for the job's event log.
struct RejectedUpdate {
  size_t client = 0;
  std::string reason;
};

// The outcome of aggregating one round.
struct RoundAggregate {
  std::vector<float> step;               // added to the global parameters
  std::vector<size_t> accepted;          // clients whose updates were aggregated, increasing
  std::vector<RejectedUpdate> rejected;  // clients whose updates were not, with reasons
};

// The round policy. Implementations keep whatever cross-round state their rules need.
class Strategy {
 public:
  virtual ~Strategy() = default;

  // A one-line description for logs and reports, e.g. "nnm|cwtm (f=2)".
  virtual std::string Describe() const = 0;

  // The participants of round `round` (1-based) among clients 0..num_clients-1.
  virtual RoundPlan ConfigureRound(size_t round, size_t num_clients) = 0;

  // Turns the round's updates into the global step. `updates` has one row per entry of
  // `clients` (same order); `samples` gives each client's dataset size. Invalid rows are rejected
  // with a reason, never aggregated and never fatal; the error cases are: InvalidArgument when
  // shapes disagree or too few valid rows remain for the rule (the round is then lost, the
  // message saying why), Unavailable when the backend cannot run.
  virtual Result<RoundAggregate> Aggregate(size_t round, const MatrixView& updates,
                                           std::span<const size_t> clients,
                                           std::span<const size_t> samples) = 0;

  // Whether to evaluate the global model after round `round` of `total_rounds`.
  virtual bool ShouldEvaluate(size_t round, size_t total_rounds) const = 0;
};

struct RobustStrategyOptions {
  // Aggregation rule spec (cess/ailink/robust/aggregator.h). Default: the default robust rule.
  std::string rule = std::string(robust::kDefaultRule);
  // Byzantine budget f passed to the rule.
  size_t f = 0;
  // Participants per round; 0 (default) = every client. Otherwise a uniform sample without
  // replacement, drawn from `seed` and the round number.
  size_t clients_per_round = 0;
  // Evaluate after every `eval_every` rounds and after the last one; 0 = only after the last.
  size_t eval_every = 10;
  // Largest accepted L2 norm of an update; 0 = no bound.
  double max_update_norm = 0.0;
  // Server learning rate: step = server_lr · aggregate. Default 1 (FedAvg on deltas).
  double server_lr = 1.0;
  cess::kernels::Backend backend = cess::kernels::Backend::kAuto;
  uint64_t seed = 0;
};

// Robust aggregation of deltas: validate every row (finite values, norm bound), aggregate the
// valid ones with the rule (bucketing seeded from the seed and the round), scale by server_lr.
class RobustStrategy final : public Strategy {
 public:
  // Errors: InvalidArgument for a bad rule spec or a server_lr that is not finite and positive.
  static Result<std::unique_ptr<RobustStrategy>> Create(const RobustStrategyOptions& options);

  std::string Describe() const override;
  RoundPlan ConfigureRound(size_t round, size_t num_clients) override;
  Result<RoundAggregate> Aggregate(size_t round, const MatrixView& updates, std::span<const size_t> clients,
                                   std::span<const size_t> samples) override;
  bool ShouldEvaluate(size_t round, size_t total_rounds) const override;

  const RobustStrategyOptions& options() const { return options_; }

 private:
  RobustStrategy(RobustStrategyOptions options, std::unique_ptr<robust::Aggregator> aggregator);
  RobustStrategyOptions options_;
  std::unique_ptr<robust::Aggregator> aggregator_;
};

}  // namespace cess::ailink::sim
