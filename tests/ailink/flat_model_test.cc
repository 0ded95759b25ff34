// The flat model format: byte layout, round trips (bytes and files), and every corruption.
#include "cess/ailink/model/flat_model.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cess/core/codec.h"
#include "cess/core/hash.h"

namespace cess::ailink::model {
namespace {

FlatModel SmallModel() {
  FlatModel m;
  m.arch = "cnn-small:in=1x28x28,classes=10";
  m.names = {"conv.weight", "conv.bias", "scalar"};
  m.shapes = {{2, 1, 2, 2}, {2}, {}};
  m.values.resize(m.ExpectedValueCount());
  for (size_t i = 0; i < m.values.size(); ++i) m.values[i] = 0.5f * static_cast<float>(i) - 3.0f;
  m.values[1] = -0.0f;
  m.values[2] = std::numeric_limits<float>::denorm_min();
  return m;
}

void ExpectSameModel(const FlatModel& a, const FlatModel& b) {
  EXPECT_EQ(a.arch, b.arch);
  EXPECT_EQ(a.names, b.names);
  EXPECT_EQ(a.shapes, b.shapes);
  ASSERT_EQ(a.values.size(), b.values.size());
  if (!a.values.empty()) {
    EXPECT_EQ(std::memcmp(a.values.data(), b.values.data(), a.values.size() * 4), 0);
  }
}

// Builds file bytes from parts, so malformed headers can be written.
struct RawParts {
  std::string magic = "CESSFLT1";
  std::string arch = "mlp";
  std::string dtype = "f32";
  std::vector<std::string> names = {"w"};
  std::vector<std::vector<uint64_t>> shapes = {{3}};
  uint64_t value_count = 3;
  std::vector<float> values = {1, 2, 3};
  bool good_hash = true;
  Bytes header_extra;
};

Bytes Build(const RawParts& p) {
  codec::Writer h;
  h.PutString(p.arch);
  h.PutString(p.dtype);
  h.PutCount(p.names.size());
  for (size_t t = 0; t < p.names.size(); ++t) {
    h.PutString(p.names[t]);
    h.PutCount(p.shapes[t].size());
    for (uint64_t d : p.shapes[t]) h.PutU64(d);
  }
  h.PutU64(p.value_count);
  Hash256 hash = FlatValuesHash(p.values);
  if (!p.good_hash) hash[0] ^= 1;
  h.PutFixed(hash);
  h.PutFixed(p.header_extra);
  codec::Writer w;
  w.PutFixed(AsBytes(p.magic));
  w.PutBytes(h.data());
  w.PutFixed(ByteSpan(reinterpret_cast<const uint8_t*>(p.values.data()), p.values.size() * 4));
  return w.Take();
}

void ExpectCorruption(const Bytes& bytes, const std::string& words) {
  auto m = DecodeFlatModel(bytes);
  ASSERT_FALSE(m.ok()) << words;
  EXPECT_EQ(m.status().code(), StatusCode::kCorruption) << m.status();
  EXPECT_NE(m.status().message().find(words), std::string::npos) << m.status();
}

TEST(FlatModelTest, LayoutAndRoundTrip) {
  const FlatModel m = SmallModel();
  ASSERT_TRUE(m.Validate().ok());
  EXPECT_EQ(m.ExpectedValueCount(), 8u + 2u + 1u);
  auto bytes = EncodeFlatModel(m);
  ASSERT_TRUE(bytes.ok()) << bytes.status();

  // magic, u32 header length, header, values (raw little-endian f32 at the end).
  ASSERT_GT(bytes->size(), 12u);
  EXPECT_EQ(std::string(bytes->begin(), bytes->begin() + 8), "CESSFLT1");
  uint32_t header_len = 0;
  for (int i = 0; i < 4; ++i) header_len |= static_cast<uint32_t>((*bytes)[8 + i]) << (8 * i);
  EXPECT_EQ(bytes->size(), 12u + header_len + m.values.size() * 4);
  EXPECT_EQ(std::memcmp(bytes->data() + 12 + header_len, m.values.data(), m.values.size() * 4), 0);
  // The header ends with the value count and SHA-256 of the value bytes.
  const Hash256 want = crypto::Sha256(ByteSpan(bytes->data() + 12 + header_len, m.values.size() * 4));
  EXPECT_EQ(FlatValuesHash(m.values), want);
  EXPECT_EQ(std::memcmp(bytes->data() + 12 + header_len - 32, want.data(), 32), 0);
  // The header parses with the codec as documented.
  codec::Reader r(ByteSpan(bytes->data() + 12, header_len));
  EXPECT_EQ(r.ReadString().value(), m.arch);
  EXPECT_EQ(r.ReadString().value(), "f32");
  EXPECT_EQ(r.ReadU32().value(), 3u);
  EXPECT_EQ(r.ReadString().value(), "conv.weight");
  EXPECT_EQ(r.ReadU32().value(), 4u);

  auto back = DecodeFlatModel(*bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameModel(*back, m);
  // Encoding is canonical: the decoded model encodes to the same bytes.
  EXPECT_EQ(EncodeFlatModel(*back).value(), *bytes);
  // The empty-values hash is SHA-256("").
  EXPECT_EQ(ToHex(FlatValuesHash({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(FlatModelTest, EmptyAndZeroSizedTensors) {
  FlatModel empty;
  empty.arch = "torchscript";
  auto b = EncodeFlatModel(empty);
  ASSERT_TRUE(b.ok());
  auto back = DecodeFlatModel(*b);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameModel(*back, empty);

  FlatModel zero;
  zero.names = {"a", "b"};
  zero.shapes = {{0, 5}, {2}};
  zero.values = {1, 2};
  auto back2 = DecodeFlatModel(EncodeFlatModel(zero).value());
  ASSERT_TRUE(back2.ok()) << back2.status();
  ExpectSameModel(*back2, zero);
}

TEST(FlatModelTest, ValidateAndEncodeErrors) {
  FlatModel m = SmallModel();
  m.names.pop_back();
  EXPECT_EQ(m.Validate().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeFlatModel(m).status().code(), StatusCode::kInvalidArgument);
  m = SmallModel();
  m.values.push_back(1);
  EXPECT_EQ(EncodeFlatModel(m).status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.Validate().message().find("12 values but its shapes need 11"), std::string::npos)
      << m.Validate();
}

TEST(FlatModelTest, HashMismatchIsCorruption) {
  Bytes bytes = EncodeFlatModel(SmallModel()).value();
  Bytes flipped = bytes;
  flipped.back() ^= 0x01;  // a value bit
  ExpectCorruption(flipped, "SHA-256 mismatch");
  flipped = bytes;
  flipped[bytes.size() - SmallModel().values.size() * 4 - 1] ^= 0x80;  // a hash bit
  ExpectCorruption(flipped, "SHA-256 mismatch");
  RawParts p;
  p.good_hash = false;
  ExpectCorruption(Build(p), "SHA-256 mismatch");
}

TEST(FlatModelTest, TruncationAndExtraBytesAreCorruption) {
  const Bytes bytes = EncodeFlatModel(SmallModel()).value();
  for (size_t len = 0; len < bytes.size(); ++len) {
    auto m = DecodeFlatModel(ByteSpan(bytes.data(), len));
    ASSERT_FALSE(m.ok()) << "prefix of " << len << " bytes decoded";
    EXPECT_EQ(m.status().code(), StatusCode::kCorruption) << len << ": " << m.status();
  }
  ExpectCorruption(Bytes(bytes.begin(), bytes.end() - 4), "truncated value block");
  Bytes longer = bytes;
  longer.push_back(0);
  ExpectCorruption(longer, "oversized value block");
}

TEST(FlatModelTest, MalformedHeadersAreCorruption) {
  ASSERT_TRUE(DecodeFlatModel(Build(RawParts{})).ok());
  RawParts p;
  p.magic = "CESSFLT2";
  ExpectCorruption(Build(p), "magic");
  p = RawParts{};
  p.dtype = "f16";
  ExpectCorruption(Build(p), "dtype 'f16'");
  p = RawParts{};
  p.value_count = 4;
  ExpectCorruption(Build(p), "value count 4 disagrees");
  p = RawParts{};
  p.shapes = {{2, 2}};
  ExpectCorruption(Build(p), "value count 3 disagrees");
  p = RawParts{};
  p.header_extra = {0};
  ExpectCorruption(Build(p), "oversized header");
  // Hostile sizes: a shape whose product overflows, a huge tensor count, a huge value count.
  p = RawParts{};
  p.shapes = {{1ull << 40, 1ull << 40}};
  ExpectCorruption(Build(p), "overflows");
  p = RawParts{};
  p.value_count = 1ull << 62;
  p.shapes = {{1ull << 62}};
  ExpectCorruption(Build(p), "truncated value block");
  Bytes bytes = Build(RawParts{});
  // Tensor count sits after magic(8) + length(4) + arch(4 + 3) + dtype(4 + 3).
  const size_t count_at = 8 + 4 + 7 + 7;
  for (int i = 0; i < 4; ++i) bytes[count_at + i] = 0xFF;
  ExpectCorruption(bytes, "flat model header");
  // A header length past the end.
  bytes = Build(RawParts{});
  bytes[8 + 3] = 0x7F;
  ExpectCorruption(bytes, "truncated header");
}

// Random byte flips and cuts never crash: every result is OK (a flip in a name or the arch,
// which the hash does not cover) or Corruption.
TEST(FlatModelTest, SurvivesDamage) {
  const Bytes good = EncodeFlatModel(SmallModel()).value();
  std::mt19937 rng(3);
  for (int trial = 0; trial < 500; ++trial) {
    Bytes b = good;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    if (trial % 7 == 0) b.resize(rng() % b.size());
    auto m = DecodeFlatModel(b);
    if (!m.ok()) {
      EXPECT_EQ(m.status().code(), StatusCode::kCorruption) << "trial " << trial << ": " << m.status();
    } else {
      EXPECT_TRUE(m->Validate().ok()) << "trial " << trial;
    }
  }
}

TEST(FlatModelTest, FileRoundTripAndErrors) {
  char tmpl[] = "/tmp/cess_flat_model_test_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/model.cflt";
  const FlatModel m = SmallModel();
  ASSERT_TRUE(WriteFlatModel(path, m).ok());
  auto back = ReadFlatModel(path);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameModel(*back, m);
  // Overwrite atomically with another model.
  FlatModel other = m;
  other.values[0] = 42;
  ASSERT_TRUE(WriteFlatModel(path, other).ok());
  EXPECT_EQ(ReadFlatModel(path)->values[0], 42.0f);

  EXPECT_EQ(ReadFlatModel(dir + "/missing").status().code(), StatusCode::kNotFound);
  FlatModel bad = m;
  bad.values.pop_back();
  EXPECT_EQ(WriteFlatModel(dir + "/bad", bad).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir + "/bad"));
  // A corrupt file names the path.
  {
    Bytes bytes = EncodeFlatModel(m).value();
    bytes.back() ^= 1;
    FILE* f = std::fopen((dir + "/corrupt").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    auto c = ReadFlatModel(dir + "/corrupt");
    EXPECT_EQ(c.status().code(), StatusCode::kCorruption);
    EXPECT_NE(c.status().message().find(dir + "/corrupt"), std::string::npos) << c.status();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cess::ailink::model
