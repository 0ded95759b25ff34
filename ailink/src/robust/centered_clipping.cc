#include "cess/ailink/robust/centered_clipping.h"

#include <cmath>
#include <string>
#include <vector>

#include "robust/common.h"

namespace cess::ailink::robust {

namespace agg = internal::agg;

Result<CenteredClipping> CenteredClipping::Create(const CenteredClippingOptions& options) {
  if (!(options.tau > 0.0) || !std::isfinite(options.tau)) {
    return Status::InvalidArgument("cc: tau must be positive and finite");
  }
  if (options.iterations == 0) return Status::InvalidArgument("cc: iterations must be >= 1");
  return CenteredClipping(options);
}

Result<std::vector<float>> CenteredClipping::Aggregate(const MatrixView& x, cess::kernels::Backend backend) {
  CESS_RETURN_IF_ERROR(internal::CheckMatrix(x, "cc"));
  if (!center_.empty() && center_.size() != x.cols) {
    return Status::InvalidArgument("cc: updates have " + std::to_string(x.cols) + " coordinates but the center has " +
                                   std::to_string(center_.size()) + " (Reset() to start over)");
  }
  std::vector<float> v = center_.empty() ? std::vector<float>(x.cols, 0.0f) : center_;
  CESS_ASSIGN_OR_RETURN(auto in, internal::Prep(x, backend));
  std::vector<double> sq(x.rows);
  std::vector<float> step(x.cols);
  for (size_t l = 0; l < options_.iterations; ++l) {
    CESS_RETURN_IF_ERROR(agg::SqDistancesTo(*in, v, sq));
    std::vector<uint32_t> rows;
    std::vector<float> weights;
    for (size_t i = 0; i < x.rows; ++i) {
      const double dist = std::sqrt(sq[i]);
      const float c = dist > options_.tau ? static_cast<float>(options_.tau / dist) : 1.0f;
      if (c != 0.0f) {
        rows.push_back(static_cast<uint32_t>(i));
        weights.push_back(c);
      }
    }
    if (rows.empty()) break;  // every update infinitely far: v stays
    CESS_RETURN_IF_ERROR(agg::CombineRows(
        *in, {.rows = rows, .weights = weights, .center = v.data(), .divisor = static_cast<float>(x.rows)}, step));
    for (size_t c = 0; c < x.cols; ++c) v[c] = v[c] + step[c];
  }
  center_ = v;
  return v;
}

}  // namespace cess::ailink::robust
