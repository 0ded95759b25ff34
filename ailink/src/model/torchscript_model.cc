// Models loaded from TorchScript files: a torch::jit::Module whose requires_grad parameters are
// the trainable list.
#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cess/ailink/model/model.h"
#include "cess/core/file_util.h"
#include "model/model_internal.h"
#include "model/torch_util.h"

namespace cess::ailink::model {
namespace {

using ailink::internal::CheckDevice;
using ailink::internal::FormatShape;
using ailink::internal::TorchError;
using ailink::internal::TorchMessage;

class TorchScriptModel final : public Model {
 public:
  TorchScriptModel(std::string path, InputSpec input, torch::jit::Module module)
      : spec_(std::string(internal::kTorchScriptPrefix) + path),
        input_(std::move(input)),
        module_(std::move(module)) {}

  std::string spec() const override { return spec_; }
  const InputSpec& input() const override { return input_; }

  // TorchScript dropout draws from the module's own (the global) generator.
  torch::Tensor Forward(const torch::Tensor& batch, at::Generator* /*dropout_generator*/) override {
    return module_.forward({batch}).toTensor();
  }

  std::vector<torch::Tensor> Parameters() override {
    std::vector<torch::Tensor> params;
    for (const auto& p : module_.parameters()) {
      if (p.requires_grad()) params.push_back(p);
    }
    return params;
  }
  std::vector<std::string> ParameterNames() override {
    std::vector<std::string> names;
    for (const auto& named : module_.named_parameters()) {
      if (named.value.requires_grad()) names.push_back(named.name);
    }
    return names;
  }

  void SetTraining(bool training) override { module_.train(training); }

  Status To(const torch::Device& device) override {
    CESS_RETURN_IF_ERROR(CheckDevice(device));
    try {
      module_.to(device);
    } catch (const std::exception& e) {
      return Status::Unavailable("cannot move " + spec_ + " to " + device.str() + ": " + TorchMessage(e));
    }
    device_ = device;
    return Status::Ok();
  }
  torch::Device device() const override { return device_; }

  Result<std::unique_ptr<Model>> Clone() const override {
    try {
      // Through the serialized form, not Module::deepcopy(): deepcopy clones the parameters with
      // autograd history, so the copy's parameters are not leaves and never receive gradients
      // (a replica made that way does not train).
      std::stringstream buffer;
      module_.save(buffer);
      std::unique_ptr<TorchScriptModel> copy(new TorchScriptModel(*this));
      copy->module_ = torch::jit::load(buffer, device_);
      copy->module_.train(module_.is_training());
      return std::unique_ptr<Model>(std::move(copy));
    } catch (const std::exception& e) {
      return TorchError("cloning " + spec_, e);
    }
  }

  Status SavePt(const std::string& path) override {
    std::string bytes;
    try {
      std::ostringstream out;
      module_.save(out);
      bytes = std::move(out).str();
    } catch (const std::exception& e) {
      return Status::IoError("saving " + spec_ + " to " + path + ": " + TorchMessage(e));
    }
    const Status written = WriteFileAtomic(path, AsBytes(bytes));
    if (!written.ok()) return Status::IoError("saving " + spec_ + " to " + path + ": " + written.message());
    return Status::Ok();
  }

 private:
  TorchScriptModel(const TorchScriptModel&) = default;

  std::string spec_;
  InputSpec input_;
  torch::jit::Module module_;
  torch::Device device_{torch::kCPU};
};

// Runs the module on two all-zero examples in evaluation mode; OK when it returns a 2×classes tensor.
Status CheckForward(torch::jit::Module& module, const std::string& path, const InputSpec& input) {
  std::vector<int64_t> shape = {2};
  for (size_t d : input.example_shape) shape.push_back(static_cast<int64_t>(d));
  torch::IValue out;
  try {
    torch::NoGradGuard no_grad;
    module.eval();
    out = module.forward({torch::zeros(shape)});
  } catch (const std::exception& e) {
    return Status::InvalidArgument(path + ": forward fails on a batch of " +
                                   FormatShape(input.example_shape) + " examples: " + TorchMessage(e));
  }
  module.train(true);
  if (!out.isTensor()) return Status::InvalidArgument(path + ": forward does not return a tensor");
  const torch::Tensor logits = out.toTensor();
  if (logits.dim() != 2 || logits.size(0) != 2 || logits.size(1) != static_cast<int64_t>(input.num_classes)) {
    return Status::InvalidArgument(path + ": forward maps a batch of 2 to " + FormatShape(logits.sizes()) +
                                   ", expected 2x" + std::to_string(input.num_classes));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Model>> LoadTorchScript(const std::string& path, const InputSpec& input) {
  CESS_RETURN_IF_ERROR(internal::ValidateInputSpec(input));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Status::NotFound("no TorchScript file " + path);
  try {
    torch::jit::Module module;
    try {
      module = torch::jit::load(path, torch::kCPU);
    } catch (const std::exception& e) {
      return Status::InvalidArgument(path + " is not a TorchScript archive: " + TorchMessage(e));
    }
    bool trainable = false;
    for (const auto& p : module.parameters()) trainable = trainable || p.requires_grad();
    if (!trainable) return Status::InvalidArgument(path + " has no trainable parameters");
    CESS_RETURN_IF_ERROR(CheckForward(module, path, input));
    return std::unique_ptr<Model>(std::make_unique<TorchScriptModel>(path, input, std::move(module)));
  } catch (const std::exception& e) {
    return TorchError("loading " + path, e);
  }
}

}  // namespace cess::ailink::model
