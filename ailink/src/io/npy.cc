#include "cess/ailink/npy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

namespace cess::ailink {
namespace {

static_assert(std::endian::native == std::endian::little, ".npy '<f4' data is read and written as-is");

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// --- A small parser for the header's Python literal: dict, str, bool, None, int, tuple, list.

struct PyValue {
  enum class Kind { kStr, kBool, kNone, kInt, kSeq } kind = Kind::kNone;
  std::string str;
  bool boolean = false;
  uint64_t integer = 0;
  std::vector<PyValue> items;
};

class LiteralParser {
 public:
  explicit LiteralParser(std::string_view text) : s_(text) {}

  Result<std::vector<std::pair<std::string, PyValue>>> ParseDict() {
    SkipSpace();
    if (!Eat('{')) return Error("expected '{'");
    std::vector<std::pair<std::string, PyValue>> out;
    for (;;) {
      SkipSpace();
      if (Eat('}')) break;
      CESS_ASSIGN_OR_RETURN(PyValue key, ParseValue());
      if (key.kind != PyValue::Kind::kStr) return Error("dictionary key is not a string");
      SkipSpace();
      if (!Eat(':')) return Error("expected ':' after key '" + key.str + "'");
      CESS_ASSIGN_OR_RETURN(PyValue value, ParseValue());
      out.emplace_back(key.str, std::move(value));
      SkipSpace();
      if (Eat(',')) continue;
      if (Eat('}')) break;
      return Error("expected ',' or '}'");
    }
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the dictionary");
    return out;
  }

 private:
  Result<PyValue> ParseValue() {
    SkipSpace();
    if (pos_ >= s_.size()) return Error("unexpected end of header");
    const char c = s_[pos_];
    PyValue v;
    if (c == '\'' || c == '"') {
      ++pos_;
      const size_t end = s_.find(c, pos_);
      if (end == std::string_view::npos) return Error("unterminated string");
      v.kind = PyValue::Kind::kStr;
      v.str = std::string(s_.substr(pos_, end - pos_));
      pos_ = end + 1;
      return v;
    }
    if (c == '(' || c == '[') {
      const char close = c == '(' ? ')' : ']';
      ++pos_;
      v.kind = PyValue::Kind::kSeq;
      for (;;) {
        SkipSpace();
        if (Eat(close)) break;
        CESS_ASSIGN_OR_RETURN(PyValue item, ParseValue());
        v.items.push_back(std::move(item));
        SkipSpace();
        if (Eat(',')) continue;
        if (Eat(close)) break;
        return Error(std::string("expected ',' or '") + close + "'");
      }
      return v;
    }
    if (c >= '0' && c <= '9') {
      v.kind = PyValue::Kind::kInt;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        const uint64_t digit = static_cast<uint64_t>(s_[pos_] - '0');
        if (v.integer > (std::numeric_limits<uint64_t>::max() - digit) / 10) return Error("integer too large");
        v.integer = v.integer * 10 + digit;
        ++pos_;
      }
      if (pos_ < s_.size() && (s_[pos_] == 'L' || s_[pos_] == 'l')) ++pos_;  // Python 2 long
      return v;
    }
    for (auto [word, kind, b] : {std::tuple{"True", PyValue::Kind::kBool, true},
                                 std::tuple{"False", PyValue::Kind::kBool, false},
                                 std::tuple{"None", PyValue::Kind::kNone, false}}) {
      if (s_.substr(pos_, std::strlen(word)) == word) {
        pos_ += std::strlen(word);
        v.kind = kind;
        v.boolean = b;
        return v;
      }
    }
    return Error(std::string("unexpected character '") + c + "'");
  }

  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool Eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status Error(const std::string& what) const {
    return Status::Corruption(".npy header: " + what + " at offset " + std::to_string(pos_));
  }

  std::string_view s_;
  size_t pos_ = 0;
};

std::string ShapeText(const std::vector<size_t>& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

// An fd closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Reads exactly `len` bytes at the current offset. Errors: IoError; Corruption on early EOF.
Status ReadExact(int fd, void* buf, size_t len, const std::string& path, size_t* got) {
  auto* p = static_cast<uint8_t*>(buf);
  size_t done = 0;
  while (done < len) {
    const ssize_t r = ::read(fd, p + done, std::min<size_t>(len - done, size_t{1} << 30));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(Errno("read", path));
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  if (got != nullptr) *got = done;
  return Status::Ok();
}

Status WriteAll(int fd, const void* buf, size_t len, const std::string& path) {
  const auto* p = static_cast<const uint8_t*>(buf);
  size_t done = 0;
  while (done < len) {
    const ssize_t w = ::write(fd, p + done, std::min<size_t>(len - done, size_t{1} << 30));
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(Errno("write", path));
    }
    done += static_cast<size_t>(w);
  }
  return Status::Ok();
}

// Writes header + data to a temporary file next to `path`, fsyncs it, renames it over `path` and
// fsyncs the directory. A crash leaves the old file or the new one.
Status WriteAtomic(const std::string& path, ByteSpan header, const void* data, size_t data_len) {
  std::string tmpl = path + ".tmp.XXXXXX";
  Fd fd(::mkstemp(tmpl.data()));
  if (fd.get() < 0) return Status::IoError(Errno("create temporary file for", path));
  Status s = WriteAll(fd.get(), header.data(), header.size(), tmpl);
  if (s.ok()) s = WriteAll(fd.get(), data, data_len, tmpl);
  if (s.ok() && ::fchmod(fd.get(), 0644) != 0) s = Status::IoError(Errno("chmod", tmpl));
  if (s.ok() && ::fsync(fd.get()) != 0) s = Status::IoError(Errno("fsync", tmpl));
  if (s.ok() && ::close(fd.release()) != 0) s = Status::IoError(Errno("close", tmpl));
  if (s.ok() && ::rename(tmpl.c_str(), path.c_str()) != 0) s = Status::IoError(Errno("rename to", path));
  if (!s.ok()) {
    ::unlink(tmpl.c_str());
    return s;
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) (void)::fsync(dfd.get());
  return Status::Ok();
}

// The header bytes (magic through padding) for a '<f4' C-order array of `shape`.
Bytes EncodeHeader(const std::vector<size_t>& shape) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + ShapeText(shape) + ", }";
  // Version 1.0 when the header length fits 16 bits, else 2.0; total length a multiple of 64.
  int major = 1;
  size_t prefix = kMagicLen + 2 + 2;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  if (total - prefix > 0xFFFF) {
    major = 2;
    prefix = kMagicLen + 2 + 4;
    total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  }
  const size_t hlen = total - prefix;
  dict.append(hlen - dict.size() - 1, ' ');
  dict.push_back('\n');
  Bytes out(kMagic, kMagic + kMagicLen);
  out.push_back(static_cast<uint8_t>(major));
  out.push_back(0);
  const int len_bytes = major == 1 ? 2 : 4;
  for (int i = 0; i < len_bytes; ++i) out.push_back(static_cast<uint8_t>(hlen >> (8 * i)));
  out.insert(out.end(), dict.begin(), dict.end());
  return out;
}

}  // namespace

Result<NpyHeader> ParseNpyHeader(ByteSpan file) {
  if (file.size() < kMagicLen + 2 || std::memcmp(file.data(), kMagic, kMagicLen) != 0) {
    return Status::Corruption("not a .npy file (bad magic string)");
  }
  NpyHeader h;
  h.major = file[6];
  h.minor = file[7];
  size_t prefix = 0;
  size_t hlen = 0;
  if (h.major == 1) {
    prefix = 10;
    if (file.size() < prefix) return Status::Corruption(".npy header truncated");
    hlen = static_cast<size_t>(file[8]) | static_cast<size_t>(file[9]) << 8;
  } else if (h.major == 2 || h.major == 3) {
    prefix = 12;
    if (file.size() < prefix) return Status::Corruption(".npy header truncated");
    hlen = static_cast<size_t>(file[8]) | static_cast<size_t>(file[9]) << 8 | static_cast<size_t>(file[10]) << 16 |
           static_cast<size_t>(file[11]) << 24;
  } else {
    return Status::Corruption("unsupported .npy format version " + std::to_string(h.major) + "." +
                              std::to_string(h.minor));
  }
  if (file.size() < prefix + hlen) {
    return Status::Corruption(".npy header truncated: needs " + std::to_string(prefix + hlen) + " bytes, have " +
                              std::to_string(file.size()));
  }
  h.data_offset = prefix + hlen;
  const std::string_view text(reinterpret_cast<const char*>(file.data() + prefix), hlen);
  LiteralParser parser(text);
  CESS_ASSIGN_OR_RETURN(auto dict, parser.ParseDict());
  bool have_descr = false, have_order = false, have_shape = false;
  for (auto& [key, value] : dict) {
    if (key == "descr") {
      if (value.kind != PyValue::Kind::kStr) {
        h.descr = "<structured>";
      } else {
        h.descr = value.str;
      }
      have_descr = true;
    } else if (key == "fortran_order") {
      if (value.kind != PyValue::Kind::kBool) return Status::Corruption(".npy header: fortran_order is not a bool");
      h.fortran_order = value.boolean;
      have_order = true;
    } else if (key == "shape") {
      if (value.kind != PyValue::Kind::kSeq) return Status::Corruption(".npy header: shape is not a tuple");
      for (const PyValue& d : value.items) {
        if (d.kind != PyValue::Kind::kInt) return Status::Corruption(".npy header: shape holds a non-integer");
        h.shape.push_back(static_cast<size_t>(d.integer));
      }
      have_shape = true;
    }
  }
  if (!have_descr || !have_order || !have_shape) {
    return Status::Corruption(".npy header lacks " +
                              std::string(!have_descr ? "'descr'" : !have_order ? "'fortran_order'" : "'shape'"));
  }
  return h;
}

Result<NpyArray> ReadNpy(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound("no such file: " + path);
    return Status::IoError(Errno("open", path));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::IoError(Errno("stat", path));
  const size_t file_size = static_cast<size_t>(st.st_size);
  // Read the fixed prefix, then the whole header.
  Bytes head(12);
  size_t got = 0;
  CESS_RETURN_IF_ERROR(ReadExact(fd.get(), head.data(), head.size(), path, &got));
  head.resize(got);
  if (got < 10 || std::memcmp(head.data(), kMagic, kMagicLen) != 0) {
    return Status::Corruption(path + ": not a .npy file (bad magic string or too short)");
  }
  size_t header_end = head[6] == 1 ? 10 + (static_cast<size_t>(head[8]) | static_cast<size_t>(head[9]) << 8)
                                   : 12 + (got < 12 ? 0
                                                    : (static_cast<size_t>(head[8]) | static_cast<size_t>(head[9]) << 8 |
                                                       static_cast<size_t>(head[10]) << 16 |
                                                       static_cast<size_t>(head[11]) << 24));
  if (header_end > file_size) header_end = file_size;
  if (header_end > head.size()) {
    const size_t old = head.size();
    head.resize(header_end);
    CESS_RETURN_IF_ERROR(ReadExact(fd.get(), head.data() + old, header_end - old, path, &got));
    head.resize(old + got);
  }
  auto parsed = ParseNpyHeader(head);
  if (!parsed.ok()) return parsed.status().WithContext(path);
  const NpyHeader& h = *parsed;
  if (h.descr != "<f4") {
    return Status::InvalidArgument(path + ": unsupported dtype '" + h.descr +
                                   "' (expected '<f4', little-endian float32)");
  }
  if (h.fortran_order) return Status::InvalidArgument(path + ": Fortran-order arrays are not supported (use C order)");
  if (h.shape.empty() || h.shape.size() > 2) {
    return Status::InvalidArgument(path + ": expected a 1-D or 2-D array, got shape " + ShapeText(h.shape));
  }
  const size_t rows = h.shape.size() == 2 ? h.shape[0] : 1;
  const size_t cols = h.shape.back();
  if (cols != 0 && rows > std::numeric_limits<size_t>::max() / 4 / cols) {
    return Status::Corruption(path + ": shape " + ShapeText(h.shape) + " is too large");
  }
  const size_t want = rows * cols * sizeof(float);
  const size_t have = file_size - h.data_offset;
  if (have < want) {
    return Status::Corruption(path + ": truncated: shape " + ShapeText(h.shape) + " needs " + std::to_string(want) +
                              " bytes of data, the file has " + std::to_string(have));
  }
  if (have > want) {
    return Status::Corruption(path + ": " + std::to_string(have - want) + " unexpected bytes after the " +
                              ShapeText(h.shape) + " array");
  }
  NpyArray out{h.shape, UpdateMatrix(rows, cols)};
  if (::lseek(fd.get(), static_cast<off_t>(h.data_offset), SEEK_SET) < 0) return Status::IoError(Errno("seek", path));
  CESS_RETURN_IF_ERROR(ReadExact(fd.get(), out.values.data(), want, path, &got));
  if (got != want) return Status::Corruption(path + ": truncated while reading (file changed?)");
  return out;
}

Result<UpdateMatrix> ReadNpyMatrix(const std::string& path) {
  CESS_ASSIGN_OR_RETURN(NpyArray a, ReadNpy(path));
  if (a.shape.size() != 2) {
    return Status::InvalidArgument(path + ": expected a 2-D n×d array, got shape " + ShapeText(a.shape));
  }
  return std::move(a.values);
}

Result<std::vector<float>> ReadNpyVector(const std::string& path) {
  CESS_ASSIGN_OR_RETURN(NpyArray a, ReadNpy(path));
  if (a.shape.size() != 1) {
    return Status::InvalidArgument(path + ": expected a 1-D array, got shape " + ShapeText(a.shape));
  }
  return std::vector<float>(a.values.data(), a.values.data() + a.values.size());
}

Bytes EncodeNpy(std::span<const float> values, const std::vector<size_t>& shape) {
  Bytes out = EncodeHeader(shape);
  const size_t at = out.size();
  out.resize(at + values.size() * sizeof(float));
  if (!values.empty()) std::memcpy(out.data() + at, values.data(), values.size() * sizeof(float));
  return out;
}

Status WriteNpyMatrix(const std::string& path, const MatrixView& matrix) {
  if (matrix.data == nullptr && matrix.size() != 0) return Status::InvalidArgument("null matrix");
  const Bytes header = EncodeHeader({matrix.rows, matrix.cols});
  return WriteAtomic(path, header, matrix.data, matrix.size() * sizeof(float));
}

Status WriteNpyVector(const std::string& path, std::span<const float> values) {
  const Bytes header = EncodeHeader({values.size()});
  return WriteAtomic(path, header, values.data(), values.size() * sizeof(float));
}

}  // namespace cess::ailink
