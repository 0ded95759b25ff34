// Layout rules, segment counts, the FID computed by hand, and the manifest's canonical encoding.
#include <gtest/gtest.h>

#include "cess/core/codec.h"
#include "cess/core/hash.h"
#include "cess/storage/fid.h"
#include "cess/storage/layout.h"
#include "cess/storage/manifest.h"

namespace cess::storage {
namespace {

Hash256 H(std::string_view s) { return crypto::Sha256(AsBytes(s)); }

// "<prefix><a>/<b>" built by appending (GCC 12 misfires -Wrestrict on chained operator+).
std::string Name(const char* prefix, int a, int b = -1) {
  std::string out(prefix);
  out += std::to_string(a);
  if (b >= 0) {
    out += '/';
    out += std::to_string(b);
  }
  return out;
}

Hash256 Pair(const Hash256& a, const Hash256& b) {
  Bytes cat(a.begin(), a.end());
  cat.insert(cat.end(), b.begin(), b.end());
  return crypto::Sha256(cat);
}

TEST(LayoutTest, ProfilesAreValid) {
  EXPECT_TRUE(Layout::Devnet().Validate().ok());
  EXPECT_TRUE(Layout::Cess().Validate().ok());
  EXPECT_EQ(Layout::Devnet().fragment_count(), 12u);
  EXPECT_EQ(Layout::Cess().segment_size, uint64_t{32} << 20);
  EXPECT_EQ(Layout::Devnet().PlainBytesPerSegment(true), (uint64_t{1} << 20) - 16);
  EXPECT_EQ(Layout::Devnet().PlainBytesPerSegment(false), uint64_t{1} << 20);
}

TEST(LayoutTest, RejectsBrokenRules) {
  Layout l = Layout::Devnet();
  l.fragment_size += 1;
  EXPECT_EQ(l.Validate().code(), StatusCode::kInvalidArgument);
  l = Layout::Devnet();
  l.data_shards = 0;
  EXPECT_EQ(l.Validate().code(), StatusCode::kInvalidArgument);
  l = Layout::Devnet();
  l.parity_shards = 17;
  EXPECT_EQ(l.Validate().code(), StatusCode::kInvalidArgument);
  l = Layout{16, 4, 4, 8};  // no room for the GCM tag
  EXPECT_EQ(l.Validate().code(), StatusCode::kInvalidArgument);
  l = Layout{64, 16, 4, 8};
  EXPECT_TRUE(l.Validate().ok());
}

TEST(LayoutTest, EncodingRoundTripsAndRejectsInvalid) {
  const Layout l = Layout::Cess();
  auto back = codec::Decode<Layout>(codec::Encode(l));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, l);
  Layout bad = l;
  bad.fragment_size = 7;
  EXPECT_EQ(codec::Decode<Layout>(codec::Encode(bad)).status().code(), StatusCode::kCorruption);
}

TEST(FidTest, SegmentCount) {
  EXPECT_EQ(SegmentCount(0, 100), 1u);
  EXPECT_EQ(SegmentCount(1, 100), 1u);
  EXPECT_EQ(SegmentCount(99, 100), 1u);
  EXPECT_EQ(SegmentCount(100, 100), 1u);
  EXPECT_EQ(SegmentCount(101, 100), 2u);
  EXPECT_EQ(SegmentCount(350, 100), 4u);
  EXPECT_EQ(SegmentCount(uint64_t{31} << 30, uint64_t{32} << 20), 992u);
}

TEST(FidTest, ThreeSegmentsByHand) {
  const Hash256 a = H("segment a"), b = H("segment b"), c = H("segment c");
  // Level 1: (a, b), (c, c); root: (ab, cc).
  const Hash256 want = Pair(Pair(a, b), Pair(c, c));
  const std::vector<Hash256> leaves = {a, b, c};
  auto fid = FileId(leaves);
  ASSERT_TRUE(fid.ok());
  EXPECT_EQ(*fid, want);
  // Order matters.
  const std::vector<Hash256> swapped = {b, a, c};
  EXPECT_NE(*FileId(swapped), want);
}

TEST(FidTest, OneSegmentIsPairedWithItself) {
  const Hash256 a = H("only");
  const std::vector<Hash256> leaves = {a};
  EXPECT_EQ(*FileId(leaves), Pair(a, a));
  EXPECT_EQ(FileId({}).status().code(), StatusCode::kInvalidArgument);
}

TEST(FidTest, FiveSegmentsByHand) {
  std::vector<Hash256> l;
  for (int i = 0; i < 5; ++i) l.push_back(H(Name("s", i)));
  const Hash256 n01 = Pair(l[0], l[1]), n23 = Pair(l[2], l[3]), n44 = Pair(l[4], l[4]);
  const Hash256 want = Pair(Pair(n01, n23), Pair(n44, n44));
  EXPECT_EQ(*FileId(l), want);
}

TEST(FidTest, SegmentHashIsSha256) {
  Bytes seg(1000, 7);
  EXPECT_EQ(SegmentHash(seg), crypto::Sha256(seg));
}

FileManifest SmallManifest(bool encrypted) {
  FileManifest m;
  m.layout = Layout{64, 16, 4, 8};
  m.encrypted = encrypted;
  m.file_size = encrypted ? 100 : 130;  // 3 segments either way (48 or 64 bytes each)
  for (int s = 0; s < 3; ++s) {
    SegmentInfo si;
    si.hash = H(Name("seg", s));
    for (int f = 0; f < 12; ++f) si.fragment_hashes.push_back(H(Name("f", s, f)));
    m.segments.push_back(si);
  }
  if (encrypted) {
    m.cipher.salt.fill(9);
    m.cipher.nonces.resize(3);
    m.cipher.nonces[1].fill(1);
  }
  std::vector<Hash256> hs;
  for (auto& s : m.segments) hs.push_back(s.hash);
  m.fid = *FileId(hs);
  return m;
}

TEST(ManifestTest, RoundTripsAndValidates) {
  for (bool enc : {false, true}) {
    const FileManifest m = SmallManifest(enc);
    ASSERT_TRUE(m.Validate().ok()) << m.Validate();
    const Bytes bytes = codec::Encode(m);
    auto back = codec::Decode<FileManifest>(bytes);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, m);
    // Every truncation fails cleanly.
    for (size_t cut = 0; cut < bytes.size(); cut += 7) {
      EXPECT_FALSE(codec::Decode<FileManifest>(ByteSpan(bytes.data(), cut)).ok());
    }
  }
}

TEST(ManifestTest, ValidateCatchesInconsistencies) {
  FileManifest m = SmallManifest(false);
  m.fid[0] ^= 1;
  EXPECT_EQ(m.Validate().code(), StatusCode::kCorruption);
  m = SmallManifest(false);
  m.file_size = 500;  // would need 8 segments
  EXPECT_EQ(m.Validate().code(), StatusCode::kCorruption);
  m = SmallManifest(false);
  m.segments[1].fragment_hashes.pop_back();
  EXPECT_EQ(m.Validate().code(), StatusCode::kCorruption);
  m = SmallManifest(true);
  m.cipher.nonces.pop_back();
  EXPECT_EQ(m.Validate().code(), StatusCode::kCorruption);
  m = SmallManifest(false);
  m.cipher.salt[3] = 1;
  EXPECT_EQ(m.Validate().code(), StatusCode::kCorruption);
  // A tampered encoding is refused by Decode.
  m = SmallManifest(false);
  Bytes bytes = codec::Encode(m);
  bytes[40] ^= 0x80;  // inside file_size
  EXPECT_EQ(codec::Decode<FileManifest>(bytes).status().code(), StatusCode::kCorruption);
}

TEST(ManifestTest, CipherInfoRoundTrips) {
  CipherInfo c;
  c.salt.fill(0xab);
  c.nonces = {Nonce{}, Nonce{1, 2, 3}};
  const Bytes b = codec::Encode(c);
  EXPECT_EQ(b.size(), 1u + 32 + 4 + 2 * 12);
  EXPECT_EQ(*codec::Decode<CipherInfo>(b), c);
  Bytes bad = b;
  bad[0] = 2;
  EXPECT_EQ(codec::Decode<CipherInfo>(bad).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace cess::storage
