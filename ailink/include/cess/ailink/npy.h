// NumPy .npy files of float32 ('<f4', C order), 1-D (d,) or 2-D (n, d): the format tools use to
// exchange update matrices and aggregated vectors (DESIGN.md §4), so anyone can check the rules
// with numpy. Reads format versions 1.0, 2.0 and 3.0; writes 1.0 (2.0 when the header would not
// fit). Writes are atomic (temporary file, fsync, rename).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cess/ailink/robust/aggregator.h"
#include "cess/ailink/update.h"
#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/kernels/backend.h"

namespace cess::ailink {

// The parsed header of a .npy file.
struct NpyHeader {
  int major = 1;
  int minor = 0;
  std::string descr;           // e.g. "<f4"
  bool fortran_order = false;
  std::vector<size_t> shape;   // () for a scalar
  size_t data_offset = 0;      // bytes before the array data
};

// Parses the header at the start of `file` (at least the whole header must be present).
// Errors: Corruption for a bad magic string, an unsupported version, a truncated header, or a
// header dictionary that does not parse (missing key, bad shape tuple, ...).
Result<NpyHeader> ParseNpyHeader(ByteSpan file);

// An array read from a .npy file: shape (d,) is a 1×d matrix, (n, d) an n×d matrix.
struct NpyArray {
  std::vector<size_t> shape;
  UpdateMatrix values;
};

// Reads a float32 .npy file of 1 or 2 dimensions. Errors: NotFound / IoError for the file;
// Corruption for a bad header, a data size that does not match the shape (truncated or trailing
// bytes); InvalidArgument for a dtype other than '<f4' (naming it: '<f8', '>f4', '<i4', ...),
// Fortran order, or 0 or more than 2 dimensions.
Result<NpyArray> ReadNpy(const std::string& path);

// Reads a 2-D float32 .npy file as an n×d matrix. Errors: as ReadNpy, plus InvalidArgument for a
// 1-D array.
Result<UpdateMatrix> ReadNpyMatrix(const std::string& path);

// Reads a 1-D float32 .npy file. Errors: as ReadNpy, plus InvalidArgument for a 2-D array.
Result<std::vector<float>> ReadNpyVector(const std::string& path);

// The bytes of a .npy file holding `values` with `shape` (1 or 2 dimensions, product equal to
// values.size()). REQUIRES: that shape/size agreement.
Bytes EncodeNpy(std::span<const float> values, const std::vector<size_t>& shape);

// Writes an n×d matrix / a d-vector as float32 .npy, atomically. Errors: IoError naming the step.
Status WriteNpyMatrix(const std::string& path, const MatrixView& matrix);
Status WriteNpyVector(const std::string& path, std::span<const float> values);

// What `cess fl aggregate` does: reads the n×d matrix at in_path, validates it (finite values;
// a bad row is an InvalidArgument naming it), aggregates it with `rule_spec` and budget f on
// `backend` (bucketing seeded by `seed`), and writes the d-vector to out_path as float32 .npy.
// Errors: those of ReadNpyMatrix, ValidateUpdates, ParseRuleSpec, Aggregator::Aggregate and
// WriteNpyVector, each prefixed with the step ("read updates.npy: ...").
Status AggregateNpy(std::string_view rule_spec, size_t f, const std::string& in_path, const std::string& out_path,
                    cess::kernels::Backend backend = cess::kernels::Backend::kAuto, uint64_t seed = 0);

}  // namespace cess::ailink
