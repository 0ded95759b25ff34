// Centered clipping (Karimireddy et al. 2021), the one stateful rule: it keeps the previous
// round's output v and moves it toward the updates with clipped steps,
//   repeat L times:  v ← v + (Σ_i c_i · (x_i − v)) / n,   c_i = min(1, τ / ‖x_i − v‖),
// so a Byzantine update moves v by at most τ/n per step. v starts at 0 (ByzFL's convention).
// The step is CombineRows(weights c_i as floats, center v, divisor n) then v + step in float;
// rows whose c_i is 0 (infinitely far) are left out of the sum. Deterministic on every backend.
#pragma once

#include <cstddef>
#include <vector>

#include "cess/ailink/update.h"
#include "cess/core/result.h"
#include "cess/kernels/backend.h"

namespace cess::ailink::robust {

struct CenteredClippingOptions {
  double tau = 10.0;      // clipping radius τ > 0. Default 10 (Karimireddy et al.).
  size_t iterations = 3;  // clipping steps L >= 1 per round. Default 3.
};

// Not thread-safe: one object per aggregation stream, called once per round.
class CenteredClipping {
 public:
  // Errors: InvalidArgument for τ <= 0 (or not finite) or L == 0.
  static Result<CenteredClipping> Create(const CenteredClippingOptions& options = {});

  // Aggregates one round and remembers the result as the next round's center. The first call
  // (or the first after Reset) starts from v = 0. Errors: InvalidArgument for an empty matrix or
  // when d differs from the previous round's (call Reset to change models); Unavailable when the
  // backend cannot run here. On error the state is unchanged.
  Result<std::vector<float>> Aggregate(const MatrixView& x, cess::kernels::Backend backend = cess::kernels::Backend::kAuto);

  // Forgets the center (next round starts from 0).
  void Reset() { center_.clear(); }
  // Sets the center explicitly (e.g. restored from a checkpoint).
  void SetCenter(std::vector<float> center) { center_ = std::move(center); }
  // The current center: the last result, or empty before the first round.
  const std::vector<float>& center() const { return center_; }
  const CenteredClippingOptions& options() const { return options_; }

 private:
  explicit CenteredClipping(const CenteredClippingOptions& options) : options_(options) {}
  CenteredClippingOptions options_;
  std::vector<float> center_;
};

}  // namespace cess::ailink::robust
