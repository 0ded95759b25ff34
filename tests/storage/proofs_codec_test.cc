// cess_proofs encodings: PublicKey / Challenge / Proof round trips and rejections, SecretKey
// sealing format, and the enclave's signed messages.
#include <gtest/gtest.h>

#include "cess/core/codec.h"
#include "cess/core/hash.h"
#include "cess/storage/proofs/attestation.h"
#include "cess/storage/proofs/podr2.h"
#include "proofs_test_util.h"

namespace cess::proofs::podr2 {
namespace {

using testing::FreshSeed;
using testing::RandomBytes;
using testing::RandomHash;
using testing::TestKey1024;

TEST(Podr2Codec, PublicKeyRoundTripAndFingerprint) {
  const PublicKey& pk = TestKey1024().public_key();
  const Bytes bytes = pk.Serialize();
  EXPECT_EQ(bytes.size(), 4 + pk.n.size() + 4 + 4 + pk.u.size());
  auto back = PublicKey::Parse(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, pk);
  EXPECT_EQ(pk.Fingerprint(), crypto::Sha256(bytes));
  auto dec = codec::Decode<PublicKey>(codec::Encode(pk));
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(*dec, pk);
}

TEST(Podr2Codec, PublicKeyRejectsBadBytes) {
  const PublicKey& pk = TestKey1024().public_key();
  Bytes bytes = pk.Serialize();
  EXPECT_FALSE(PublicKey::Parse(ByteSpan(bytes).first(bytes.size() - 1)).ok());
  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(PublicKey::Parse(longer).status().code(), StatusCode::kCorruption);
  PublicKey even = pk;
  even.n.back() &= 0xFE;
  EXPECT_EQ(PublicKey::Parse(even.Serialize()).status().code(), StatusCode::kInvalidArgument);
  PublicKey big_u = pk;
  big_u.u = pk.n;
  EXPECT_EQ(PublicKey::Parse(big_u.Serialize()).status().code(), StatusCode::kInvalidArgument);
  PublicKey one_u = pk;
  std::fill(one_u.u.begin(), one_u.u.end(), 0);
  one_u.u.back() = 1;
  EXPECT_EQ(PublicKey::Parse(one_u.Serialize()).status().code(), StatusCode::kInvalidArgument);
  PublicKey short_u = pk;
  short_u.u.erase(short_u.u.begin());
  EXPECT_FALSE(PublicKey::Parse(short_u.Serialize()).ok());
  PublicKey tiny = pk;
  tiny.n.resize(32);
  tiny.n.back() |= 1;
  tiny.u.resize(32);
  EXPECT_FALSE(PublicKey::Parse(tiny.Serialize()).ok());
  // A different key has a different fingerprint.
  PublicKey other = pk;
  other.u.back() ^= 2;
  EXPECT_NE(other.Fingerprint(), pk.Fingerprint());
}

TEST(Podr2Codec, ChallengeRoundTripAndRejections) {
  std::mt19937_64 rng(FreshSeed());
  auto c = Challenge::Derive(RandomHash(rng), 1024, 47, 20);
  ASSERT_TRUE(c.ok());
  const Bytes bytes = codec::Encode(*c);
  auto back = codec::Decode<Challenge>(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, *c);
  EXPECT_FALSE(codec::Decode<Challenge>(ByteSpan(bytes).first(bytes.size() - 3)).ok());
  Challenge unsorted = *c;
  std::swap(unsorted.indices[0], unsorted.indices[1]);
  EXPECT_EQ(codec::Decode<Challenge>(codec::Encode(unsorted)).status().code(), StatusCode::kCorruption);
  Challenge mismatch = *c;
  mismatch.coefficients.pop_back();
  EXPECT_EQ(codec::Decode<Challenge>(codec::Encode(mismatch)).status().code(), StatusCode::kCorruption);
  Challenge zero = *c;
  zero.coefficients[3].assign(20, 0);
  EXPECT_EQ(codec::Decode<Challenge>(codec::Encode(zero)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(codec::Decode<Challenge>(codec::Encode(Challenge{})).status().code(), StatusCode::kCorruption);
}

TEST(Podr2Codec, ProofRoundTripAndRejections) {
  std::mt19937_64 rng(FreshSeed());
  Proof p{RandomBytes(rng, 256), RandomBytes(rng, 8300)};
  p.mu[0] |= 1;
  auto back = codec::Decode<Proof>(codec::Encode(p));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, p);
  Proof zero_mu{RandomBytes(rng, 256), Bytes{0}};
  EXPECT_TRUE(codec::Decode<Proof>(codec::Encode(zero_mu)).ok());
  Proof padded = p;
  padded.mu.insert(padded.mu.begin(), 0);
  EXPECT_EQ(codec::Decode<Proof>(codec::Encode(padded)).status().code(), StatusCode::kCorruption);
  Proof empty_mu{RandomBytes(rng, 256), {}};
  EXPECT_EQ(codec::Decode<Proof>(codec::Encode(empty_mu)).status().code(), StatusCode::kCorruption);
}

TEST(Podr2Codec, SecretKeyRoundTrip) {
  const SecretKey& sk = TestKey1024();
  const Bytes bytes = sk.Serialize();
  auto back = SecretKey::Parse(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)->public_key(), sk.public_key());
  EXPECT_EQ((*back)->Serialize(), bytes);
  std::mt19937_64 rng(FreshSeed());
  const Bytes data = RandomBytes(rng, 96);
  EXPECT_EQ(*GenerateTags(**back, Hash256{}, data, 3), *GenerateTags(sk, Hash256{}, data, 3));
}

TEST(Podr2Codec, SecretKeyRejectsCorruptedBytes) {
  const Bytes bytes = TestKey1024().Serialize();
  // Layout: u8 version ‖ u32 |p| ‖ p ‖ u32 |q| ‖ q ‖ u32 |u| ‖ u.
  const size_t p_len = bytes[1];
  const size_t p_off = 5;
  const size_t q_off = p_off + p_len + 4;
  EXPECT_FALSE(SecretKey::Parse({}).ok());
  EXPECT_FALSE(SecretKey::Parse(ByteSpan(bytes).first(bytes.size() - 1)).ok());
  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(SecretKey::Parse(longer).ok());
  Bytes version = bytes;
  version[0] = 9;
  EXPECT_EQ(SecretKey::Parse(version).status().code(), StatusCode::kCorruption);
  std::mt19937_64 rng(FreshSeed());
  // An even factor is always refused.
  for (size_t off : {p_off + p_len - 1, q_off + p_len - 1}) {
    Bytes b = bytes;
    b[off] ^= 1;
    EXPECT_EQ(SecretKey::Parse(b).status().code(), StatusCode::kCorruption) << "offset " << off;
  }
  // A flipped bit elsewhere in a prime almost always leaves a composite (refused); in the rare
  // case (~0.5%) that it leaves another prime, the result is a different key, never the original.
  int refused = 0;
  for (int round = 0; round < 8; ++round) {
    Bytes b = bytes;
    const size_t off = (round % 2 == 0 ? p_off : q_off) + rng() % p_len;
    b[off] ^= static_cast<uint8_t>(1u << (rng() % 8));
    auto r = SecretKey::Parse(b);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << "offset " << off;
      ++refused;
    } else {
      EXPECT_NE((*r)->public_key(), TestKey1024().public_key()) << "offset " << off;
    }
  }
  EXPECT_GE(refused, 6);
  Bytes same = bytes;  // p and q swapped: a different but valid encoding of the same modulus
  std::vector<uint8_t> p(bytes.begin() + p_off, bytes.begin() + p_off + p_len);
  std::vector<uint8_t> q(bytes.begin() + q_off, bytes.begin() + q_off + p_len);
  std::copy(q.begin(), q.end(), same.begin() + p_off);
  std::copy(p.begin(), p.end(), same.begin() + q_off);
  auto swapped = SecretKey::Parse(same);
  ASSERT_TRUE(swapped.ok()) << swapped.status();
  EXPECT_EQ((*swapped)->public_key(), TestKey1024().public_key());
}

TEST(AttestationMessages, LayoutAndSeparation) {
  std::mt19937_64 rng(FreshSeed());
  const Hash256 a = RandomHash(rng), b = RandomHash(rng), c = RandomHash(rng), d = RandomHash(rng);
  const Bytes reg = TeeRegistrationMessage("devnet", a, b, c);
  const std::string reg_tag = "cess/tee-register/v1";
  ASSERT_EQ(reg.size(), reg_tag.size() + 4 + 6 + 96);
  EXPECT_TRUE(std::equal(reg_tag.begin(), reg_tag.end(), reg.begin()));
  EXPECT_TRUE(std::equal(c.begin(), c.end(), reg.end() - 32));
  EXPECT_NE(reg, TeeRegistrationMessage("devnet2", a, b, c));
  EXPECT_NE(reg, TeeRegistrationMessage("devnet", b, a, c));
  const Bytes tags = TagSignMessage("devnet", a, b, c, d);
  const std::string tags_tag = "cess/tee-tags/v1";
  ASSERT_EQ(tags.size(), tags_tag.size() + 4 + 6 + 128);
  EXPECT_TRUE(std::equal(tags_tag.begin(), tags_tag.end(), tags.begin()));
  EXPECT_TRUE(std::equal(d.begin(), d.end(), tags.end() - 32));
  EXPECT_NE(tags, TagSignMessage("devnet", a, b, d, c));
}

}  // namespace
}  // namespace cess::proofs::podr2
