// The segment pipeline against plain references: round trips at the edge sizes with and without
// encryption, any k of the 12 fragments decoding, corrupt fragments, wrong keys, byte ranges.
#include "cess/storage/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <random>

#include "cess/core/aead.h"
#include "cess/core/codec.h"
#include "cess/core/hash.h"
#include "cess/core/hkdf.h"
#include "cess/kernels/erasure.h"
#include "cess/storage/fid.h"
#include "cess/storage/segment_cipher.h"
#include "common/temp_dir.h"

namespace cess::storage {
namespace {

constexpr uint64_t kSeg = uint64_t{1} << 20;

Bytes RandomData(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

Bytes Key(uint8_t fill) { return Bytes(32, fill); }

struct Encoded {
  FileManifest manifest;
  std::vector<std::vector<Bytes>> fragments;  // [segment][index]
};

Result<Encoded> EncodeToMemory(ByteSpan data, EncodeOptions options) {
  Encoded out;
  options.sink = [&](uint32_t s, uint32_t f, ByteSpan bytes) {
    if (out.fragments.size() <= s) out.fragments.resize(s + 1);
    if (out.fragments[s].size() != f) return Status::Internal("fragments out of order");
    out.fragments[s].emplace_back(bytes.begin(), bytes.end());
    return Status::Ok();
  };
  CESS_ASSIGN_OR_RETURN(out.manifest, EncodeBytes(data, options));
  return out;
}

// Decodes every segment from the fragments listed in `use(segment)` and concatenates.
Result<Bytes> DecodeAll(const SegmentCodec& codec, const Encoded& e, ByteSpan key,
                        const std::function<std::vector<uint32_t>(uint32_t)>& use) {
  Bytes out;
  for (uint32_t s = 0; s < e.manifest.segments.size(); ++s) {
    std::vector<IndexedFragment> frags;
    for (uint32_t i : use(s)) frags.push_back(IndexedFragment{i, e.fragments[s][i]});
    CESS_ASSIGN_OR_RETURN(Bytes plain, DecodeSegment(codec, e.manifest, s, frags, key));
    out.insert(out.end(), plain.begin(), plain.end());
  }
  return out;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = SegmentCodec::Create(Layout::Devnet());
    ASSERT_TRUE(c.ok()) << c.status();
    codec_ = std::move(c).value();
  }
  std::unique_ptr<SegmentCodec> codec_;
};

// The plain reference for one file: padded (and sealed) segments, RS by the kRef backend,
// SHA-256 everywhere, the FID by hand-rolled pairing.
void CheckAgainstReference(const Encoded& e, ByteSpan data, ByteSpan key) {
  const FileManifest& m = e.manifest;
  ASSERT_TRUE(m.Validate().ok()) << m.Validate();
  const bool enc = !key.empty();
  const uint64_t plain = enc ? kSeg - 16 : kSeg;
  ASSERT_EQ(m.segments.size(), SegmentCount(data.size(), plain));
  kernels::erasure::CodecOptions ref_options;
  ref_options.backend = kernels::Backend::kRef;
  auto ref = kernels::erasure::Codec::Create(4, 8, ref_options);
  ASSERT_TRUE(ref.ok());
  std::vector<Hash256> seg_hashes;
  for (uint32_t s = 0; s < m.segments.size(); ++s) {
    Bytes seg(plain, 0);
    const uint64_t start = s * plain;
    const uint64_t n = std::min<uint64_t>(plain, data.size() - std::min<uint64_t>(data.size(), start));
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(start), n, seg.begin());
    if (enc) {
      // Key derivation spelled out: HKDF(salt, master, "cess/segment-key/v1" ‖ u32 s).
      Bytes info(AsBytes("cess/segment-key/v1").begin(), AsBytes("cess/segment-key/v1").end());
      for (int b = 0; b < 4; ++b) info.push_back(static_cast<uint8_t>(s >> (8 * b)));
      auto k = crypto::Hkdf(m.cipher.salt, key, info, 32);
      ASSERT_TRUE(k.ok());
      const Bytes aad = {static_cast<uint8_t>(s), static_cast<uint8_t>(s >> 8), static_cast<uint8_t>(s >> 16),
                         static_cast<uint8_t>(s >> 24)};
      auto sealed = crypto::AesGcmSeal(*k, m.cipher.nonces[s], aad, seg);
      ASSERT_TRUE(sealed.ok());
      seg = *sealed;
    }
    ASSERT_EQ(seg.size(), kSeg);
    EXPECT_EQ(m.segments[s].hash, crypto::Sha256(seg)) << "segment " << s;
    seg_hashes.push_back(crypto::Sha256(seg));
    auto shards = kernels::erasure::EncodeFile(**ref, seg);
    ASSERT_TRUE(shards.ok());
    ASSERT_EQ(shards->size(), 12u);
    for (uint32_t f = 0; f < 12; ++f) {
      EXPECT_EQ(e.fragments[s][f], (*shards)[f]) << "segment " << s << " fragment " << f;
      EXPECT_EQ(m.segments[s].fragment_hashes[f], crypto::Sha256((*shards)[f]));
    }
  }
  EXPECT_EQ(m.fid, *FileId(seg_hashes));
}

TEST_F(PipelineTest, RoundTripsAtEdgeSizes) {
  const uint64_t sizes[] = {0, 1, kSeg - 1, kSeg, kSeg * 7 / 2};
  std::mt19937_64 pick(42);
  for (bool enc : {false, true}) {
    for (uint64_t size : sizes) {
      SCOPED_TRACE("size " + std::to_string(size) + (enc ? " encrypted" : " plain"));
      const Bytes data = RandomData(size, size + (enc ? 1000 : 0));
      const Bytes key = Key(0x5a);
      EncodeOptions opt;
      opt.codec = codec_.get();
      if (enc) opt.master_key = key;
      std::vector<std::pair<uint64_t, uint64_t>> progress;
      opt.progress = [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); };
      int hashed_calls = 0;
      opt.hashed_sink = [&](uint32_t, uint32_t, const Hash256& h, ByteSpan bytes) {
        ++hashed_calls;
        return crypto::Sha256(bytes) == h ? Status::Ok() : Status::Internal("hashed_sink got a wrong hash");
      };
      auto e = EncodeToMemory(data, opt);
      ASSERT_TRUE(e.ok()) << e.status();
      EXPECT_EQ(e->manifest.file_size, size);
      EXPECT_EQ(e->manifest.encrypted, enc);
      ASSERT_EQ(progress.size(), e->manifest.segments.size());
      EXPECT_EQ(hashed_calls, static_cast<int>(12 * e->manifest.segments.size()));
      EXPECT_EQ(progress.back(), std::make_pair(size, size));
      CheckAgainstReference(*e, data, enc ? ByteSpan(key) : ByteSpan());
      // Decode from a fresh random 4 of 12 for every segment (8 lost).
      auto back = DecodeAll(*codec_, *e, enc ? ByteSpan(key) : ByteSpan(), [&](uint32_t) {
        std::vector<uint32_t> idx(12);
        std::iota(idx.begin(), idx.end(), 0u);
        std::shuffle(idx.begin(), idx.end(), pick);
        idx.resize(4);
        return idx;
      });
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(*back, data);
      // The manifest survives its canonical encoding.
      EXPECT_EQ(*codec::Decode<FileManifest>(codec::Encode(e->manifest)), e->manifest);
    }
  }
}

TEST_F(PipelineTest, EveryFourOfTwelveDecodesOneSegment) {
  const Bytes data = RandomData(kSeg / 3, 7);
  EncodeOptions opt;
  opt.codec = codec_.get();
  auto e = EncodeToMemory(data, opt);
  ASSERT_TRUE(e.ok());
  int combos = 0;
  for (uint32_t mask = 0; mask < (1u << 12); ++mask) {
    if (__builtin_popcount(mask) != 4) continue;
    if (++combos % 5 != 0 && mask != 0xF && mask != 0xF00) continue;  // a fifth of the 495, plus edges
    std::vector<IndexedFragment> frags;
    for (uint32_t i = 0; i < 12; ++i) {
      if (mask & (1u << i)) frags.push_back({i, e->fragments[0][i]});
    }
    auto plain = DecodeSegment(*codec_, e->manifest, 0, frags, {});
    ASSERT_TRUE(plain.ok()) << "mask " << mask << ": " << plain.status();
    ASSERT_EQ(*plain, data) << "mask " << mask;
  }
  EXPECT_EQ(combos, 495);
}

TEST_F(PipelineTest, TooFewOrBadFragmentsFail) {
  const Bytes data = RandomData(1000, 3);
  EncodeOptions opt;
  opt.codec = codec_.get();
  auto e = EncodeToMemory(data, opt);
  ASSERT_TRUE(e.ok());
  const auto& fr = e->fragments[0];
  std::vector<IndexedFragment> three = {{0, fr[0]}, {5, fr[5]}, {11, fr[11]}};
  EXPECT_EQ(DecodeSegment(*codec_, e->manifest, 0, three, {}).status().code(), StatusCode::kInvalidArgument);
  std::vector<IndexedFragment> dup = {{0, fr[0]}, {0, fr[0]}, {1, fr[1]}, {2, fr[2]}};
  EXPECT_EQ(DecodeSegment(*codec_, e->manifest, 0, dup, {}).status().code(), StatusCode::kInvalidArgument);
  Bytes bad = fr[6];
  bad[100] ^= 1;
  std::vector<IndexedFragment> corrupt = {{1, fr[1]}, {3, fr[3]}, {6, bad}, {9, fr[9]}};
  auto r = DecodeSegment(*codec_, e->manifest, 0, corrupt, {});
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("fragment 6"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("segment 0"), std::string::npos) << r.status();
}

TEST_F(PipelineTest, WrongKeyFailsWithCorruption) {
  const Bytes data = RandomData(kSeg * 2, 11);
  const Bytes key = Key(1);
  EncodeOptions opt;
  opt.codec = codec_.get();
  opt.master_key = key;
  auto e = EncodeToMemory(data, opt);
  ASSERT_TRUE(e.ok());
  const Bytes wrong = Key(2);
  auto r = DecodeAll(*codec_, *e, wrong, [](uint32_t) { return std::vector<uint32_t>{0, 1, 2, 3}; });
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("segment 0"), std::string::npos) << r.status();
  auto no_key = DecodeAll(*codec_, *e, {}, [](uint32_t) { return std::vector<uint32_t>{0, 1, 2, 3}; });
  EXPECT_EQ(no_key.status().code(), StatusCode::kInvalidArgument);
  // Swapping two segments' stored bytes is caught by the aad/key binding even with the right key.
  auto s1 = codec_->Decode(e->manifest.segments[1], std::vector<IndexedFragment>{{0, e->fragments[1][0]},
                                                                                 {1, e->fragments[1][1]},
                                                                                 {2, e->fragments[1][2]},
                                                                                 {3, e->fragments[1][3]}});
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(SegmentPlaintext(e->manifest, 0, *s1, key).status().code(), StatusCode::kCorruption);
}

TEST_F(PipelineTest, EncryptionUsesFreshSaltAndNonces) {
  const Bytes data = RandomData(kSeg * 2, 5);
  const Bytes key = Key(3);
  EncodeOptions opt;
  opt.codec = codec_.get();
  opt.master_key = key;
  auto a = EncodeBytes(data, opt);
  auto b = EncodeBytes(data, opt);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->cipher.salt, b->cipher.salt);
  EXPECT_NE(a->cipher.nonces[0], a->cipher.nonces[1]);
  EXPECT_NE(a->fid, b->fid);
  // A seeded rng gives a reproducible encoding; plain files are deterministic.
  crypto::DeterministicRng r1(9), r2(9);
  opt.rng = &r1;
  auto c = EncodeBytes(data, opt);
  opt.rng = &r2;
  auto d = EncodeBytes(data, opt);
  EXPECT_EQ(c->fid, d->fid);
  EncodeOptions plain;
  plain.codec = codec_.get();
  EXPECT_EQ(EncodeBytes(data, plain)->fid, EncodeBytes(data, plain)->fid);
  // A second pass with the first pass's cipher parameters reproduces it exactly.
  opt.rng = nullptr;
  opt.reuse_cipher = &a->cipher;
  auto again = EncodeBytes(data, opt);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *a);
  CipherInfo short_cipher = a->cipher;
  short_cipher.nonces.pop_back();
  opt.reuse_cipher = &short_cipher;
  EXPECT_EQ(EncodeBytes(data, opt).status().code(), StatusCode::kInvalidArgument);
  plain.reuse_cipher = &a->cipher;
  EXPECT_EQ(EncodeBytes(data, plain).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PipelineTest, FileAndStreamAgreeAndErrorsSurface) {
  test_util::TempDir dir("pipeline");
  const Bytes data = RandomData(kSeg * 5 / 2 + 3, 21);
  const std::string path = dir.Sub("f.bin");
  {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  }
  EncodeOptions opt;
  opt.codec = codec_.get();
  auto from_file = EncodeFile(path, opt);
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  opt.prefetch = false;
  auto from_bytes = EncodeBytes(data, opt);
  ASSERT_TRUE(from_bytes.ok());
  EXPECT_EQ(*from_file, *from_bytes);
  EXPECT_EQ(EncodeFile(dir.Sub("missing"), opt).status().code(), StatusCode::kNotFound);
  // A reader that ends early, one that delivers too much, and one that fails.
  size_t pos = 0;
  ReadFn short_read = [&](MutableByteSpan out) -> Result<size_t> {
    const size_t n = std::min<size_t>(out.size(), 100 - std::min<size_t>(100, pos));
    pos += n;
    return n;
  };
  EXPECT_EQ(EncodeStream(200, short_read, opt).status().code(), StatusCode::kIoError);
  ReadFn endless = [](MutableByteSpan out) -> Result<size_t> { return out.size(); };
  EXPECT_EQ(EncodeStream(200, endless, opt).status().code(), StatusCode::kIoError);
  ReadFn failing = [](MutableByteSpan) -> Result<size_t> { return Status::Unavailable("disk gone"); };
  EXPECT_EQ(EncodeStream(kSeg * 3, failing, opt).status().code(), StatusCode::kUnavailable);
  // A sink error aborts the encoding with it.
  opt.prefetch = true;
  opt.sink = [](uint32_t s, uint32_t, ByteSpan) {
    return s == 1 ? Status::ResourceExhausted("miner full") : Status::Ok();
  };
  EXPECT_EQ(EncodeBytes(data, opt).status().code(), StatusCode::kResourceExhausted);
  // Bad options.
  EncodeOptions bad;
  const Bytes short_key(31, 0);
  bad.master_key = short_key;
  EXPECT_EQ(EncodeBytes(data, bad).status().code(), StatusCode::kInvalidArgument);
  EncodeOptions other;
  other.layout = Layout::Cess();
  other.codec = codec_.get();
  EXPECT_EQ(EncodeBytes(data, other).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PipelineTest, PlanRangeMatchesAReference) {
  for (bool enc : {false, true}) {
    FileManifest m;
    m.layout = Layout::Devnet();
    m.encrypted = enc;
    const uint64_t p = m.PlainBytesPerSegment();
    m.file_size = p * 7 / 2;
    m.segments.resize(SegmentCount(m.file_size, p));
    std::mt19937_64 rng(enc ? 2 : 1);
    std::vector<std::pair<uint64_t, uint64_t>> cases = {{0, 0},
                                                        {0, 1},
                                                        {p - 1, 1},
                                                        {p - 1, 2},
                                                        {p, p},
                                                        {p - 1, p + 2},
                                                        {0, m.file_size},
                                                        {m.file_size, 5},
                                                        {m.file_size - 1, 100},
                                                        {2 * p, UINT64_MAX}};
    for (int i = 0; i < 200; ++i) cases.emplace_back(rng() % (m.file_size + 1), rng() % (3 * p));
    for (auto [off, len] : cases) {
      auto slices = PlanRange(m, off, len);
      ASSERT_TRUE(slices.ok());
      // Reference: walk byte positions segment by segment.
      const uint64_t end = off + std::min(len, m.file_size - off);
      uint64_t pos = off;
      for (const SegmentSlice& s : *slices) {
        ASSERT_EQ(s.segment, pos / p);
        ASSERT_EQ(s.offset, pos % p);
        ASSERT_GT(s.length, 0u);
        ASSERT_LE(s.offset + s.length, p);
        pos += s.length;
      }
      ASSERT_EQ(pos, end) << off << "+" << len;
    }
    EXPECT_EQ(PlanRange(m, m.file_size + 1, 1).status().code(), StatusCode::kOutOfRange);
  }
}

TEST(SegmentCipherTest, KeyDerivationAndTamper) {
  const Bytes master = Key(7);
  Salt salt{};
  salt[0] = 1;
  auto k0 = DeriveSegmentKey(master, salt, 0);
  auto k1 = DeriveSegmentKey(master, salt, 1);
  ASSERT_TRUE(k0.ok() && k1.ok());
  EXPECT_EQ(k0->size(), 32u);
  EXPECT_NE(*k0, *k1);
  Nonce n{};
  const Bytes plain = RandomData(1000, 1);
  auto sealed = SealSegment(master, salt, 4, n, plain);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), plain.size() + 16);
  EXPECT_EQ(*OpenSegment(master, salt, 4, n, *sealed), plain);
  EXPECT_EQ(OpenSegment(master, salt, 5, n, *sealed).status().code(), StatusCode::kCorruption);
  Bytes t = *sealed;
  t[10] ^= 1;
  EXPECT_EQ(OpenSegment(master, salt, 4, n, t).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DeriveSegmentKey(Bytes(16, 0), salt, 0).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cess::storage
