// The built-in architectures (mlp, cnn-small, cnn-mnist) as one LibTorch module driven by a layer
// plan derived from the spec and the input shape.
#include <torch/torch.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cess/core/file_util.h"
#include "model/model_internal.h"
#include "model/torch_util.h"

namespace cess::ailink::model::internal {
namespace {

using ailink::internal::CheckDevice;
using ailink::internal::FormatShape;
using ailink::internal::TorchError;
using ailink::internal::TorchMessage;

constexpr size_t kDefaultMlpHidden = 256;
constexpr size_t kMaxWidth = size_t{1} << 24;

// One step of the forward pass.
struct Layer {
  enum class Kind { kConv, kLinear, kRelu, kMaxPool2, kDropout, kFlatten };
  Kind kind;
  size_t index = 0;  // into Plan::convs / Plan::linears
  double p = 0.0;    // dropout probability
};

struct ConvDims {
  int64_t in = 0, out = 0, kernel = 0;
};
struct LinearDims {
  int64_t in = 0, out = 0;
};

// What a spec and an input shape resolve to: the canonical spec, the layers and their sizes.
struct Plan {
  std::string spec;
  std::vector<ConvDims> convs;      // registered as conv1, conv2, ...
  std::vector<LinearDims> linears;  // registered as fc1, fc2, ...
  std::vector<Layer> layers;
};

// The module: convolutions and linear layers registered in plan order, so that parameters() lists
// conv1.weight, conv1.bias, conv2.weight, ..., fc1.weight, ... (the flat layout).
class BuiltinNet : public torch::nn::Module {
 public:
  explicit BuiltinNet(std::shared_ptr<const Plan> plan) : plan_(std::move(plan)) {
    for (size_t i = 0; i < plan_->convs.size(); ++i) {
      const ConvDims& c = plan_->convs[i];
      convs_.push_back(register_module("conv" + std::to_string(i + 1),
                                       torch::nn::Conv2d(torch::nn::Conv2dOptions(c.in, c.out, c.kernel))));
    }
    for (size_t i = 0; i < plan_->linears.size(); ++i) {
      const LinearDims& l = plan_->linears[i];
      linears_.push_back(register_module("fc" + std::to_string(i + 1),
                                         torch::nn::Linear(torch::nn::LinearOptions(l.in, l.out))));
    }
  }

  // Every weight and bias ~ U(−1/√fan_in, 1/√fan_in) from `generator`: what LibTorch's
  // reset_parameters draws (kaiming_uniform_ with a = √5 gives exactly that bound), but from a
  // generator of our own instead of the global one.
  void Initialize(at::Generator& generator) {
    torch::NoGradGuard no_grad;
    auto init = [&](torch::Tensor& weight, torch::Tensor& bias) {
      const double fan_in = static_cast<double>(weight.numel() / weight.size(0));
      const double bound = 1.0 / std::sqrt(fan_in);
      weight.uniform_(-bound, bound, generator);
      bias.uniform_(-bound, bound, generator);
    };
    for (auto& conv : convs_) init(conv->weight, conv->bias);
    for (auto& linear : linears_) init(linear->weight, linear->bias);
  }

  torch::Tensor Forward(const torch::Tensor& batch, at::Generator* dropout_generator) {
    torch::Tensor h = batch;
    for (const Layer& layer : plan_->layers) {
      switch (layer.kind) {
        case Layer::Kind::kConv:
          h = convs_[layer.index]->forward(h);
          break;
        case Layer::Kind::kLinear:
          h = linears_[layer.index]->forward(h);
          break;
        case Layer::Kind::kRelu:
          // In place: convolution and linear backward need their inputs, not their outputs.
          h = torch::relu_(h);
          break;
        case Layer::Kind::kMaxPool2:
          h = torch::max_pool2d(h, 2);
          break;
        case Layer::Kind::kDropout:
          if (is_training()) h = Dropout(h, layer.p, dropout_generator);
          break;
        case Layer::Kind::kFlatten:
          h = h.flatten(1);
          break;
      }
    }
    return h;
  }

  const std::shared_ptr<const Plan>& plan() const { return plan_; }

 private:
  // Inverted dropout as torch::dropout computes it (keep with probability 1 − p, scale by
  // 1/(1 − p)), with the mask drawn from `generator` when given. A generator on another device
  // than the activations (a client's CPU generator with a CUDA model) draws the mask on its own
  // device, which is then copied over.
  static torch::Tensor Dropout(const torch::Tensor& h, double p, at::Generator* generator) {
    if (generator == nullptr) return torch::dropout(h, p, /*train=*/true);
    const double keep = 1.0 - p;
    const torch::Device gen_device = generator->device();
    torch::Tensor noise;
    if (gen_device.type() == h.device().type()) {
      noise = torch::empty_like(h).bernoulli_(keep, *generator);
    } else {
      noise =
          torch::empty(h.sizes(), h.options().device(gen_device)).bernoulli_(keep, *generator).to(h.device());
    }
    noise.div_(keep);
    return h * noise;
  }

  std::shared_ptr<const Plan> plan_;
  std::vector<torch::nn::Conv2d> convs_;
  std::vector<torch::nn::Linear> linears_;
};

class BuiltinModel final : public Model {
 public:
  BuiltinModel(InputSpec input, std::shared_ptr<BuiltinNet> net)
      : input_(std::move(input)), net_(std::move(net)) {}

  std::string spec() const override { return net_->plan()->spec; }
  const InputSpec& input() const override { return input_; }

  torch::Tensor Forward(const torch::Tensor& batch, at::Generator* dropout_generator) override {
    return net_->Forward(batch, dropout_generator);
  }

  std::vector<torch::Tensor> Parameters() override { return net_->parameters(); }
  std::vector<std::string> ParameterNames() override { return net_->named_parameters().keys(); }

  void SetTraining(bool training) override { net_->train(training); }

  Status To(const torch::Device& device) override {
    CESS_RETURN_IF_ERROR(CheckDevice(device));
    try {
      net_->to(device);
    } catch (const std::exception& e) {
      return Status::Unavailable("cannot move " + spec() + " to " + device.str() + ": " + TorchMessage(e));
    }
    device_ = device;
    return Status::Ok();
  }
  torch::Device device() const override { return device_; }

  Result<std::unique_ptr<Model>> Clone() const override {
    try {
      auto net = std::make_shared<BuiltinNet>(net_->plan());
      net->to(device_);
      net->train(net_->is_training());
      {
        torch::NoGradGuard no_grad;
        const std::vector<torch::Tensor> from = net_->parameters();
        std::vector<torch::Tensor> to = net->parameters();
        for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
      }
      auto model = std::make_unique<BuiltinModel>(input_, std::move(net));
      model->device_ = device_;
      return std::unique_ptr<Model>(std::move(model));
    } catch (const std::exception& e) {
      return TorchError("cloning " + spec(), e);
    }
  }

  Status SavePt(const std::string& path) override {
    std::string bytes;
    try {
      torch::serialize::OutputArchive archive;
      net_->save(archive);
      std::ostringstream out;
      archive.save_to(out);
      bytes = std::move(out).str();
    } catch (const std::exception& e) {
      return Status::IoError("saving " + spec() + " to " + path + ": " + TorchMessage(e));
    }
    const Status written = WriteFileAtomic(path, AsBytes(bytes));
    if (!written.ok()) return Status::IoError("saving " + spec() + " to " + path + ": " + written.message());
    return Status::Ok();
  }

  // The parameter shapes, to check a loaded archive against.
  std::vector<std::vector<int64_t>> ParameterShapes() const {
    std::vector<std::vector<int64_t>> shapes;
    for (const auto& p : net_->parameters()) shapes.push_back(p.sizes().vec());
    return shapes;
  }
  BuiltinNet& net() { return *net_; }

 private:
  InputSpec input_;
  std::shared_ptr<BuiltinNet> net_;
  torch::Device device_{torch::kCPU};
};

// Parses "256,128" into widths. Errors: InvalidArgument.
Result<std::vector<size_t>> ParseWidths(std::string_view text) {
  std::vector<size_t> widths;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view item =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    size_t value = 0;
    bool ok = !item.empty() && item.size() <= 9;
    for (char ch : item) {
      if (ch < '0' || ch > '9') {
        ok = false;
        break;
      }
      value = value * 10 + static_cast<size_t>(ch - '0');
    }
    if (!ok || value == 0 || value > kMaxWidth) {
      return Status::InvalidArgument("mlp: hidden width '" + std::string(item) +
                                     "' is not an integer in [1, " + std::to_string(kMaxWidth) + "]");
    }
    widths.push_back(value);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return widths;
}

Result<Plan> PlanMlp(std::string_view params, const InputSpec& input) {
  std::vector<size_t> widths = {kDefaultMlpHidden};
  if (!params.empty()) {
    CESS_ASSIGN_OR_RETURN(widths, ParseWidths(params));
  }
  Plan plan;
  plan.spec = "mlp:";
  for (size_t i = 0; i < widths.size(); ++i) {
    if (i > 0) plan.spec += ',';
    plan.spec += std::to_string(widths[i]);
  }
  int64_t in = 1;
  for (size_t d : input.example_shape) in *= static_cast<int64_t>(d);
  plan.layers.push_back({Layer::Kind::kFlatten});
  for (size_t w : widths) {
    plan.layers.push_back({Layer::Kind::kLinear, plan.linears.size()});
    plan.linears.push_back({in, static_cast<int64_t>(w)});
    plan.layers.push_back({Layer::Kind::kRelu});
    in = static_cast<int64_t>(w);
  }
  plan.layers.push_back({Layer::Kind::kLinear, plan.linears.size()});
  plan.linears.push_back({in, static_cast<int64_t>(input.num_classes)});
  return plan;
}

// Tracks the C×H×W activation shape through a CNN, failing on a shape the layers cannot take.
class CnnShape {
 public:
  static Result<CnnShape> FromInput(std::string_view arch, const InputSpec& input) {
    if (input.example_shape.size() != 3) {
      return Status::InvalidArgument(std::string(arch) + " needs a C×H×W example shape, got " +
                                     FormatShape(input.example_shape));
    }
    return CnnShape(arch, input.example_shape);
  }
  Status Conv(int64_t out_channels, int64_t kernel) {
    if (h_ < kernel || w_ < kernel)
      return TooSmall("a " + std::to_string(kernel) + "×" + std::to_string(kernel) + " convolution");
    h_ -= kernel - 1;
    w_ -= kernel - 1;
    c_ = out_channels;
    return Status::Ok();
  }
  Status Pool2() {
    if (h_ < 2 || w_ < 2) return TooSmall("a 2×2 max pool");
    h_ /= 2;
    w_ /= 2;
    return Status::Ok();
  }
  int64_t channels() const { return c_; }
  int64_t features() const { return c_ * h_ * w_; }

 private:
  CnnShape(std::string_view arch, const std::vector<size_t>& shape)
      : arch_(arch),
        input_(FormatShape(shape)),
        c_(static_cast<int64_t>(shape[0])),
        h_(static_cast<int64_t>(shape[1])),
        w_(static_cast<int64_t>(shape[2])) {}
  Status TooSmall(const std::string& layer) const {
    return Status::InvalidArgument(arch_ + ": a " + input_ + " example is too small (" + std::to_string(h_) +
                                   "×" + std::to_string(w_) + " activations reach " + layer + ")");
  }
  std::string arch_;
  std::string input_;
  int64_t c_, h_, w_;
};

// conv 20@5×5, ReLU, pool 2; conv 50@5×5, ReLU, pool 2; fc →500, ReLU; fc →classes.
Result<Plan> PlanCnnSmall(const InputSpec& input) {
  CESS_ASSIGN_OR_RETURN(CnnShape shape, CnnShape::FromInput("cnn-small", input));
  Plan plan;
  plan.spec = "cnn-small";
  for (int64_t out : {20, 50}) {
    const int64_t in = shape.channels();
    CESS_RETURN_IF_ERROR(shape.Conv(out, 5));
    CESS_RETURN_IF_ERROR(shape.Pool2());
    plan.layers.push_back({Layer::Kind::kConv, plan.convs.size()});
    plan.convs.push_back({in, out, 5});
    plan.layers.push_back({Layer::Kind::kRelu});
    plan.layers.push_back({Layer::Kind::kMaxPool2});
  }
  plan.layers.push_back({Layer::Kind::kFlatten});
  plan.layers.push_back({Layer::Kind::kLinear, 0});
  plan.linears.push_back({shape.features(), 500});
  plan.layers.push_back({Layer::Kind::kRelu});
  plan.layers.push_back({Layer::Kind::kLinear, 1});
  plan.linears.push_back({500, static_cast<int64_t>(input.num_classes)});
  return plan;
}

// conv 32@3×3, ReLU; conv 64@3×3, ReLU; pool 2; dropout 0.25; fc →128, ReLU; dropout 0.5;
// fc →classes.
Result<Plan> PlanCnnMnist(const InputSpec& input) {
  CESS_ASSIGN_OR_RETURN(CnnShape shape, CnnShape::FromInput("cnn-mnist", input));
  Plan plan;
  plan.spec = "cnn-mnist";
  for (int64_t out : {32, 64}) {
    const int64_t in = shape.channels();
    CESS_RETURN_IF_ERROR(shape.Conv(out, 3));
    plan.layers.push_back({Layer::Kind::kConv, plan.convs.size()});
    plan.convs.push_back({in, out, 3});
    plan.layers.push_back({Layer::Kind::kRelu});
  }
  CESS_RETURN_IF_ERROR(shape.Pool2());
  plan.layers.push_back({Layer::Kind::kMaxPool2});
  plan.layers.push_back({Layer::Kind::kDropout, 0, 0.25});
  plan.layers.push_back({Layer::Kind::kFlatten});
  plan.layers.push_back({Layer::Kind::kLinear, 0});
  plan.linears.push_back({shape.features(), 128});
  plan.layers.push_back({Layer::Kind::kRelu});
  plan.layers.push_back({Layer::Kind::kDropout, 0, 0.5});
  plan.layers.push_back({Layer::Kind::kLinear, 1});
  plan.linears.push_back({128, static_cast<int64_t>(input.num_classes)});
  return plan;
}

Result<Plan> MakePlan(std::string_view spec, const InputSpec& input) {
  CESS_RETURN_IF_ERROR(ValidateInputSpec(input));
  const size_t colon = spec.find(':');
  const std::string_view arch = spec.substr(0, colon);
  const bool has_params = colon != std::string_view::npos;
  const std::string_view params = has_params ? spec.substr(colon + 1) : std::string_view();
  if (arch == "mlp") {
    if (has_params && params.empty()) return Status::InvalidArgument("mlp: empty list of hidden widths");
    return PlanMlp(params, input);
  }
  if (arch == "cnn-small" || arch == "cnn-mnist") {
    if (has_params) return Status::InvalidArgument(std::string(arch) + " takes no parameters");
    return arch == "cnn-small" ? PlanCnnSmall(input) : PlanCnnMnist(input);
  }
  return Status::InvalidArgument("unknown model architecture '" + std::string(spec) +
                                 "'; known: " + KnownArchitectures());
}

Result<std::unique_ptr<BuiltinModel>> Build(std::string_view spec, const InputSpec& input) {
  CESS_ASSIGN_OR_RETURN(Plan plan, MakePlan(spec, input));
  auto net = std::make_shared<BuiltinNet>(std::make_shared<const Plan>(std::move(plan)));
  net->train(true);
  return std::make_unique<BuiltinModel>(input, std::move(net));
}

}  // namespace

std::string KnownArchitectures() { return "mlp[:<h1>,<h2>,...], cnn-small, cnn-mnist, torchscript:<path>"; }

bool IsBuiltinSpec(std::string_view spec) {
  const std::string_view arch = spec.substr(0, spec.find(':'));
  return arch == "mlp" || arch == "cnn-small" || arch == "cnn-mnist";
}

Result<std::unique_ptr<Model>> CreateBuiltinModel(std::string_view spec, const InputSpec& input,
                                                  uint64_t seed) {
  try {
    CESS_ASSIGN_OR_RETURN(auto model, Build(spec, input));
    at::Generator generator = at::detail::createCPUGenerator(seed);
    model->net().Initialize(generator);
    return std::unique_ptr<Model>(std::move(model));
  } catch (const std::exception& e) {
    return TorchError("building " + std::string(spec), e);
  }
}

Result<std::unique_ptr<Model>> LoadBuiltinModel(std::string_view spec, const InputSpec& input,
                                                const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound("no model file " + path);
  try {
    CESS_ASSIGN_OR_RETURN(auto model, Build(spec, input));
    const auto expected = model->ParameterShapes();
    try {
      torch::serialize::InputArchive archive;
      archive.load_from(path);
      model->net().load(archive);
    } catch (const std::exception& e) {
      return Status::InvalidArgument(path + " is not a saved " + model->spec() +
                                     " model: " + TorchMessage(e));
    }
    // Loading replaces each tensor wholesale; make sure the result is the architecture's.
    model->net().to(torch::kCPU);
    const auto loaded = model->ParameterShapes();
    const auto names = model->ParameterNames();
    for (size_t i = 0; i < expected.size(); ++i) {
      if (loaded[i] != expected[i]) {
        return Status::InvalidArgument(
            path + ": tensor " + names[i] + " has shape " + FormatShape(loaded[i]) + ", " + model->spec() +
            " on " + FormatShape(input.example_shape) + " needs " + FormatShape(expected[i]));
      }
    }
    for (const auto& p : model->Parameters()) {
      if (p.scalar_type() != torch::kFloat) {
        return Status::InvalidArgument(path + ": parameters are not float32");
      }
    }
    return std::unique_ptr<Model>(std::move(model));
  } catch (const std::exception& e) {
    return TorchError("loading " + path, e);
  }
}

}  // namespace cess::ailink::model::internal
