// The Model base class's flat view (GetFlat / SetFlat / ToFlatModel), the factory entry points
// that dispatch between built-in architectures and TorchScript, and device parsing.
#include "cess/ailink/model/model.h"

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/model_internal.h"
#include "model/torch_util.h"

namespace cess::ailink::model {
namespace {

using ailink::internal::CheckDevice;
using ailink::internal::FormatShape;

// A CPU float32 tensor over `values` (no copy). The caller keeps `values` alive and must not
// write through the tensor when `values` is const.
torch::Tensor WrapHost(const float* values, size_t count) {
  return torch::from_blob(const_cast<float*>(values), {static_cast<int64_t>(count)},
                          torch::TensorOptions().dtype(torch::kFloat));
}

}  // namespace

size_t Model::NumParameters() {
  size_t n = 0;
  for (const auto& p : Parameters()) n += static_cast<size_t>(p.numel());
  return n;
}

std::vector<float> Model::GetFlat() {
  const std::vector<torch::Tensor> params = Parameters();
  size_t n = 0;
  for (const auto& p : params) n += static_cast<size_t>(p.numel());
  std::vector<float> flat(n);
  torch::NoGradGuard no_grad;
  torch::Tensor dst = WrapHost(flat.data(), n);
  int64_t offset = 0;
  for (const auto& p : params) {
    const int64_t count = p.numel();
    dst.slice(0, offset, offset + count).copy_(p.detach().reshape({-1}));
    offset += count;
  }
  return flat;
}

Status Model::SetFlat(std::span<const float> flat) {
  const std::vector<torch::Tensor> params = Parameters();
  size_t n = 0;
  for (const auto& p : params) n += static_cast<size_t>(p.numel());
  if (flat.size() != n) {
    return Status::InvalidArgument("flat parameters have " + std::to_string(flat.size()) + " values, " +
                                   spec() + " has " + std::to_string(n));
  }
  try {
    torch::NoGradGuard no_grad;
    const torch::Tensor src = WrapHost(flat.data(), n);
    int64_t offset = 0;
    for (const auto& p : params) {
      const int64_t count = p.numel();
      // `p` is a handle aliasing the parameter; copy_ writes into its storage.
      torch::Tensor target = p;
      target.copy_(src.slice(0, offset, offset + count).view(p.sizes()));
      offset += count;
    }
  } catch (const std::exception& e) {
    return ailink::internal::TorchError("setting the parameters of " + spec(), e);
  }
  return Status::Ok();
}

FlatModel Model::ToFlatModel() {
  FlatModel flat;
  flat.arch = spec() + ":in=" + FormatShape(input().example_shape) +
              ",classes=" + std::to_string(input().num_classes);
  flat.names = ParameterNames();
  for (const auto& p : Parameters()) {
    std::vector<size_t> shape;
    for (int64_t d : p.sizes()) shape.push_back(static_cast<size_t>(d));
    flat.shapes.push_back(std::move(shape));
  }
  flat.values = GetFlat();
  return flat;
}

namespace internal {

Status ValidateInputSpec(const InputSpec& input) {
  if (input.example_shape.empty())
    return Status::InvalidArgument("the input spec has an empty example shape");
  for (size_t d : input.example_shape) {
    if (d == 0) {
      return Status::InvalidArgument("the example shape " + FormatShape(input.example_shape) +
                                     " has a zero dimension");
    }
  }
  if (input.num_classes == 0) return Status::InvalidArgument("the input spec has no classes");
  return Status::Ok();
}

}  // namespace internal

Result<std::unique_ptr<Model>> CreateModel(std::string_view spec, const InputSpec& input, uint64_t seed) {
  if (spec.starts_with(internal::kTorchScriptPrefix)) {
    return LoadTorchScript(std::string(spec.substr(internal::kTorchScriptPrefix.size())), input);
  }
  return internal::CreateBuiltinModel(spec, input, seed);
}

Result<std::unique_ptr<Model>> LoadModel(std::string_view spec, const InputSpec& input,
                                         const std::string& path) {
  if (spec.starts_with(internal::kTorchScriptPrefix)) return LoadTorchScript(path, input);
  if (!internal::IsBuiltinSpec(spec)) {
    return Status::InvalidArgument("unknown model architecture '" + std::string(spec) +
                                   "'; known: " + internal::KnownArchitectures());
  }
  return internal::LoadBuiltinModel(spec, input, path);
}

Result<torch::Device> ParseDevice(std::string_view text) {
  if (text == "cpu") return torch::Device(torch::kCPU);
  if (text == "auto") {
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  }
  if (text != "cuda" && !text.starts_with("cuda:")) {
    return Status::InvalidArgument("unknown device '" + std::string(text) +
                                   "' (expected cpu, cuda, cuda:<index> or auto)");
  }
  torch::Device device(torch::kCUDA, 0);
  if (text != "cuda") {
    const std::string_view digits = text.substr(5);
    int index = 0;
    bool ok = !digits.empty() && digits.size() <= 3;
    for (char ch : digits) {
      if (ch < '0' || ch > '9') {
        ok = false;
        break;
      }
      index = index * 10 + (ch - '0');
    }
    if (!ok || index > 127)
      return Status::InvalidArgument("bad CUDA device index in '" + std::string(text) + "'");
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  CESS_RETURN_IF_ERROR(CheckDevice(device));
  return device;
}

}  // namespace cess::ailink::model
