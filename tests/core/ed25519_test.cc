#include "cess/core/ed25519.h"

#include <gtest/gtest.h>

#include <string>

#include "cess/core/bytes.h"
#include "cess/core/random.h"

namespace cess::crypto {
namespace {

struct Rfc8032Vector {
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 §7.1, TEST 1-3.
const Rfc8032Vector kVectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST(Ed25519Test, Rfc8032Vectors) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.public_key);
    Result<Ed25519PrivateKey> key = Ed25519PrivateKey::FromSeed(*FromHex(v.secret));
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(ToHex(key->public_key()), v.public_key);
    Bytes msg = *FromHex(v.message);
    Result<Ed25519Signature> sig = key->Sign(msg);
    ASSERT_TRUE(sig.ok()) << sig.status();
    EXPECT_EQ(ToHex(*sig), v.signature);
    EXPECT_TRUE(Ed25519Verify(*FromHex(v.public_key), msg, *FromHex(v.signature)).ok());
  }
}

TEST(Ed25519Test, RejectsTampering) {
  const auto& v = kVectors[2];
  Bytes pk = *FromHex(v.public_key);
  Bytes msg = *FromHex(v.message);
  Bytes sig = *FromHex(v.signature);
  for (size_t i = 0; i < sig.size() * 8; ++i) {
    Bytes bad = sig;
    bad[i / 8] ^= static_cast<uint8_t>(1u << (i % 8));
    Status s = Ed25519Verify(pk, msg, bad);
    ASSERT_EQ(s.code(), StatusCode::kCorruption) << "bit " << i;
  }
  Bytes bad_msg = msg;
  bad_msg[0] ^= 1;
  EXPECT_EQ(Ed25519Verify(pk, bad_msg, sig).code(), StatusCode::kCorruption);
  EXPECT_EQ(Ed25519Verify(*FromHex(kVectors[0].public_key), msg, sig).code(), StatusCode::kCorruption);
}

TEST(Ed25519Test, RejectsWrongSizes) {
  const auto& v = kVectors[0];
  Bytes pk = *FromHex(v.public_key);
  Bytes sig = *FromHex(v.signature);
  EXPECT_EQ(Ed25519Verify(ByteSpan(pk.data(), 31), {}, sig).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Ed25519Verify(pk, {}, ByteSpan(sig.data(), 63)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Ed25519PrivateKey::FromSeed(Bytes(31)).status().code(), StatusCode::kInvalidArgument);
  // A public key that is not a curve point never verifies and never crashes.
  Bytes junk(32, 0xff);
  EXPECT_FALSE(Ed25519Verify(junk, {}, sig).ok());
}

TEST(Ed25519Test, GenerateSignVerify) {
  Result<Ed25519PrivateKey> a = Ed25519PrivateKey::Generate();
  Result<Ed25519PrivateKey> b = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_key(), b->public_key());
  Bytes msg(1000, 7);
  Ed25519Signature sig = *a->Sign(msg);
  EXPECT_TRUE(Ed25519Verify(a->public_key(), msg, sig).ok());
  EXPECT_FALSE(Ed25519Verify(b->public_key(), msg, sig).ok());
  // Deterministic: same key and message, same signature; copies share the key.
  Ed25519PrivateKey copy = *a;
  EXPECT_EQ(*copy.Sign(msg), sig);
  EXPECT_EQ(copy.seed(), a->seed());
}

TEST(Ed25519Test, DeterministicRngGivesSameKey) {
  DeterministicRng r1(5), r2(5);
  EXPECT_EQ(Ed25519PrivateKey::Generate(r1)->public_key(), Ed25519PrivateKey::Generate(r2)->public_key());
}

}  // namespace
}  // namespace cess::crypto
