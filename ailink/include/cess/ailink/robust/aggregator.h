// Aggregation rules named by string (DESIGN.md §7): pre-aggregators left to right, then exactly
// one final rule, e.g. "clip:2.0|nnm|cwtm".
//
// Grammar (whitespace around tokens is ignored; names are case-sensitive):
//   spec   := stage ( '|' stage )*          all stages but the last are pre-aggregators
//   stage  := name [ ':' param ( ',' param )* ]
//   param  := value | key '=' value         positional values fill the keys in the order below
// Rules (aliases in parentheses) and their parameters with defaults:
//   mean (average)  cwmed (median)  cwtm (trmean)  meamed  krum  bulyan
//   multikrum (mkrum)      m=0      (0 = n−f)
//   gm (geomed, rfa)       nu=0.1, iters=3
//   cc (centered_clipping) tau=10, iters=3            stateful across rounds
// Pre-aggregators:
//   clip                   c=2.0
//   nnm, arc
//   bucketing              s=2      (permutation seeded by AggregateOptions::seed)
// Definitions are in rules.h, preaggregators.h and centered_clipping.h. The Byzantine budget f
// is passed to every stage unchanged (bucketing included).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cess/ailink/robust/centered_clipping.h"
#include "cess/ailink/update.h"
#include "cess/core/result.h"
#include "cess/kernels/backend.h"

namespace cess::ailink::robust {

// The default robust rule: the guard filter (preaggregators.h: drops the f rows that are
// oversized, one-sided in sign against the coordinate-wise median, or pointing against it), then
// the mean of the rest. Chosen by measurement (bench/RESULTS.md §3d): on non-IID data the
// coordinate-wise and distance-based rules pay for heterogeneity with every honest update they
// trim, and ALIE hides inside every coordinate's honest range; the guard looks at whole rows
// instead. It trusts the rows it keeps: a Byzantine row shaped like an honest one (e.g. a scaled
// honest update under the 10× norm bound) reaches the mean — compose a robust final rule
// (`guard|cc`, `nnm|cwtm`) where that matters more than accuracy. Requires n > f.
inline constexpr std::string_view kDefaultRule = "guard|mean";

enum class StageKind {
  // Final rules.
  kMean,
  kCoordinateMedian,
  kTrimmedMean,
  kMeanAroundMedian,
  kKrum,
  kMultiKrum,
  kGeometricMedian,
  kCenteredClipping,
  kBulyan,
  // Pre-aggregators.
  kClip,
  kNearestNeighborMixing,
  kBucketing,
  kAdaptiveRobustClip,
  kDivideAndConquer,
  kSignAgreement,
  kGuard,
};

// True for the pre-aggregators (clip, nnm, bucketing, arc, dnc, sign, guard).
bool IsPreAggregator(StageKind kind);

// One parsed stage with every parameter resolved (defaults filled in).
struct StageSpec {
  StageKind kind = StageKind::kMean;
  double clip_c = 2.0;       // clip
  size_t bucket_size = 2;    // bucketing
  size_t multikrum_m = 0;    // multikrum; 0 = n − f
  double gm_nu = 0.1;        // gm
  size_t iterations = 3;     // gm, cc
  double cc_tau = 10.0;      // cc
  double dnc_c = 1.0;        // dnc, sign and guard: drop floor(c*f) rows

  // Canonical text, e.g. "clip:c=2", "gm:nu=0.1,iters=3", "cwtm".
  std::string ToString() const;
};

struct RuleSpec {
  std::vector<StageSpec> stages;  // pre-aggregators, then the final rule (never empty)

  // Canonical text of the whole spec ("clip:c=2|nnm|cwtm"); parses back to an equal spec.
  std::string ToString() const;
  // The final rule.
  const StageSpec& rule() const { return stages.back(); }
};

// Parses a spec. Errors: InvalidArgument naming the problem and the offending stage: an empty
// spec or stage, an unknown name (listing the known ones), a pre-aggregator in last place or a
// rule before it, an unknown key, too many values, a value that is not a number or out of range
// (c, nu, tau > 0 and finite; s, iters >= 1; m >= 0 an integer).
Result<RuleSpec> ParseRuleSpec(std::string_view spec);

// The minimum number of rows `spec` accepts with budget f: OK when n rows can be aggregated,
// otherwise InvalidArgument saying which stage needs what (e.g. "krum needs n > 2f+2 (n=6, f=2)").
Status CheckRowCount(const RuleSpec& spec, size_t n, size_t f);

struct AggregateOptions {
  // Backend for every stage. Default kAuto.
  cess::kernels::Backend backend = cess::kernels::Backend::kAuto;
  // Seed of bucketing's permutation; committee members must use the same one (e.g. derived from
  // the round). Default 0.
  uint64_t seed = 0;
};

// A parsed spec ready to run. Holds the centered-clipping state when the rule is cc; otherwise
// stateless. Not thread-safe (one object per aggregation stream).
class Aggregator {
 public:
  // Parses `spec` (see ParseRuleSpec for errors).
  static Result<std::unique_ptr<Aggregator>> Create(std::string_view spec);
  static Result<std::unique_ptr<Aggregator>> Create(const RuleSpec& spec);

  const RuleSpec& spec() const { return spec_; }
  // True when results depend on earlier rounds (cc).
  bool stateful() const { return spec_.rule().kind == StageKind::kCenteredClipping; }
  // Forgets cross-round state (no-op when stateless).
  void Reset();

  // Runs the stages on `updates` (n×d) with budget f and returns the d-vector. Errors:
  // InvalidArgument for an empty or null matrix or too few rows for some stage (checked before
  // any work); Unavailable when the backend cannot run here. Inputs should have passed
  // ValidateUpdates; NaN/Inf give unspecified results but never crash.
  Result<std::vector<float>> Aggregate(const MatrixView& updates, size_t f, const AggregateOptions& options = {});

 private:
  explicit Aggregator(RuleSpec spec);
  RuleSpec spec_;
  std::optional<CenteredClipping> cc_;
};

}  // namespace cess::ailink::robust
