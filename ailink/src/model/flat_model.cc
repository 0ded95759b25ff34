#include "cess/ailink/model/flat_model.h"

#include <bit>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "cess/core/codec.h"
#include "cess/core/file_util.h"
#include "cess/core/hash.h"

namespace cess::ailink::model {
namespace {

static_assert(std::endian::native == std::endian::little,
              "flat model values are copied as little-endian f32");
static_assert(sizeof(float) == 4);

constexpr std::string_view kMagic = "CESSFLT1";
constexpr std::string_view kDtype = "f32";

ByteSpan ValueBytes(const std::vector<float>& values) {
  return {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(float)};
}

std::string ShapeText(const std::vector<size_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The header fields after the arch string, parsed and checked.
Status DecodeHeader(ByteSpan header, FlatModel& model, uint64_t& value_count, Hash256& hash) {
  codec::Reader r(header);
  CESS_ASSIGN_OR_RETURN(model.arch, r.ReadString());
  CESS_ASSIGN_OR_RETURN(std::string dtype, r.ReadString());
  if (dtype != kDtype) return Status::Corruption("dtype '" + dtype + "' is not f32");
  // Each tensor takes at least 8 bytes (name length + rank).
  CESS_ASSIGN_OR_RETURN(uint32_t tensors, r.ReadCount(8));
  model.names.resize(tensors);
  model.shapes.resize(tensors);
  uint64_t total = 0;
  for (uint32_t t = 0; t < tensors; ++t) {
    const std::string which = "tensor " + std::to_string(t);
    Result<std::string> name = r.ReadString();
    if (!name.ok()) return name.status().WithContext(which + " name");
    model.names[t] = std::move(name).value();
    Result<uint32_t> rank = r.ReadCount(8);
    if (!rank.ok()) return rank.status().WithContext(which + " ('" + model.names[t] + "') rank");
    std::vector<size_t>& shape = model.shapes[t];
    shape.resize(*rank);
    uint64_t product = 1;
    bool overflow = false;
    for (uint32_t d = 0; d < *rank; ++d) {
      const uint64_t dim = r.ReadU64().value();  // ReadCount(8) guaranteed the bytes
      shape[d] = static_cast<size_t>(dim);
      if (dim != 0 && product > std::numeric_limits<uint64_t>::max() / dim) overflow = true;
      product *= dim;
    }
    if (overflow || total > std::numeric_limits<uint64_t>::max() - product) {
      return Status::Corruption(which + " ('" + model.names[t] + "') shape " + ShapeText(shape) +
                                " overflows");
    }
    total += product;
  }
  CESS_ASSIGN_OR_RETURN(value_count, r.ReadU64());
  if (value_count != total) {
    return Status::Corruption("value count " + std::to_string(value_count) + " disagrees with the shapes (" +
                              std::to_string(total) + " values)");
  }
  CESS_ASSIGN_OR_RETURN(hash, r.ReadArray<32>());
  Status finish = r.Finish();
  if (!finish.ok()) return Status::Corruption("oversized header: " + finish.message());
  return Status::Ok();
}

}  // namespace

size_t FlatModel::ExpectedValueCount() const {
  size_t total = 0;
  for (const std::vector<size_t>& shape : shapes) {
    size_t product = 1;
    for (size_t d : shape) product *= d;
    total += product;
  }
  return total;
}

Status FlatModel::Validate() const {
  if (names.size() != shapes.size()) {
    return Status::InvalidArgument("flat model has " + std::to_string(names.size()) + " tensor names but " +
                                   std::to_string(shapes.size()) + " shapes");
  }
  const size_t expected = ExpectedValueCount();
  if (values.size() != expected) {
    return Status::InvalidArgument("flat model has " + std::to_string(values.size()) +
                                   " values but its shapes need " + std::to_string(expected));
  }
  constexpr size_t kMax = std::numeric_limits<uint32_t>::max();
  if (arch.size() > kMax || names.size() > kMax) {
    return Status::InvalidArgument("flat model arch or tensor list too long for the format");
  }
  for (size_t t = 0; t < names.size(); ++t) {
    if (names[t].size() > kMax || shapes[t].size() > kMax) {
      return Status::InvalidArgument("flat model tensor " + std::to_string(t) + " name or rank too long");
    }
  }
  return Status::Ok();
}

Hash256 FlatValuesHash(const std::vector<float>& values) { return crypto::Sha256(ValueBytes(values)); }

Result<Bytes> EncodeFlatModel(const FlatModel& model) {
  CESS_RETURN_IF_ERROR(model.Validate());
  codec::Writer h;
  h.PutString(model.arch);
  h.PutString(kDtype);
  h.PutCount(model.names.size());
  for (size_t t = 0; t < model.names.size(); ++t) {
    h.PutString(model.names[t]);
    h.PutCount(model.shapes[t].size());
    for (size_t d : model.shapes[t]) h.PutU64(d);
  }
  h.PutU64(model.values.size());
  h.PutFixed(FlatValuesHash(model.values));
  if (h.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("flat model header of " + std::to_string(h.size()) + " bytes is too long");
  }

  const ByteSpan values = ValueBytes(model.values);
  codec::Writer w;
  w.Reserve(kMagic.size() + 4 + h.size() + values.size());
  w.PutFixed(AsBytes(kMagic));
  w.PutU32(static_cast<uint32_t>(h.size()));
  w.PutFixed(h.data());
  w.PutFixed(values);
  return w.Take();
}

Result<FlatModel> DecodeFlatModel(ByteSpan bytes) {
  if (bytes.size() < kMagic.size() || std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    return Status::Corruption("flat model: bad magic (expected \"CESSFLT1\")");
  }
  codec::Reader r(bytes.subspan(kMagic.size()));
  Result<ByteSpan> header = r.ReadBytesView();
  if (!header.ok()) return header.status().WithContext("flat model: truncated header");
  FlatModel model;
  uint64_t value_count = 0;
  Hash256 hash{};
  Status s = DecodeHeader(*header, model, value_count, hash);
  if (!s.ok()) return s.WithContext("flat model header");
  const uint64_t want = value_count;
  if (r.remaining() / sizeof(float) < want) {
    return Status::Corruption("flat model: truncated value block: " + std::to_string(r.remaining()) +
                              " bytes for " + std::to_string(want) + " f32 values");
  }
  if (r.remaining() != want * sizeof(float)) {
    return Status::Corruption(
        "flat model: oversized value block: " + std::to_string(r.remaining() - want * sizeof(float)) +
        " bytes after " + std::to_string(want) + " f32 values");
  }
  const ByteSpan values = r.ReadFixed(r.remaining()).value();
  model.values.resize(static_cast<size_t>(want));
  if (!values.empty()) std::memcpy(model.values.data(), values.data(), values.size());
  if (FlatValuesHash(model.values) != hash) {
    return Status::Corruption("flat model: SHA-256 mismatch: the values hash to " +
                              ToHex(FlatValuesHash(model.values)) + ", the header says " + ToHex(hash));
  }
  return model;
}

Status WriteFlatModel(const std::string& path, const FlatModel& model) {
  CESS_ASSIGN_OR_RETURN(Bytes bytes, EncodeFlatModel(model));
  return WriteFileAtomic(path, bytes);
}

Result<FlatModel> ReadFlatModel(const std::string& path) {
  CESS_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path));
  Result<FlatModel> model = DecodeFlatModel(bytes);
  if (!model.ok()) return model.status().WithContext("'" + path + "'");
  return model;
}

}  // namespace cess::ailink::model
