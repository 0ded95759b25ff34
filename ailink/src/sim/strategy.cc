#include "cess/ailink/sim/strategy.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <utility>

namespace cess::ailink::sim {

Result<std::unique_ptr<RobustStrategy>> RobustStrategy::Create(const RobustStrategyOptions& options) {
  if (!std::isfinite(options.server_lr) || options.server_lr <= 0) {
    return Status::InvalidArgument("server learning rate must be finite and > 0, got " +
                                   std::to_string(options.server_lr));
  }
  if (!std::isfinite(options.max_update_norm) || options.max_update_norm < 0) {
    return Status::InvalidArgument("update norm bound must be finite and >= 0");
  }
  auto aggregator = robust::Aggregator::Create(options.rule);
  if (!aggregator.ok()) return aggregator.status();
  return std::unique_ptr<RobustStrategy>(new RobustStrategy(options, std::move(*aggregator)));
}

RobustStrategy::RobustStrategy(RobustStrategyOptions options, std::unique_ptr<robust::Aggregator> aggregator)
    : options_(std::move(options)), aggregator_(std::move(aggregator)) {}

std::string RobustStrategy::Describe() const {
  return aggregator_->spec().ToString() + " (f=" + std::to_string(options_.f) + ")";
}

RoundPlan RobustStrategy::ConfigureRound(size_t round, size_t num_clients) {
  RoundPlan plan;
  plan.round = round;
  plan.participants.resize(num_clients);
  std::iota(plan.participants.begin(), plan.participants.end(), size_t{0});
  const size_t k = options_.clients_per_round;
  if (k == 0 || k >= num_clients) return plan;
  // A partial Fisher-Yates shuffle seeded by (seed, round): the same plan on every run.
  std::mt19937_64 rng(options_.seed * 0x9E3779B97F4A7C15ULL + round);
  for (size_t i = 0; i < k; ++i) {
    std::uniform_int_distribution<size_t> pick(i, num_clients - 1);
    std::swap(plan.participants[i], plan.participants[pick(rng)]);
  }
  plan.participants.resize(k);
  std::sort(plan.participants.begin(), plan.participants.end());
  return plan;
}

Result<RoundAggregate> RobustStrategy::Aggregate(size_t round, const MatrixView& updates,
                                                 std::span<const size_t> clients,
                                                 std::span<const size_t> samples) {
  if (updates.rows != clients.size() || samples.size() != clients.size()) {
    return Status::InvalidArgument("round " + std::to_string(round) + ": " + std::to_string(updates.rows) +
                                   " updates for " + std::to_string(clients.size()) + " clients");
  }
  if (updates.rows == 0 || updates.data == nullptr) {
    return Status::InvalidArgument("round " + std::to_string(round) + ": no updates");
  }
  RoundAggregate out;
  const std::vector<RowIssue> issues =
      FindInvalidRows(updates, {.expected_cols = updates.cols, .max_norm = options_.max_update_norm});
  size_t next_issue = 0;
  std::vector<size_t> keep;
  for (size_t i = 0; i < updates.rows; ++i) {
    if (next_issue < issues.size() && issues[next_issue].row == i) {
      out.rejected.push_back({clients[i], issues[next_issue].reason});
      ++next_issue;
    } else {
      keep.push_back(i);
      out.accepted.push_back(clients[i]);
    }
  }
  if (keep.empty()) {
    return Status::InvalidArgument("round " + std::to_string(round) + ": every update was rejected");
  }
  // Aggregate the valid rows; copy only when some were rejected.
  UpdateMatrix valid;
  MatrixView view = updates;
  if (keep.size() != updates.rows) {
    valid = UpdateMatrix(keep.size(), updates.cols);
    for (size_t r = 0; r < keep.size(); ++r) {
      std::copy_n(updates.data + keep[r] * updates.cols, updates.cols, valid.row(r).data());
    }
    view = valid.view();
  }
  const Status enough = robust::CheckRowCount(aggregator_->spec(), view.rows, options_.f);
  if (!enough.ok()) {
    return enough.WithContext("round " + std::to_string(round) + ": " + std::to_string(view.rows) +
                              " valid updates");
  }
  auto agg = aggregator_->Aggregate(
      view, options_.f,
      {.backend = options_.backend, .seed = options_.seed ^ (round * 0xD1B54A32D192ED03ULL)});
  if (!agg.ok()) return agg.status().WithContext("round " + std::to_string(round));
  out.step = std::move(*agg);
  if (options_.server_lr != 1.0) {
    const float lr = static_cast<float>(options_.server_lr);
    for (float& v : out.step) v *= lr;
  }
  return out;
}

bool RobustStrategy::ShouldEvaluate(size_t round, size_t total_rounds) const {
  if (round == total_rounds) return true;
  return options_.eval_every != 0 && round % options_.eval_every == 0;
}

}  // namespace cess::ailink::sim
