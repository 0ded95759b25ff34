// Shared internals of the PoDR² code in cess_proofs (not public): public-key checks and the
// full-domain hash on BIGNUMs.
#pragma once

#include "bn_util.h"
#include "cess/storage/proofs/podr2.h"

namespace cess::proofs::internal {

// Smallest and largest modulus sizes accepted anywhere (512 .. 8192 bits).
inline constexpr size_t kMinModulusBytes = 64;
inline constexpr size_t kMaxModulusBytes = 1024;

// OK when `pk` is well formed: N odd, kMinModulusBytes ≤ |N| ≤ kMaxModulusBytes with no leading
// zero byte, e odd and ≥ 3, u exactly |N| bytes and 1 < u < N. Errors: InvalidArgument naming the
// field.
Status ValidatePublicKey(const podr2::PublicKey& pk);

// Sets `out` to H(name, index) mod N (see podr2.h). REQUIRES: n > 0. Errors: Internal on an
// OpenSSL failure.
Status HashToModulusBn(BIGNUM* out, const BIGNUM* n, const Hash256& name, uint32_t index, BN_CTX* ctx);

// Largest challenge Derive makes (indices), and the largest coefficient.
inline constexpr uint32_t kMaxChallengeCount = 1u << 16;
inline constexpr uint32_t kMaxCoefficientBytes = 64;

// OK when `c` is well formed: non-empty, as many coefficients as indices, indices strictly
// ascending, every coefficient 1..kMaxCoefficientBytes bytes and non-zero. Errors: `code` with a
// message naming the problem.
Status ValidateChallenge(const podr2::Challenge& c, StatusCode code);

}  // namespace cess::proofs::internal
