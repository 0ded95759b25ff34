// Ed25519 signatures (RFC 8032, pure Ed25519): keys and signing on OpenSSL 3, verification on
// libsodium (with OpenSSL's as the reference). Accounts are Ed25519 keys; an address
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

// Checks `signature` over `message` under `public_key`: the verification every part of the system
// uses (transactions, block seals, votes), so that all nodes accept exactly the same signatures.
// Runs on libsodium (crypto_sign_verify_detached; about twice as fast as OpenSSL 3's EVP path).
// Both lengths are checked first. Errors: InvalidArgument when public_key is not 32 bytes or the
// signature not 64 bytes; Corruption when the signature does not verify.
//
// The rule (libsodium 1.0.18): S < L; the public key A and the signature's R canonically encoded
// (y < p) and not of small order (not in the 8-torsion); A and R decode to curve points; and the
// cofactorless equation encode([S]B − [k]A) == R with k = SHA-512(R ‖ A ‖ M) mod L. It is STRICTER
// than Ed25519VerifyReference (OpenSSL), which accepts small-order and non-canonically encoded
// keys and small-order R. Those are the only differences (tests/core/ed25519_impl_test.cc): every
// signature this accepts the reference accepts too, and the signatures only the reference accepts
// are never made by an honest signer (e.g. for the identity key, R = identity and S = 0 "verify"
// for any message under OpenSSL; a key holder can also make R = identity, S = k·a).
Status Ed25519Verify(ByteSpan public_key, ByteSpan message, ByteSpan signature);

// The same check on OpenSSL 3 (EVP_DigestVerify): the reference implementation, kept to test
// Ed25519Verify against. Not used by the chain. Errors as Ed25519Verify; Corruption also when the
// key or R is not a valid point.
Status Ed25519VerifyReference(ByteSpan public_key, ByteSpan message, ByteSpan signature);

}  // namespace cess::crypto
