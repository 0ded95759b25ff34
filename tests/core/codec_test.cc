#include "cess/core/codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cess/core/bytes.h"

namespace cess::codec {
namespace {

// A struct using every kind of field, as a chain type would.
struct Sample {
  uint8_t a = 0;
  uint16_t b = 0;
  uint32_t c = 0;
  uint64_t d = 0;
  int64_t e = 0;
  bool f = false;
  std::array<uint8_t, 4> g{};
  Bytes h;
  std::string i;
  std::vector<uint32_t> j;

  void Encode(Writer& w) const {
    w.PutU8(a);
    w.PutU16(b);
    w.PutU32(c);
    w.PutU64(d);
    w.PutI64(e);
    w.PutBool(f);
    w.PutFixed(g);
    w.PutBytes(h);
    w.PutString(i);
    w.PutVector(j, [](Writer& ww, uint32_t v) { ww.PutU32(v); });
  }
  static Result<Sample> Decode(Reader& r) {
    Sample s;
    CESS_ASSIGN_OR_RETURN(s.a, r.ReadU8());
    CESS_ASSIGN_OR_RETURN(s.b, r.ReadU16());
    CESS_ASSIGN_OR_RETURN(s.c, r.ReadU32());
    CESS_ASSIGN_OR_RETURN(s.d, r.ReadU64());
    CESS_ASSIGN_OR_RETURN(s.e, r.ReadI64());
    CESS_ASSIGN_OR_RETURN(s.f, r.ReadBool());
    CESS_ASSIGN_OR_RETURN(s.g, r.ReadArray<4>());
    CESS_ASSIGN_OR_RETURN(s.h, r.ReadBytes());
    CESS_ASSIGN_OR_RETURN(s.i, r.ReadString());
    CESS_ASSIGN_OR_RETURN(s.j, r.ReadVector<uint32_t>([](Reader& rr) { return rr.ReadU32(); }, 4));
    return s;
  }
  bool operator==(const Sample&) const = default;
};

// A nested codable type for ReadVector<T>() / PutVector(v).
struct Pair {
  uint8_t k = 0;
  std::string v;
  void Encode(Writer& w) const {
    w.PutU8(k);
    w.PutString(v);
  }
  static Result<Pair> Decode(Reader& r) {
    Pair p;
    CESS_ASSIGN_OR_RETURN(p.k, r.ReadU8());
    CESS_ASSIGN_OR_RETURN(p.v, r.ReadString(64));
    return p;
  }
  bool operator==(const Pair&) const = default;
};

struct Outer {
  std::vector<Pair> pairs;
  void Encode(Writer& w) const { w.PutVector(pairs); }
  static Result<Outer> Decode(Reader& r) {
    Outer o;
    CESS_ASSIGN_OR_RETURN(o.pairs, r.ReadVector<Pair>());
    return o;
  }
  bool operator==(const Outer&) const = default;
};

Sample RandomSample(std::mt19937_64& rng) {
  Sample s;
  s.a = static_cast<uint8_t>(rng());
  s.b = static_cast<uint16_t>(rng());
  s.c = static_cast<uint32_t>(rng());
  s.d = rng();
  s.e = static_cast<int64_t>(rng());
  s.f = rng() & 1;
  for (auto& x : s.g) x = static_cast<uint8_t>(rng());
  s.h.resize(rng() % 40);
  for (auto& x : s.h) x = static_cast<uint8_t>(rng());
  s.i.resize(rng() % 20);
  for (auto& x : s.i) x = static_cast<char>('a' + rng() % 26);
  s.j.resize(rng() % 10);
  for (auto& x : s.j) x = static_cast<uint32_t>(rng());
  return s;
}

TEST(CodecTest, FixedWidthIntegersAreLittleEndian) {
  Writer w;
  w.PutU8(0xab);
  w.PutU16(0x0102);
  w.PutU32(0x01020304);
  w.PutU64(0x0102030405060708ull);
  w.PutI64(-2);
  w.PutBool(true);
  w.PutBool(false);
  EXPECT_EQ(ToHex(w.data()),
            "ab"
            "0201"
            "04030201"
            "0807060504030201"
            "feffffffffffffff"
            "01"
            "00");
}

TEST(CodecTest, BytesStringsAndVectorsAreLengthPrefixed) {
  Writer w;
  w.PutBytes(Bytes{0xde, 0xad});
  w.PutString("hi");
  w.PutString("");
  w.PutFixed(Bytes{0x11, 0x22});
  w.PutVector(std::vector<uint16_t>{1, 2}, [](Writer& ww, uint16_t v) { ww.PutU16(v); });
  EXPECT_EQ(ToHex(w.data()),
            "02000000dead"
            "020000006869"
            "00000000"
            "1122"
            "0200000001000200");
}

TEST(CodecTest, RoundTripsEveryFieldKind) {
  Sample s;
  s.a = 255;
  s.b = 65535;
  s.c = std::numeric_limits<uint32_t>::max();
  s.d = std::numeric_limits<uint64_t>::max();
  s.e = std::numeric_limits<int64_t>::min();
  s.f = true;
  s.g = {1, 2, 3, 4};
  s.h = {9, 8, 7};
  s.i = "cess";
  s.j = {0, 1, 0xffffffff};
  Bytes enc = Encode(s);
  Result<Sample> back = Decode<Sample>(enc);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, s);
  // Re-encoding gives identical bytes: the encoding is canonical.
  EXPECT_EQ(Encode(*back), enc);
}

TEST(CodecTest, NestedCodableVectors) {
  Outer o{{{1, "one"}, {2, ""}, {3, "three"}}};
  Bytes enc = Encode(o);
  Result<Outer> back = Decode<Outer>(enc);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, o);
}

TEST(CodecTest, RandomizedRoundTrip) {
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 500; ++iter) {
    Sample s = RandomSample(rng);
    Result<Sample> back = Decode<Sample>(Encode(s));
    ASSERT_TRUE(back.ok()) << back.status();
    ASSERT_EQ(*back, s);
  }
}

TEST(CodecTest, RejectsBadBool) {
  for (uint8_t b : {2, 0x80, 0xff}) {
    Bytes in{b};
    Reader r(in);
    Result<bool> v = r.ReadBool();
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kCorruption);
    EXPECT_EQ(r.position(), 0u);  // nothing consumed
  }
}

TEST(CodecTest, RejectsTruncation) {
  Bytes three{1, 2, 3};
  Reader r(three);
  EXPECT_EQ(r.ReadU32().status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r.ReadU64().status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r.ReadFixed(4).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r.remaining(), 3u);
  EXPECT_EQ(*r.ReadU16(), 0x0201);
  EXPECT_EQ(*r.ReadU8(), 3);
  EXPECT_EQ(r.ReadU8().status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(r.Finish().ok());
}

TEST(CodecTest, RejectsLengthsBeyondInput) {
  Bytes in{5, 0, 0, 0, 'a', 'b'};  // claims 5 bytes, has 2
  Reader r(in);
  EXPECT_EQ(r.ReadBytes().status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r.position(), 0u);
  EXPECT_EQ(r.ReadString().status().code(), StatusCode::kCorruption);
  Bytes huge{0xff, 0xff, 0xff, 0xff};
  Reader r2(huge);
  EXPECT_EQ(r2.ReadBytesView().status().code(), StatusCode::kCorruption);
  // A count that cannot fit is refused before anything is allocated.
  Reader r3(huge);
  EXPECT_EQ(r3.ReadCount().status().code(), StatusCode::kCorruption);
  Bytes two_u32{2, 0, 0, 0, 1, 0, 0, 0};  // count 2, room for only one u32
  Reader r4(two_u32);
  EXPECT_EQ(r4.ReadCount(4).status().code(), StatusCode::kCorruption);
  Reader r5(two_u32);
  EXPECT_TRUE(r5.ReadCount(2).ok());
}

TEST(CodecTest, MaxLengthIsEnforced) {
  Writer w;
  w.PutString("toolong");
  Reader r(w.data());
  EXPECT_EQ(r.ReadString(3).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(*r.ReadString(7), "toolong");
}

TEST(CodecTest, FinishRejectsTrailingBytes) {
  Writer w;
  w.PutU8(1);
  w.PutU8(2);
  Reader r(w.data());
  ASSERT_TRUE(r.ReadU8().ok());
  Status s = r.Finish();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  Bytes enc = Encode(Outer{{{1, "x"}}});
  enc.push_back(0);
  EXPECT_EQ(Decode<Outer>(enc).status().code(), StatusCode::kCorruption);
}

TEST(CodecTest, EveryStrictPrefixFailsToDecode) {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 50; ++iter) {
    Bytes enc = Encode(RandomSample(rng));
    for (size_t n = 0; n < enc.size(); ++n) {
      Result<Sample> r = Decode<Sample>(ByteSpan(enc.data(), n));
      ASSERT_FALSE(r.ok()) << "prefix " << n << " of " << enc.size() << " decoded";
      ASSERT_EQ(r.status().code(), StatusCode::kCorruption);
    }
  }
}

TEST(CodecTest, RandomBytesNeverCrash) {
  std::mt19937_64 rng(1234);
  int decoded = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes in(rng() % 96);
    for (auto& b : in) b = static_cast<uint8_t>(rng());
    // Bias some inputs towards small length fields so decoding gets deep.
    if (in.size() > 40 && (iter & 1)) {
      in[23] = static_cast<uint8_t>(in[23] & 1);  // the bool
      in[28] = static_cast<uint8_t>(in[28] % 8);  // h's length: small
      for (int k = 29; k < 32; ++k) in[k] = 0;
    }
    Result<Sample> s = Decode<Sample>(in);
    if (s.ok()) {
      ++decoded;
      EXPECT_EQ(Encode(*s), in);  // anything accepted re-encodes to the same bytes
    } else {
      EXPECT_EQ(s.status().code(), StatusCode::kCorruption);
    }
    Result<Outer> o = Decode<Outer>(in);
    if (o.ok()) {
      EXPECT_EQ(Encode(*o), in);
    }
  }
  SUCCEED() << decoded << " random inputs decoded";
}

TEST(SigningPayloadTest, ExactBytes) {
  Bytes body{0xaa, 0xbb};
  Bytes p = SigningPayload("tx", "devnet", body);
  // len("cess/tx/v1") = 10, len("devnet") = 6
  EXPECT_EQ(ToHex(p),
            "0a000000" + ToHex(AsBytes("cess/tx/v1")) + "06000000" + ToHex(AsBytes("devnet")) + "aabb");
}

TEST(SigningPayloadTest, KindsAndChainsCannotBeConfused) {
  Bytes body{1, 2, 3};
  EXPECT_NE(SigningPayload("tx", "a/b", body), SigningPayload("tx/a", "b", body));
  EXPECT_NE(SigningPayload("tx", "devnet", body), SigningPayload("vote", "devnet", body));
  EXPECT_NE(SigningPayload("tx", "devnet", body), SigningPayload("tx", "cess", body));
  // Moving bytes between the chain id and the body changes the payload too.
  EXPECT_NE(SigningPayload("tx", "ab", Bytes{'c'}), SigningPayload("tx", "a", Bytes{'b', 'c'}));
}

}  // namespace
}  // namespace cess::codec
