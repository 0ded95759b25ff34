// ECVRF-P256-SHA256-TAI, the verifiable random function of RFC 9381 (suite string 0x01), on
// OpenSSL 3's EC_GROUP / EC_POINT / BIGNUM.
//
// The holder of a secret key turns any input `alpha` into a 32-byte output `beta` plus a proof `pi`
// that anyone with the public key can check; beta is unpredictable without the secret key and is
// unique for (public key, alpha). R²S elections (DESIGN.md §8) use beta over the era seed.
//
// Encodings, as in RFC 9381 §5.5 for this suite:
//   secret key  32 bytes, the big-endian scalar x with 1 <= x < q (q = the order of P-256)
//   public key  33 bytes, the SEC1 compressed point Y = x·B (0x02/0x03 ‖ X)
//   proof pi    81 bytes, Gamma (33, compressed point) ‖ c (16, big-endian) ‖ s (32, big-endian)
//   output beta 32 bytes, SHA-256(0x01 ‖ 0x03 ‖ Gamma ‖ 0x00)
// The nonce is deterministic (RFC 6979 §3.2 as RFC 9381 §5.4.2.1 specifies), so Prove on the same
// key and alpha always returns the same proof. Points decode only from 33-byte compressed form.
//
// All functions are thread-safe and never crash on any input bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "cess/core/bytes.h"
#include "cess/core/random.h"
#include "cess/core/result.h"

namespace cess::crypto::ecvrf {

inline constexpr size_t kSecretKeySize = 32;
inline constexpr size_t kPublicKeySize = 33;
inline constexpr size_t kProofSize = 81;
inline constexpr size_t kOutputSize = 32;

using SecretKey = std::array<uint8_t, kSecretKeySize>;
using PublicKey = std::array<uint8_t, kPublicKeySize>;
using Proof = std::array<uint8_t, kProofSize>;
using Output = std::array<uint8_t, kOutputSize>;

// A uniformly random secret key (1 <= x < q) from `rng`. Errors: Unavailable from the rng.
Result<SecretKey> GenerateSecretKey(Rng& rng = SystemRandom());

// Y = x·B, compressed. Errors: InvalidArgument when sk is not 32 bytes or x is 0 or >= q.
Result<PublicKey> PublicKeyFromSecret(ByteSpan sk);

// The proof for `alpha` under `sk` (RFC 9381 §5.1). Deterministic.
// Errors: InvalidArgument on a bad secret key; Internal on an OpenSSL failure.
Result<Proof> Prove(ByteSpan sk, ByteSpan alpha);

// Checks `pi` for `alpha` under `pk` (RFC 9381 §5.3, with key validation) and returns beta.
// Errors: InvalidArgument when pk is not a 33-byte compressed point on P-256; Corruption when pi is
// not 81 bytes, Gamma is not a valid point, s >= q, or the proof does not verify (wrong key, wrong
// alpha, or any altered byte).
Result<Output> Verify(ByteSpan pk, ByteSpan alpha, ByteSpan pi);

// beta of a proof (RFC 9381 §5.2), without verifying it: use it only on a proof that Verify
// accepted, or that this node made. Errors: Corruption when pi is malformed (as in Verify).
Result<Output> ProofToHash(ByteSpan pi);

// Steps of the construction, exposed so tests can check them against the RFC's intermediate values.
namespace detail {
// H = encode_to_curve_try_and_increment(pk_string, alpha) (RFC 9381 §5.4.1.1), compressed.
// Errors: InvalidArgument on a pk_string of the wrong size; Internal when 256 tries all fail
// (probability about 2^-256).
Result<PublicKey> EncodeToCurve(ByteSpan pk_string, ByteSpan alpha);
// k = ECVRF_nonce_generation_RFC6979(sk, h_string) (RFC 9381 §5.4.2.1), as 32 big-endian bytes.
// Errors: InvalidArgument on a bad secret key.
Result<SecretKey> Nonce(ByteSpan sk, ByteSpan h_string);
}  // namespace detail

}  // namespace cess::crypto::ecvrf
