#include "cess/core/codec.h"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

namespace cess::codec {
namespace {

[[noreturn]] void DieTooLong(size_t n) {
  std::fprintf(stderr, "codec::Writer: length %zu does not fit the u32 prefix\n", n);
  std::abort();
}

}  // namespace

void Writer::PutBytes(ByteSpan data) {
  PutCount(data.size());
  PutFixed(data);
}

void Writer::PutCount(size_t n) {
  if (n > std::numeric_limits<uint32_t>::max()) DieTooLong(n);
  PutU32(static_cast<uint32_t>(n));
}

Status Reader::Truncated(size_t want) const {
  return Status::Corruption("codec: truncated input: need " + std::to_string(want) + " bytes at offset " +
                            std::to_string(pos_) + ", " + std::to_string(remaining()) + " remain");
}

Result<uint64_t> Reader::ReadLe(size_t width) {
  if (remaining() < width) return Truncated(width);
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= static_cast<uint64_t>(in_[pos_ + i]) << (8 * i);
  pos_ += width;
  return v;
}

Result<uint8_t> Reader::ReadU8() {
  CESS_ASSIGN_OR_RETURN(uint64_t v, ReadLe(1));
  return static_cast<uint8_t>(v);
}

Result<uint16_t> Reader::ReadU16() {
  CESS_ASSIGN_OR_RETURN(uint64_t v, ReadLe(2));
  return static_cast<uint16_t>(v);
}

Result<uint32_t> Reader::ReadU32() {
  CESS_ASSIGN_OR_RETURN(uint64_t v, ReadLe(4));
  return static_cast<uint32_t>(v);
}

Result<uint64_t> Reader::ReadU64() { return ReadLe(8); }

Result<int64_t> Reader::ReadI64() {
  CESS_ASSIGN_OR_RETURN(uint64_t v, ReadLe(8));
  return static_cast<int64_t>(v);
}

Result<bool> Reader::ReadBool() {
  if (remaining() < 1) return Truncated(1);
  uint8_t b = in_[pos_];
  if (b > 1) {
    return Status::Corruption("codec: bool byte " + std::to_string(b) + " at offset " + std::to_string(pos_) +
                              " is neither 0 nor 1");
  }
  ++pos_;
  return b == 1;
}

Result<ByteSpan> Reader::ReadFixed(size_t n) {
  if (remaining() < n) return Truncated(n);
  ByteSpan out = in_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Result<ByteSpan> Reader::ReadBytesView() {
  if (remaining() < 4) return Truncated(4);
  size_t start = pos_;
  uint32_t len = ReadU32().value();
  if (len > remaining()) {
    pos_ = start;
    return Status::Corruption("codec: length " + std::to_string(len) + " at offset " + std::to_string(start) +
                              " exceeds the " + std::to_string(remaining()) + " bytes that follow");
  }
  return ReadFixed(len);
}

Result<Bytes> Reader::ReadBytes(size_t max_len) {
  size_t start = pos_;
  CESS_ASSIGN_OR_RETURN(ByteSpan s, ReadBytesView());
  if (s.size() > max_len) {
    pos_ = start;
    return Status::Corruption("codec: byte string of " + std::to_string(s.size()) +
                              " bytes exceeds the limit " + std::to_string(max_len));
  }
  return Bytes(s.begin(), s.end());
}

Result<std::string> Reader::ReadString(size_t max_len) {
  size_t start = pos_;
  CESS_ASSIGN_OR_RETURN(ByteSpan s, ReadBytesView());
  if (s.size() > max_len) {
    pos_ = start;
    return Status::Corruption("codec: string of " + std::to_string(s.size()) + " bytes exceeds the limit " +
                              std::to_string(max_len));
  }
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

Result<uint32_t> Reader::ReadCount(size_t min_element_size) {
  if (min_element_size == 0) min_element_size = 1;
  size_t start = pos_;
  CESS_ASSIGN_OR_RETURN(uint32_t n, ReadU32());
  // n <= 2^32 and min_element_size is small in practice; divide to avoid overflow.
  if (n > remaining() / min_element_size) {
    pos_ = start;
    return Status::Corruption("codec: count " + std::to_string(n) + " at offset " + std::to_string(start) +
                              " cannot fit in the " + std::to_string(remaining()) + " bytes that follow");
  }
  return n;
}

Status Reader::Finish() const {
  if (remaining() == 0) return Status::Ok();
  return Status::Corruption("codec: " + std::to_string(remaining()) + " trailing bytes after offset " +
                            std::to_string(pos_));
}

Bytes SigningPayload(std::string_view kind, std::string_view chain_id, ByteSpan bytes) {
  std::string tag = "cess/";
  tag += kind;
  tag += "/v1";
  Writer w;
  w.Reserve(8 + tag.size() + chain_id.size() + bytes.size());
  w.PutString(tag);
  w.PutString(chain_id);
  w.PutFixed(bytes);
  return w.Take();
}

}  // namespace cess::codec
