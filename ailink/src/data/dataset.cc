#include "cess/ailink/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace cess::ailink::data {

size_t Dataset::example_size() const {
  if (example_shape.empty()) return 0;
  size_t n = 1;
  for (size_t d : example_shape) n *= d;
  return n;
}

Dataset Dataset::Subset(std::span<const size_t> indices) const {
  Dataset out;
  out.example_shape = example_shape;
  out.num_classes = num_classes;
  const size_t es = example_size();
  out.features.resize(indices.size() * es);
  out.labels.resize(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    const size_t src = indices[i];
    out.labels[i] = labels[src];
    if (es > 0) std::memcpy(out.features.data() + i * es, features.data() + src * es, es * sizeof(float));
  }
  return out;
}

Dataset Dataset::Head(size_t n) const {
  n = std::min(n, size());
  Dataset out;
  out.example_shape = example_shape;
  out.num_classes = num_classes;
  const size_t es = example_size();
  out.labels.assign(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(n));
  out.features.assign(features.begin(), features.begin() + static_cast<std::ptrdiff_t>(n * es));
  return out;
}

std::vector<size_t> Dataset::ClassCounts() const {
  std::vector<size_t> counts(num_classes, 0);
  for (int32_t l : labels) {
    if (l >= 0 && static_cast<size_t>(l) < num_classes) ++counts[static_cast<size_t>(l)];
  }
  return counts;
}

Status Dataset::Validate() const {
  if (example_shape.empty()) return Status::InvalidArgument("dataset has an empty example shape");
  for (size_t i = 0; i < example_shape.size(); ++i) {
    if (example_shape[i] == 0) {
      return Status::InvalidArgument("dataset example shape has a zero dimension at index " +
                                     std::to_string(i));
    }
  }
  if (num_classes == 0) return Status::InvalidArgument("dataset has num_classes 0");
  const size_t es = example_size();
  if (features.size() != size() * es) {
    return Status::InvalidArgument("dataset has " + std::to_string(features.size()) +
                                   " feature values, expected " + std::to_string(size()) + " examples x " +
                                   std::to_string(es));
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || static_cast<size_t>(labels[i]) >= num_classes) {
      return Status::InvalidArgument("label " + std::to_string(labels[i]) + " of example " +
                                     std::to_string(i) + " is outside [0, " + std::to_string(num_classes) +
                                     ")");
    }
  }
  for (size_t i = 0; i < features.size(); ++i) {
    if (!std::isfinite(features[i])) {
      return Status::InvalidArgument("feature " + std::to_string(i % es) + " of example " +
                                     std::to_string(i / es) + " is not finite");
    }
  }
  return Status::Ok();
}

}  // namespace cess::ailink::data
