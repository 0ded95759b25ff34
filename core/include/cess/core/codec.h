// The canonical codec (DESIGN.md §4): the one byte encoding of everything that is hashed, signed or
// stored. Protobuf is for RPC only, never for these bytes.
//
// Encoding rules, in full:
//   u8 / u16 / u32 / u64 / i64   fixed width, little-endian (i64 as two's complement)
//   bool                         one byte, 0 or 1 (any other byte is rejected when decoding)
//   fixed-size byte array        its bytes, raw (the size is known from the type)
//   variable bytes / string      u32 length, then the bytes
//   vector                       u32 element count, then each element in order
//   struct                       its fields in declared order, nothing between them
//   map                          not supported: encode a vector of pairs sorted by key instead
// There are no tags, no padding and no optional fields; an encoding has exactly one decoding.
//
// A type T takes part by defining
//   void Encode(codec::Writer& w) const;
//   static Result<T> Decode(codec::Reader& r);
// after which codec::Encode(t) and codec::Decode<T>(bytes) work on it.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::codec {

// Appends canonical encodings to a growing byte buffer. Writing cannot fail, with one exception
// treated as a bug: a length or count above 2^32 - 1 aborts the process (REQUIRES below).
// Thread safety: none; one writer per thread.
class Writer {
 public:
  Writer() = default;
  // Pre-allocates room for `n` bytes (an optimisation only).
  void Reserve(size_t n) { out_.reserve(n); }

  // Fixed-width integers, little-endian; i64 as two's complement.
  void PutU8(uint8_t v) { out_.push_back(v); }
  void PutU16(uint16_t v) { PutLe(v, 2); }
  void PutU32(uint32_t v) { PutLe(v, 4); }
  void PutU64(uint64_t v) { PutLe(v, 8); }
  void PutI64(int64_t v) { PutLe(static_cast<uint64_t>(v), 8); }
  // One byte, 0 or 1.
  void PutBool(bool v) { out_.push_back(v ? 1 : 0); }
  // The bytes raw, with no length: for fixed-size fields (hashes, keys, signatures).
  void PutFixed(ByteSpan data) { out_.insert(out_.end(), data.begin(), data.end()); }
  // u32 length then the bytes. REQUIRES: data.size() <= UINT32_MAX.
  void PutBytes(ByteSpan data);
  // u32 length then the UTF-8 (or any) bytes of `s`. REQUIRES: s.size() <= UINT32_MAX.
  void PutString(std::string_view s) { PutBytes(AsBytes(s)); }
  // The u32 element count that starts a vector. REQUIRES: n <= UINT32_MAX.
  void PutCount(size_t n);
  // A whole vector: the count, then `put(*this, element)` for each element in order.
  template <typename T, typename F>
  void PutVector(const std::vector<T>& v, F&& put) {
    PutCount(v.size());
    for (const T& e : v) put(*this, e);
  }
  // A vector of types that define Encode(Writer&).
  template <typename T>
  void PutVector(const std::vector<T>& v) {
    PutVector(v, [](Writer& w, const T& e) { e.Encode(w); });
  }

  // The bytes written so far.
  const Bytes& data() const { return out_; }
  size_t size() const { return out_.size(); }
  // Moves the bytes out; the writer is empty afterwards.
  Bytes Take() { return std::exchange(out_, Bytes()); }

 private:
  void PutLe(uint64_t v, int width) {
    for (int i = 0; i < width; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Bytes out_;
};

// Reads canonical encodings from a byte span it does not own (the span must outlive the reader and
// any ByteSpan it returns). Every single-value read either consumes exactly the bytes of one value
// or fails with Corruption and consumes nothing: on truncation, on a bool byte other than 0/1, and
// on a length or count larger than what remains. A failed ReadVector or T::Decode may have consumed
// part of the input: stop decoding at the first error. Never reads out of bounds on any input.
// Thread safety: none; one reader per thread.
class Reader {
 public:
  explicit Reader(ByteSpan in) : in_(in) {}

  // Fixed-width little-endian integers. Errors: Corruption when fewer bytes remain than the width.
  Result<uint8_t> ReadU8();
  Result<uint16_t> ReadU16();
  Result<uint32_t> ReadU32();
  Result<uint64_t> ReadU64();
  Result<int64_t> ReadI64();
  // Errors: Corruption when the byte is neither 0 nor 1.
  Result<bool> ReadBool();
  // `n` raw bytes, as a view into the input.
  Result<ByteSpan> ReadFixed(size_t n);
  // N raw bytes copied into an array (hashes, keys, signatures).
  template <size_t N>
  Result<std::array<uint8_t, N>> ReadArray() {
    CESS_ASSIGN_OR_RETURN(ByteSpan s, ReadFixed(N));
    std::array<uint8_t, N> out{};
    if constexpr (N > 0) std::memcpy(out.data(), s.data(), N);
    return out;
  }
  // u32 length + bytes, as a view into the input.
  Result<ByteSpan> ReadBytesView();
  // u32 length + bytes, copied. `max_len` bounds the length (Corruption when exceeded).
  Result<Bytes> ReadBytes(size_t max_len = SIZE_MAX);
  // u32 length + bytes as a string. `max_len` bounds the length (Corruption when exceeded).
  Result<std::string> ReadString(size_t max_len = SIZE_MAX);
  // The u32 count that starts a vector. Errors: Corruption when count * min_element_size (at least
  // 1) exceeds the remaining input, so a hostile count cannot make the caller allocate huge memory.
  Result<uint32_t> ReadCount(size_t min_element_size = 1);
  // A whole vector: the count, then `read(*this)` (returning Result<T>) for each element.
  template <typename T, typename F>
  Result<std::vector<T>> ReadVector(F&& read, size_t min_element_size = 1) {
    CESS_ASSIGN_OR_RETURN(uint32_t n, ReadCount(min_element_size));
    std::vector<T> out;
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      Result<T> e = read(*this);
      if (!e.ok()) return e.status().WithContext("element " + std::to_string(i));
      out.push_back(std::move(e).value());
    }
    return out;
  }
  // A vector of types that define static Decode(Reader&) (each element at least one byte).
  template <typename T>
  Result<std::vector<T>> ReadVector() {
    return ReadVector<T>([](Reader& r) { return T::Decode(r); });
  }

  // OK when all input was consumed; Corruption naming the count of trailing bytes otherwise.
  Status Finish() const;
  size_t remaining() const { return in_.size() - pos_; }
  size_t position() const { return pos_; }

 private:
  Result<uint64_t> ReadLe(size_t width);
  Status Truncated(size_t want) const;

  ByteSpan in_;
  size_t pos_ = 0;
};

// A type with canonical Encode/Decode members.
template <typename T>
concept Codable = requires(const T& t, Writer& w, Reader& r) {
  { t.Encode(w) } -> std::same_as<void>;
  { T::Decode(r) } -> std::same_as<Result<T>>;
};

// The canonical bytes of `value`.
template <Codable T>
Bytes Encode(const T& value) {
  Writer w;
  value.Encode(w);
  return w.Take();
}

// Decodes a whole buffer as one T. Errors: whatever T::Decode returns, or Corruption when bytes
// remain after the value.
template <Codable T>
Result<T> Decode(ByteSpan bytes) {
  Reader r(bytes);
  CESS_ASSIGN_OR_RETURN(T value, T::Decode(r));
  CESS_RETURN_IF_ERROR(r.Finish());
  return value;
}

// The bytes a signature covers (DESIGN.md §4): "cess/<kind>/v1" ‖ chain_id ‖ bytes, encoded as
// the tag as a length-prefixed string, chain_id as a length-prefixed string, then `bytes` raw.
// The length prefixes make the split unambiguous, so a signature for one kind or chain can never
// verify as another (e.g. kind "tx" with chain "a/b" vs. kind "tx/a" with chain "b").
// `kind` names what is signed ("tx", "vote", "update", ...); `bytes` is its canonical encoding.
Bytes SigningPayload(std::string_view kind, std::string_view chain_id, ByteSpan bytes);

}  // namespace cess::codec
