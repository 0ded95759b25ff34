// Typed access to runtime storage: key building and codec-encoded values over a StateReader /
// Overlay. Every module owns the keys under its prefix "<module>/" (DESIGN.md §8, Substrate's
// storage items); the items of each module are listed in its header.
//
// Key layout: "<module>/<item>/" followed by fixed-width parts: 32-byte ids and hashes raw, u64
// numbers big-endian (so a prefix scan visits eras and heights in numeric order).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "cess/chain/state/write_set.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain::runtime {

// Builds a storage key from its parts. Value type.
class KeyBuilder {
 public:
  // Starts "<module>/<item>/".
  KeyBuilder(std::string_view module, std::string_view item);
  KeyBuilder& Add(ByteSpan raw);
  KeyBuilder& AddU64(uint64_t v);  // big-endian
  const Bytes& bytes() const { return key_; }
  operator ByteSpan() const { return key_; }  // NOLINT(google-explicit-constructor)
  Bytes Take() { return std::move(key_); }

 private:
  Bytes key_;
};

// Reads a big-endian u64 at `offset` of `key`. REQUIRES: key.size() >= offset + 8.
uint64_t ReadU64BE(ByteSpan key, size_t offset);

// The value under `key` decoded as T, or nullopt when absent. Errors: Corruption when the stored
// bytes do not decode (broken state: the node must stop); IoError from the store.
template <codec::Codable T>
Result<std::optional<T>> GetValue(const state::StateReader& reader, ByteSpan key) {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> raw, reader.Get(key));
  if (!raw) return std::optional<T>();
  Result<T> v = codec::Decode<T>(*raw);
  if (!v.ok()) return v.status().WithContext("runtime storage: bad value");
  return std::optional<T>(std::move(v).value());
}

// Stages `value` under `key`.
template <codec::Codable T>
void PutValue(state::Overlay& overlay, ByteSpan key, const T& value) {
  overlay.Put(key, codec::Encode(value));
}

// A u64 stored as 8 little-endian bytes; 0 when absent. Errors: Corruption on a wrong size.
Result<uint64_t> GetU64(const state::StateReader& reader, ByteSpan key);
// Stages a u64; a 0 deletes the key instead (absent and 0 read the same).
void PutU64(state::Overlay& overlay, ByteSpan key, uint64_t value);

// A 32-byte hash value, or nullopt when absent. Errors: Corruption on a wrong size.
Result<std::optional<Hash256>> GetHash(const state::StateReader& reader, ByteSpan key);

}  // namespace cess::chain::runtime
