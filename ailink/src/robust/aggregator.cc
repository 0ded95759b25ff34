#include "cess/ailink/robust/aggregator.h"

#include <string>
#include <utility>
#include <vector>

#include "cess/ailink/robust/preaggregators.h"
#include "cess/ailink/robust/rules.h"
#include "robust/common.h"
#include "robust/spec_parse.h"

namespace cess::ailink::robust {
namespace {

using ailink::internal::BindParams;
using ailink::internal::FormatNumber;
using ailink::internal::Key;
using ailink::internal::ParseCount;
using ailink::internal::ParseNumber;

struct StageInfo {
  StageKind kind;
  std::string_view name;
  std::vector<std::string_view> aliases;
  std::vector<Key> keys;
};

const std::vector<StageInfo>& Stages() {
  static const std::vector<StageInfo> stages = {
      {StageKind::kMean, "mean", {"average"}, {}},
      {StageKind::kCoordinateMedian, "cwmed", {"median"}, {}},
      {StageKind::kTrimmedMean, "cwtm", {"trmean"}, {}},
      {StageKind::kMeanAroundMedian, "meamed", {}, {}},
      {StageKind::kKrum, "krum", {}, {}},
      {StageKind::kMultiKrum, "multikrum", {"mkrum"}, {{"m"}}},
      {StageKind::kGeometricMedian, "gm", {"geomed", "rfa"}, {{"nu"}, {"iters", {"T", "iterations"}}}},
      {StageKind::kCenteredClipping, "cc", {"centered_clipping"}, {{"tau"}, {"iters", {"L", "iterations"}}}},
      {StageKind::kBulyan, "bulyan", {}, {}},
      {StageKind::kClip, "clip", {"clipping"}, {{"c"}}},
      {StageKind::kNearestNeighborMixing, "nnm", {}, {}},
      {StageKind::kBucketing, "bucketing", {}, {{"s"}}},
      {StageKind::kAdaptiveRobustClip, "arc", {}, {}},
      {StageKind::kDivideAndConquer, "dnc", {"divide_and_conquer"}, {{"c"}}},
      {StageKind::kSignAgreement, "sign", {}, {{"c"}}},
      {StageKind::kGuard, "guard", {"signguard"}, {{"c"}}},
  };
  return stages;
}

const StageInfo& InfoFor(StageKind kind) {
  for (const StageInfo& s : Stages()) {
    if (s.kind == kind) return s;
  }
  return Stages().front();
}

std::string KnownNames(bool pre) {
  std::string out;
  for (const StageInfo& s : Stages()) {
    if (IsPreAggregator(s.kind) != pre) continue;
    out += (out.empty() ? "" : ", ") + std::string(s.name);
  }
  return out;
}

Result<StageSpec> ParseStage(std::string_view text) {
  CESS_ASSIGN_OR_RETURN(auto split, ailink::internal::SplitItem(text, "stage"));
  const auto& [name, raw] = split;
  const StageInfo* info = nullptr;
  for (const StageInfo& s : Stages()) {
    if (name == s.name) info = &s;
    for (std::string_view a : s.aliases) {
      if (name == a) info = &s;
    }
  }
  if (info == nullptr) {
    return Status::InvalidArgument("unknown aggregation stage '" + name + "' (rules: " + KnownNames(false) +
                                   "; pre-aggregators: " + KnownNames(true) + ")");
  }
  CESS_ASSIGN_OR_RETURN(auto values, BindParams(std::string(info->name), raw, info->keys));
  StageSpec st;
  st.kind = info->kind;
  const std::string prefix = std::string(info->name) + ": ";
  for (const auto& [key, value] : values) {
    const std::string what = prefix + key;
    if (key == "c" || key == "nu" || key == "tau") {
      CESS_ASSIGN_OR_RETURN(double v, ParseNumber(value, what));
      if (!(v > 0.0)) return Status::InvalidArgument(what + " must be > 0, got " + value);
      if (key == "c" && (st.kind == StageKind::kDivideAndConquer || st.kind == StageKind::kSignAgreement ||
                           st.kind == StageKind::kGuard)) {
        st.dnc_c = v;
      } else {
        (key == "c" ? st.clip_c : key == "nu" ? st.gm_nu : st.cc_tau) = v;
      }
    } else {
      CESS_ASSIGN_OR_RETURN(size_t v, ParseCount(value, what));
      if (key == "m") {
        st.multikrum_m = v;
      } else {
        if (v == 0) return Status::InvalidArgument(what + " must be >= 1");
        (key == "s" ? st.bucket_size : st.iterations) = v;
      }
    }
  }
  return st;
}

// The rows dnc drops: floor(c*f).
size_t DncDropped(const StageSpec& st, size_t f) {
  return static_cast<size_t>(std::floor(st.dnc_c * static_cast<double>(f)));
}

// The rows a stage leaves for the next one.
size_t RowsAfter(const StageSpec& st, size_t n, size_t f) {
  if (st.kind == StageKind::kBucketing) return (n + st.bucket_size - 1) / st.bucket_size;
  if (st.kind == StageKind::kDivideAndConquer || st.kind == StageKind::kSignAgreement ||
      st.kind == StageKind::kGuard) {
    return n - std::min(n, DncDropped(st, f));
  }
  return n;
}

Status CheckStage(const StageSpec& st, size_t n, size_t f, bool after_bucketing) {
  const std::string name(InfoFor(st.kind).name);
  const std::string shape = "(n=" + std::to_string(n) + (after_bucketing ? " after pre-aggregation" : "") +
                            ", f=" + std::to_string(f) + ")";
  auto need = [&](bool ok, const char* what) -> Status {
    if (ok) return Status::Ok();
    return Status::InvalidArgument(name + " needs " + what + " " + shape);
  };
  if (n == 0) return Status::InvalidArgument(name + ": no updates (0 rows)");
  switch (st.kind) {
    case StageKind::kMean:
    case StageKind::kGeometricMedian:
    case StageKind::kCenteredClipping:
    case StageKind::kClip:
    case StageKind::kBucketing:
      return Status::Ok();
    case StageKind::kNearestNeighborMixing:
    case StageKind::kAdaptiveRobustClip:
      return need(n > f, "n > f");
    case StageKind::kDivideAndConquer:
    case StageKind::kSignAgreement:
    case StageKind::kGuard:
      return need(n > DncDropped(st, f), "n > floor(c*f)");
    case StageKind::kCoordinateMedian:
    case StageKind::kTrimmedMean:
    case StageKind::kMeanAroundMedian:
      return need(n > 2 * f, "n > 2f");
    case StageKind::kKrum:
      return need(n > 2 * f + 2, "n > 2f+2");
    case StageKind::kMultiKrum:
      CESS_RETURN_IF_ERROR(need(n > 2 * f + 2, "n > 2f+2"));
      return need(st.multikrum_m <= n, "m <= n");
    case StageKind::kBulyan:
      return need(n >= 4 * f + 3, "n >= 4f+3");
  }
  return Status::Ok();
}

}  // namespace

bool IsPreAggregator(StageKind kind) {
  switch (kind) {
    case StageKind::kClip:
    case StageKind::kNearestNeighborMixing:
    case StageKind::kBucketing:
    case StageKind::kAdaptiveRobustClip:
    case StageKind::kDivideAndConquer:
    case StageKind::kSignAgreement:
    case StageKind::kGuard:
      return true;
    default:
      return false;
  }
}

std::string StageSpec::ToString() const {
  std::string out(InfoFor(kind).name);
  switch (kind) {
    case StageKind::kClip:
      return out + ":c=" + FormatNumber(clip_c);
    case StageKind::kBucketing:
      return out + ":s=" + std::to_string(bucket_size);
    case StageKind::kDivideAndConquer:
    case StageKind::kSignAgreement:
    case StageKind::kGuard:
      return out + ":c=" + FormatNumber(dnc_c);
    case StageKind::kMultiKrum:
      return out + ":m=" + std::to_string(multikrum_m);
    case StageKind::kGeometricMedian:
      return out + ":nu=" + FormatNumber(gm_nu) + ",iters=" + std::to_string(iterations);
    case StageKind::kCenteredClipping:
      return out + ":tau=" + FormatNumber(cc_tau) + ",iters=" + std::to_string(iterations);
    default:
      return out;
  }
}

std::string RuleSpec::ToString() const {
  std::string out;
  for (const StageSpec& s : stages) out += (out.empty() ? "" : "|") + s.ToString();
  return out;
}

Result<RuleSpec> ParseRuleSpec(std::string_view spec) {
  const std::string_view trimmed = ailink::internal::Trim(spec);
  if (trimmed.empty()) return Status::InvalidArgument("empty aggregation rule");
  RuleSpec out;
  const std::vector<std::string_view> parts = ailink::internal::Split(trimmed, '|');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) {
      return Status::InvalidArgument("empty stage " + std::to_string(i + 1) + " in rule '" + std::string(spec) + "'");
    }
    auto st = ParseStage(parts[i]);
    if (!st.ok()) return st.status().WithContext("rule '" + std::string(spec) + "'");
    const bool last = i + 1 == parts.size();
    const std::string name(InfoFor(st->kind).name);
    if (last && IsPreAggregator(st->kind)) {
      return Status::InvalidArgument("rule '" + std::string(spec) + "' ends with pre-aggregator '" + name +
                                     "'; add a final rule (" + KnownNames(false) + ")");
    }
    if (!last && !IsPreAggregator(st->kind)) {
      return Status::InvalidArgument("rule '" + std::string(spec) + "': '" + name +
                                     "' is a final rule and can only come last (pre-aggregators: " +
                                     KnownNames(true) + ")");
    }
    out.stages.push_back(*st);
  }
  return out;
}

Status CheckRowCount(const RuleSpec& spec, size_t n, size_t f) {
  bool bucketed = false;
  for (const StageSpec& st : spec.stages) {
    CESS_RETURN_IF_ERROR(CheckStage(st, n, f, bucketed));
    const size_t next = RowsAfter(st, n, f);
    bucketed = bucketed || next != n;
    n = next;
  }
  return Status::Ok();
}

Aggregator::Aggregator(RuleSpec spec) : spec_(std::move(spec)) {}

Result<std::unique_ptr<Aggregator>> Aggregator::Create(std::string_view spec) {
  CESS_ASSIGN_OR_RETURN(RuleSpec parsed, ParseRuleSpec(spec));
  return Create(parsed);
}

Result<std::unique_ptr<Aggregator>> Aggregator::Create(const RuleSpec& spec) {
  if (spec.stages.empty()) return Status::InvalidArgument("empty aggregation rule");
  for (size_t i = 0; i < spec.stages.size(); ++i) {
    if (IsPreAggregator(spec.stages[i].kind) != (i + 1 < spec.stages.size())) {
      return Status::InvalidArgument("rule '" + spec.ToString() + "': pre-aggregators must come first, one rule last");
    }
  }
  std::unique_ptr<Aggregator> a(new Aggregator(spec));
  if (a->stateful()) {
    CESS_ASSIGN_OR_RETURN(CenteredClipping cc,
                          CenteredClipping::Create({.tau = spec.rule().cc_tau, .iterations = spec.rule().iterations}));
    a->cc_.emplace(std::move(cc));
  }
  return a;
}

void Aggregator::Reset() {
  if (cc_) cc_->Reset();
}

Result<std::vector<float>> Aggregator::Aggregate(const MatrixView& updates, size_t f, const AggregateOptions& options) {
  CESS_RETURN_IF_ERROR(internal::CheckMatrix(updates, "aggregate"));
  CESS_RETURN_IF_ERROR(CheckRowCount(spec_, updates.rows, f));
  const Backend b = options.backend;
  UpdateMatrix owned;
  MatrixView x = updates;
  for (size_t i = 0; i + 1 < spec_.stages.size(); ++i) {
    const StageSpec& st = spec_.stages[i];
    Result<UpdateMatrix> next = Status::Internal("unreachable");
    switch (st.kind) {
      case StageKind::kClip:
        next = StaticClip(x, st.clip_c, b);
        break;
      case StageKind::kNearestNeighborMixing:
        next = NearestNeighborMixing(x, f, b);
        break;
      case StageKind::kBucketing:
        next = Bucketing(x, st.bucket_size, options.seed, b);
        break;
      case StageKind::kAdaptiveRobustClip:
        next = AdaptiveRobustClip(x, f, b);
        break;
      case StageKind::kDivideAndConquer:
        next = DivideAndConquer(x, f, st.dnc_c, b);
        break;
      case StageKind::kSignAgreement:
        next = SignAgreementFilter(x, f, st.dnc_c, b);
        break;
      case StageKind::kGuard:
        next = GuardFilter(x, f, st.dnc_c, b);
        break;
      default:
        return Status::Internal("stage is not a pre-aggregator");
    }
    if (!next.ok()) return next.status();
    owned = std::move(next).value();
    x = owned.view();
  }
  const StageSpec& rule = spec_.rule();
  switch (rule.kind) {
    case StageKind::kMean:
      return Mean(x, b);
    case StageKind::kCoordinateMedian:
      return CoordinateMedian(x, f, b);
    case StageKind::kTrimmedMean:
      return TrimmedMean(x, f, b);
    case StageKind::kMeanAroundMedian:
      return MeanAroundMedian(x, f, b);
    case StageKind::kKrum: {
      CESS_ASSIGN_OR_RETURN(KrumResult r, Krum(x, f, b));
      return std::move(r.aggregate);
    }
    case StageKind::kMultiKrum: {
      CESS_ASSIGN_OR_RETURN(KrumResult r, MultiKrum(x, f, rule.multikrum_m, b));
      return std::move(r.aggregate);
    }
    case StageKind::kGeometricMedian:
      return GeometricMedian(x, {.nu = rule.gm_nu, .iterations = rule.iterations}, b);
    case StageKind::kCenteredClipping:
      return cc_->Aggregate(x, b);
    case StageKind::kBulyan:
      return Bulyan(x, f, b);
    default:
      return Status::Internal("final stage is not a rule");
  }
}

}  // namespace cess::ailink::robust
