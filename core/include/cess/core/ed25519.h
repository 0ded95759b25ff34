// Ed25519 signatures (RFC 8032, pure Ed25519) on OpenSSL 3. Accounts are Ed25519 keys; an address
// is the 32-byte public key in hex (DESIGN.md §4).
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "cess/core/bytes.h"
#include "cess/core/random.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::crypto {

using Ed25519Seed = std::array<uint8_t, 32>;  // the secret key of RFC 8032
using Ed25519PublicKey = std::array<uint8_t, 32>;
using Ed25519Signature = std::array<uint8_t, 64>;

// An Ed25519 secret key with its public key. Cheap to copy (the OpenSSL key is shared, immutable);
// the seed is wiped from memory when the last copy dies. Thread safety: a const key may sign from
// several threads at once.
class Ed25519PrivateKey {
 public:
  // A fresh key from `rng` (the system CSPRNG by default). Errors: Unavailable from the rng.
  static Result<Ed25519PrivateKey> Generate(Rng& rng = SystemRandom());
  // The key for a 32-byte seed (RFC 8032's secret key). Errors: InvalidArgument on a wrong length.
  static Result<Ed25519PrivateKey> FromSeed(ByteSpan seed);

  // The 32-byte seed. Secret: never log it.
  const Ed25519Seed& seed() const;
  const Ed25519PublicKey& public_key() const { return public_key_; }

  // Signs `message` (the whole message; Ed25519 hashes internally). Deterministic: the same key
  // and message give the same signature. Errors: Internal only on an OpenSSL failure.
  Result<Ed25519Signature> Sign(ByteSpan message) const;

 private:
  struct Impl;
  explicit Ed25519PrivateKey(std::shared_ptr<const Impl> impl, const Ed25519PublicKey& pk)
      : impl_(std::move(impl)), public_key_(pk) {}
  std::shared_ptr<const Impl> impl_;
  Ed25519PublicKey public_key_{};
};

// Checks `signature` over `message` under `public_key`. Both lengths are checked first.
// Errors: InvalidArgument when public_key is not 32 bytes or the signature not 64 bytes;
// Corruption when the signature does not verify (including when the key or R is not a valid point).
Status Ed25519Verify(ByteSpan public_key, ByteSpan message, ByteSpan signature);

}  // namespace cess::crypto
