// PoDR² keys: PublicKey codec and checks; SecretKey generation, sealing format and CRT values.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <string>

#include "bn_util.h"
#include "cess/core/hash.h"
#include "podr2_internal.h"
#include "secret_key_impl.h"

namespace cess::proofs::podr2 {
namespace {

using internal::BnCheck;
using internal::BnPtr;
using internal::NewBn;
using internal::NewSecretBn;
using internal::SecretBnPtr;

constexpr uint8_t kSecretKeyVersion = 1;
constexpr int kMaxBits = 8192;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

// Derives everything from p, q and u. Errors: `bad` (a code) with a message when the values do
// not form a key; Internal on an OpenSSL failure.
Result<std::unique_ptr<SecretKey::Impl>> BuildImpl(const BIGNUM* p_in, const BIGNUM* q_in, const BIGNUM* u_in,
                                                   StatusCode bad) {
  auto fail = [bad](const std::string& m) { return Status(bad, "podr2 secret key: " + m); };
  internal::BnCtxPtr ctx = internal::NewBnCtx();
  auto impl = std::make_unique<SecretKey::Impl>();
  impl->p = NewSecretBn();
  impl->q = NewSecretBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_copy(impl->p.get(), p_in) != nullptr, "BN_copy"));
  CESS_RETURN_IF_ERROR(BnCheck(BN_copy(impl->q.get(), q_in) != nullptr, "BN_copy"));
  BIGNUM* p = impl->p.get();
  BIGNUM* q = impl->q.get();
  if (BN_num_bits(p) < 128 || BN_num_bits(q) < 128 || !BN_is_odd(p) || !BN_is_odd(q)) {
    return fail("factors must be odd and at least 128 bits");
  }
  if (BN_cmp(p, q) == 0) return fail("p == q");
  impl->n = NewBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_mul(impl->n.get(), p, q, ctx.get()) == 1, "BN_mul"));
  const int bits = BN_num_bits(impl->n.get());
  if (bits < static_cast<int>(internal::kMinModulusBytes * 8) || bits > kMaxBits) {
    return fail("modulus of " + std::to_string(bits) + " bits is out of range");
  }
  for (const BIGNUM* f : {static_cast<const BIGNUM*>(p), static_cast<const BIGNUM*>(q)}) {
    const int prime = BN_check_prime(f, ctx.get(), nullptr);
    if (prime < 0) return BnCheck(false, "BN_check_prime");
    if (prime == 0) return fail("a factor is not prime");
  }
  impl->p1 = NewSecretBn();
  impl->q1 = NewSecretBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_sub(impl->p1.get(), p, BN_value_one()) == 1, "BN_sub"));
  CESS_RETURN_IF_ERROR(BnCheck(BN_sub(impl->q1.get(), q, BN_value_one()) == 1, "BN_sub"));
  SecretBnPtr phi = NewSecretBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_mul(phi.get(), impl->p1.get(), impl->q1.get(), ctx.get()) == 1, "BN_mul"));
  BnPtr e = NewBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_set_word(e.get(), kPublicExponent) == 1, "BN_set_word"));
  impl->d = NewSecretBn();
  if (BN_mod_inverse(impl->d.get(), e.get(), phi.get(), ctx.get()) == nullptr) {
    ERR_clear_error();
    return fail("e is not invertible mod phi(N)");
  }
  impl->dp = NewSecretBn();
  impl->dq = NewSecretBn();
  impl->qinv = NewSecretBn();
  CESS_RETURN_IF_ERROR(
      BnCheck(BN_mod(impl->dp.get(), impl->d.get(), impl->p1.get(), ctx.get()) == 1, "BN_mod"));
  CESS_RETURN_IF_ERROR(
      BnCheck(BN_mod(impl->dq.get(), impl->d.get(), impl->q1.get(), ctx.get()) == 1, "BN_mod"));
  if (BN_mod_inverse(impl->qinv.get(), q, p, ctx.get()) == nullptr) {
    ERR_clear_error();
    return fail("q is not invertible mod p");
  }
  impl->u = NewBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_copy(impl->u.get(), u_in) != nullptr, "BN_copy"));
  if (BN_cmp(impl->u.get(), BN_value_one()) <= 0 || BN_cmp(impl->u.get(), impl->n.get()) >= 0) {
    return fail("u out of range");
  }
  BnPtr g = NewBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_gcd(g.get(), impl->u.get(), impl->n.get(), ctx.get()) == 1, "BN_gcd"));
  if (!BN_is_one(g.get())) return fail("u is not a unit mod N");
  impl->u_p = NewSecretBn();
  impl->u_q = NewSecretBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_mod(impl->u_p.get(), impl->u.get(), p, ctx.get()) == 1, "BN_mod"));
  CESS_RETURN_IF_ERROR(BnCheck(BN_mod(impl->u_q.get(), impl->u.get(), q, ctx.get()) == 1, "BN_mod"));
  CESS_ASSIGN_OR_RETURN(impl->mont_n, internal::NewMont(impl->n.get(), ctx.get()));
  CESS_ASSIGN_OR_RETURN(impl->mont_p, internal::NewMont(p, ctx.get()));
  CESS_ASSIGN_OR_RETURN(impl->mont_q, internal::NewMont(q, ctx.get()));

  const size_t len = static_cast<size_t>(BN_num_bytes(impl->n.get()));
  impl->pk.n = internal::BnToBytes(impl->n.get(), len);
  impl->pk.e = kPublicExponent;
  impl->pk.u = internal::BnToBytes(impl->u.get(), len);
  return impl;
}

}  // namespace
}  // namespace cess::proofs::podr2

namespace cess::proofs::internal {

Status ValidatePublicKey(const podr2::PublicKey& pk) {
  if (pk.n.size() < kMinModulusBytes || pk.n.size() > kMaxModulusBytes) {
    return Status::InvalidArgument("podr2 public key: modulus of " + std::to_string(pk.n.size()) +
                                   " bytes is out of range");
  }
  if (pk.n.front() == 0) return Status::InvalidArgument("podr2 public key: modulus has a leading zero byte");
  if ((pk.n.back() & 1) == 0) return Status::InvalidArgument("podr2 public key: modulus is even");
  if (pk.e < 3 || (pk.e & 1) == 0) return Status::InvalidArgument("podr2 public key: bad exponent");
  if (pk.u.size() != pk.n.size()) return Status::InvalidArgument("podr2 public key: u is not |N| bytes");
  BnPtr n = BnFromBytes(pk.n);
  BnPtr u = BnFromBytes(pk.u);
  if (BN_cmp(u.get(), BN_value_one()) <= 0 || BN_cmp(u.get(), n.get()) >= 0) {
    return Status::InvalidArgument("podr2 public key: u out of range (1, N)");
  }
  return Status::Ok();
}

}  // namespace cess::proofs::internal

namespace cess::proofs::podr2 {

// ---- PublicKey ----

void PublicKey::Encode(codec::Writer& w) const {
  w.PutBytes(n);
  w.PutU32(e);
  w.PutBytes(u);
}

Result<PublicKey> PublicKey::Decode(codec::Reader& r) {
  PublicKey pk;
  CESS_ASSIGN_OR_RETURN(pk.n, r.ReadBytes(internal::kMaxModulusBytes));
  CESS_ASSIGN_OR_RETURN(pk.e, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(pk.u, r.ReadBytes(internal::kMaxModulusBytes));
  CESS_RETURN_IF_ERROR(internal::ValidatePublicKey(pk));
  return pk;
}

Bytes PublicKey::Serialize() const { return codec::Encode(*this); }

Result<PublicKey> PublicKey::Parse(ByteSpan bytes) { return codec::Decode<PublicKey>(bytes); }

Hash256 PublicKey::Fingerprint() const { return crypto::Sha256(Serialize()); }

// ---- SecretKey ----

SecretKey::SecretKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SecretKey::~SecretKey() = default;

const PublicKey& SecretKey::public_key() const { return impl_->pk; }

Result<std::unique_ptr<SecretKey>> SecretKey::Generate(int bits) {
  if (bits < 512 || bits % 2 != 0 || bits > kMaxBits) {
    return Status::InvalidArgument("podr2: key size must be even and in [512, 8192] bits, got " +
                                   std::to_string(bits));
  }
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> pctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  CESS_RETURN_IF_ERROR(BnCheck(pctx != nullptr, "EVP_PKEY_CTX_new_from_name"));
  CESS_RETURN_IF_ERROR(BnCheck(EVP_PKEY_keygen_init(pctx.get()) == 1, "EVP_PKEY_keygen_init"));
  CESS_RETURN_IF_ERROR(
      BnCheck(EVP_PKEY_CTX_set_rsa_keygen_bits(pctx.get(), bits) == 1, "EVP_PKEY_CTX_set_rsa_keygen_bits"));
  EVP_PKEY* raw = nullptr;
  CESS_RETURN_IF_ERROR(BnCheck(EVP_PKEY_generate(pctx.get(), &raw) == 1, "EVP_PKEY_generate"));
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(raw);
  BIGNUM* p_raw = nullptr;
  BIGNUM* q_raw = nullptr;
  const bool got_p = EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, &p_raw) == 1;
  SecretBnPtr p(p_raw);
  const bool got_q = EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, &q_raw) == 1;
  SecretBnPtr q(q_raw);
  CESS_RETURN_IF_ERROR(BnCheck(got_p && got_q, "EVP_PKEY_get_bn_param(RSA factors)"));

  BnPtr n = NewBn();
  internal::BnCtxPtr ctx = internal::NewBnCtx();
  CESS_RETURN_IF_ERROR(BnCheck(BN_mul(n.get(), p.get(), q.get(), ctx.get()) == 1, "BN_mul"));
  BnPtr u = NewBn();
  BnPtr g = NewBn();
  for (;;) {
    CESS_RETURN_IF_ERROR(BnCheck(BN_rand_range(u.get(), n.get()) == 1, "BN_rand_range"));
    if (BN_cmp(u.get(), BN_value_one()) <= 0) continue;
    CESS_RETURN_IF_ERROR(BnCheck(BN_gcd(g.get(), u.get(), n.get(), ctx.get()) == 1, "BN_gcd"));
    if (BN_is_one(g.get())) break;
  }
  CESS_ASSIGN_OR_RETURN(auto impl, BuildImpl(p.get(), q.get(), u.get(), StatusCode::kInternal));
  return std::unique_ptr<SecretKey>(new SecretKey(std::move(impl)));
}

Bytes SecretKey::Serialize() const {
  codec::Writer w;
  w.PutU8(kSecretKeyVersion);
  const size_t half = (impl_->pk.n.size() + 1) / 2;
  Bytes p = internal::BnToBytes(impl_->p.get(), std::max<size_t>(half, BN_num_bytes(impl_->p.get())));
  Bytes q = internal::BnToBytes(impl_->q.get(), std::max<size_t>(half, BN_num_bytes(impl_->q.get())));
  w.PutBytes(p);
  w.PutBytes(q);
  w.PutBytes(impl_->pk.u);
  OPENSSL_cleanse(p.data(), p.size());
  OPENSSL_cleanse(q.data(), q.size());
  return w.Take();
}

Result<std::unique_ptr<SecretKey>> SecretKey::Parse(ByteSpan bytes) {
  codec::Reader r(bytes);
  CESS_ASSIGN_OR_RETURN(uint8_t version, r.ReadU8());
  if (version != kSecretKeyVersion) {
    return Status::Corruption("podr2 secret key: unknown version " + std::to_string(version));
  }
  CESS_ASSIGN_OR_RETURN(ByteSpan p_bytes, r.ReadBytesView());
  CESS_ASSIGN_OR_RETURN(ByteSpan q_bytes, r.ReadBytesView());
  CESS_ASSIGN_OR_RETURN(ByteSpan u_bytes, r.ReadBytesView());
  CESS_RETURN_IF_ERROR(r.Finish());
  if (p_bytes.size() > internal::kMaxModulusBytes || q_bytes.size() > internal::kMaxModulusBytes ||
      u_bytes.size() > internal::kMaxModulusBytes) {
    return Status::Corruption("podr2 secret key: field too long");
  }
  SecretBnPtr p = NewSecretBn();
  SecretBnPtr q = NewSecretBn();
  CESS_RETURN_IF_ERROR(internal::BnSetBytes(p.get(), p_bytes));
  CESS_RETURN_IF_ERROR(internal::BnSetBytes(q.get(), q_bytes));
  BnPtr u = internal::BnFromBytes(u_bytes);
  CESS_ASSIGN_OR_RETURN(auto impl, BuildImpl(p.get(), q.get(), u.get(), StatusCode::kCorruption));
  if (u_bytes.size() != impl->pk.n.size()) return Status::Corruption("podr2 secret key: u is not |N| bytes");
  return std::unique_ptr<SecretKey>(new SecretKey(std::move(impl)));
}

}  // namespace cess::proofs::podr2
