// Local training (LibTorch): what one federated client does in a round — SGD with momentum and
// weight decay on its own data for a number of local steps or epochs — and evaluation.
//
// The update a client sends is delta = parameters after − parameters before (a flat float32
// vector in the model's flat layout), plus its sample count (the size of its local dataset, the
// FedAvg weight).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <torch/torch.h>

#include "cess/ailink/data/dataset.h"
#include "cess/ailink/model/model.h"
#include "cess/core/result.h"

namespace cess::ailink::train {

// A dataset as tensors on a device: x is N×<example_shape> float32, y is N int64.
struct TensorData {
  torch::Tensor x;
  torch::Tensor y;
  size_t num_classes = 0;
  size_t size() const { return y.defined() ? static_cast<size_t>(y.size(0)) : 0; }
};

// Copies `dataset` (or the examples at `indices`, in that order, when non-empty) to `device`.
// Errors: InvalidArgument when the dataset is invalid (its shape, class count or feature count;
// labels and finiteness are checked on the examples copied) or an index is out of range;
// Unavailable when the device cannot be used.
Result<TensorData> ToTensors(const data::Dataset& dataset, const torch::Device& device,
                             std::span<const size_t> indices = {});

// torch.optim.SGD's update rule: g ← grad + wd·p; buf ← momentum·buf + (1 − dampening)·g
// (buf ← g on the first step); step = nesterov ? g + momentum·buf : buf; p ← p − lr·step.
struct SgdOptions {
  double lr = 0.05;
  double momentum = 0.9;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

struct LocalTrainOptions {
  SgdOptions sgd;
  size_t batch_size = 32;
  // Local steps (mini-batches) per round; ignored when local_epochs > 0.
  size_t local_steps = 1;
  // Local epochs per round (ceil(size / batch) steps each); 0 = use local_steps.
  size_t local_epochs = 0;
  // Client-side momentum: keep the momentum buffers across rounds (ByzFL's setting, which keeps
  // the variance of honest updates low). When false they restart at every round.
  bool persistent_momentum = true;
  // Train on flipped labels y' = C−1−y (a label-flipping Byzantine client).
  bool flip_labels = false;
  // Flush subnormal floats to zero (x86 FTZ/DAZ on the training thread, for the duration of
  // Train). Once a model grows confident, softmax gradients underflow into subnormals, which
  // make the BLAS kernels several times slower; flushing changes only results that would be
  // subnormal (below 1.2e-38 in magnitude).
  // Off by default: the same arithmetic as torch.optim.SGD.
  bool flush_denormals = false;
};

// What a client keeps between rounds: its momentum buffers, its position in its shuffled data
// (batches walk a per-epoch permutation and continue across rounds) and its random generator.
// Deterministic: the same seed and calls give the same batches and dropout masks.
class ClientState {
 public:
  explicit ClientState(uint64_t seed);
  // Copies are deep (generator state, momentum buffers, permutation and position), so a copy
  // continues exactly as the original would, independently of it.
  ClientState(const ClientState& other);
  ClientState& operator=(const ClientState& other);
  ClientState(ClientState&&) noexcept = default;
  ClientState& operator=(ClientState&&) noexcept = default;
  uint64_t seed() const { return seed_; }

 private:
  friend class LocalTrainer;
  uint64_t seed_;
  at::Generator generator_;
  std::vector<torch::Tensor> momentum_;  // empty until the first step
  torch::Tensor permutation_;            // current epoch's order (int64, CPU)
  size_t cursor_ = 0;                    // next position in permutation_
};

// One client's local training.
struct LocalUpdate {
  std::vector<float> delta;  // parameters after − before
  size_t samples = 0;        // size of the client's dataset (the FedAvg weight)
  size_t steps = 0;          // optimizer steps taken
  double mean_loss = 0.0;    // mean training loss over those steps
};

class LocalTrainer {
 public:
  explicit LocalTrainer(LocalTrainOptions options);
  const LocalTrainOptions& options() const { return options_; }

  // Trains `model` in place from its current parameters on `data` (on the model's device) and
  // returns the update; the model is left in training mode with no gradients. Each step takes the
  // next batch_size positions of the client's permutation (the last batch of an epoch may be
  // smaller; then a new permutation is drawn from the client's generator), which also draws the
  // dropout masks. Errors: InvalidArgument for empty data, batch_size 0, no steps, bad SGD options
  // (negative lr, momentum or weight decay; nesterov without momentum or with dampening), data not
  // shaped N×<example_shape> float32 / N int64, a label outside the model's classes, data on
  // another device, or momentum buffers in `state` that belong to another model; Internal with
  // torch's message when a torch call throws (nothing escapes as an exception). Thread safety:
  // const; concurrent calls need distinct models and states.
  Result<LocalUpdate> Train(model::Model& model, const TensorData& data, ClientState& state) const;

 private:
  LocalTrainOptions options_;
};

struct Evaluation {
  double loss = 0.0;      // mean cross-entropy
  double accuracy = 0.0;  // fraction correct, in [0, 1]
  size_t samples = 0;
};

// Evaluates `model` (in evaluation mode, no gradients; it is left in evaluation mode) on `data` in
// batches. Errors: InvalidArgument for empty data, batch_size 0, or data that does not fit the
// model (as for Train); Internal with torch's message on a torch error.
Result<Evaluation> Evaluate(model::Model& model, const TensorData& data, size_t batch_size = 1000);

// Makes LibTorch and the BLAS under it run single-threaded in the calling process, so that W
// clients trained on W threads do not oversubscribe the cores (OpenBLAS's own thread count is
// set through openblas_set_num_threads when that symbol exists; the inter-op pool is set to one
// thread when it has not started yet). Process-wide; call before training. Idempotent.
void UseSingleThreadedKernels();

}  // namespace cess::ailink::train
