// AES-256-GCM, HKDF-SHA256 and X25519.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "cess/core/aead.h"
#include "cess/core/bytes.h"
#include "cess/core/hkdf.h"
#include "cess/core/x25519.h"

namespace cess::crypto {
namespace {

struct GcmVector {
  const char* key;
  const char* nonce;
  const char* aad;
  const char* plaintext;
  const char* ciphertext;
  const char* tag;
};

// The AES-256 test cases 13, 14, 15 and 16 of McGrew & Viega's GCM specification (the NIST
// SP 800-38D reference vectors).
const GcmVector kGcm[] = {
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "",
     "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "",
     "00000000000000000000000000000000", "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

TEST(AesGcmTest, KnownAnswers) {
  for (const auto& v : kGcm) {
    SCOPED_TRACE(v.tag);
    Bytes key = *FromHex(v.key), nonce = *FromHex(v.nonce), aad = *FromHex(v.aad), pt = *FromHex(v.plaintext);
    Result<Bytes> sealed = AesGcmSeal(key, nonce, aad, pt);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_EQ(ToHex(*sealed), std::string(v.ciphertext) + v.tag);
    Result<Bytes> opened = AesGcmOpen(key, nonce, aad, *sealed);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, pt);
  }
}

TEST(AesGcmTest, AnyTamperingFailsWithCorruption) {
  const auto& v = kGcm[3];
  Bytes key = *FromHex(v.key), nonce = *FromHex(v.nonce), aad = *FromHex(v.aad), pt = *FromHex(v.plaintext);
  Bytes sealed = *AesGcmSeal(key, nonce, aad, pt);
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes bad = sealed;
    bad[i] ^= 0x01;
    ASSERT_EQ(AesGcmOpen(key, nonce, aad, bad).status().code(), StatusCode::kCorruption) << "byte " << i;
  }
  Bytes bad_aad = aad;
  bad_aad.back() ^= 0x80;
  EXPECT_EQ(AesGcmOpen(key, nonce, bad_aad, sealed).status().code(), StatusCode::kCorruption);
  Bytes bad_nonce = nonce;
  bad_nonce[0] ^= 1;
  EXPECT_EQ(AesGcmOpen(key, bad_nonce, aad, sealed).status().code(), StatusCode::kCorruption);
  Bytes bad_key = key;
  bad_key[31] ^= 1;
  EXPECT_EQ(AesGcmOpen(bad_key, nonce, aad, sealed).status().code(), StatusCode::kCorruption);
  // Truncated: shorter than a tag, or missing ciphertext bytes.
  EXPECT_EQ(AesGcmOpen(key, nonce, aad, ByteSpan(sealed.data(), 15)).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(AesGcmOpen(key, nonce, aad, ByteSpan(sealed.data() + 1, sealed.size() - 1)).status().code(),
            StatusCode::kCorruption);
}

TEST(AesGcmTest, BadKeyOrNonceLength) {
  Bytes key(32), nonce(12);
  EXPECT_EQ(AesGcmSeal(Bytes(16), nonce, {}, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AesGcmSeal(key, Bytes(16), {}, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AesGcmOpen(key, Bytes(8), {}, Bytes(16)).status().code(), StatusCode::kInvalidArgument);
}

TEST(AesGcmTest, RandomRoundTrips) {
  std::mt19937_64 rng(11);
  for (int iter = 0; iter < 50; ++iter) {
    Bytes key(32), nonce(12), aad(rng() % 50), pt(rng() % 3000);
    for (Bytes* b : {&key, &nonce, &aad, &pt}) {
      for (auto& x : *b) x = static_cast<uint8_t>(rng());
    }
    Bytes sealed = *AesGcmSeal(key, nonce, aad, pt);
    ASSERT_EQ(sealed.size(), pt.size() + kAesGcmTagSize);
    ASSERT_EQ(*AesGcmOpen(key, nonce, aad, sealed), pt);
  }
}

// RFC 5869 appendix A, test cases 1 and 3.
TEST(HkdfTest, Rfc5869) {
  Bytes ikm(22, 0x0b);
  Bytes salt = *FromHex("000102030405060708090a0b0c");
  Bytes info = *FromHex("f0f1f2f3f4f5f6f7f8f9");
  EXPECT_EQ(ToHex(HkdfExtract(salt, ikm)),
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  const char* okm1 = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865";
  Result<Bytes> okm = Hkdf(salt, ikm, info, 42);
  ASSERT_TRUE(okm.ok()) << okm.status();
  EXPECT_EQ(ToHex(*okm), okm1);
  Hash256 prk = HkdfExtract(salt, ikm);
  EXPECT_EQ(ToHex(*HkdfExpand(prk, info, 42)), okm1);

  // Test case 3: empty salt and info.
  EXPECT_EQ(ToHex(HkdfExtract({}, ikm)), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  Result<Bytes> okm3 = Hkdf({}, ikm, {}, 42);
  ASSERT_TRUE(okm3.ok()) << okm3.status();
  EXPECT_EQ(ToHex(*okm3),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfTest, OutputLengthLimits) {
  Bytes ikm(32, 1);
  EXPECT_EQ(Hkdf({}, ikm, {}, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Hkdf({}, ikm, {}, kHkdfSha256MaxOutput + 1).status().code(), StatusCode::kInvalidArgument);
  Result<Bytes> max = Hkdf({}, ikm, {}, kHkdfSha256MaxOutput);
  ASSERT_TRUE(max.ok()) << max.status();
  EXPECT_EQ(max->size(), kHkdfSha256MaxOutput);
  // A prefix of a longer output equals the shorter output.
  EXPECT_EQ(Bytes(max->begin(), max->begin() + 50), *Hkdf({}, ikm, {}, 50));
  EXPECT_EQ(HkdfExpand(Bytes(16), {}, 32).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Hkdf({}, {}, {}, 32).ok());  // empty input keying material is legal
}

// RFC 7748 §5.2 (first vector) and §6.1.
TEST(X25519Test, Rfc7748) {
  Result<X25519SharedSecret> s =
      X25519Agree(*FromHex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                  *FromHex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(ToHex(*s), "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");

  X25519KeyPair alice =
      *X25519FromSecret(*FromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  X25519KeyPair bob =
      *X25519FromSecret(*FromHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  EXPECT_EQ(ToHex(alice.public_key), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(ToHex(bob.public_key), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const char* shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  EXPECT_EQ(ToHex(*X25519Agree(alice.secret, bob.public_key)), shared);
  EXPECT_EQ(ToHex(*X25519Agree(bob.secret, alice.public_key)), shared);
}

TEST(X25519Test, RejectsSmallOrderPeerAndBadSizes) {
  X25519KeyPair kp = *X25519Generate();
  // u = 0 and u = 1 are small-order points: the shared secret would be all zero.
  Bytes zero(32, 0);
  Bytes one(32, 0);
  one[0] = 1;
  EXPECT_EQ(X25519Agree(kp.secret, zero).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(X25519Agree(kp.secret, one).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(X25519Agree(Bytes(31), kp.public_key).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(X25519Agree(kp.secret, Bytes(33)).status().code(), StatusCode::kInvalidArgument);
}

TEST(X25519Test, GeneratedPairsAgree) {
  X25519KeyPair a = *X25519Generate(), b = *X25519Generate();
  EXPECT_NE(a.public_key, b.public_key);
  EXPECT_EQ(*X25519Agree(a.secret, b.public_key), *X25519Agree(b.secret, a.public_key));
}

}  // namespace
}  // namespace cess::crypto
