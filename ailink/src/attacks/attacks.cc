#include "cess/ailink/attacks/attacks.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "cess/kernels/aggregate.h"
#include "robust/spec_parse.h"

namespace cess::ailink::attacks {
namespace {

namespace agg = cess::kernels::aggregate;
using ailink::internal::BindParams;
using ailink::internal::FormatNumber;
using ailink::internal::Key;
using ailink::internal::ParseCount;
using ailink::internal::ParseNumber;

enum class Type { kNone, kSignFlip, kGaussian, kAlie, kIpm, kMimic, kInf, kMinMax, kLabelFlip };

struct Info {
  Type type;
  std::string_view name;
  std::vector<std::string_view> aliases;
  std::vector<Key> keys;
};

const std::vector<Info>& Attacks() {
  static const std::vector<Info> all = {
      {Type::kNone, "none", {}, {}},
      {Type::kSignFlip, "signflip", {"sign_flip", "sf"}, {}},
      {Type::kGaussian, "gaussian", {"gauss", "noise"}, {{"sigma"}, {"mu"}}},
      {Type::kAlie, "alie", {}, {{"z", {"tau"}}}},
      {Type::kIpm, "ipm", {}, {{"eps", {"epsilon", "tau"}}}},
      {Type::kMimic, "mimic", {}, {{"idx"}}},
      {Type::kInf, "inf", {"infinity"}, {}},
      {Type::kMinMax, "minmax", {"min_max"}, {{"dev"}}},
      {Type::kLabelFlip, "labelflip", {"label_flip", "lf"}, {}},
  };
  return all;
}

// The coordinate-wise mean of the honest rows (the kernels' fixed-order mean).
Result<std::vector<float>> HonestMean(const MatrixView& h) {
  CESS_ASSIGN_OR_RETURN(auto in, agg::Prepare(h, cess::kernels::Backend::kCpu));
  std::vector<float> mean(h.cols);
  CESS_RETURN_IF_ERROR(agg::CombineRows(*in, {.divisor = static_cast<float>(h.rows)}, mean));
  return mean;
}

// Coordinate-wise sample standard deviation (ddof 1; 0 for a single row), in double.
std::vector<float> HonestStd(const MatrixView& h, const std::vector<float>& mean) {
  std::vector<double> acc(h.cols, 0.0);
  for (size_t i = 0; i < h.rows; ++i) {
    const float* row = h.row(i);
    for (size_t c = 0; c < h.cols; ++c) {
      const double diff = static_cast<double>(row[c]) - mean[c];
      acc[c] += diff * diff;
    }
  }
  std::vector<float> out(h.cols, 0.0f);
  if (h.rows < 2) return out;
  for (size_t c = 0; c < h.cols; ++c) out[c] = static_cast<float>(std::sqrt(acc[c] / static_cast<double>(h.rows - 1)));
  return out;
}

UpdateMatrix Repeat(const std::vector<float>& row, size_t count) {
  UpdateMatrix out(count, row.size());
  for (size_t i = 0; i < count; ++i) std::copy(row.begin(), row.end(), out.row(i).begin());
  return out;
}

class AttackImpl final : public Attack {
 public:
  AttackImpl(const Info& info, double a, double b, size_t idx, bool z_auto, bool dev_std)
      : info_(info), a_(a), b_(b), idx_(idx), z_auto_(z_auto), dev_std_(dev_std) {}

  std::string ToString() const override {
    std::string out(info_.name);
    switch (info_.type) {
      case Type::kGaussian:
        return out + ":sigma=" + FormatNumber(a_) + ",mu=" + FormatNumber(b_);
      case Type::kAlie:
        return out + ":z=" + (z_auto_ ? std::string("auto") : FormatNumber(a_));
      case Type::kIpm:
        return out + ":eps=" + FormatNumber(a_);
      case Type::kMimic:
        return out + ":idx=" + std::to_string(idx_);
      case Type::kMinMax:
        return out + ":dev=" + (dev_std_ ? "std" : "unit");
      default:
        return out;
    }
  }

  AttackKind kind() const override {
    if (info_.type == Type::kNone) return AttackKind::kNone;
    if (info_.type == Type::kLabelFlip) return AttackKind::kLabelFlip;
    return AttackKind::kUpdate;
  }

  Result<UpdateMatrix> Craft(const MatrixView& honest, size_t num_byzantine, uint64_t seed) const override {
    if (kind() != AttackKind::kUpdate) {
      return Status::FailedPrecondition("attack '" + ToString() + "' does not craft updates" +
                                        (kind() == AttackKind::kLabelFlip ? " (it flips training labels)" : ""));
    }
    if (honest.rows == 0 || (honest.data == nullptr && honest.cols != 0)) {
      return Status::InvalidArgument(std::string(info_.name) + ": needs at least one honest update");
    }
    if (num_byzantine == 0) return Status::InvalidArgument(std::string(info_.name) + ": no Byzantine rows to craft");
    const size_t d = honest.cols;
    switch (info_.type) {
      case Type::kSignFlip: {
        CESS_ASSIGN_OR_RETURN(std::vector<float> mean, HonestMean(honest));
        for (float& v : mean) v = -v;
        return Repeat(mean, num_byzantine);
      }
      case Type::kIpm: {
        CESS_ASSIGN_OR_RETURN(std::vector<float> mean, HonestMean(honest));
        const float eps = static_cast<float>(a_);
        for (float& v : mean) v = -eps * v;
        return Repeat(mean, num_byzantine);
      }
      case Type::kGaussian: {
        UpdateMatrix out(num_byzantine, d);
        std::mt19937_64 rng(seed);
        auto uniform = [&] {  // in (0, 1)
          return (static_cast<double>(rng() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
        };
        float* p = out.data();
        const size_t total = out.size();
        for (size_t k = 0; k < total; k += 2) {
          const double r = std::sqrt(-2.0 * std::log(uniform()));
          const double t = 2.0 * std::numbers::pi * uniform();
          p[k] = static_cast<float>(b_ + a_ * r * std::cos(t));
          if (k + 1 < total) p[k + 1] = static_cast<float>(b_ + a_ * r * std::sin(t));
        }
        return out;
      }
      case Type::kAlie: {
        CESS_ASSIGN_OR_RETURN(std::vector<float> mean, HonestMean(honest));
        const std::vector<float> sd = HonestStd(honest, mean);
        const float z = static_cast<float>(z_auto_ ? AlieZ(honest.rows + num_byzantine, num_byzantine) : a_);
        for (size_t c = 0; c < d; ++c) mean[c] = mean[c] + z * sd[c];
        return Repeat(mean, num_byzantine);
      }
      case Type::kMimic: {
        if (idx_ >= honest.rows) {
          return Status::InvalidArgument("mimic: idx " + std::to_string(idx_) + " but only " +
                                         std::to_string(honest.rows) + " honest updates");
        }
        const float* row = honest.row(idx_);
        return Repeat(std::vector<float>(row, row + d), num_byzantine);
      }
      case Type::kInf:
        return UpdateMatrix(num_byzantine, d, std::numeric_limits<float>::infinity());
      case Type::kMinMax:
        return MinMax(honest, num_byzantine);
      default:
        return Status::Internal("unhandled attack");
    }
  }

 private:
  Result<UpdateMatrix> MinMax(const MatrixView& honest, size_t num_byzantine) const {
    const size_t h = honest.rows;
    const size_t d = honest.cols;
    CESS_ASSIGN_OR_RETURN(std::vector<float> mean, HonestMean(honest));
    std::vector<double> dev(d, 0.0);
    if (dev_std_) {
      const std::vector<float> sd = HonestStd(honest, mean);
      for (size_t c = 0; c < d; ++c) dev[c] = sd[c];
    } else {
      double norm = 0.0;
      for (float v : mean) norm += static_cast<double>(v) * v;
      norm = std::sqrt(norm);
      if (norm > 0.0) {
        for (size_t c = 0; c < d; ++c) dev[c] = mean[c] / norm;
      }
    }
    // ‖mean − γ·dev − x_i‖² = a_i − 2γ·b_i + γ²·cdev, with a_i = ‖mean − x_i‖²,
    // b_i = <dev, mean − x_i>, cdev = ‖dev‖².
    std::vector<double> a(h, 0.0), b(h, 0.0);
    double cdev = 0.0;
    for (double v : dev) cdev += v * v;
    for (size_t i = 0; i < h; ++i) {
      const float* row = honest.row(i);
      for (size_t c = 0; c < d; ++c) {
        const double diff = static_cast<double>(mean[c]) - row[c];
        a[i] += diff * diff;
        b[i] += dev[c] * diff;
      }
    }
    CESS_ASSIGN_OR_RETURN(auto in, agg::Prepare(honest, cess::kernels::Backend::kCpu));
    std::vector<double> pair(h * h);
    CESS_RETURN_IF_ERROR(agg::PairwiseSqDistances(*in, pair));
    const double threshold = *std::max_element(pair.begin(), pair.end());
    auto max_dist = [&](double gamma) {
      double m = 0.0;
      for (size_t i = 0; i < h; ++i) m = std::max(m, a[i] - 2.0 * gamma * b[i] + gamma * gamma * cdev);
      return m;
    };
    // Shejwalkar & Houmansadr's search (as in Blades' MinMax adversary).
    double gamma = 10.0;
    double step = gamma;
    double good = 0.0;
    for (int it = 0; it < 200 && std::fabs(good - gamma) > 1e-5; ++it) {
      if (max_dist(gamma) <= threshold) {
        good = gamma;
        gamma += step / 2;
      } else {
        gamma -= step / 2;
      }
      step /= 2;
    }
    std::vector<float> row(d);
    for (size_t c = 0; c < d; ++c) row[c] = static_cast<float>(mean[c] - good * dev[c]);
    return Repeat(row, num_byzantine);
  }

  const Info& info_;
  double a_;  // sigma / z / eps
  double b_;  // mu
  size_t idx_;
  bool z_auto_;
  bool dev_std_;
};

}  // namespace

double NormalQuantile(double p) {
  // Acklam's algorithm.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double x;
  if (p < kLow) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - kLow) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley refinement step.
  const double e = 0.5 * std::erfc(-x / std::numbers::sqrt2) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

double AlieZ(size_t n, size_t f) {
  if (n <= f) return 0.0;
  const double s = std::floor(static_cast<double>(n) / 2.0 + 1.0) - static_cast<double>(f);
  const double p = (static_cast<double>(n - f) - s) / static_cast<double>(n - f);
  if (!(p > 0.0 && p < 1.0)) return 0.0;
  return NormalQuantile(p);
}

Result<std::unique_ptr<Attack>> ParseAttack(std::string_view spec) {
  CESS_ASSIGN_OR_RETURN(auto split, ailink::internal::SplitItem(spec, "attack"));
  const auto& [name, raw] = split;
  const Info* info = nullptr;
  for (const Info& a : Attacks()) {
    if (name == a.name) info = &a;
    for (std::string_view alias : a.aliases) {
      if (name == alias) info = &a;
    }
  }
  if (info == nullptr) {
    std::string known;
    for (const Info& a : Attacks()) known += (known.empty() ? "" : ", ") + std::string(a.name);
    return Status::InvalidArgument("unknown attack '" + name + "' (known: " + known + ")");
  }
  CESS_ASSIGN_OR_RETURN(auto values, BindParams(std::string(info->name), raw, info->keys));
  double a = 0.0;
  double b = 0.0;
  size_t idx = 0;
  bool z_auto = true;
  bool dev_std = false;
  const std::string n(info->name);
  switch (info->type) {
    case Type::kGaussian:
      a = 1.0;
      if (values.count("sigma")) {
        CESS_ASSIGN_OR_RETURN(a, ParseNumber(values["sigma"], n + ": sigma"));
        if (a < 0) return Status::InvalidArgument(n + ": sigma must be >= 0");
      }
      if (values.count("mu")) {
        CESS_ASSIGN_OR_RETURN(b, ParseNumber(values["mu"], n + ": mu"));
      }
      break;
    case Type::kAlie:
      if (values.count("z") && values["z"] != "auto") {
        CESS_ASSIGN_OR_RETURN(a, ParseNumber(values["z"], n + ": z"));
        z_auto = false;
      }
      break;
    case Type::kIpm:
      a = 0.1;
      if (values.count("eps")) {
        CESS_ASSIGN_OR_RETURN(a, ParseNumber(values["eps"], n + ": eps"));
      }
      break;
    case Type::kMimic:
      if (values.count("idx")) {
        CESS_ASSIGN_OR_RETURN(idx, ParseCount(values["idx"], n + ": idx"));
      }
      break;
    case Type::kMinMax:
      if (values.count("dev")) {
        if (values["dev"] == "std") {
          dev_std = true;
        } else if (values["dev"] != "unit") {
          return Status::InvalidArgument(n + ": dev must be 'unit' or 'std', got '" + values["dev"] + "'");
        }
      }
      break;
    default:
      break;
  }
  return std::unique_ptr<Attack>(new AttackImpl(*info, a, b, idx, z_auto, dev_std));
}

}  // namespace cess::ailink::attacks
