// SHA-256, SHA-512 and HMAC-SHA256 on OpenSSL 3's EVP interface.
//
// Hashing cannot fail on valid input; an OpenSSL failure here (only possible on allocation failure
// or a broken installation) aborts the process with a message rather than returning an error.
#pragma once

#include <array>
#include <cstdint>

#include "cess/core/bytes.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of the public headers.

namespace cess::crypto {

using Hash512 = std::array<uint8_t, 64>;

// SHA-256 of `data` (FIPS 180-4).
Hash256 Sha256(ByteSpan data);
// SHA-512 of `data` (FIPS 180-4).
Hash512 Sha512(ByteSpan data);
// HMAC-SHA256 (RFC 2104) of `data` under `key` (any length).
Hash256 HmacSha256(ByteSpan key, ByteSpan data);

// Incremental SHA-256: Update any number of times, then Finish once. Equal to Sha256 of the
// concatenated updates. Movable, not copyable. Thread safety: none; one hasher per thread.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(Sha256Hasher&& other) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&& other) noexcept;
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  // Feeds `data`. REQUIRES: Finish has not been called since construction or Reset.
  Sha256Hasher& Update(ByteSpan data);
  // The digest of everything fed. Afterwards the hasher must be Reset before reuse.
  Hash256 Finish();
  // Starts over, as if newly constructed.
  void Reset();

 private:
  evp_md_ctx_st* ctx_;
  bool finished_ = false;
};

}  // namespace cess::crypto
