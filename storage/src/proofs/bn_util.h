// Internal helpers on OpenSSL 3 BIGNUM for cess_proofs: owning pointers, conversions to and from
// big-endian bytes, and a fixed-window simultaneous multi-exponentiation in Montgomery form.
// Not part of the public interface. Thread safety: functions are pure; a BN_CTX is per thread.
#pragma once

#include <openssl/bn.h>

#include <memory>
#include <span>
#include <string_view>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::proofs::internal {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
// Secret values are wiped when freed.
struct BnClearFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct BnCtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
struct MontFree {
  void operator()(BN_MONT_CTX* m) const { BN_MONT_CTX_free(m); }
};

using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using SecretBnPtr = std::unique_ptr<BIGNUM, BnClearFree>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;
using MontPtr = std::unique_ptr<BN_MONT_CTX, MontFree>;

// Fresh objects. Allocation failure aborts the process (as core/hash does): there is no useful
// recovery from an out-of-memory BIGNUM.
BnPtr NewBn();
SecretBnPtr NewSecretBn();
BnCtxPtr NewBnCtx();

// Internal("<what>: <OpenSSL error>") when `ok` is false, else OK.
Status BnCheck(bool ok, std::string_view what);

// The unsigned big-endian integer in `bytes` (empty bytes read as 0).
BnPtr BnFromBytes(ByteSpan bytes);
// Sets `out` to the big-endian integer in `bytes`. Errors: Internal on an OpenSSL failure.
Status BnSetBytes(BIGNUM* out, ByteSpan bytes);
// `v` as exactly `len` big-endian bytes, left-padded. REQUIRES: BN_num_bytes(v) <= len.
Bytes BnToBytes(const BIGNUM* v, size_t len);
// `v` as big-endian bytes of minimal length, at least one byte (0 is {0x00}).
Bytes BnToMinimalBytes(const BIGNUM* v);

// A Montgomery context for the odd modulus `n`. Errors: Internal on an OpenSSL failure.
Result<MontPtr> NewMont(const BIGNUM* n, BN_CTX* ctx);

// Sets `r` to Π_k bases_mont[k]^exps[k] mod N, where each base is given in Montgomery form
// (b·R mod N, b < N) and each exponent is non-negative. Uses 4-bit fixed windows and shares the
// squarings across all bases (a simultaneous multi-exponentiation), so k exponentiations of
// L-bit exponents cost about L squarings plus k·(L/4 + 14) multiplications. The result is in the
// ordinary (non-Montgomery) domain. Public values only: not constant time. REQUIRES:
// bases_mont.size() == exps.size(). Errors: Internal on an OpenSSL failure.
Status MultiExpMont(BIGNUM* r, std::span<const BIGNUM* const> bases_mont, std::span<const BIGNUM* const> exps,
                    BN_MONT_CTX* mont, BN_CTX* ctx);

}  // namespace cess::proofs::internal
