// Models for federated training (LibTorch): the built-in architectures, TorchScript files, and
// the view every other part uses — a fixed, ordered list of trainable parameters that flattens to
// and from one float32 vector (the layout of updates and of the flat model format).
//
// Built-in architectures (spec strings; `in` is the example shape, e.g. 1x28x28):
//   mlp[:<h1>,<h2>,...]  flatten, Linear+ReLU per hidden width (default one hidden layer of 256),
//                        Linear to the classes.
//   cnn-small            conv 20@5×5, ReLU, maxpool 2; conv 50@5×5, ReLU, maxpool 2; fc 800→500,
//                        ReLU; fc 500→classes (800 for a 1×28×28 input; derived from the shape).
//   cnn-mnist            conv 32@3×3, ReLU; conv 64@3×3, ReLU; maxpool 2; dropout 0.25; fc
//                        9216→128, ReLU; dropout 0.5; fc 128→classes (9216 for 1×28×28).
//   torchscript:<path>   a scripted or traced module whose forward maps a batch N×<in> to logits
//                        N×classes; its parameters() (requires_grad ones) are the trainable list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <torch/torch.h>

#include "cess/ailink/model/flat_model.h"
#include "cess/core/result.h"

namespace cess::ailink::model {

// What a model consumes and produces.
struct InputSpec {
  std::vector<size_t> example_shape;  // e.g. {1, 28, 28}
  size_t num_classes = 10;
};

// A trainable model. Not thread-safe: use one object per thread (Clone()).
class Model {
 public:
  virtual ~Model() = default;

  // The canonical spec this model was built from, e.g. "cnn-small" or "torchscript:/x/m.pt".
  virtual std::string spec() const = 0;
  virtual const InputSpec& input() const = 0;

  // Logits N×classes for a batch N×<example_shape> on the model's device. In training mode the
  // built-in models draw dropout masks from `dropout_generator` when given (deterministic
  // training), from the default generator otherwise; TorchScript models always use their own.
  // A generator on another device than the batch (a CPU generator with a CUDA model) draws the
  // masks on its own device; they are copied over.
  virtual torch::Tensor Forward(const torch::Tensor& batch, at::Generator* dropout_generator = nullptr) = 0;

  // The trainable parameters in a fixed order (the flat layout), aliasing the model's storage:
  // writing to them changes the model.
  virtual std::vector<torch::Tensor> Parameters() = 0;
  // Their names ("conv1.weight", ...), same order.
  virtual std::vector<std::string> ParameterNames() = 0;

  // Training (dropout on) or evaluation mode.
  virtual void SetTraining(bool training) = 0;
  // Moves the parameters to `device`. Errors: Unavailable when the device cannot be used.
  virtual Status To(const torch::Device& device) = 0;
  virtual torch::Device device() const = 0;

  // A deep copy (same spec, parameters and device).
  virtual Result<std::unique_ptr<Model>> Clone() const = 0;

  // Saves as a .pt file: TorchScript models with torch::jit::Module::save; built-in ones with
  // torch::save of the module (reloadable with LoadModel on the same spec). Atomic. Errors:
  // IoError naming the path.
  virtual Status SavePt(const std::string& path) = 0;

  // Total number of trainable values.
  size_t NumParameters();
  // The parameters as one float32 vector (copied to the host).
  std::vector<float> GetFlat();
  // Overwrites the parameters from `flat`. Errors: InvalidArgument when the size differs (the
  // model is left unchanged).
  Status SetFlat(std::span<const float> flat);
  // The parameters in the flat model format: arch = spec() plus the input spec, e.g.
  // "cnn-small:in=1x28x28,classes=10" or "mlp:256:in=784,classes=10"; names, shapes and values in
  // the flat layout.
  FlatModel ToFlatModel();
};

// Builds a model from a spec (see the top of this file) with weights initialized from `seed`
// (the same seed gives the same weights; built-ins draw every weight and bias from
// U(−1/√fan_in, 1/√fan_in), LibTorch's default, with a generator of their own, so concurrent
// calls do not disturb each other). spec() of the result is canonical ("mlp" → "mlp:256").
// The model is on the CPU, in training mode; `seed` is unused for TorchScript. Errors:
// InvalidArgument for an unknown architecture (listing the known ones), a bad parameter, or an
// input shape the architecture cannot take (e.g. a CNN on a 1-D example, an image smaller than its
// kernels); those of LoadTorchScript.
Result<std::unique_ptr<Model>> CreateModel(std::string_view spec, const InputSpec& input, uint64_t seed);

// Loads a TorchScript file (onto the CPU, in training mode). Errors: NotFound for a missing file;
// InvalidArgument when it is not a TorchScript archive, has no trainable parameters, or its
// forward (run in evaluation mode on two all-zero examples of the input shape) fails or does not
// produce 2×classes.
Result<std::unique_ptr<Model>> LoadTorchScript(const std::string& path, const InputSpec& input);

// Loads parameters saved by SavePt (built-in spec) or a TorchScript file ("torchscript:<path>"
// specs load the file at `path`, which becomes the spec's path), onto the CPU in training mode.
// Errors: NotFound for a missing file; InvalidArgument for an unknown spec or when the file is not
// an archive of that architecture on that input (tensor names or shapes differ).
Result<std::unique_ptr<Model>> LoadModel(std::string_view spec, const InputSpec& input, const std::string& path);

// Parses "cpu", "cuda", "cuda:<index>" or "auto" (cuda:0 when a CUDA device is present, cpu
// otherwise). Errors: InvalidArgument for other text; Unavailable for cuda when LibTorch sees no
// CUDA device (the message says whether this LibTorch build has CUDA at all).
Result<torch::Device> ParseDevice(std::string_view text);

}  // namespace cess::ailink::model
