// Ed25519Verify (libsodium, what the chain uses) against Ed25519VerifyReference (OpenSSL 3): they
// agree on fresh valid signatures, on corrupted and malformed ones, and on non-canonical S; they
// differ exactly where ed25519.h says (small-order or non-canonically encoded keys, small-order R),
// where only the reference accepts.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>

#include "cess/core/bytes.h"
#include "cess/core/ed25519.h"
#include "cess/core/random.h"

namespace cess::crypto {
namespace {

// The group order L, little-endian.
constexpr std::array<uint8_t, 32> kOrderL = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                             0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                             0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

// Both verdicts on one input: true = accepted.
struct Verdicts {
  bool fast;
  bool reference;
};
Verdicts Check(ByteSpan pk, ByteSpan msg, ByteSpan sig) {
  return {Ed25519Verify(pk, msg, sig).ok(), Ed25519VerifyReference(pk, msg, sig).ok()};
}

Bytes Sha512(std::initializer_list<ByteSpan> parts) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EXPECT_EQ(EVP_DigestInit_ex(ctx.get(), EVP_sha512(), nullptr), 1);
  for (ByteSpan p : parts) EXPECT_EQ(EVP_DigestUpdate(ctx.get(), p.data(), p.size()), 1);
  Bytes out(64);
  unsigned int len = 0;
  EXPECT_EQ(EVP_DigestFinal_ex(ctx.get(), out.data(), &len), 1);
  return out;
}

// Little-endian bytes <-> BIGNUM.
using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
BnPtr Le(ByteSpan b) { return BnPtr(BN_lebin2bn(b.data(), static_cast<int>(b.size()), nullptr), BN_free); }

// (x * y) mod L as 32 little-endian bytes.
Bytes MulModL(ByteSpan x, ByteSpan y) {
  BnPtr a = Le(x), b = Le(y), l = Le(kOrderL), r(BN_new(), BN_free);
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  EXPECT_EQ(BN_mod_mul(r.get(), a.get(), b.get(), l.get(), ctx.get()), 1);
  Bytes out(32);
  EXPECT_EQ(BN_bn2lebinpad(r.get(), out.data(), 32), 32);
  return out;
}

// s + L (a non-canonical S for the same equation), 32 little-endian bytes (fits: s < L < 2^253).
Bytes PlusL(ByteSpan s) {
  Bytes out(32);
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    const unsigned t = s[i] + kOrderL[i] + carry;
    out[i] = static_cast<uint8_t>(t);
    carry = t >> 8;
  }
  return out;
}

TEST(Ed25519ImplTest, AgreeOnFreshValidCorruptedAndMalformed) {
  DeterministicRng rng(2024);
  for (int i = 0; i < 300; ++i) {
    SCOPED_TRACE(i);
    Ed25519PrivateKey key = *Ed25519PrivateKey::Generate(rng);
    Bytes msg(static_cast<size_t>(i % 200));
    ASSERT_TRUE(rng.Fill(msg).ok());
    const Ed25519Signature sig = *key.Sign(msg);
    const ByteSpan pk = key.public_key();

    Verdicts v = Check(pk, msg, sig);
    EXPECT_TRUE(v.fast && v.reference);

    // One flipped bit anywhere in the signature, the message or the key.
    std::array<uint8_t, 2> pick{};
    ASSERT_TRUE(rng.Fill(pick).ok());
    Bytes bad_sig(sig.begin(), sig.end());
    bad_sig[pick[0] % 64] ^= static_cast<uint8_t>(1u << (pick[1] % 8));
    v = Check(pk, msg, bad_sig);
    EXPECT_FALSE(v.fast || v.reference);
    if (!msg.empty()) {
      Bytes bad_msg = msg;
      bad_msg[pick[0] % msg.size()] ^= static_cast<uint8_t>(1u << (pick[1] % 8));
      v = Check(pk, bad_msg, sig);
      EXPECT_FALSE(v.fast || v.reference);
    }
    Bytes bad_pk(pk.begin(), pk.end());
    bad_pk[pick[0] % 32] ^= static_cast<uint8_t>(1u << (pick[1] % 8));
    v = Check(bad_pk, msg, sig);
    EXPECT_EQ(v.fast, v.reference);
    EXPECT_FALSE(v.fast);

    // Malformed: random bytes for the key, for R, for the whole signature.
    Bytes junk(64);
    ASSERT_TRUE(rng.Fill(junk).ok());
    v = Check(ByteSpan(junk.data(), 32), msg, sig);
    EXPECT_FALSE(v.fast || v.reference);
    Bytes junk_r(sig.begin(), sig.end());
    std::copy(junk.begin(), junk.begin() + 32, junk_r.begin());
    v = Check(pk, msg, junk_r);
    EXPECT_FALSE(v.fast || v.reference);
    v = Check(pk, msg, junk);
    EXPECT_FALSE(v.fast || v.reference);

    // Non-canonical S: S + L satisfies the same equation; both refuse it (RFC 8032 requires S < L).
    Bytes big_s(sig.begin(), sig.end());
    const Bytes s_plus_l = PlusL(ByteSpan(sig.data() + 32, 32));
    std::copy(s_plus_l.begin(), s_plus_l.end(), big_s.begin() + 32);
    v = Check(pk, msg, big_s);
    EXPECT_FALSE(v.fast || v.reference);
  }
}

TEST(Ed25519ImplTest, WrongSizesAreInvalidArgumentForBoth) {
  Ed25519PrivateKey key = *Ed25519PrivateKey::Generate();
  const Ed25519Signature sig = *key.Sign(Bytes{1});
  const ByteSpan pk = key.public_key();
  for (auto verify : {&Ed25519Verify, &Ed25519VerifyReference}) {
    EXPECT_EQ(verify(ByteSpan(pk.data(), 31), Bytes{1}, sig).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(verify(pk, Bytes{1}, ByteSpan(sig.data(), 63)).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(verify(pk, Bytes{2}, sig).code(), StatusCode::kCorruption);
  }
}

// The documented differences: only the reference accepts these, and no honest signer makes them.
TEST(Ed25519ImplTest, OnlyTheReferenceAcceptsSmallOrderKeysAndR) {
  const Bytes msg = {1, 2, 3, 4, 5};
  // The identity as public key, R = identity, S = 0: [0]B = R + [k]A holds for every message.
  Bytes identity(32, 0);
  identity[0] = 1;
  Bytes trivial(64, 0);
  trivial[0] = 1;
  Verdicts v = Check(identity, msg, trivial);
  EXPECT_TRUE(v.reference);
  EXPECT_FALSE(v.fast);
  // The same with the identity encoded non-canonically (y = p + 1).
  Bytes noncanonical(32, 0xff);
  noncanonical[0] = 0xee;
  noncanonical[31] = 0x7f;
  v = Check(noncanonical, msg, trivial);
  EXPECT_FALSE(v.fast);
  EXPECT_EQ(v.reference, Check(identity, msg, trivial).reference);  // documented: reference accepts
  // A point of order 2 (y = −1) as the key: the reference accepts (R = identity, S = 0) whenever k
  // is even; the fast path never does.
  Bytes order2(32, 0xff);
  order2[0] = 0xec;
  order2[31] = 0x7f;
  int reference_accepts = 0;
  for (uint8_t m = 0; m < 32; ++m) {
    v = Check(order2, Bytes{m}, trivial);
    EXPECT_FALSE(v.fast);
    reference_accepts += v.reference ? 1 : 0;
  }
  EXPECT_GT(reference_accepts, 0);

  // A real key holder signing with R = identity: S = k·a mod L, k = SHA-512(R ‖ A ‖ M).
  Ed25519PrivateKey key = *Ed25519PrivateKey::Generate();
  Bytes a = Sha512({key.seed()});
  a.resize(32);
  a[0] &= 248;
  a[31] &= 127;
  a[31] |= 64;
  const Bytes k = Sha512({ByteSpan(trivial.data(), 32), key.public_key(), msg});
  const Bytes s = MulModL(k, a);
  Bytes forged(trivial.begin(), trivial.begin() + 32);
  forged.insert(forged.end(), s.begin(), s.end());
  v = Check(key.public_key(), msg, forged);
  EXPECT_TRUE(v.reference);
  EXPECT_FALSE(v.fast);
  // Its honest signature is accepted by both.
  v = Check(key.public_key(), msg, *key.Sign(msg));
  EXPECT_TRUE(v.fast && v.reference);
}

}  // namespace
}  // namespace cess::crypto
