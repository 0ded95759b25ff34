// HKDF with SHA-256 (RFC 5869) on OpenSSL 3's EVP_KDF.
#pragma once

#include <cstddef>

#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess::crypto {

// The most HKDF-SHA256 can expand to: 255 blocks of 32 bytes.
inline constexpr size_t kHkdfSha256MaxOutput = 255 * 32;

// HKDF-Extract: PRK = HMAC-SHA256(salt, ikm). An empty salt means 32 zero bytes (RFC 5869 §2.2).
Hash256 HkdfExtract(ByteSpan salt, ByteSpan ikm);

// HKDF-Expand: `length` bytes of output keying material from `prk` and `info`.
// Errors: InvalidArgument when prk is shorter than 32 bytes, or length is 0 or above
// kHkdfSha256MaxOutput; Internal on an OpenSSL failure.
Result<Bytes> HkdfExpand(ByteSpan prk, ByteSpan info, size_t length);

// HKDF (extract then expand). Errors: InvalidArgument when length is 0 or above
// kHkdfSha256MaxOutput; Internal on an OpenSSL failure.
Result<Bytes> Hkdf(ByteSpan salt, ByteSpan ikm, ByteSpan info, size_t length);

}  // namespace cess::crypto
