// CESS's Merkle root and FID (DESIGN.md §4), checked against values computed by hand in the test
// from SHA-256 of the padded segments, and FidBuilder against ComputeFid.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cess/kernels/hash.h"
#include "hash_test_util.h"

namespace cess::kernels::hash {
namespace {

using testing::HashFromHex;
using testing::HostBackends;
using testing::RandomBytes;

Hash256 H(ByteSpan b) { return Sha256(b); }
Hash256 Pair(const Hash256& l, const Hash256& r) {
  uint8_t buf[64];
  std::memcpy(buf, l.data(), 32);
  std::memcpy(buf + 32, r.data(), 32);
  return Sha256(ByteSpan(buf, 64));
}
// Segment i of `file`, zero-padded to `seg` bytes.
Hash256 SegmentHash(ByteSpan file, size_t seg, size_t i) {
  Bytes s(seg, 0);
  const size_t begin = i * seg;
  if (begin < file.size()) std::memcpy(s.data(), file.data() + begin, std::min(seg, file.size() - begin));
  return H(s);
}

TEST(CessMerkleRoot, ByHand) {
  std::vector<Hash256> h;
  for (int i = 0; i < 5; ++i) h.push_back(H(AsBytes("segment " + std::to_string(i))));
  EXPECT_EQ(CessMerkleRoot(std::span(h).first(1)).value(), Pair(h[0], h[0]));
  EXPECT_EQ(CessMerkleRoot(std::span(h).first(2)).value(), Pair(h[0], h[1]));
  EXPECT_EQ(CessMerkleRoot(std::span(h).first(3)).value(), Pair(Pair(h[0], h[1]), Pair(h[2], h[2])));
  EXPECT_EQ(CessMerkleRoot(std::span(h).first(4)).value(), Pair(Pair(h[0], h[1]), Pair(h[2], h[3])));
  const Hash256 l2 = Pair(h[4], h[4]);
  // Five: [01, 23, 44] -> [(01,23), (44,44)] -> root.
  EXPECT_EQ(CessMerkleRoot(h).value(), Pair(Pair(Pair(h[0], h[1]), Pair(h[2], h[3])), Pair(l2, l2)));
  EXPECT_EQ(CessMerkleRoot({}).status().code(), StatusCode::kInvalidArgument);
}

class FidTest : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<Hasher> MakeHasher() {
    return Hasher::Create({.backend = GetParam(), .cpu_threads = 2}).value();
  }
};

TEST_P(FidTest, KnownAnswers) {
  auto hasher = MakeHasher();
  // Empty file, 64-byte segments: one all-zero segment h; FID = SHA-256(h ‖ h) (Python hashlib).
  Fid empty = ComputeFid(*hasher, {}, 64).value();
  EXPECT_EQ(ToHex(empty.fid), "db56114e00fdd4c1f85c892bf35ac9a89289aaecb1ebd0a96cde606a748b5d71");
  ASSERT_EQ(empty.segment_hashes.size(), 1u);
  EXPECT_EQ(ToHex(empty.segment_hashes[0]),
            "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b");
  EXPECT_EQ(empty.file_size, 0u);
  // bytes 0..199, 64-byte segments: four segments, the last 8 bytes + 56 zeros.
  Bytes file(200);
  for (size_t i = 0; i < file.size(); ++i) file[i] = static_cast<uint8_t>(i);
  Fid f = ComputeFid(*hasher, file, 64).value();
  EXPECT_EQ(ToHex(f.fid), "a4e65f5023e926c618b15db67e10c678024dd15101e548c5b248b6d41c5a9a9a");
  EXPECT_EQ(f.segment_hashes.size(), 4u);
  EXPECT_EQ(f.file_size, 200u);
}

TEST_P(FidTest, ByHandFromSegmentHashes) {
  auto hasher = MakeHasher();
  constexpr size_t kSeg = 1024;
  const Bytes data = RandomBytes(5 * kSeg, 5);
  struct Case {
    size_t size;
    size_t segments;
  };
  for (const Case& c : {Case{1, 1}, Case{kSeg - 1, 1}, Case{kSeg, 1}, Case{kSeg + 1, 2}, Case{2 * kSeg, 2},
                        Case{3 * kSeg - 100, 3}, Case{5 * kSeg - 1, 5}, Case{5 * kSeg, 5}}) {
    const ByteSpan file = ByteSpan(data).first(c.size);
    std::vector<Hash256> s;
    for (size_t i = 0; i < c.segments; ++i) s.push_back(SegmentHash(file, kSeg, i));
    Hash256 want{};
    switch (c.segments) {
      case 1:
        want = Pair(s[0], s[0]);
        break;
      case 2:
        want = Pair(s[0], s[1]);
        break;
      case 3:
        want = Pair(Pair(s[0], s[1]), Pair(s[2], s[2]));
        break;
      case 5: {
        const Hash256 a = Pair(Pair(s[0], s[1]), Pair(s[2], s[3]));
        const Hash256 b = Pair(Pair(s[4], s[4]), Pair(s[4], s[4]));
        want = Pair(a, b);
        break;
      }
    }
    Fid fid = ComputeFid(*hasher, file, kSeg).value();
    EXPECT_EQ(fid.segment_hashes, s) << c.size;
    EXPECT_EQ(fid.fid, want) << c.size;
    EXPECT_EQ(fid.file_size, c.size);
  }
}

TEST_P(FidTest, LastSegmentIsZeroPadded) {
  auto hasher = MakeHasher();
  // A file and the same file with explicit trailing zeros up to the segment boundary have the
  // same segment hashes and FID (only the recorded size differs).
  Bytes file = RandomBytes(1500, 9);
  Bytes padded = file;
  padded.resize(2048, 0);
  Fid a = ComputeFid(*hasher, file, 1024).value();
  Fid b = ComputeFid(*hasher, padded, 1024).value();
  EXPECT_EQ(a.fid, b.fid);
  EXPECT_EQ(a.file_size, 1500u);
  EXPECT_EQ(b.file_size, 2048u);
}

TEST_P(FidTest, BuilderInOddChunksEqualsComputeFid) {
  auto hasher = MakeHasher();
  std::mt19937_64 rng(std::random_device{}());
  const uint64_t seed = rng();
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (size_t seg : {size_t{64}, size_t{1000}, size_t{4096}}) {
    for (size_t size : {size_t{0}, size_t{1}, seg - 1, seg, seg + 1, 2 * seg, 5 * seg + 3, 17 * seg,
                        static_cast<size_t>(rng() % (40 * seg))}) {
      const Bytes file = RandomBytes(size, seed ^ size);
      const Fid want = ComputeFid(*hasher, file, seg).value();
      for (size_t max_chunk : {size_t{1}, size_t{7}, seg - 1, 3 * seg + 5, size + 1}) {
        FidBuilder b = FidBuilder::Create(*hasher, seg).value();
        size_t pos = 0;
        while (pos < file.size()) {
          const size_t n = std::min<size_t>(file.size() - pos, 1 + rng() % std::max<size_t>(max_chunk, 1));
          ASSERT_TRUE(b.Update(ByteSpan(file).subspan(pos, n)).ok());
          pos += n;
        }
        ASSERT_TRUE(b.Update({}).ok());
        EXPECT_EQ(b.size(), size);
        Fid got = b.Finish().value();
        EXPECT_EQ(got.fid, want.fid) << "seg " << seg << " size " << size << " chunk " << max_chunk;
        EXPECT_EQ(got.segment_hashes, want.segment_hashes);
        EXPECT_EQ(got.file_size, size);
      }
    }
  }
}

TEST_P(FidTest, Errors) {
  auto hasher = MakeHasher();
  EXPECT_EQ(ComputeFid(*hasher, AsBytes("x"), 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FidBuilder::Create(*hasher, 0).status().code(), StatusCode::kInvalidArgument);
  FidBuilder b = FidBuilder::Create(*hasher, 16).value();
  ASSERT_TRUE(b.Update(AsBytes("hello")).ok());
  ASSERT_TRUE(b.Finish().ok());
  EXPECT_EQ(b.Update(AsBytes("more")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(b.Finish().status().code(), StatusCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(HostBackends, FidTest, ::testing::ValuesIn(HostBackends()),
                         testing::BackendParamName);

}  // namespace
}  // namespace cess::kernels::hash
