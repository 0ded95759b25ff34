#include "bn_util.h"

#include <openssl/err.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace cess::proofs::internal {
namespace {

[[noreturn]] void OutOfMemory(const char* what) {
  std::fprintf(stderr, "cess_proofs: OpenSSL could not allocate %s\n", what);
  std::abort();
}

}  // namespace

BnPtr NewBn() {
  BIGNUM* b = BN_new();
  if (b == nullptr) OutOfMemory("a BIGNUM");
  return BnPtr(b);
}

SecretBnPtr NewSecretBn() {
  BIGNUM* b = BN_secure_new();
  if (b == nullptr) OutOfMemory("a secure BIGNUM");
  BN_set_flags(b, BN_FLG_CONSTTIME);
  return SecretBnPtr(b);
}

BnCtxPtr NewBnCtx() {
  BN_CTX* c = BN_CTX_new();
  if (c == nullptr) OutOfMemory("a BN_CTX");
  return BnCtxPtr(c);
}

Status BnCheck(bool ok, std::string_view what) {
  if (ok) return Status::Ok();
  char buf[256] = "unknown error";
  const unsigned long err = ERR_get_error();  // NOLINT(google-runtime-int): OpenSSL's type
  if (err != 0) ERR_error_string_n(err, buf, sizeof(buf));
  ERR_clear_error();
  return Status::Internal(std::string(what) + ": " + buf);
}

BnPtr BnFromBytes(ByteSpan bytes) {
  BnPtr b = NewBn();
  if (BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), b.get()) == nullptr)
    OutOfMemory("BIGNUM digits");
  return b;
}

Status BnSetBytes(BIGNUM* out, ByteSpan bytes) {
  return BnCheck(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), out) != nullptr, "BN_bin2bn");
}

Bytes BnToBytes(const BIGNUM* v, size_t len) {
  Bytes out(len);
  if (BN_bn2binpad(v, out.data(), static_cast<int>(len)) < 0) {
    std::fprintf(stderr, "cess_proofs: BnToBytes: value does not fit in %zu bytes\n", len);
    std::abort();
  }
  return out;
}

Bytes BnToMinimalBytes(const BIGNUM* v) {
  const int n = BN_num_bytes(v);
  if (n == 0) return Bytes{0};
  Bytes out(static_cast<size_t>(n));
  BN_bn2bin(v, out.data());
  return out;
}

Result<MontPtr> NewMont(const BIGNUM* n, BN_CTX* ctx) {
  MontPtr mont(BN_MONT_CTX_new());
  if (mont == nullptr) OutOfMemory("a BN_MONT_CTX");
  CESS_RETURN_IF_ERROR(BnCheck(BN_MONT_CTX_set(mont.get(), n, ctx) == 1, "BN_MONT_CTX_set"));
  return mont;
}

Status MultiExpMont(BIGNUM* r, std::span<const BIGNUM* const> bases_mont, std::span<const BIGNUM* const> exps,
                    BN_MONT_CTX* mont, BN_CTX* ctx) {
  constexpr int kWindow = 4;
  constexpr int kTable = 1 << kWindow;
  const size_t k = bases_mont.size();

  // one = R mod N, the Montgomery form of 1.
  BnPtr one = NewBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_one(one.get()) == 1, "BN_one"));
  CESS_RETURN_IF_ERROR(BnCheck(BN_to_montgomery(one.get(), one.get(), mont, ctx) == 1, "BN_to_montgomery"));

  int max_bits = 0;
  for (const BIGNUM* e : exps) max_bits = std::max(max_bits, BN_num_bits(e));

  // table[b * kTable + j] = base_b^j (Montgomery form), j = 1..15.
  std::vector<BnPtr> table(k * kTable);
  for (size_t b = 0; b < k; ++b) {
    if (BN_is_zero(exps[b])) continue;
    table[b * kTable + 1] = NewBn();
    CESS_RETURN_IF_ERROR(BnCheck(BN_copy(table[b * kTable + 1].get(), bases_mont[b]) != nullptr, "BN_copy"));
    for (int j = 2; j < kTable; ++j) {
      table[b * kTable + j] = NewBn();
      CESS_RETURN_IF_ERROR(
          BnCheck(BN_mod_mul_montgomery(table[b * kTable + j].get(), table[b * kTable + j - 1].get(),
                                        bases_mont[b], mont, ctx) == 1,
                  "BN_mod_mul_montgomery"));
    }
  }

  BnPtr acc = NewBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_copy(acc.get(), one.get()) != nullptr, "BN_copy"));
  const int windows = (max_bits + kWindow - 1) / kWindow;
  bool started = false;
  for (int w = windows - 1; w >= 0; --w) {
    if (started) {
      for (int s = 0; s < kWindow; ++s) {
        CESS_RETURN_IF_ERROR(BnCheck(BN_mod_mul_montgomery(acc.get(), acc.get(), acc.get(), mont, ctx) == 1,
                                     "BN_mod_mul_montgomery"));
      }
    }
    for (size_t b = 0; b < k; ++b) {
      int digit = 0;
      for (int s = kWindow - 1; s >= 0; --s) digit = (digit << 1) | BN_is_bit_set(exps[b], w * kWindow + s);
      if (digit == 0) continue;
      CESS_RETURN_IF_ERROR(BnCheck(
          BN_mod_mul_montgomery(acc.get(), acc.get(), table[b * kTable + digit].get(), mont, ctx) == 1,
          "BN_mod_mul_montgomery"));
      started = true;
    }
  }
  CESS_RETURN_IF_ERROR(BnCheck(BN_from_montgomery(r, acc.get(), mont, ctx) == 1, "BN_from_montgomery"));
  return Status::Ok();
}

}  // namespace cess::proofs::internal
