// Per-segment AES-256-GCM (DESIGN.md §9). The caller's 32-byte master key never leaves the caller
// and is never stored by this library. For segment i of a file with salt s:
//   key_i = HKDF-SHA256(salt = s, ikm = master, info = "cess/segment-key/v1" ‖ u32-LE i, 32 bytes)
//   sealed = AES-256-GCM(key_i, nonce_i, aad = u32-LE i, plaintext) = ciphertext ‖ 16-byte tag
// A plaintext of segment_size - 16 bytes seals to exactly segment_size bytes. The aad binds a
// sealed segment to its position, so segments cannot be swapped; the per-segment key and the
// random nonce make (key, nonce) reuse impossible even across re-uploads with the same salt.
#pragma once

#include <cstdint>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/storage/manifest.h"

namespace cess::storage {

inline constexpr size_t kMasterKeySize = 32;
inline constexpr char kSegmentKeyInfo[] = "cess/segment-key/v1";

// key_i as above. Errors: InvalidArgument when master_key is not 32 bytes. Thread-safe.
Result<Bytes> DeriveSegmentKey(ByteSpan master_key, const Salt& salt, uint32_t segment_index);

// Encrypts `plaintext` as segment `segment_index`. Returns plaintext.size() + 16 bytes.
// Errors: InvalidArgument on a wrong key size; Internal on an OpenSSL failure. Thread-safe.
Result<Bytes> SealSegment(ByteSpan master_key, const Salt& salt, uint32_t segment_index, const Nonce& nonce,
                          ByteSpan plaintext);

// Reverses SealSegment. Errors: InvalidArgument on a wrong key size; Corruption naming the
// segment when the tag does not verify (wrong key, salt, nonce, index or tampered bytes); no
// plaintext is released then. Thread-safe.
Result<Bytes> OpenSegment(ByteSpan master_key, const Salt& salt, uint32_t segment_index, const Nonce& nonce,
                          ByteSpan sealed);

}  // namespace cess::storage
