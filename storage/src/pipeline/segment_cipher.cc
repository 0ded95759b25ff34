#include "cess/storage/segment_cipher.h"

#include <cstring>
#include <string>

#include "cess/core/aead.h"
#include "cess/core/hkdf.h"

namespace cess::storage {
namespace {

std::array<uint8_t, 4> U32Le(uint32_t v) {
  return {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 24)};
}

}  // namespace

Result<Bytes> DeriveSegmentKey(ByteSpan master_key, const Salt& salt, uint32_t segment_index) {
  if (master_key.size() != kMasterKeySize) {
    return Status::InvalidArgument("master key must be 32 bytes, got " + std::to_string(master_key.size()));
  }
  constexpr size_t kInfoLen = sizeof(kSegmentKeyInfo) - 1;
  std::array<uint8_t, kInfoLen + 4> info{};
  std::memcpy(info.data(), kSegmentKeyInfo, kInfoLen);
  const auto idx = U32Le(segment_index);
  std::memcpy(info.data() + kInfoLen, idx.data(), 4);
  return crypto::Hkdf(salt, master_key, info, crypto::kAesGcmKeySize);
}

Result<Bytes> SealSegment(ByteSpan master_key, const Salt& salt, uint32_t segment_index, const Nonce& nonce,
                          ByteSpan plaintext) {
  CESS_ASSIGN_OR_RETURN(Bytes key, DeriveSegmentKey(master_key, salt, segment_index));
  const auto aad = U32Le(segment_index);
  return crypto::AesGcmSeal(key, nonce, aad, plaintext);
}

Result<Bytes> OpenSegment(ByteSpan master_key, const Salt& salt, uint32_t segment_index, const Nonce& nonce,
                          ByteSpan sealed) {
  CESS_ASSIGN_OR_RETURN(Bytes key, DeriveSegmentKey(master_key, salt, segment_index));
  const auto aad = U32Le(segment_index);
  Result<Bytes> plain = crypto::AesGcmOpen(key, nonce, aad, sealed);
  if (!plain.ok()) {
    if (plain.status().code() == StatusCode::kCorruption) {
      return Status::Corruption("segment " + std::to_string(segment_index) +
                                ": decryption failed (wrong key or tampered data)");
    }
    return plain.status();
  }
  return plain;
}

}  // namespace cess::storage
