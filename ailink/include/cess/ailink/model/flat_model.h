// The flat model format (DESIGN.md §4): a model's trainable parameters as one little-endian
// float32 vector plus a small header (architecture, tensor names and shapes, dtype, SHA-256 of the
// values). Torch-free, so tools and the chain side can read models without LibTorch.
//
// File layout, every integer little-endian, encoded with core/codec:
//   magic "CESSFLT1" (8 bytes)
//   u32 header length L, then L bytes of header:
//     string arch            e.g. "cnn-small:in=1x28x28,classes=10" or "torchscript"
//     string dtype           "f32"
//     u32 tensor count T, then per tensor: string name, u32 rank, rank × u64 dims
//     u64 value count V      (= sum over tensors of the product of dims)
//     32 bytes SHA-256 of the V·4 value bytes
//   V × f32 values (the tensors' values concatenated in order, each row-major)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess::ailink::model {

struct FlatModel {
  std::string arch;
  std::vector<std::string> names;           // one per tensor
  std::vector<std::vector<size_t>> shapes;  // one per tensor
  std::vector<float> values;                // all tensors, concatenated

  // Sum of the products of the shapes.
  size_t ExpectedValueCount() const;
  // OK when names and shapes have equal length and values.size() == ExpectedValueCount() (and the
  // arch, names, tensor count and ranks fit the format's u32 lengths). Errors: InvalidArgument
  // saying which does not match.
  Status Validate() const;
};

// The file bytes. Errors: InvalidArgument when Validate fails.
Result<Bytes> EncodeFlatModel(const FlatModel& model);
// Parses file bytes. Errors: Corruption for a bad magic, a truncated or oversized header or
// value block, a dtype other than f32, a value count that disagrees with the shapes, or a
// SHA-256 mismatch (the message says so).
Result<FlatModel> DecodeFlatModel(ByteSpan bytes);
// SHA-256 of the value bytes (the hash stored in the header), for logs and commitments.
Hash256 FlatValuesHash(const std::vector<float>& values);

// Atomic write (temporary file, fsync, rename) / read of a whole file. Errors: those of
// Encode/Decode; NotFound / IoError for the file.
Status WriteFlatModel(const std::string& path, const FlatModel& model);
Result<FlatModel> ReadFlatModel(const std::string& path);

}  // namespace cess::ailink::model
