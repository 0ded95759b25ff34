#include "cess/core/hash.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "cess/core/bytes.h"
#include "cess/core/random.h"

namespace cess::crypto {
namespace {

// FIPS 180-2 appendix examples.
TEST(Sha256Test, KnownAnswers) {
  EXPECT_EQ(ToHex(Sha256(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha256(AsBytes(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256(AsBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  EXPECT_EQ(ToHex(Sha256(AsBytes(million))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha512Test, KnownAnswers) {
  EXPECT_EQ(ToHex(Sha512(AsBytes("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(ToHex(Sha512(AsBytes(""))),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
  EXPECT_EQ(
      ToHex(Sha512(AsBytes("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                           "klmnopqrlmnopqrsmnopqrstnopqrstu"))),
      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
      "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

// RFC 4231 test cases 1 and 2.
TEST(HmacSha256Test, Rfc4231) {
  Bytes key1(20, 0x0b);
  EXPECT_EQ(ToHex(HmacSha256(key1, AsBytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(ToHex(HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Empty key and data are legal.
  EXPECT_EQ(HmacSha256({}, {}).size(), 32u);
}

TEST(Sha256HasherTest, IncrementalEqualsOneShot) {
  std::mt19937_64 rng(3);
  for (int iter = 0; iter < 50; ++iter) {
    Bytes data(rng() % 5000);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    Sha256Hasher h;
    size_t off = 0;
    while (off < data.size()) {
      size_t n = std::min<size_t>(data.size() - off, rng() % 200);
      h.Update(ByteSpan(data.data() + off, n));
      off += n;
    }
    ASSERT_EQ(h.Finish(), Sha256(data));
  }
}

TEST(Sha256HasherTest, ResetAndMove) {
  Sha256Hasher h;
  h.Update(AsBytes("ab"));
  Sha256Hasher moved = std::move(h);
  moved.Update(AsBytes("c"));
  EXPECT_EQ(ToHex(moved.Finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  moved.Reset();
  EXPECT_EQ(moved.Finish(), Sha256({}));
  h.Reset();  // a moved-from hasher can be reset and reused
  h.Update(AsBytes("abc"));
  EXPECT_EQ(h.Finish(), Sha256(AsBytes("abc")));
}

TEST(RandomTest, SystemRandomFillsAndDiffers) {
  Result<Bytes> a = RandomBytes(64);
  Result<Bytes> b = RandomBytes(64);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(RandomBytes(0).ok());
  Result<std::array<uint8_t, 12>> n = RandomArray<12>();
  ASSERT_TRUE(n.ok());
}

TEST(RandomTest, DeterministicRngIsReproducibleAndChunkingInvariant) {
  DeterministicRng r1(99), r2(99), r3(100);
  Bytes a(100), b(100), c(100);
  ASSERT_TRUE(r1.Fill(a).ok());
  // Same stream when read in odd-sized pieces.
  for (size_t off = 0; off < b.size(); off += 7) {
    ASSERT_TRUE(r2.Fill(MutableByteSpan(b.data() + off, std::min<size_t>(7, b.size() - off))).ok());
  }
  ASSERT_TRUE(r3.Fill(c).ok());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // Block 0 is SHA-256(seed-LE ‖ counter-LE).
  uint8_t in[16] = {99};
  Hash256 first = Sha256(ByteSpan(in, 16));
  EXPECT_TRUE(std::equal(first.begin(), first.end(), a.begin()));
}

}  // namespace
}  // namespace cess::crypto
