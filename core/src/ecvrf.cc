// ECVRF-P256-SHA256-TAI (RFC 9381). Section numbers below refer to RFC 9381.
#include "cess/core/ecvrf.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <cstring>
#include <string>

#include "cess/core/hash.h"
#include "cess/core/status.h"
#include "openssl_util.h"

namespace cess::crypto::ecvrf {
namespace {

using internal::BnCtxPtr;
using internal::BnPtr;
using internal::EcPointPtr;

constexpr uint8_t kSuite = 0x01;           // suite_string of ECVRF-P256-SHA256-TAI
constexpr size_t kCLen = 16;               // challenge length
constexpr size_t kQLen = 32;               // scalar length
constexpr size_t kPtLen = kPublicKeySize;  // compressed point length

// The P-256 group with its order and field prime, built once; read-only afterwards, so it may be
// shared by all threads.
struct Curve {
  EC_GROUP* group = nullptr;
  BIGNUM* order = nullptr;             // q
  std::array<uint8_t, 32> prime_be{};  // p, big-endian
  Status status;                       // not OK when construction failed
};

const Curve& P256() {
  static const Curve curve = [] {
    Curve c;
    c.group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    if (c.group == nullptr) {
      c.status = internal::OpensslInternal("ecvrf: EC_GROUP_new_by_curve_name(P-256)");
      return c;
    }
    c.order = BN_new();
    BnPtr p(BN_new());
    BnCtxPtr ctx(BN_CTX_new());
    if (c.order == nullptr || !p || !ctx || EC_GROUP_get_order(c.group, c.order, ctx.get()) != 1 ||
        EC_GROUP_get_curve(c.group, p.get(), nullptr, nullptr, ctx.get()) != 1 ||
        BN_bn2binpad(p.get(), c.prime_be.data(), 32) != 32) {
      c.status = internal::OpensslInternal("ecvrf: cannot read P-256 parameters");
    }
    return c;
  }();
  return curve;
}

// Scratch state for one operation.
class Ops {
 public:
  Ops() : curve_(P256()), ctx_(BN_CTX_new()) {}

  Status Init() const {
    if (!curve_.status.ok()) return curve_.status;
    if (!ctx_) return internal::OpensslInternal("ecvrf: BN_CTX_new");
    return Status::Ok();
  }

  const EC_GROUP* group() const { return curve_.group; }
  const BIGNUM* order() const { return curve_.order; }
  BN_CTX* ctx() const { return ctx_.get(); }

  Result<BnPtr> NewBn() const {
    BnPtr b(BN_new());
    if (!b) return internal::OpensslInternal("ecvrf: BN_new");
    return b;
  }

  Result<EcPointPtr> NewPoint() const {
    EcPointPtr p(EC_POINT_new(group()));
    if (!p) return internal::OpensslInternal("ecvrf: EC_POINT_new");
    return p;
  }

  // Parses the secret scalar x (big-endian), flagged constant-time. Errors: InvalidArgument when
  // sk is not 32 bytes or x is not in [1, q-1].
  Result<BnPtr> SecretScalar(ByteSpan sk) const {
    if (sk.size() != kSecretKeySize) {
      return Status::InvalidArgument("ecvrf secret key must be 32 bytes, got " + std::to_string(sk.size()));
    }
    CESS_ASSIGN_OR_RETURN(BnPtr x, NewBn());
    BN_set_flags(x.get(), BN_FLG_CONSTTIME);
    if (BN_bin2bn(sk.data(), static_cast<int>(sk.size()), x.get()) == nullptr) {
      return internal::OpensslInternal("ecvrf: BN_bin2bn");
    }
    if (BN_is_zero(x.get()) || BN_cmp(x.get(), order()) >= 0) {
      return Status::InvalidArgument("ecvrf secret key is not a scalar in [1, q-1]");
    }
    return x;
  }

  // string_to_point restricted to the 33-byte compressed form: prefix 0x02/0x03, X < p, and X on
  // the curve. Returns `error_code` with `what` on any failure.
  Result<EcPointPtr> DecodePoint(ByteSpan s, StatusCode error_code, const char* what) const {
    if (s.size() != kPtLen || (s[0] != 0x02 && s[0] != 0x03)) {
      return Status(error_code, std::string(what) + " is not a 33-byte compressed point");
    }
    if (std::memcmp(s.data() + 1, curve_.prime_be.data(), 32) >= 0) {
      return Status(error_code, std::string(what) + " has an x coordinate >= p");
    }
    CESS_ASSIGN_OR_RETURN(EcPointPtr p, NewPoint());
    if (EC_POINT_oct2point(group(), p.get(), s.data(), s.size(), ctx()) != 1) {
      internal::DrainErrors();
      return Status(error_code, std::string(what) + " is not a point on P-256");
    }
    if (EC_POINT_is_at_infinity(group(), p.get()) == 1) {
      return Status(error_code, std::string(what) + " is the point at infinity");
    }
    return p;
  }

  // point_to_string: SEC1 compressed (33 bytes); the identity encodes as the single byte 0x00.
  Result<Bytes> Encode(const EC_POINT* p) const {
    if (EC_POINT_is_at_infinity(group(), p) == 1) return Bytes{0x00};
    Bytes out(kPtLen);
    if (EC_POINT_point2oct(group(), p, POINT_CONVERSION_COMPRESSED, out.data(), out.size(), ctx()) !=
        kPtLen) {
      return internal::OpensslInternal("ecvrf: EC_POINT_point2oct");
    }
    return out;
  }

  // r = n·P (P null means the generator B).
  Status Mul(EC_POINT* r, const EC_POINT* p, const BIGNUM* n) const {
    int ok = p == nullptr ? EC_POINT_mul(group(), r, n, nullptr, nullptr, ctx())
                          : EC_POINT_mul(group(), r, nullptr, p, n, ctx());
    if (ok != 1) return internal::OpensslInternal("ecvrf: EC_POINT_mul");
    return Status::Ok();
  }

  // RFC 9381 §5.4.1.1, encode_to_curve_try_and_increment with salt = pk_string.
  Result<EcPointPtr> EncodeToCurve(ByteSpan pk_string, ByteSpan alpha) const {
    Bytes candidate(kPtLen);
    candidate[0] = 0x02;  // interpret_hash_value_as_a_point: 0x02 ‖ hash_string
    for (int ctr = 0; ctr < 256; ++ctr) {
      Sha256Hasher h;
      const uint8_t front[2] = {kSuite, 0x01};
      const uint8_t back[2] = {static_cast<uint8_t>(ctr), 0x00};
      h.Update(front).Update(pk_string).Update(alpha).Update(back);
      Hash256 hash = h.Finish();
      std::memcpy(candidate.data() + 1, hash.data(), hash.size());
      Result<EcPointPtr> p = DecodePoint(candidate, StatusCode::kCorruption, "candidate");
      if (p.ok()) return p;  // cofactor is 1: no clearing needed
    }
    return Status::Internal("ecvrf: encode_to_curve found no point in 256 tries");
  }

  // RFC 9381 §5.4.3, challenge_generation over five points, as the 16 truncated bytes.
  Result<std::array<uint8_t, kCLen>> Challenge(const EC_POINT* p1, const EC_POINT* p2, const EC_POINT* p3,
                                               const EC_POINT* p4, const EC_POINT* p5) const {
    Sha256Hasher h;
    const uint8_t front[2] = {kSuite, 0x02};
    h.Update(front);
    for (const EC_POINT* p : {p1, p2, p3, p4, p5}) {
      CESS_ASSIGN_OR_RETURN(Bytes s, Encode(p));
      h.Update(s);
    }
    const uint8_t back[1] = {0x00};
    h.Update(back);
    Hash256 full = h.Finish();
    std::array<uint8_t, kCLen> c{};
    std::memcpy(c.data(), full.data(), kCLen);
    return c;
  }

  // RFC 9381 §5.4.2.1: RFC 6979 §3.2 with m = h_string, HMAC-SHA256, qlen = hlen = 256.
  Result<BnPtr> Nonce(const BIGNUM* x, ByteSpan h_string) const {
    uint8_t x_oct[kQLen];
    if (BN_bn2binpad(x, x_oct, kQLen) != kQLen) return internal::OpensslInternal("ecvrf: BN_bn2binpad");
    // bits2octets(h1) = int2octets(bits2int(h1) mod q); with qlen = hlen bits2int is the identity.
    Hash256 h1 = Sha256(h_string);
    CESS_ASSIGN_OR_RETURN(BnPtr z, NewBn());
    if (BN_bin2bn(h1.data(), 32, z.get()) == nullptr || BN_nnmod(z.get(), z.get(), order(), ctx()) != 1) {
      return internal::OpensslInternal("ecvrf: bits2octets");
    }
    uint8_t h_oct[kQLen];
    if (BN_bn2binpad(z.get(), h_oct, kQLen) != kQLen) return internal::OpensslInternal("ecvrf: BN_bn2binpad");

    Hash256 v;
    Hash256 k;
    v.fill(0x01);  // step b
    k.fill(0x00);  // step c
    auto mac = [&](uint8_t sep) {
      Bytes buf;
      buf.reserve(32 + 1 + 2 * kQLen);
      buf.insert(buf.end(), v.begin(), v.end());
      buf.push_back(sep);
      buf.insert(buf.end(), x_oct, x_oct + kQLen);
      buf.insert(buf.end(), h_oct, h_oct + kQLen);
      Hash256 out = HmacSha256(k, buf);
      OPENSSL_cleanse(buf.data(), buf.size());
      return out;
    };
    k = mac(0x00);         // step d
    v = HmacSha256(k, v);  // step e
    k = mac(0x01);         // step f
    v = HmacSha256(k, v);  // step g
    CESS_ASSIGN_OR_RETURN(BnPtr nonce, NewBn());
    BN_set_flags(nonce.get(), BN_FLG_CONSTTIME);
    Status result = Status::Internal("ecvrf: RFC 6979 nonce loop did not terminate");
    for (int attempt = 0; attempt < 1000; ++attempt) {  // step h; one pass succeeds w.p. ~1 - 2^-32
      v = HmacSha256(k, v);                             // tlen = qlen: one block is enough
      if (BN_bin2bn(v.data(), 32, nonce.get()) == nullptr) {
        result = internal::OpensslInternal("ecvrf: BN_bin2bn");
        break;
      }
      if (!BN_is_zero(nonce.get()) && BN_cmp(nonce.get(), order()) < 0) {
        result = Status::Ok();
        break;
      }
      uint8_t retry[33];
      std::memcpy(retry, v.data(), 32);
      retry[32] = 0x00;
      k = HmacSha256(k, ByteSpan(retry, 33));
      v = HmacSha256(k, v);
    }
    OPENSSL_cleanse(x_oct, sizeof(x_oct));
    OPENSSL_cleanse(k.data(), k.size());
    OPENSSL_cleanse(v.data(), v.size());
    if (!result.ok()) return result;
    return nonce;
  }

  // decode_proof (RFC 9381 §5.4.4): Gamma, c, s with s < q. Errors: Corruption.
  struct Decoded {
    EcPointPtr gamma;
    BnPtr c;
    BnPtr s;
  };
  Result<Decoded> DecodeProof(ByteSpan pi) const {
    if (pi.size() != kProofSize) {
      return Status::Corruption("ecvrf proof must be 81 bytes, got " + std::to_string(pi.size()));
    }
    Decoded d;
    CESS_ASSIGN_OR_RETURN(d.gamma,
                          DecodePoint(pi.first(kPtLen), StatusCode::kCorruption, "ecvrf proof Gamma"));
    CESS_ASSIGN_OR_RETURN(d.c, NewBn());
    CESS_ASSIGN_OR_RETURN(d.s, NewBn());
    if (BN_bin2bn(pi.data() + kPtLen, kCLen, d.c.get()) == nullptr ||
        BN_bin2bn(pi.data() + kPtLen + kCLen, kQLen, d.s.get()) == nullptr) {
      return internal::OpensslInternal("ecvrf: BN_bin2bn");
    }
    if (BN_cmp(d.s.get(), order()) >= 0) return Status::Corruption("ecvrf proof has s >= q");
    return d;
  }

  // proof_to_hash from a decoded Gamma (cofactor 1).
  Result<Output> Beta(const EC_POINT* gamma) const {
    CESS_ASSIGN_OR_RETURN(Bytes g, Encode(gamma));
    Sha256Hasher h;
    const uint8_t front[2] = {kSuite, 0x03};
    const uint8_t back[1] = {0x00};
    h.Update(front).Update(g).Update(back);
    return h.Finish();
  }

 private:
  const Curve& curve_;
  BnCtxPtr ctx_;
};

template <size_t N>
Result<std::array<uint8_t, N>> ToArray(Result<Bytes> b) {
  if (!b.ok()) return b.status();
  if (b->size() != N)
    return Status::Internal("ecvrf: unexpected encoding length " + std::to_string(b->size()));
  std::array<uint8_t, N> out{};
  std::memcpy(out.data(), b->data(), N);
  return out;
}

}  // namespace

Result<SecretKey> GenerateSecretKey(Rng& rng) {
  Ops ops;
  CESS_RETURN_IF_ERROR(ops.Init());
  SecretKey sk{};
  // Rejection sampling: q is just below 2^256, so a draw is rejected with probability ~2^-32.
  for (int attempt = 0; attempt < 64; ++attempt) {
    Status s = rng.Fill(sk);
    if (!s.ok()) return s.WithContext("ecvrf keygen");
    if (ops.SecretScalar(sk).ok()) return sk;
  }
  OPENSSL_cleanse(sk.data(), sk.size());
  return Status::Unavailable("ecvrf keygen: the rng produced no scalar in [1, q-1] in 64 draws");
}

Result<PublicKey> PublicKeyFromSecret(ByteSpan sk) {
  Ops ops;
  CESS_RETURN_IF_ERROR(ops.Init());
  CESS_ASSIGN_OR_RETURN(BnPtr x, ops.SecretScalar(sk));
  CESS_ASSIGN_OR_RETURN(EcPointPtr y, ops.NewPoint());
  CESS_RETURN_IF_ERROR(ops.Mul(y.get(), nullptr, x.get()));
  return ToArray<kPublicKeySize>(ops.Encode(y.get()));
}

Result<Proof> Prove(ByteSpan sk, ByteSpan alpha) {
  Ops ops;
  CESS_RETURN_IF_ERROR(ops.Init());
  CESS_ASSIGN_OR_RETURN(BnPtr x, ops.SecretScalar(sk));
  CESS_ASSIGN_OR_RETURN(EcPointPtr y, ops.NewPoint());
  CESS_RETURN_IF_ERROR(ops.Mul(y.get(), nullptr, x.get()));  // step 1: Y = x·B
  CESS_ASSIGN_OR_RETURN(Bytes pk_string, ops.Encode(y.get()));
  CESS_ASSIGN_OR_RETURN(EcPointPtr h, ops.EncodeToCurve(pk_string, alpha));  // step 2
  CESS_ASSIGN_OR_RETURN(Bytes h_string, ops.Encode(h.get()));                // step 3
  CESS_ASSIGN_OR_RETURN(EcPointPtr gamma, ops.NewPoint());
  CESS_RETURN_IF_ERROR(ops.Mul(gamma.get(), h.get(), x.get()));  // step 4: Gamma = x·H
  CESS_ASSIGN_OR_RETURN(BnPtr k, ops.Nonce(x.get(), h_string));  // step 5
  CESS_ASSIGN_OR_RETURN(EcPointPtr u, ops.NewPoint());
  CESS_ASSIGN_OR_RETURN(EcPointPtr v, ops.NewPoint());
  CESS_RETURN_IF_ERROR(ops.Mul(u.get(), nullptr, k.get()));  // k·B
  CESS_RETURN_IF_ERROR(ops.Mul(v.get(), h.get(), k.get()));  // k·H
  CESS_ASSIGN_OR_RETURN(auto c_bytes,
                        ops.Challenge(y.get(), h.get(), gamma.get(), u.get(), v.get()));  // step 6
  // step 7: s = (k + c·x) mod q
  CESS_ASSIGN_OR_RETURN(BnPtr c, ops.NewBn());
  CESS_ASSIGN_OR_RETURN(BnPtr s, ops.NewBn());
  BN_set_flags(s.get(), BN_FLG_CONSTTIME);
  if (BN_bin2bn(c_bytes.data(), kCLen, c.get()) == nullptr ||
      BN_mod_mul(s.get(), c.get(), x.get(), ops.order(), ops.ctx()) != 1 ||
      BN_mod_add(s.get(), s.get(), k.get(), ops.order(), ops.ctx()) != 1) {
    return internal::OpensslInternal("ecvrf: computing s");
  }
  // step 8: pi = Gamma ‖ c ‖ s
  CESS_ASSIGN_OR_RETURN(Bytes gamma_string, ops.Encode(gamma.get()));
  if (gamma_string.size() != kPtLen) return Status::Internal("ecvrf: Gamma is the identity");
  Proof pi{};
  std::memcpy(pi.data(), gamma_string.data(), kPtLen);
  std::memcpy(pi.data() + kPtLen, c_bytes.data(), kCLen);
  if (BN_bn2binpad(s.get(), pi.data() + kPtLen + kCLen, kQLen) != kQLen) {
    return internal::OpensslInternal("ecvrf: BN_bn2binpad(s)");
  }
  return pi;
}

Result<Output> ProofToHash(ByteSpan pi) {
  Ops ops;
  CESS_RETURN_IF_ERROR(ops.Init());
  CESS_ASSIGN_OR_RETURN(auto d, ops.DecodeProof(pi));
  return ops.Beta(d.gamma.get());
}

Result<Output> Verify(ByteSpan pk, ByteSpan alpha, ByteSpan pi) {
  Ops ops;
  CESS_RETURN_IF_ERROR(ops.Init());
  // steps 1-3 and ECVRF_validate_key: a valid point, not the identity (cofactor 1, so no other
  // small-order points exist).
  CESS_ASSIGN_OR_RETURN(EcPointPtr y, ops.DecodePoint(pk, StatusCode::kInvalidArgument, "ecvrf public key"));
  CESS_ASSIGN_OR_RETURN(auto d, ops.DecodeProof(pi));                 // steps 4-6
  CESS_ASSIGN_OR_RETURN(EcPointPtr h, ops.EncodeToCurve(pk, alpha));  // step 7
  // step 8: U = s·B - c·Y, computed as s·B + (q - c)·Y.
  CESS_ASSIGN_OR_RETURN(BnPtr neg_c, ops.NewBn());
  if (BN_mod_sub(neg_c.get(), ops.order(), d.c.get(), ops.order(), ops.ctx()) != 1) {
    return internal::OpensslInternal("ecvrf: BN_mod_sub");
  }
  CESS_ASSIGN_OR_RETURN(EcPointPtr u, ops.NewPoint());
  if (EC_POINT_mul(ops.group(), u.get(), d.s.get(), y.get(), neg_c.get(), ops.ctx()) != 1) {
    return internal::OpensslInternal("ecvrf: EC_POINT_mul(U)");
  }
  // step 9: V = s·H - c·Gamma.
  CESS_ASSIGN_OR_RETURN(EcPointPtr v, ops.NewPoint());
  CESS_ASSIGN_OR_RETURN(EcPointPtr t, ops.NewPoint());
  CESS_RETURN_IF_ERROR(ops.Mul(v.get(), h.get(), d.s.get()));
  CESS_RETURN_IF_ERROR(ops.Mul(t.get(), d.gamma.get(), neg_c.get()));
  if (EC_POINT_add(ops.group(), v.get(), v.get(), t.get(), ops.ctx()) != 1) {
    return internal::OpensslInternal("ecvrf: EC_POINT_add(V)");
  }
  // steps 10-11: c' = challenge_generation(Y, H, Gamma, U, V); valid iff c' = c.
  CESS_ASSIGN_OR_RETURN(auto c_prime, ops.Challenge(y.get(), h.get(), d.gamma.get(), u.get(), v.get()));
  if (CRYPTO_memcmp(c_prime.data(), pi.data() + kPtLen, kCLen) != 0) {
    return Status::Corruption("ecvrf proof does not verify");
  }
  return ops.Beta(d.gamma.get());
}

namespace detail {

Result<PublicKey> EncodeToCurve(ByteSpan pk_string, ByteSpan alpha) {
  if (pk_string.size() != kPublicKeySize) {
    return Status::InvalidArgument("ecvrf pk_string must be 33 bytes, got " +
                                   std::to_string(pk_string.size()));
  }
  Ops ops;
  CESS_RETURN_IF_ERROR(ops.Init());
  CESS_ASSIGN_OR_RETURN(EcPointPtr h, ops.EncodeToCurve(pk_string, alpha));
  return ToArray<kPublicKeySize>(ops.Encode(h.get()));
}

Result<SecretKey> Nonce(ByteSpan sk, ByteSpan h_string) {
  Ops ops;
  CESS_RETURN_IF_ERROR(ops.Init());
  CESS_ASSIGN_OR_RETURN(BnPtr x, ops.SecretScalar(sk));
  CESS_ASSIGN_OR_RETURN(BnPtr k, ops.Nonce(x.get(), h_string));
  SecretKey out{};
  if (BN_bn2binpad(k.get(), out.data(), kQLen) != kQLen)
    return internal::OpensslInternal("ecvrf: BN_bn2binpad");
  return out;
}

}  // namespace detail
}  // namespace cess::crypto::ecvrf
