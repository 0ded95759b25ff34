#include "cess/chain/runtime/storage.h"

#include <string>

namespace cess::chain::runtime {

KeyBuilder::KeyBuilder(std::string_view module, std::string_view item) {
  key_.reserve(module.size() + item.size() + 2 + 72);
  key_.insert(key_.end(), module.begin(), module.end());
  key_.push_back('/');
  key_.insert(key_.end(), item.begin(), item.end());
  key_.push_back('/');
}

KeyBuilder& KeyBuilder::Add(ByteSpan raw) {
  key_.insert(key_.end(), raw.begin(), raw.end());
  return *this;
}

KeyBuilder& KeyBuilder::AddU64(uint64_t v) {
  for (int i = 7; i >= 0; --i) key_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return *this;
}

uint64_t ReadU64BE(ByteSpan key, size_t offset) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | key[offset + i];
  return v;
}

Result<uint64_t> GetU64(const state::StateReader& reader, ByteSpan key) {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> raw, reader.Get(key));
  if (!raw) return uint64_t{0};
  if (raw->size() != 8) return Status::Corruption("runtime storage: a u64 value of " + std::to_string(raw->size()) + " bytes");
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | (*raw)[static_cast<size_t>(i)];
  return v;
}

void PutU64(state::Overlay& overlay, ByteSpan key, uint64_t value) {
  if (value == 0) {
    overlay.Delete(key);
    return;
  }
  uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(value >> (8 * i));
  overlay.Put(key, ByteSpan(b, 8));
}

Result<std::optional<Hash256>> GetHash(const state::StateReader& reader, ByteSpan key) {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> raw, reader.Get(key));
  if (!raw) return std::optional<Hash256>();
  if (raw->size() != 32) return Status::Corruption("runtime storage: a hash value of " + std::to_string(raw->size()) + " bytes");
  Hash256 h;
  std::copy(raw->begin(), raw->end(), h.begin());
  return std::optional<Hash256>(h);
}

}  // namespace cess::chain::runtime
