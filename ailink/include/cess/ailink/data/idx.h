// IDX files (the MNIST / Fashion-MNIST format), read directly from .gz through zlib or raw, and
// the Fashion-MNIST loader over Debian's dataset-fashion-mnist package.
//
// IDX: big-endian; bytes 0-1 zero, byte 2 the type code (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32,
// 0x0D f32, 0x0E f64), byte 3 the number of dimensions, then one u32 per dimension, then the data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cess/ailink/data/dataset.h"
#include "cess/core/result.h"

namespace cess::ailink::data {

// Where Debian's dataset-fashion-mnist installs the four files.
inline constexpr std::string_view kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// A decoded IDX array: the raw element bytes, converted to host byte order (floats are converted
// only by the loaders below).
struct IdxArray {
  uint8_t type = 0;           // IDX type code
  std::vector<size_t> dims;   // e.g. {60000, 28, 28}
  std::vector<uint8_t> data;  // element bytes, converted to host byte order
  size_t count() const;       // product of dims (1 for zero dims)
};

// Reads an IDX file; gzip-compressed when it starts with the gzip magic (1f 8b), raw otherwise.
// Errors: NotFound for a missing file, IoError for an unreadable one; Corruption, naming the file,
// for a bad gzip stream, a truncated file (fewer data bytes than the dimensions say), trailing
// bytes, a bad magic or an unknown type code.
Result<IdxArray> ReadIdx(const std::string& path);

struct IdxLoadOptions {
  // Scale u8 pixels to [0, 1] and then standardize with (x - mean) / std. Defaults: Fashion-MNIST's
  // training-set mean 0.2860 and std 0.3530. Set standardize = false for plain [0, 1].
  bool standardize = true;
  float mean = 0.2860f;
  float stddev = 0.3530f;
  size_t num_classes = 10;
};

// Builds a Dataset from an images file (u8, N×H×W or N×C×H×W) and a labels file (u8, N). The
// example shape is {1, H, W} for 3-D images, {C, H, W} for 4-D ones. Pixels are streamed out of
// the (gzip) file and converted chunk by chunk, without an intermediate copy. Errors: those of
// ReadIdx; InvalidArgument naming the files when the counts differ, a label is out of range
// ("mislabelled"), a type is not u8, the ranks are wrong, or the options are invalid
// (num_classes 0; standardize with a non-positive stddev).
Result<Dataset> LoadIdxDataset(const std::string& images_path, const std::string& labels_path,
                               const IdxLoadOptions& options = {});

// Loads Fashion-MNIST (train-images-idx3-ubyte.gz etc.) from `dir`; the test set is read on a
// second thread while the calling thread reads the training set. Errors: those of
// LoadIdxDataset; a missing directory or file says to install dataset-fashion-mnist
// (scripts/setup.sh does).
Result<TrainTest> LoadFashionMnist(std::string_view dir = kFashionMnistDir,
                                   const IdxLoadOptions& options = {});

}  // namespace cess::ailink::data
