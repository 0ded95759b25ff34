#include "cess/core/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <string>

#include "openssl_util.h"

namespace cess::crypto {
namespace {

using internal::EvpCipherCtxPtr;

Status CheckKeyNonce(ByteSpan key, ByteSpan nonce) {
  if (key.size() != kAesGcmKeySize) {
    return Status::InvalidArgument("aes-256-gcm key must be 32 bytes, got " + std::to_string(key.size()));
  }
  if (nonce.size() != kAesGcmNonceSize) {
    return Status::InvalidArgument("aes-256-gcm nonce must be 12 bytes, got " + std::to_string(nonce.size()));
  }
  return Status::Ok();
}

// EVP update calls take an int length; feed long inputs in chunks.
constexpr size_t kChunk = 1u << 30;

}  // namespace

Result<Bytes> AesGcmSeal(ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan plaintext) {
  CESS_RETURN_IF_ERROR(CheckKeyNonce(key, nonce));
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return internal::OpensslInternal("aes-gcm: EVP_CIPHER_CTX_new");
  if (EVP_EncryptInit_ex2(ctx.get(), internal::Aes256GcmCipher(), key.data(), nonce.data(), nullptr) != 1) {
    return internal::OpensslInternal("aes-gcm: EVP_EncryptInit_ex2");
  }
  int len = 0;
  for (size_t off = 0; off < aad.size(); off += kChunk) {
    size_t n = std::min(kChunk, aad.size() - off);
    if (EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data() + off, static_cast<int>(n)) != 1) {
      return internal::OpensslInternal("aes-gcm: aad update");
    }
  }
  Bytes out(plaintext.size() + kAesGcmTagSize);
  size_t written = 0;
  for (size_t off = 0; off < plaintext.size(); off += kChunk) {
    size_t n = std::min(kChunk, plaintext.size() - off);
    if (EVP_EncryptUpdate(ctx.get(), out.data() + written, &len, plaintext.data() + off,
                          static_cast<int>(n)) != 1) {
      return internal::OpensslInternal("aes-gcm: EVP_EncryptUpdate");
    }
    written += static_cast<size_t>(len);
  }
  uint8_t final_block[16];  // GCM is a stream mode: Final emits nothing
  if (EVP_EncryptFinal_ex(ctx.get(), final_block, &len) != 1) {
    return internal::OpensslInternal("aes-gcm: EVP_EncryptFinal_ex");
  }
  if (len != 0 || written != plaintext.size()) return Status::Internal("aes-gcm: ciphertext length mismatch");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kAesGcmTagSize, out.data() + written) != 1) {
    return internal::OpensslInternal("aes-gcm: get tag");
  }
  return out;
}

Result<Bytes> AesGcmOpen(ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan sealed) {
  CESS_RETURN_IF_ERROR(CheckKeyNonce(key, nonce));
  if (sealed.size() < kAesGcmTagSize) {
    return Status::Corruption("aes-gcm: sealed input of " + std::to_string(sealed.size()) +
                              " bytes is shorter than the 16-byte tag");
  }
  size_t ct_len = sealed.size() - kAesGcmTagSize;
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return internal::OpensslInternal("aes-gcm: EVP_CIPHER_CTX_new");
  if (EVP_DecryptInit_ex2(ctx.get(), internal::Aes256GcmCipher(), key.data(), nonce.data(), nullptr) != 1) {
    return internal::OpensslInternal("aes-gcm: EVP_DecryptInit_ex2");
  }
  int len = 0;
  for (size_t off = 0; off < aad.size(); off += kChunk) {
    size_t n = std::min(kChunk, aad.size() - off);
    if (EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data() + off, static_cast<int>(n)) != 1) {
      return internal::OpensslInternal("aes-gcm: aad update");
    }
  }
  Bytes out(ct_len);
  size_t written = 0;
  for (size_t off = 0; off < ct_len; off += kChunk) {
    size_t n = std::min(kChunk, ct_len - off);
    if (EVP_DecryptUpdate(ctx.get(), out.data() + written, &len, sealed.data() + off, static_cast<int>(n)) !=
        1) {
      return internal::OpensslInternal("aes-gcm: EVP_DecryptUpdate");
    }
    written += static_cast<size_t>(len);
  }
  // The tag setter takes a non-const pointer but only reads it.
  uint8_t tag[kAesGcmTagSize];
  std::copy(sealed.begin() + static_cast<std::ptrdiff_t>(ct_len), sealed.end(), tag);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kAesGcmTagSize, tag) != 1) {
    return internal::OpensslInternal("aes-gcm: set tag");
  }
  uint8_t final_block[16];  // GCM is a stream mode: Final emits nothing
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &len) != 1 || len != 0 || written != ct_len) {
    internal::DrainErrors();
    OPENSSL_cleanse(out.data(), out.size());
    return Status::Corruption("aes-gcm: authentication failed (wrong key, nonce, aad, or tampered data)");
  }
  return out;
}

}  // namespace cess::crypto
