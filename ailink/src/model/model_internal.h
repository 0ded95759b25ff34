// Private pieces of the model layer shared by its .cc files: the built-in architectures'
// factory and loader, and checks every model kind applies.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cess/ailink/model/model.h"
#include "cess/core/result.h"

namespace cess::ailink::model::internal {

// The spec prefix of TorchScript models.
inline constexpr std::string_view kTorchScriptPrefix = "torchscript:";

// The built-in architecture names, for error messages ("mlp[:h1,h2,...], cnn-small, cnn-mnist").
std::string KnownArchitectures();

// OK when the example shape is non-empty with every dimension >= 1 and there is at least one class.
// Errors: InvalidArgument saying which.
Status ValidateInputSpec(const InputSpec& input);

// Whether `spec` names a built-in architecture (mlp, mlp:..., cnn-small, cnn-mnist), whatever its
// parameters.
bool IsBuiltinSpec(std::string_view spec);

// Builds a built-in architecture with weights drawn from a generator seeded with `seed` (LibTorch's
// default distributions: U(−1/√fan_in, 1/√fan_in) for every weight and bias). The model is on the
// CPU, in training mode. Errors: InvalidArgument for a bad parameter or an input shape the
// architecture cannot take.
Result<std::unique_ptr<Model>> CreateBuiltinModel(std::string_view spec, const InputSpec& input,
                                                  uint64_t seed);

// Loads the parameters a built-in model saved with SavePt into a fresh model of `spec` (on the CPU,
// in training mode). Errors: NotFound for a missing file; InvalidArgument when the file is not such
// an archive or its tensors do not match the architecture's names and shapes.
Result<std::unique_ptr<Model>> LoadBuiltinModel(std::string_view spec, const InputSpec& input,
                                                const std::string& path);

}  // namespace cess::ailink::model::internal
