// AES-256-GCM authenticated encryption on OpenSSL 3 (NIST SP 800-38D), with a 12-byte nonce and the
// 16-byte tag appended to the ciphertext.
//
// A (key, nonce) pair must never encrypt two different messages: use a fresh random nonce per
// message (RandomArray<12>) or a per-message key (HKDF), as the storage pipeline does.
#pragma once

#include <cstddef>

#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess::crypto {

inline constexpr size_t kAesGcmKeySize = 32;
inline constexpr size_t kAesGcmNonceSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;

// Encrypts `plaintext` and authenticates it together with `aad`. Returns ciphertext ‖ tag
// (plaintext.size() + 16 bytes). Errors: InvalidArgument when key is not 32 bytes or nonce not 12;
// Internal on an OpenSSL failure.
Result<Bytes> AesGcmSeal(ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan plaintext);

// Reverses AesGcmSeal: checks the tag over ciphertext and `aad`, then returns the plaintext.
// Errors: InvalidArgument on a wrong key or nonce length; Corruption when `sealed` is shorter than
// the tag or anything (ciphertext, tag, aad, nonce, key) differs from sealing. No plaintext is
// released on failure.
Result<Bytes> AesGcmOpen(ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan sealed);

}  // namespace cess::crypto
