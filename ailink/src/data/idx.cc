#include "cess/ailink/data/idx.h"

#include <sys/mman.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "cess/core/file_util.h"

namespace cess::ailink::data {
namespace {

// Deflate cannot expand data by more than about 1032:1, so a gzip file of c bytes holds at most
// this many times c bytes; a header claiming more is a lie (checked before allocating).
constexpr size_t kMaxInflateRatio = 1040;

size_t ElementSize(uint8_t type) {
  switch (type) {
    case 0x08:  // u8
    case 0x09:  // i8
      return 1;
    case 0x0B:  // i16
      return 2;
    case 0x0C:  // i32
    case 0x0D:  // f32
      return 4;
    case 0x0E:  // f64
      return 8;
    default:
      return 0;
  }
}

std::string Hex2(uint8_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[v >> 4] + kDigits[v & 0xF];
}

// Reads the decoded bytes of an IDX file in bulk: either the raw file bytes, or a gzip stream
// (possibly several concatenated members) inflated on demand.
class ByteSource {
 public:
  ByteSource(ByteSpan file, std::string path) : file_(file), path_(std::move(path)) {
    gzip_ = file_.size() >= 2 && file_[0] == 0x1f && file_[1] == 0x8b;
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  ~ByteSource() {
    if (zinit_) inflateEnd(&zs_);
  }

  bool gzip() const { return gzip_; }

  // Fills up to `n` bytes of `out`; returns the count filled, short only at the end of the data.
  // Errors: Corruption for a bad or truncated gzip stream.
  Result<size_t> Read(uint8_t* out, size_t n) {
    if (!gzip_) {
      const size_t take = std::min(n, file_.size() - pos_);
      if (take > 0) std::memcpy(out, file_.data() + pos_, take);
      pos_ += take;
      return take;
    }
    size_t done = 0;
    while (done < n && !gz_done_) {
      if (!zinit_) {
        zs_ = {};
        if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) return Status::Internal("inflateInit2 failed");
        zinit_ = true;
      }
      // Feed at most 1 GiB per call (avail_in / avail_out are 32-bit).
      const size_t in_left = file_.size() - pos_;
      zs_.next_in = const_cast<Bytef*>(file_.data() + pos_);
      zs_.avail_in = static_cast<uInt>(std::min<size_t>(in_left, size_t{1} << 30));
      zs_.next_out = out + done;
      zs_.avail_out = static_cast<uInt>(std::min<size_t>(n - done, size_t{1} << 30));
      const uInt in_before = zs_.avail_in;
      const uInt out_before = zs_.avail_out;
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      pos_ += in_before - zs_.avail_in;
      done += out_before - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        inflateEnd(&zs_);
        zinit_ = false;
        // Another gzip member may follow (as gzip -d accepts); anything else is trailing garbage.
        if (pos_ == file_.size()) {
          gz_done_ = true;
        } else if (file_.size() - pos_ < 2 || file_[pos_] != 0x1f || file_[pos_ + 1] != 0x8b) {
          return Status::Corruption("'" + path_ + "': " + std::to_string(file_.size() - pos_) +
                                    " bytes of garbage after the gzip stream");
        }
        continue;
      }
      if (rc == Z_OK) continue;
      if (rc == Z_MEM_ERROR) return Status::ResourceExhausted("'" + path_ + "': out of memory inflating");
      if (rc == Z_BUF_ERROR && pos_ == file_.size()) {
        return Status::Corruption("'" + path_ + "': truncated gzip stream (compressed data ends early)");
      }
      std::string why = zs_.msg != nullptr ? zs_.msg : ("zlib error " + std::to_string(rc));
      return Status::Corruption("'" + path_ + "': bad gzip stream: " + why);
    }
    return done;
  }

 private:
  ByteSpan file_;
  std::string path_;
  size_t pos_ = 0;
  bool gzip_ = false;
  bool zinit_ = false;
  bool gz_done_ = false;
  z_stream zs_{};
};

// Converts big-endian `width`-byte elements to host order in place.
void SwapElements(std::vector<uint8_t>& data, size_t width) {
  if (width <= 1 || std::endian::native == std::endian::big) return;
  for (size_t i = 0; i + width <= data.size(); i += width)
    std::reverse(data.begin() + i, data.begin() + i + width);
}

std::string DimsText(const std::vector<size_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s.empty() ? "scalar" : s;
}

// One IDX file: Open reads the file and parses the header (checking that the claimed data size
// fits the file before anything is allocated for it); the element bytes are then streamed with
// ReadData, in file (big-endian) order, and Finish rejects trailing bytes. Not movable (zlib's
// stream state points back at it).
class IdxStream {
 public:
  explicit IdxStream(std::string path) : path_(std::move(path)), where_("'" + path_ + "'") {}
  IdxStream(const IdxStream&) = delete;
  IdxStream& operator=(const IdxStream&) = delete;

  Status Open() {
    CESS_ASSIGN_OR_RETURN(file_, ReadFile(path_));
    src_.emplace(file_, path_);
    std::array<uint8_t, 4> magic{};
    CESS_ASSIGN_OR_RETURN(size_t got, src_->Read(magic.data(), magic.size()));
    if (got < magic.size()) {
      return Status::Corruption(where_ + ": truncated IDX header (" + std::to_string(got) + " bytes)");
    }
    if (magic[0] != 0 || magic[1] != 0) {
      return Status::Corruption(where_ + ": bad IDX magic " + Hex2(magic[0]) + " " + Hex2(magic[1]) +
                                " (expected two zero bytes)");
    }
    type_ = magic[2];
    width_ = ElementSize(type_);
    if (width_ == 0) return Status::Corruption(where_ + ": unknown IDX type code " + Hex2(type_));
    const size_t rank = magic[3];
    std::vector<uint8_t> dim_bytes(rank * 4);
    CESS_ASSIGN_OR_RETURN(got, src_->Read(dim_bytes.data(), dim_bytes.size()));
    if (got < dim_bytes.size()) {
      return Status::Corruption(where_ + ": truncated IDX header (" + std::to_string(rank) +
                                " dimensions declared)");
    }
    size_t total = width_;
    bool overflow = false;
    dims_.resize(rank);
    for (size_t i = 0; i < rank; ++i) {
      const uint8_t* b = dim_bytes.data() + 4 * i;
      dims_[i] = (size_t{b[0]} << 24) | (size_t{b[1]} << 16) | (size_t{b[2]} << 8) | size_t{b[3]};
      if (dims_[i] != 0 && total > std::numeric_limits<size_t>::max() / dims_[i]) overflow = true;
      total *= dims_[i];
    }
    const size_t capacity = src_->gzip() ? file_.size() * kMaxInflateRatio : file_.size() - (4 + 4 * rank);
    if (overflow || total > capacity) {
      return Status::Corruption(where_ + ": truncated IDX data: dimensions " + DimsText(dims_) + " need " +
                                (overflow ? std::string("more than 2^64") : std::to_string(total)) +
                                " bytes, the file holds " +
                                (src_->gzip() ? "fewer" : std::to_string(capacity)));
    }
    data_bytes_ = total;
    return Status::Ok();
  }

  const std::string& where() const { return where_; }
  uint8_t type() const { return type_; }
  size_t width() const { return width_; }
  const std::vector<size_t>& dims() const { return dims_; }
  size_t data_bytes() const { return data_bytes_; }

  // Reads the next `n` data bytes. REQUIRES: at most data_bytes() in all. Errors: Corruption for a
  // bad gzip stream or fewer bytes than the dimensions say.
  Status ReadData(uint8_t* out, size_t n) {
    CESS_ASSIGN_OR_RETURN(size_t got, src_->Read(out, n));
    data_read_ += got;
    if (got < n) {
      return Status::Corruption(where_ + ": truncated IDX data: dimensions " + DimsText(dims_) + " need " +
                                std::to_string(data_bytes_) + " bytes, only " + std::to_string(data_read_) +
                                " present");
    }
    return Status::Ok();
  }

  // Errors: Corruption when bytes follow the data (or the gzip stream is bad past it).
  Status Finish() {
    uint8_t extra[4096];
    size_t trailing = 0;
    for (;;) {
      CESS_ASSIGN_OR_RETURN(size_t got, src_->Read(extra, sizeof(extra)));
      if (got == 0) break;
      trailing += got;
    }
    if (trailing > 0) {
      return Status::Corruption(where_ + ": " + std::to_string(trailing) +
                                " trailing bytes after the IDX data (" + DimsText(dims_) + ")");
    }
    return Status::Ok();
  }

 private:
  std::string path_;
  std::string where_;
  Bytes file_;
  std::optional<ByteSource> src_;
  uint8_t type_ = 0;
  size_t width_ = 0;
  std::vector<size_t> dims_;
  size_t data_bytes_ = 0;
  size_t data_read_ = 0;
};

// Sizes `v` to `n` floats. Large buffers are first advised to use transparent huge pages where
// the kernel offers them on request: faulting in 4 KiB pages costs more than the whole
// conversion for Fashion-MNIST's 188 MB of features. Only a hint; correctness never depends on it.
void ResizeFloats(std::vector<float>& v, size_t n) {
  v.clear();
  v.reserve(n);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t{1} << 21;
  const auto begin = reinterpret_cast<uintptr_t>(v.data());
  const uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t last = (begin + n * sizeof(float)) & ~(kHuge - 1);
  if (n * sizeof(float) >= 8 * kHuge && last > first) {
    (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
#endif
  v.resize(n);
}

}  // namespace

size_t IdxArray::count() const {
  size_t n = 1;
  for (size_t d : dims) n *= d;
  return n;
}

Result<IdxArray> ReadIdx(const std::string& path) {
  IdxStream stream(path);
  CESS_RETURN_IF_ERROR(stream.Open());
  IdxArray out;
  out.type = stream.type();
  out.dims = stream.dims();
  out.data.resize(stream.data_bytes());
  CESS_RETURN_IF_ERROR(stream.ReadData(out.data.data(), out.data.size()));
  CESS_RETURN_IF_ERROR(stream.Finish());
  SwapElements(out.data, stream.width());
  return out;
}

Result<Dataset> LoadIdxDataset(const std::string& images_path, const std::string& labels_path,
                               const IdxLoadOptions& options) {
  if (options.num_classes == 0) return Status::InvalidArgument("IdxLoadOptions.num_classes is 0");
  if (options.standardize &&
      !(options.stddev > 0.0f && std::isfinite(options.stddev) && std::isfinite(options.mean))) {
    return Status::InvalidArgument("IdxLoadOptions: standardize needs a finite mean and a positive stddev");
  }
  IdxStream images(images_path);
  CESS_RETURN_IF_ERROR(images.Open());
  IdxStream labels(labels_path);
  CESS_RETURN_IF_ERROR(labels.Open());
  if (images.type() != 0x08) {
    return Status::InvalidArgument(images.where() + ": images have IDX type " + Hex2(images.type()) +
                                   ", expected u8");
  }
  if (labels.type() != 0x08) {
    return Status::InvalidArgument(labels.where() + ": labels have IDX type " + Hex2(labels.type()) +
                                   ", expected u8");
  }
  const std::vector<size_t>& idims = images.dims();
  if (idims.size() != 3 && idims.size() != 4) {
    return Status::InvalidArgument(images.where() + ": images have " + std::to_string(idims.size()) +
                                   " dimensions, expected N x H x W or N x C x H x W");
  }
  if (labels.dims().size() != 1) {
    return Status::InvalidArgument(labels.where() + ": labels have " + std::to_string(labels.dims().size()) +
                                   " dimensions, expected 1");
  }
  const std::string pair = images.where() + " / " + labels.where();
  const size_t n = idims[0];
  if (labels.dims()[0] != n) {
    return Status::InvalidArgument(pair + ": " + std::to_string(n) + " images but " +
                                   std::to_string(labels.dims()[0]) + " labels");
  }
  Dataset ds;
  ds.num_classes = options.num_classes;
  if (idims.size() == 3) {
    ds.example_shape = {1, idims[1], idims[2]};
  } else {
    ds.example_shape = {idims[1], idims[2], idims[3]};
  }
  for (size_t d : ds.example_shape) {
    if (d == 0) {
      return Status::InvalidArgument(images.where() + ": an image dimension is 0 (" + DimsText(idims) + ")");
    }
  }

  std::vector<uint8_t> label_bytes(n);
  CESS_RETURN_IF_ERROR(labels.ReadData(label_bytes.data(), n));
  CESS_RETURN_IF_ERROR(labels.Finish());
  ds.labels.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t l = label_bytes[i];
    if (l >= options.num_classes) {
      return Status::InvalidArgument(pair + ": mislabelled example " + std::to_string(i) + ": label " +
                                     std::to_string(l) + " is outside [0, " +
                                     std::to_string(options.num_classes) + ")");
    }
    ds.labels[i] = l;
  }

  // Pixels: inflated a cache-sized chunk at a time and converted with one table lookup each.
  std::array<float, 256> lut{};
  for (int v = 0; v < 256; ++v) {
    const float x = static_cast<float>(v) / 255.0f;
    lut[static_cast<size_t>(v)] = options.standardize ? (x - options.mean) / options.stddev : x;
  }
  const size_t total = images.data_bytes();
  ResizeFloats(ds.features, total);
  std::vector<uint8_t> chunk(std::min<size_t>(total, size_t{1} << 18));
  float* dst = ds.features.data();
  for (size_t done = 0; done < total;) {
    const size_t k = std::min(chunk.size(), total - done);
    CESS_RETURN_IF_ERROR(images.ReadData(chunk.data(), k));
    const uint8_t* src = chunk.data();
    for (size_t i = 0; i < k; ++i) dst[done + i] = lut[src[i]];
    done += k;
  }
  CESS_RETURN_IF_ERROR(images.Finish());
  return ds;
}

Result<TrainTest> LoadFashionMnist(std::string_view dir, const IdxLoadOptions& options) {
  const std::string d(dir);
  constexpr std::string_view kHint = " (install Debian's dataset-fashion-mnist; scripts/setup.sh does)";
  std::error_code ec;
  if (!std::filesystem::is_directory(d, ec)) {
    return Status::NotFound("Fashion-MNIST directory '" + d + "' does not exist" + std::string(kHint));
  }
  const auto path = [&](std::string_view name) { return d + "/" + std::string(name); };
  for (std::string_view name : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    if (!std::filesystem::exists(path(name), ec)) {
      return Status::NotFound("Fashion-MNIST file '" + path(name) + "' is missing" + std::string(kHint));
    }
  }
  // The test set loads on a second thread while this one loads the (six times larger) training
  // set; sequentially when no thread can be started.
  std::optional<Result<Dataset>> test;
  const auto load_test = [&] {
    test.emplace(
        LoadIdxDataset(path("t10k-images-idx3-ubyte.gz"), path("t10k-labels-idx1-ubyte.gz"), options));
  };
  std::thread worker;
  try {
    worker = std::thread(load_test);
  } catch (const std::system_error&) {
    load_test();
  }
  Result<Dataset> train =
      LoadIdxDataset(path("train-images-idx3-ubyte.gz"), path("train-labels-idx1-ubyte.gz"), options);
  if (worker.joinable()) worker.join();
  if (!train.ok()) return train.status();
  if (!test->ok()) return test->status();
  TrainTest out;
  out.name = "fashion-mnist";
  out.train = std::move(train).value();
  out.test = std::move(*test).value();
  return out;
}

}  // namespace cess::ailink::data
