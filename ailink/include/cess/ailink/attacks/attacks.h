// Byzantine behaviours for evaluation (DESIGN.md §7): given the honest updates of a round
// (h×d), an attack crafts the rows the Byzantine participants send. Named by string like rules:
//   name [':' param (',' param)*], param = value | key=value.
//
//   none                      no attack: Byzantine participants behave honestly (Craft refuses).
//   signflip                  −mean(honest).
//   gaussian  sigma=1, mu=0   each Byzantine row drawn i.i.d. N(μ, σ²) (seeded; rows differ).
//   alie      z=auto          mean + z·std per coordinate (Baruch et al. 2019); std is the
//                             sample standard deviation (ddof = 1; 0 for one honest row). With
//                             z=auto, z = Φ⁻¹((n−f−s)/(n−f)) with s = ⌊n/2 + 1⌋ − f, n = h + b
//                             participants, f = b Byzantine (Karimireddy et al.'s code). This z is
//                             small or 0 for few participants (n=12, f=2 gives 0); pass z=1.5
//                             (ByzFL's default τ) for a stronger attack.
//   ipm       eps=0.1         −ε·mean(honest) (Xie et al. 2019).
//   mimic     idx=0           a copy of honest row idx (Karimireddy et al. 2022).
//   inf                       +inf in every coordinate.
//   minmax    dev=unit        Shejwalkar & Houmansadr 2021: mean − γ·dev where dev is the unit
//             (or dev=std)    vector mean/‖mean‖ (dev=unit) or the coordinate-wise std (dev=std),
//                             and γ is the largest value (binary search from γ=10, step halving to
//                             1e-5) with max_i ‖m − h_i‖ ≤ max_{i,j} ‖h_i − h_j‖.
//   labelflip                 acts on data, not updates: Byzantine clients train on y' = C−1−y
//                             (FlipLabel below); Craft refuses.
// All Byzantine rows are identical except for gaussian. Parameters are named as shown; the
// first positional value fills the first key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cess/ailink/update.h"
#include "cess/core/result.h"

namespace cess::ailink::attacks {

enum class AttackKind {
  kNone,       // no attack
  kUpdate,     // crafts Byzantine updates (Craft)
  kLabelFlip,  // Byzantine clients train on flipped labels (FlipLabel)
};

// An attack. Immutable after creation; Craft may be called from several threads.
class Attack {
 public:
  virtual ~Attack() = default;

  // Canonical spec, e.g. "gaussian:sigma=100,mu=0".
  virtual std::string ToString() const = 0;
  virtual AttackKind kind() const = 0;

  // The `num_byzantine` rows Byzantine participants send this round, given the honest updates
  // (h×d, h >= 1). `seed` drives any randomness (gaussian). Errors: InvalidArgument for h == 0,
  // num_byzantine == 0, or an attack-specific misuse (mimic idx >= h); FailedPrecondition for
  // kinds other than kUpdate.
  virtual Result<UpdateMatrix> Craft(const MatrixView& honest, size_t num_byzantine, uint64_t seed) const = 0;
};

// Parses an attack spec. Errors: InvalidArgument for an unknown name (listing the known ones),
// an unknown key, or a bad value (sigma >= 0, eps and z finite, idx an integer >= 0, dev unit|std).
Result<std::unique_ptr<Attack>> ParseAttack(std::string_view spec);

// Label flipping: y' = num_classes − 1 − y. REQUIRES: 0 <= label < num_classes.
inline int FlipLabel(int label, int num_classes) { return num_classes - 1 - label; }

// The ALIE z for n participants of which f are Byzantine: Φ⁻¹((n−f−s)/(n−f)),
// s = ⌊n/2 + 1⌋ − f; 0 when n <= f or that probability is not in (0, 1). (n = 12, f = 2 gives
// p = 0.5, so z = 0.)
double AlieZ(size_t n, size_t f);

// Φ⁻¹, the standard normal quantile (Acklam's rational approximation refined by one Halley step;
// |error| < 1e-12). REQUIRES: 0 < p < 1.
double NormalQuantile(double p);

}  // namespace cess::ailink::attacks
