// In-memory labelled datasets for federated training (DESIGN.md §7). Torch-free: the training
// side turns a Dataset into tensors (cess/ailink/train/tensor_data.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::ailink::data {

// N examples, each `example_shape` float32 features (row-major, example i at
// features[i * example_size() ...]), with integer labels in [0, num_classes).
struct Dataset {
  std::vector<size_t> example_shape;  // e.g. {1, 28, 28}; never empty when valid
  size_t num_classes = 0;
  std::vector<float> features;  // size() * example_size() values
  std::vector<int32_t> labels;  // size() values

  size_t size() const { return labels.size(); }
  // Product of example_shape (0 when the shape is empty).
  size_t example_size() const;
  // The examples at `indices`, in that order (repeats allowed). REQUIRES: every index < size().
  Dataset Subset(std::span<const size_t> indices) const;
  // The first min(n, size()) examples.
  Dataset Head(size_t n) const;
  // Number of examples per class (num_classes entries; labels out of range are not counted).
  std::vector<size_t> ClassCounts() const;
  // OK when the shape is non-empty with no zero dimension, num_classes >= 1, features has size() *
  // example_size() values, every label is in range and every feature is finite. Errors: InvalidArgument
  // naming the first problem ("label 12 of example 5 is outside [0, 10)").
  Status Validate() const;
};

// A training set and a held-out test set with the same example shape and classes.
struct TrainTest {
  std::string name;  // e.g. "fashion-mnist"
  Dataset train;
  Dataset test;
};

}  // namespace cess::ailink::data
