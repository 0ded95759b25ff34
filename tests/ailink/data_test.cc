// Datasets: the Dataset helpers, IDX files (raw and gzip, written here with zlib, and every error
// case), the IDX dataset loader, the real Fashion-MNIST (skipped visibly when not installed), CSV
// datasets and the dataset registry.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "cess/ailink/data/csv.h"
#include "cess/ailink/data/dataset.h"
#include "cess/ailink/data/idx.h"
#include "cess/ailink/data/registry.h"
#include "cess/core/bytes.h"

namespace cess::ailink::data {
namespace {

namespace fs = std::filesystem;

// IDX bytes: magic, big-endian dims, then `payload` (already big-endian element bytes).
Bytes IdxBytes(uint8_t type, const std::vector<uint32_t>& dims, const Bytes& payload) {
  Bytes out = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    out.push_back(static_cast<uint8_t>(d >> 24));
    out.push_back(static_cast<uint8_t>(d >> 16));
    out.push_back(static_cast<uint8_t>(d >> 8));
    out.push_back(static_cast<uint8_t>(d));
  }
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// A gzip member holding `data`, written with zlib.
Bytes Gzip(const Bytes& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&zs, data.size()) + 64);
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Bytes Concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class DataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cess_data_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Write(const std::string& name, const Bytes& b) const {
    std::ofstream out(Path(name), std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return Path(name);
  }
  std::string WriteText(const std::string& name, const std::string& s) const {
    return Write(name, Bytes(s.begin(), s.end()));
  }
  // A small image set: n images of h x w with pixel (i, k) = (7 * i + k) % 256, labels i % classes.
  void WriteImages(const std::string& stem, uint32_t n, uint32_t h, uint32_t w, uint32_t classes, bool gz) {
    Bytes pixels(size_t{n} * h * w);
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < size_t{h} * w; ++k)
        pixels[i * h * w + k] = static_cast<uint8_t>((7 * i + k) % 256);
    }
    Bytes labels(n);
    for (size_t i = 0; i < n; ++i) labels[i] = static_cast<uint8_t>(i % classes);
    const Bytes img = IdxBytes(0x08, {n, h, w}, pixels);
    const Bytes lab = IdxBytes(0x08, {n}, labels);
    Write(stem + "-images", gz ? Gzip(img) : img);
    Write(stem + "-labels", gz ? Gzip(lab) : lab);
  }
  std::string dir_;
};

// --- Dataset

Dataset SmallDataset() {
  Dataset ds;
  ds.example_shape = {1, 2};
  ds.num_classes = 3;
  ds.features = {0, 1, 10, 11, 20, 21, 30, 31};
  ds.labels = {0, 2, 2, 1};
  return ds;
}

TEST(DatasetTest, SubsetHeadCounts) {
  const Dataset ds = SmallDataset();
  EXPECT_EQ(ds.example_size(), 2u);
  EXPECT_EQ(ds.size(), 4u);
  EXPECT_TRUE(ds.Validate().ok());
  EXPECT_EQ(ds.ClassCounts(), (std::vector<size_t>{1, 1, 2}));

  const std::vector<size_t> idx = {3, 0, 3};
  const Dataset sub = ds.Subset(idx);
  EXPECT_EQ(sub.example_shape, ds.example_shape);
  EXPECT_EQ(sub.num_classes, 3u);
  EXPECT_EQ(sub.labels, (std::vector<int32_t>{1, 0, 1}));
  EXPECT_EQ(sub.features, (std::vector<float>{30, 31, 0, 1, 30, 31}));

  const Dataset head = ds.Head(2);
  EXPECT_EQ(head.labels, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(head.features, (std::vector<float>{0, 1, 10, 11}));
  EXPECT_EQ(ds.Head(100).size(), 4u);
  EXPECT_EQ(ds.Head(0).size(), 0u);
  EXPECT_TRUE(ds.Head(0).Validate().ok());
  EXPECT_EQ(Dataset{}.example_size(), 0u);
}

TEST(DatasetTest, ValidateNamesTheProblem) {
  Dataset ds = SmallDataset();
  ds.example_shape.clear();
  EXPECT_EQ(ds.Validate().code(), StatusCode::kInvalidArgument);

  ds = SmallDataset();
  ds.num_classes = 0;
  EXPECT_EQ(ds.Validate().code(), StatusCode::kInvalidArgument);

  ds = SmallDataset();
  ds.features.pop_back();
  EXPECT_EQ(ds.Validate().code(), StatusCode::kInvalidArgument);

  ds = SmallDataset();
  ds.num_classes = 10;
  ds.labels = {0, 1, 2, 3, 4, 5, 6};
  ds.features.assign(7 * 2, 0.0f);
  ds.labels.push_back(0);
  ds.labels[5] = 12;
  ds.features.resize(8 * 2);
  const Status s = ds.Validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("label 12 of example 5 is outside [0, 10)"), std::string::npos) << s;

  ds = SmallDataset();
  ds.labels[1] = -1;
  EXPECT_EQ(ds.Validate().code(), StatusCode::kInvalidArgument);

  ds = SmallDataset();
  ds.features[5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(ds.Validate().code(), StatusCode::kInvalidArgument);
  ds.features[5] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(ds.Validate().code(), StatusCode::kInvalidArgument);
}

// --- IDX

TEST_F(DataTest, IdxU8RoundTripRawAndGzip) {
  const Bytes payload = {1, 2, 3, 4, 5, 6, 250, 255, 0, 9, 8, 7};
  const Bytes raw = IdxBytes(0x08, {2, 3, 2}, payload);
  for (const std::string& path : {Write("a.idx", raw), Write("a.idx.gz", Gzip(raw))}) {
    auto arr = ReadIdx(path);
    ASSERT_TRUE(arr.ok()) << path << ": " << arr.status();
    EXPECT_EQ(arr->type, 0x08);
    EXPECT_EQ(arr->dims, (std::vector<size_t>{2, 3, 2}));
    EXPECT_EQ(arr->count(), 12u);
    EXPECT_EQ(arr->data, payload);
  }
}

TEST_F(DataTest, IdxWideTypesAreConvertedToHostOrder) {
  // i16 -2, 258; i32 -5, 0x01020304; f32 1.5, -2; f64 0.25.
  {
    const Bytes raw = IdxBytes(0x0B, {2}, {0xFF, 0xFE, 0x01, 0x02});
    auto arr = ReadIdx(Write("i16", Gzip(raw)));
    ASSERT_TRUE(arr.ok()) << arr.status();
    int16_t v[2];
    std::memcpy(v, arr->data.data(), 4);
    EXPECT_EQ(v[0], -2);
    EXPECT_EQ(v[1], 258);
  }
  {
    const Bytes raw = IdxBytes(0x0C, {2}, {0xFF, 0xFF, 0xFF, 0xFB, 0x01, 0x02, 0x03, 0x04});
    auto arr = ReadIdx(Write("i32", raw));
    ASSERT_TRUE(arr.ok()) << arr.status();
    int32_t v[2];
    std::memcpy(v, arr->data.data(), 8);
    EXPECT_EQ(v[0], -5);
    EXPECT_EQ(v[1], 0x01020304);
  }
  {
    const Bytes raw = IdxBytes(0x0D, {1, 2}, {0x3F, 0xC0, 0, 0, 0xC0, 0, 0, 0});
    auto arr = ReadIdx(Write("f32", raw));
    ASSERT_TRUE(arr.ok()) << arr.status();
    EXPECT_EQ(arr->dims, (std::vector<size_t>{1, 2}));
    float v[2];
    std::memcpy(v, arr->data.data(), 8);
    EXPECT_EQ(v[0], 1.5f);
    EXPECT_EQ(v[1], -2.0f);
  }
  {
    const Bytes raw = IdxBytes(0x0E, {1}, {0x3F, 0xD0, 0, 0, 0, 0, 0, 0});
    auto arr = ReadIdx(Write("f64", raw));
    ASSERT_TRUE(arr.ok()) << arr.status();
    double v;
    std::memcpy(&v, arr->data.data(), 8);
    EXPECT_EQ(v, 0.25);
  }
  {
    // i8 and a zero-dimensional array (one element).
    auto arr = ReadIdx(Write("i8", IdxBytes(0x09, {}, {0x80})));
    ASSERT_TRUE(arr.ok()) << arr.status();
    EXPECT_EQ(arr->count(), 1u);
    EXPECT_EQ(static_cast<int8_t>(arr->data[0]), -128);
  }
}

TEST_F(DataTest, IdxConcatenatedGzipMembers) {
  const Bytes raw = IdxBytes(0x08, {6}, {1, 2, 3, 4, 5, 6});
  const Bytes first(raw.begin(), raw.begin() + 9);
  const Bytes second(raw.begin() + 9, raw.end());
  auto arr = ReadIdx(Write("multi.gz", Concat(Gzip(first), Gzip(second))));
  ASSERT_TRUE(arr.ok()) << arr.status();
  EXPECT_EQ(arr->data, (Bytes{1, 2, 3, 4, 5, 6}));
}

TEST_F(DataTest, IdxErrors) {
  const Bytes good = IdxBytes(0x08, {2, 3}, {1, 2, 3, 4, 5, 6});
  auto expect_corruption = [&](const std::string& name, const Bytes& bytes, const std::string& words) {
    const std::string path = Write(name, bytes);
    auto arr = ReadIdx(path);
    ASSERT_FALSE(arr.ok()) << name;
    EXPECT_EQ(arr.status().code(), StatusCode::kCorruption) << name << ": " << arr.status();
    EXPECT_NE(arr.status().message().find(path), std::string::npos) << arr.status();
    EXPECT_NE(arr.status().message().find(words), std::string::npos) << name << ": " << arr.status();
  };
  // Truncated data, raw and gzip (a whole but short gzip stream).
  const Bytes short_data(good.begin(), good.end() - 1);
  expect_corruption("short", short_data, "truncated");
  expect_corruption("short.gz", Gzip(short_data), "truncated");
  // Truncated header.
  expect_corruption("hdr", Bytes{0, 0, 8}, "truncated");
  expect_corruption("dims", Bytes{0, 0, 8, 2, 0, 0, 0, 2}, "truncated");
  expect_corruption("empty", Bytes{}, "truncated");
  // Trailing bytes.
  expect_corruption("trailing", Concat(good, {0}), "trailing");
  expect_corruption("trailing.gz", Gzip(Concat(good, {0, 0, 0})), "trailing");
  // Bad magic and unknown type.
  Bytes bad = good;
  bad[1] = 1;
  expect_corruption("magic", bad, "magic");
  bad = good;
  bad[2] = 0x07;
  expect_corruption("type", bad, "type code 0x07");
  expect_corruption("type.gz", Gzip(bad), "type code 0x07");
  // A huge claimed size fails before allocating.
  expect_corruption("huge", IdxBytes(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {}), "truncated");
  expect_corruption("huge.gz", Gzip(IdxBytes(0x08, {0xFFFFFFFF, 0xFFFFFFFF}, {1, 2})), "truncated");
  // A cut-off gzip stream, a damaged one, and garbage after a gzip stream.
  const Bytes gz = Gzip(good);
  expect_corruption("cut.gz", Bytes(gz.begin(), gz.end() - 6), "gzip");
  Bytes damaged = gz;
  damaged[damaged.size() - 6] ^= 0xFF;  // inside the CRC-32
  expect_corruption("crc.gz", damaged, "gzip");
  expect_corruption("garbage.gz", Concat(gz, {1, 2, 3}), "garbage");

  auto missing = ReadIdx(Path("nope"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status();
}

// Random byte flips and cuts never crash or allocate wildly: every result is OK or Corruption.
TEST_F(DataTest, IdxSurvivesDamage) {
  Bytes payload(3 * 5 * 7);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 31);
  const Bytes raw = IdxBytes(0x08, {3, 5, 7}, payload);
  const Bytes gz = Gzip(raw);
  std::mt19937 rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    Bytes b = trial % 2 ? gz : raw;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    if (trial % 5 == 0) b.resize(rng() % b.size());
    auto arr = ReadIdx(Write("damaged", b));
    if (!arr.ok()) {
      EXPECT_EQ(arr.status().code(), StatusCode::kCorruption) << "trial " << trial << ": " << arr.status();
    } else {
      const std::map<uint8_t, size_t> width = {{0x08, 1}, {0x09, 1}, {0x0B, 2},
                                               {0x0C, 4}, {0x0D, 4}, {0x0E, 8}};
      ASSERT_TRUE(width.count(arr->type)) << "trial " << trial;
      EXPECT_EQ(arr->data.size(), arr->count() * width.at(arr->type)) << "trial " << trial;
    }
  }
}

TEST_F(DataTest, IdxDatasetLoads) {
  for (bool gz : {false, true}) {
    WriteImages("s", 5, 3, 4, 3, gz);
    IdxLoadOptions plain;
    plain.standardize = false;
    plain.num_classes = 3;
    auto ds = LoadIdxDataset(Path("s-images"), Path("s-labels"), plain);
    ASSERT_TRUE(ds.ok()) << ds.status();
    EXPECT_EQ(ds->size(), 5u);
    EXPECT_EQ(ds->example_shape, (std::vector<size_t>{1, 3, 4}));
    EXPECT_EQ(ds->num_classes, 3u);
    EXPECT_EQ(ds->labels, (std::vector<int32_t>{0, 1, 2, 0, 1}));
    ASSERT_EQ(ds->features.size(), 60u);
    EXPECT_FLOAT_EQ(ds->features[12 * 2 + 5], static_cast<float>((7 * 2 + 5) % 256) / 255.0f);
    EXPECT_TRUE(ds->Validate().ok());

    IdxLoadOptions stdz;
    stdz.num_classes = 3;
    auto ds2 = LoadIdxDataset(Path("s-images"), Path("s-labels"), stdz);
    ASSERT_TRUE(ds2.ok()) << ds2.status();
    for (size_t i = 0; i < ds->features.size(); ++i) {
      EXPECT_NEAR(ds2->features[i], (ds->features[i] - 0.2860f) / 0.3530f, 1e-5f);
    }
  }
  // 4-D images: example shape {C, H, W}.
  Bytes pixels(2 * 3 * 2 * 2, 128);
  Write("c-images", IdxBytes(0x08, {2, 3, 2, 2}, pixels));
  Write("c-labels", IdxBytes(0x08, {2}, {9, 0}));
  auto ds = LoadIdxDataset(Path("c-images"), Path("c-labels"));
  ASSERT_TRUE(ds.ok()) << ds.status();
  EXPECT_EQ(ds->example_shape, (std::vector<size_t>{3, 2, 2}));
  EXPECT_EQ(ds->num_classes, 10u);
}

TEST_F(DataTest, IdxDatasetErrors) {
  WriteImages("s", 5, 2, 2, 10, true);
  auto expect_invalid = [&](const std::string& images, const std::string& labels, const std::string& words) {
    auto ds = LoadIdxDataset(Path(images), Path(labels));
    ASSERT_FALSE(ds.ok());
    EXPECT_EQ(ds.status().code(), StatusCode::kInvalidArgument) << ds.status();
    EXPECT_NE(ds.status().message().find(words), std::string::npos) << ds.status();
  };
  // Count mismatch.
  Write("four-labels", IdxBytes(0x08, {4}, {0, 1, 2, 3}));
  expect_invalid("s-images", "four-labels", "5 images but 4 labels");
  // Mislabelled.
  Write("bad-labels", IdxBytes(0x08, {5}, {0, 1, 10, 3, 4}));
  expect_invalid("s-images", "bad-labels", "mislabelled example 2");
  // Types and ranks.
  Write("i32-labels", IdxBytes(0x0C, {1}, {0, 0, 0, 1}));
  expect_invalid("s-images", "i32-labels", "expected u8");
  Write("2d-labels", IdxBytes(0x08, {5, 1}, {0, 1, 2, 3, 4}));
  expect_invalid("s-images", "2d-labels", "expected 1");
  expect_invalid("s-labels", "s-labels", "dimensions");
  // Errors of ReadIdx pass through.
  auto missing = LoadIdxDataset(Path("s-images"), Path("nope"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  Write("trunc", Bytes{0, 0, 8, 1, 0, 0, 0, 9});
  auto trunc = LoadIdxDataset(Path("s-images"), Path("trunc"));
  EXPECT_EQ(trunc.status().code(), StatusCode::kCorruption);
}

TEST_F(DataTest, FashionMnistMissingDirectorySaysWhatToInstall) {
  auto fm = LoadFashionMnist(Path("no-such-dir"));
  ASSERT_FALSE(fm.ok());
  EXPECT_EQ(fm.status().code(), StatusCode::kNotFound);
  EXPECT_NE(fm.status().message().find("dataset-fashion-mnist"), std::string::npos) << fm.status();
  fs::create_directory(Path("fm"));
  auto fm2 = LoadFashionMnist(Path("fm"));
  EXPECT_EQ(fm2.status().code(), StatusCode::kNotFound);
  EXPECT_NE(fm2.status().message().find("train-images-idx3-ubyte.gz"), std::string::npos) << fm2.status();
}

TEST(FashionMnistTest, RealDataLoads) {
  if (!fs::is_directory(kFashionMnistDir)) {
    GTEST_SKIP() << "Fashion-MNIST is not installed in " << kFashionMnistDir
                 << " (apt-get install dataset-fashion-mnist, or scripts/setup.sh)";
  }
  const auto start = std::chrono::steady_clock::now();
  IdxLoadOptions plain;
  plain.standardize = false;
  auto fm = LoadFashionMnist(kFashionMnistDir, plain);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(fm.ok()) << fm.status();
  std::printf("Fashion-MNIST (70000 examples) loaded in %.3f s\n", seconds);
  EXPECT_LT(seconds, 5.0);  // well under a second unloaded; generous for a busy machine
  EXPECT_EQ(fm->name, "fashion-mnist");
  EXPECT_EQ(fm->train.size(), 60000u);
  EXPECT_EQ(fm->test.size(), 10000u);
  EXPECT_EQ(fm->train.example_shape, (std::vector<size_t>{1, 28, 28}));
  EXPECT_EQ(fm->test.example_shape, (std::vector<size_t>{1, 28, 28}));
  EXPECT_EQ(fm->train.num_classes, 10u);
  EXPECT_EQ(fm->train.ClassCounts(), std::vector<size_t>(10, 6000));
  EXPECT_EQ(fm->test.ClassCounts(), std::vector<size_t>(10, 1000));
  EXPECT_TRUE(fm->train.Validate().ok());
  EXPECT_TRUE(fm->test.Validate().ok());
  // Known facts of the files: the first examples are labelled 9 (ankle boot); the first training
  // image has 351 zero pixels summing to 76247 / 255; the training mean pixel is 0.28604.
  EXPECT_EQ(fm->train.labels[0], 9);
  EXPECT_EQ(fm->test.labels[0], 9);
  EXPECT_EQ(fm->train.labels[3], 3);
  double first = 0, mean = 0;
  size_t zeros = 0;
  for (size_t k = 0; k < 784; ++k) {
    first += fm->train.features[k];
    zeros += fm->train.features[k] == 0.0f;
  }
  for (float v : fm->train.features) mean += v;
  mean /= static_cast<double>(fm->train.features.size());
  EXPECT_EQ(zeros, 351u);
  EXPECT_NEAR(first, 76247.0 / 255.0, 1e-3);
  EXPECT_NEAR(mean, 0.28604, 1e-4);

  // Standardized (the default) through the registry: mean ~0, std ~1.
  auto reg = LoadDataset("fashion-mnist");
  ASSERT_TRUE(reg.ok()) << reg.status();
  double m = 0, sq = 0;
  for (float v : reg->train.features) {
    m += v;
    sq += static_cast<double>(v) * v;
  }
  m /= static_cast<double>(reg->train.features.size());
  const double sd = std::sqrt(sq / static_cast<double>(reg->train.features.size()) - m * m);
  EXPECT_NEAR(m, 0.0, 1e-3);
  EXPECT_NEAR(sd, 1.0, 0.01);
}

// --- CSV

TEST_F(DataTest, CsvHappyPath) {
  // Header (auto), CRLF, blank lines, spaces, a '+' sign, exponents, no trailing newline.
  const std::string path = WriteText("a.csv", "x1,x2,label\r\n1.5, -2,0\r\n\r\n3e2,+4,2\n\n 0.25 ,1e-3 , 1");
  auto ds = ReadCsvDataset(path);
  ASSERT_TRUE(ds.ok()) << ds.status();
  EXPECT_EQ(ds->example_shape, (std::vector<size_t>{2}));
  EXPECT_EQ(ds->num_classes, 3u);
  EXPECT_EQ(ds->labels, (std::vector<int32_t>{0, 2, 1}));
  EXPECT_EQ(ds->features, (std::vector<float>{1.5f, -2.0f, 300.0f, 4.0f, 0.25f, 1e-3f}));
  EXPECT_TRUE(ds->Validate().ok());

  // No header (auto), label in column 0, ';' delimiter, num_classes given.
  CsvOptions opt;
  opt.delimiter = ';';
  opt.label_column = 0;
  opt.num_classes = 5;
  auto ds2 = ReadCsvDataset(WriteText("b.csv", "1;0.5;0.25\n0;1;2\n"), opt);
  ASSERT_TRUE(ds2.ok()) << ds2.status();
  EXPECT_EQ(ds2->labels, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(ds2->features, (std::vector<float>{0.5f, 0.25f, 1.0f, 2.0f}));
  EXPECT_EQ(ds2->num_classes, 5u);

  // Header forced: a numeric first line is skipped; forced off: a text first line is an error.
  CsvOptions yes;
  yes.header = CsvOptions::Header::kYes;
  auto ds3 = ReadCsvDataset(WriteText("c.csv", "7,8,9\n1,2,0\n"), yes);
  ASSERT_TRUE(ds3.ok()) << ds3.status();
  EXPECT_EQ(ds3->size(), 1u);
  CsvOptions no;
  no.header = CsvOptions::Header::kNo;
  auto ds4 = ReadCsvDataset(WriteText("d.csv", "a,b,c\n1,2,0\n"), no);
  EXPECT_EQ(ds4.status().code(), StatusCode::kInvalidArgument);
  auto ds5 = ReadCsvDataset(WriteText("e.csv", "7,8,9\n1,2,0\n"), no);
  ASSERT_TRUE(ds5.ok());
  EXPECT_EQ(ds5->size(), 2u);
  EXPECT_EQ(ds5->num_classes, 10u);
}

TEST_F(DataTest, CsvErrors) {
  auto expect_invalid = [&](const std::string& text, const std::string& words, CsvOptions opt = {}) {
    auto ds = ReadCsvDataset(WriteText("bad.csv", text), opt);
    ASSERT_FALSE(ds.ok()) << text;
    EXPECT_EQ(ds.status().code(), StatusCode::kInvalidArgument) << ds.status();
    EXPECT_NE(ds.status().message().find(words), std::string::npos) << text << " -> " << ds.status();
    EXPECT_NE(ds.status().message().find(Path("bad.csv")), std::string::npos) << ds.status();
  };
  expect_invalid("a,b\n1,0\n2x,1\n", "line 3, column 1: '2x' is not a number");
  expect_invalid("a,b\n1,0\n,1\n", "line 3, column 1");
  expect_invalid("1,2,0\n1,2\n", "line 2: 2 fields, expected 3");
  expect_invalid("1,2,0\n1,2,0,4\n", "line 2: 4 fields, expected 3");
  expect_invalid("1,2,0\n1,2,-1\n", "line 2, column 3: label '-1' is not a non-negative integer");
  expect_invalid("1,2,0\n1,2,1.5\n", "label '1.5'");
  expect_invalid("1,2,0\n1,nan,1\n", "not a finite");
  expect_invalid("1,2,0\n1,1e39,1\n", "not a finite");
  CsvOptions three;
  three.num_classes = 3;
  expect_invalid("1,2,0\n1,2,3\n", "line 2, column 3: label 3 is outside [0, 3)", three);
  expect_invalid("", "no data rows");
  expect_invalid("\n\r\n\n", "no data rows");
  expect_invalid("a,b,label\n", "no data rows");
  expect_invalid("1\n2\n", "column");
  CsvOptions col;
  col.label_column = 3;
  expect_invalid("1,2,0\n", "label column 3", col);

  auto missing = ReadCsvDataset(Path("nope.csv"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// --- Registry

TEST_F(DataTest, RegistryIdxAndCsv) {
  WriteImages("tr", 6, 2, 3, 10, true);
  WriteImages("te", 4, 2, 3, 10, false);
  const std::string spec = "idx:" + Path("tr-images") + "," + Path("tr-labels") + ", " + Path("te-images") +
                           "," + Path("te-labels");
  auto tt = LoadDataset(spec);
  ASSERT_TRUE(tt.ok()) << tt.status();
  EXPECT_EQ(tt->train.size(), 6u);
  EXPECT_EQ(tt->test.size(), 4u);
  EXPECT_EQ(tt->train.example_shape, (std::vector<size_t>{1, 2, 3}));

  WriteText("train.csv", "a,b,y\n1,2,0\n3,4,3\n");
  WriteText("test.csv", "a,b,y\n1,2,1\n");
  auto csv = LoadDataset("csv:" + Path("train.csv") + "," + Path("test.csv"));
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(csv->train.size(), 2u);
  EXPECT_EQ(csv->test.size(), 1u);
  EXPECT_EQ(csv->train.num_classes, 4u);
  EXPECT_EQ(csv->test.num_classes, 4u);  // agreed across the two files

  // Shape disagreement.
  WriteText("wide.csv", "a,b,c,y\n1,2,3,0\n");
  auto wide = LoadDataset("csv:" + Path("train.csv") + "," + Path("wide.csv"));
  EXPECT_EQ(wide.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wide.status().message().find("2 but test examples are 3"), std::string::npos) << wide.status();

  // Spec errors.
  const std::vector<std::string> bad_specs = {"mnist",
                                              "",
                                              "csv:" + Path("train.csv"),
                                              "csv:" + Path("train.csv") + ",",
                                              "idx:a,b,c",
                                              "idx:a,b,c,d,e",
                                              "csv",
                                              "fashion-mnist:"};
  for (const std::string& bad : bad_specs) {
    auto r = LoadDataset(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << "'" << bad << "': " << r.status();
  }
  // Loader errors pass through.
  EXPECT_EQ(LoadDataset("csv:" + Path("nope.csv") + "," + Path("test.csv")).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(LoadDataset("fashion-mnist:" + Path("nowhere")).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace cess::ailink::data
