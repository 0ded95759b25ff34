// Local training and evaluation on LibTorch: datasets to tensors, the client's SGD loop (torch's
// SGD rule written out on tensors, momentum kept in ClientState), evaluation, thread settings.
#include "cess/ailink/train/trainer.h"

#include <dlfcn.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "model/torch_util.h"

namespace cess::ailink::train {
namespace {

using ailink::internal::CheckDevice;
using ailink::internal::FormatShape;
using ailink::internal::TorchError;

bool SameDevice(const torch::Device& a, const torch::Device& b) {
  if (a.type() != b.type()) return false;
  // An unindexed CUDA device means the current one; tensors always carry an index.
  const int ia = a.has_index() ? a.index() : 0;
  const int ib = b.has_index() ? b.index() : 0;
  return ia == ib;
}

// OK when `data` is non-empty, shaped N×<example_shape> float32 and N int64 labels within the
// model's classes, on the model's device. Reads the label range (one device sync).
Status CheckData(model::Model& model, const TensorData& data) {
  if (!data.x.defined() || !data.y.defined() || data.size() == 0) return Status::InvalidArgument("no data");
  const model::InputSpec& input = model.input();
  if (data.y.dim() != 1 || data.y.scalar_type() != torch::kLong) {
    return Status::InvalidArgument("labels must be a 1-D int64 tensor");
  }
  std::vector<int64_t> expected = {data.y.size(0)};
  for (size_t d : input.example_shape) expected.push_back(static_cast<int64_t>(d));
  if (data.x.sizes() != c10::IntArrayRef(expected) || data.x.scalar_type() != torch::kFloat) {
    return Status::InvalidArgument("examples are " + FormatShape(data.x.sizes()) + " " +
                                   std::string(c10::toString(data.x.scalar_type())) + ", " + model.spec() +
                                   " expects float32 " + FormatShape(c10::IntArrayRef(expected)));
  }
  const torch::Device device = model.device();
  if (!SameDevice(data.x.device(), device) || !SameDevice(data.y.device(), device)) {
    return Status::InvalidArgument("data is on " + data.x.device().str() + ", the model on " + device.str());
  }
  const int64_t classes = static_cast<int64_t>(input.num_classes);
  if (data.num_classes != 0 && data.num_classes != input.num_classes) {
    return Status::InvalidArgument("data has " + std::to_string(data.num_classes) + " classes, the model " +
                                   std::to_string(classes));
  }
  const auto [lo, hi] = at::aminmax(data.y);
  const int64_t min_label = lo.item<int64_t>();
  const int64_t max_label = hi.item<int64_t>();
  if (min_label < 0 || max_label >= classes) {
    return Status::InvalidArgument("label " + std::to_string(min_label < 0 ? min_label : max_label) +
                                   " is outside [0, " + std::to_string(classes) + ")");
  }
  return Status::Ok();
}

Status CheckSgd(const SgdOptions& sgd) {
  if (!std::isfinite(sgd.lr) || sgd.lr < 0) return Status::InvalidArgument("sgd: lr must be finite and >= 0");
  if (!std::isfinite(sgd.momentum) || sgd.momentum < 0) {
    return Status::InvalidArgument("sgd: momentum must be finite and >= 0");
  }
  if (!std::isfinite(sgd.dampening) || !std::isfinite(sgd.weight_decay) || sgd.weight_decay < 0) {
    return Status::InvalidArgument("sgd: dampening and weight_decay must be finite, weight_decay >= 0");
  }
  if (sgd.nesterov && (sgd.momentum <= 0 || sgd.dampening != 0)) {
    return Status::InvalidArgument("sgd: nesterov needs momentum > 0 and dampening 0");
  }
  return Status::Ok();
}

// The parameters concatenated into one float32 vector on their device (a copy).
torch::Tensor Concat(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> flat;
  flat.reserve(params.size());
  for (const auto& p : params) flat.push_back(p.detach().reshape({-1}).to(torch::kFloat));
  return torch::cat(flat);
}

// Sets flush-to-zero and denormals-are-zero on the calling thread while alive (when `enable`),
// restoring the previous floating-point control state. A no-op off x86.
class ScopedFlushDenormals {
 public:
  explicit ScopedFlushDenormals(bool enable) {
#if defined(__x86_64__) || defined(__i386__)
    if (enable) {
      saved_ = _mm_getcsr();
      active_ = true;
      _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero);
    }
#endif
  }
  ~ScopedFlushDenormals() {
#if defined(__x86_64__) || defined(__i386__)
    if (active_) _mm_setcsr(saved_);
#endif
  }
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  static constexpr unsigned kFlushToZero = 0x8000;
  static constexpr unsigned kDenormalsAreZero = 0x0040;
  unsigned saved_ = 0;
  bool active_ = false;
};

// One step of torch.optim.SGD (see SgdOptions) on every parameter that has a gradient; works in
// place on the gradients, which the caller drops afterwards. REQUIRES: gradient mode off.
void SgdStep(std::vector<torch::Tensor>& params, std::vector<torch::Tensor>& momentum,
             const SgdOptions& sgd) {
  const bool use_momentum = sgd.momentum != 0.0;
  if (use_momentum && momentum.empty()) momentum.resize(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    torch::Tensor& p = params[i];
    torch::Tensor g = p.grad();
    if (!g.defined()) continue;
    if (sgd.weight_decay != 0.0) g.add_(p, sgd.weight_decay);
    if (use_momentum) {
      torch::Tensor& buf = momentum[i];
      if (!buf.defined()) {
        buf = g.clone();
      } else {
        buf.mul_(sgd.momentum).add_(g, 1.0 - sgd.dampening);
      }
      if (sgd.nesterov) {
        g.add_(buf, sgd.momentum);
      } else {
        g = buf;
      }
    }
    p.add_(g, -sgd.lr);
  }
}

}  // namespace

Result<TensorData> ToTensors(const data::Dataset& dataset, const torch::Device& device,
                             std::span<const size_t> indices) {
  if (dataset.example_shape.empty()) return Status::InvalidArgument("dataset: empty example shape");
  size_t example_size = 1;
  for (size_t d : dataset.example_shape) example_size *= d;
  if (example_size == 0) return Status::InvalidArgument("dataset: the example shape has a zero dimension");
  if (dataset.num_classes == 0) return Status::InvalidArgument("dataset: no classes");
  const size_t n = dataset.labels.size();
  if (dataset.features.size() != n * example_size) {
    return Status::InvalidArgument("dataset: " + std::to_string(dataset.features.size()) +
                                   " feature values for " + std::to_string(n) + " examples of " +
                                   std::to_string(example_size));
  }
  for (size_t index : indices) {
    if (index >= n) {
      return Status::InvalidArgument("index " + std::to_string(index) + " is outside the dataset's " +
                                     std::to_string(n) + " examples");
    }
  }
  CESS_RETURN_IF_ERROR(CheckDevice(device));
  const size_t count = indices.empty() ? n : indices.size();
  try {
    std::vector<int64_t> sizes = {static_cast<int64_t>(count)};
    for (size_t d : dataset.example_shape) sizes.push_back(static_cast<int64_t>(d));
    torch::Tensor x = torch::empty(sizes, torch::kFloat);
    torch::Tensor y = torch::empty({static_cast<int64_t>(count)}, torch::kLong);
    float* xp = x.data_ptr<float>();
    int64_t* yp = y.data_ptr<int64_t>();
    for (size_t i = 0; i < count; ++i) {
      const size_t src = indices.empty() ? i : indices[i];
      const int32_t label = dataset.labels[src];
      if (label < 0 || static_cast<size_t>(label) >= dataset.num_classes) {
        return Status::InvalidArgument("dataset: label " + std::to_string(label) + " of example " +
                                       std::to_string(src) + " is outside [0, " +
                                       std::to_string(dataset.num_classes) + ")");
      }
      yp[i] = label;
      const float* row = dataset.features.data() + src * example_size;
      for (size_t k = 0; k < example_size; ++k) {
        if (!std::isfinite(row[k])) {
          return Status::InvalidArgument("dataset: feature " + std::to_string(k) + " of example " +
                                         std::to_string(src) + " is not finite");
        }
      }
      std::memcpy(xp + i * example_size, row, example_size * sizeof(float));
    }
    TensorData out;
    out.x = x.to(device);
    out.y = y.to(device);
    out.num_classes = dataset.num_classes;
    return out;
  } catch (const std::exception& e) {
    return TorchError("copying the dataset to " + device.str(), e);
  }
}

ClientState::ClientState(uint64_t seed) : seed_(seed), generator_(at::detail::createCPUGenerator(seed)) {}

ClientState::ClientState(const ClientState& other)
    : seed_(other.seed_),
      generator_(other.generator_.clone()),
      permutation_(other.permutation_.defined() ? other.permutation_.clone() : torch::Tensor()),
      cursor_(other.cursor_) {
  momentum_.reserve(other.momentum_.size());
  for (const auto& buf : other.momentum_) momentum_.push_back(buf.defined() ? buf.clone() : torch::Tensor());
}

ClientState& ClientState::operator=(const ClientState& other) {
  if (this != &other) *this = ClientState(other);
  return *this;
}

LocalTrainer::LocalTrainer(LocalTrainOptions options) : options_(std::move(options)) {}

Result<LocalUpdate> LocalTrainer::Train(model::Model& model, const TensorData& data,
                                        ClientState& state) const {
  const LocalTrainOptions& opt = options_;
  if (opt.batch_size == 0) return Status::InvalidArgument("batch_size is 0");
  const size_t n = data.size();
  if (n == 0) return Status::InvalidArgument("no training data");
  const size_t steps =
      opt.local_epochs > 0 ? opt.local_epochs * ((n + opt.batch_size - 1) / opt.batch_size) : opt.local_steps;
  if (steps == 0) return Status::InvalidArgument("no local steps (local_steps and local_epochs are both 0)");
  CESS_RETURN_IF_ERROR(CheckSgd(opt.sgd));
  try {
    CESS_RETURN_IF_ERROR(CheckData(model, data));
    std::vector<torch::Tensor> params = model.Parameters();
    if (params.empty()) return Status::InvalidArgument(model.spec() + " has no trainable parameters");
    const torch::Device device = data.x.device();
    const torch::Tensor x = data.x.detach();  // batches are plain inputs even if x requires grad

    if (!opt.persistent_momentum) state.momentum_.clear();
    if (!state.momentum_.empty()) {
      if (state.momentum_.size() != params.size()) {
        return Status::InvalidArgument("the client state's momentum buffers belong to another model");
      }
      for (size_t i = 0; i < params.size(); ++i) {
        torch::Tensor& buf = state.momentum_[i];
        if (!buf.defined()) continue;
        if (buf.sizes() != params[i].sizes()) {
          return Status::InvalidArgument("the client state's momentum buffers belong to another model");
        }
        if (buf.device() != params[i].device()) buf = buf.to(params[i].device());
      }
    }

    torch::Tensor before;
    torch::Tensor labels;
    {
      torch::NoGradGuard no_grad;
      before = Concat(params);
      const int64_t top = static_cast<int64_t>(model.input().num_classes) - 1;
      labels = opt.flip_labels ? data.y.neg().add_(top) : data.y;
    }

    // A new dataset size restarts the walk.
    const int64_t size = static_cast<int64_t>(n);
    if (!state.permutation_.defined() || state.permutation_.numel() != size) state.cursor_ = n;
    torch::Tensor order = state.cursor_ < n ? state.permutation_.to(device) : torch::Tensor();

    // Batch buffers, reused across steps (index_select_out resizes within their storage).
    torch::Tensor xb = torch::empty({0}, data.x.options());
    torch::Tensor yb = torch::empty({0}, labels.options());
    torch::Tensor loss_sum = torch::zeros({}, data.x.options().dtype(torch::kDouble));

    const ScopedFlushDenormals flush(opt.flush_denormals);
    model.SetTraining(true);
    for (auto& p : params) p.mutable_grad().reset();
    for (size_t step = 0; step < steps; ++step) {
      if (state.cursor_ >= n) {
        state.permutation_ = torch::randperm(size, state.generator_, torch::kLong);
        order = state.permutation_.to(device);
        state.cursor_ = 0;
      }
      const size_t end = std::min(state.cursor_ + opt.batch_size, n);
      const torch::Tensor index =
          order.slice(0, static_cast<int64_t>(state.cursor_), static_cast<int64_t>(end));
      state.cursor_ = end;
      if (xb.size(0) != index.size(0)) {
        // A batch of another size (the end of an epoch): index_select_out may only resize an
        // empty output; shrinking to zero rows keeps the storage.
        xb.resize_({0});
        yb.resize_({0});
      }
      at::index_select_out(xb, x, 0, index);
      at::index_select_out(yb, labels, 0, index);

      const torch::Tensor logits = model.Forward(xb, &state.generator_);
      const torch::Tensor loss = at::cross_entropy_loss(logits, yb);
      loss.backward();

      torch::NoGradGuard no_grad;
      loss_sum.add_(loss.detach());
      SgdStep(params, state.momentum_, opt.sgd);
      for (auto& p : params) p.mutable_grad().reset();
    }

    LocalUpdate update;
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor delta = Concat(params).sub_(before).to(torch::kCPU).contiguous();
      const float* values = delta.data_ptr<float>();
      update.delta.assign(values, values + delta.numel());
    }
    update.samples = n;
    update.steps = steps;
    update.mean_loss = loss_sum.item<double>() / static_cast<double>(steps);
    return update;
  } catch (const std::exception& e) {
    return TorchError("local training of " + model.spec(), e);
  }
}

Result<Evaluation> Evaluate(model::Model& model, const TensorData& data, size_t batch_size) {
  if (batch_size == 0) return Status::InvalidArgument("batch_size is 0");
  if (data.size() == 0) return Status::InvalidArgument("no evaluation data");
  try {
    CESS_RETURN_IF_ERROR(CheckData(model, data));
    model.SetTraining(false);
    torch::NoGradGuard no_grad;
    const int64_t n = static_cast<int64_t>(data.size());
    const int64_t batch = static_cast<int64_t>(std::min<size_t>(batch_size, data.size()));
    torch::Tensor loss_sum = torch::zeros({}, data.x.options().dtype(torch::kDouble));
    torch::Tensor correct = torch::zeros({}, data.y.options());
    for (int64_t begin = 0; begin < n; begin += batch) {
      const int64_t end = std::min(begin + batch, n);
      const torch::Tensor yb = data.y.slice(0, begin, end);
      const torch::Tensor logits = model.Forward(data.x.slice(0, begin, end));
      loss_sum.add_(at::cross_entropy_loss(logits, yb, {}, at::Reduction::Sum));
      correct.add_(logits.argmax(1).eq(yb).sum());
    }
    Evaluation eval;
    eval.samples = data.size();
    eval.loss = loss_sum.item<double>() / static_cast<double>(n);
    eval.accuracy = static_cast<double>(correct.item<int64_t>()) / static_cast<double>(n);
    return eval;
  } catch (const std::exception& e) {
    return TorchError("evaluating " + model.spec(), e);
  }
}

void UseSingleThreadedKernels() {
  at::set_num_threads(1);
  // Allowed once, before any inter-op work; later calls (or a pool already running) are ignored.
  static std::once_flag interop_once;
  std::call_once(interop_once, [] {
    try {
      at::set_num_interop_threads(1);
    } catch (const std::exception&) {
    }
  });
  // OpenBLAS under LibTorch keeps its own thread pool; W training threads would each fan out.
  if (void* symbol = dlsym(RTLD_DEFAULT, "openblas_set_num_threads")) {
    using SetNumThreads = void (*)(int);
    SetNumThreads set_num_threads;
    static_assert(sizeof(set_num_threads) == sizeof(symbol));
    std::memcpy(&set_num_threads, &symbol, sizeof(symbol));
    set_num_threads(1);
  }
}

}  // namespace cess::ailink::train
