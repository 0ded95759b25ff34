// Fixed-base exponentiation for the public u of a PoDR² key (not public). Verify raises u to μ,
// an unreduced sum of about block-size + 160 bits (≈ 65.7 kbit for 8 KiB blocks): a plain
// exponentiation costs one squaring per bit. Since u is fixed per network key, a table of
// u^(2^(8k)) turns that into about bits/8 + 255 multiplications with Yao's method (≈ 8× fewer
// operations), at the cost of the table (bits/8 values of |N| bytes: ≈ 2 MiB for 8 KiB blocks),
// built once per key per process and cached.
#pragma once

#include <memory>
#include <vector>

#include "bn_util.h"
#include "cess/core/bytes.h"

namespace cess::proofs::internal {

class FixedBaseTable {
 public:
  static constexpr int kDigitBits = 8;

  // The cached table of base `u` mod `n` covering exponents of at least `exp_bits` bits, built
  // (or rebuilt longer) on demand. The cache keeps the tables of the 4 most recently used keys.
  // Thread-safe. Errors: Internal on an OpenSSL failure.
  static Result<std::shared_ptr<const FixedBaseTable>> Get(const BIGNUM* n, const BIGNUM* u, int exp_bits,
                                                           BN_MONT_CTX* mont, BN_CTX* ctx);

  // Sets `r` to u^e mod N (ordinary domain). REQUIRES: BN_num_bits(e) <= covered_bits() and `mont`
  // is a Montgomery context for the same N. Public values only: not constant time.
  Status Exp(BIGNUM* r, const BIGNUM* e, BN_MONT_CTX* mont, BN_CTX* ctx) const;

  int covered_bits() const { return static_cast<int>(powers_.size()) * kDigitBits; }

 private:
  std::vector<BnPtr> powers_;  // Montgomery form of u^(2^(kDigitBits·k)), k = 0..size−1
};

}  // namespace cess::proofs::internal
