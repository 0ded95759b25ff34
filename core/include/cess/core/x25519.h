// X25519 Diffie-Hellman (RFC 7748) on OpenSSL 3.
#pragma once

#include <array>
#include <cstdint>

#include "cess/core/bytes.h"
#include "cess/core/random.h"
#include "cess/core/result.h"

namespace cess::crypto {

using X25519Secret = std::array<uint8_t, 32>;
using X25519PublicKey = std::array<uint8_t, 32>;
using X25519SharedSecret = std::array<uint8_t, 32>;

// An X25519 key pair. `secret` is the RFC 7748 scalar string (clamped when used, not when stored).
struct X25519KeyPair {
  X25519Secret secret{};
  X25519PublicKey public_key{};
};

// A fresh key pair from `rng`. Errors: Unavailable from the rng; Internal on an OpenSSL failure.
Result<X25519KeyPair> X25519Generate(Rng& rng = SystemRandom());

// The key pair of a 32-byte secret. Errors: InvalidArgument on a wrong length.
Result<X25519KeyPair> X25519FromSecret(ByteSpan secret);

// X25519(secret, peer_public): the shared secret. Feed it through HKDF before use as a key.
// Errors: InvalidArgument on wrong lengths; Corruption when the result is all zero (the peer
// sent a small-order point; RFC 7748 §6.1 says to abort).
Result<X25519SharedSecret> X25519Agree(ByteSpan secret, ByteSpan peer_public);

}  // namespace cess::crypto
