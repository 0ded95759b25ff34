// .npy I/O: round trips, header parsing, every error case, cross-checks with NumPy itself
// (/usr/bin/python3; skipped visibly when it lacks numpy), and AggregateNpy end to end.
#include "cess/ailink/npy.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cess/ailink/robust/preaggregators.h"
#include "cess/ailink/robust/rules.h"
#include "reference.h"

namespace cess::ailink {
namespace {

namespace fs = std::filesystem;
using testing::RandomUpdates;

class NpyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cess_npy_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  void WriteBytes(const std::string& name, const Bytes& b) const {
    std::ofstream out(Path(name), std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  std::string dir_;
};

TEST_F(NpyTest, MatrixAndVectorRoundTrip) {
  const UpdateMatrix m = RandomUpdates(7, 13, 1);
  ASSERT_TRUE(WriteNpyMatrix(Path("m.npy"), m.view()).ok());
  auto back = ReadNpyMatrix(Path("m.npy"));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->rows(), 7u);
  EXPECT_EQ(back->cols(), 13u);
  EXPECT_EQ(std::memcmp(back->data(), m.data(), m.size() * 4), 0);

  const std::vector<float> v = {1.5f, -2.0f, 0.0f, -0.0f, 3e38f, 1e-45f};
  ASSERT_TRUE(WriteNpyVector(Path("v.npy"), v).ok());
  auto vb = ReadNpyVector(Path("v.npy"));
  ASSERT_TRUE(vb.ok());
  EXPECT_EQ(std::memcmp(vb->data(), v.data(), v.size() * 4), 0);
  auto arr = ReadNpy(Path("v.npy"));
  ASSERT_TRUE(arr.ok());
  EXPECT_EQ(arr->shape, (std::vector<size_t>{6}));

  // Empty shapes.
  ASSERT_TRUE(WriteNpyVector(Path("e.npy"), {}).ok());
  EXPECT_TRUE(ReadNpyVector(Path("e.npy"))->empty());
  ASSERT_TRUE(WriteNpyMatrix(Path("e2.npy"), MatrixView{nullptr, 0, 4}).ok());
  EXPECT_EQ(ReadNpy(Path("e2.npy"))->shape, (std::vector<size_t>{0, 4}));

  // Dimension mismatch between reader and file.
  EXPECT_EQ(ReadNpyVector(Path("m.npy")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadNpyMatrix(Path("v.npy")).status().code(), StatusCode::kInvalidArgument);
  // No temporary files left behind.
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST_F(NpyTest, HeaderLayoutMatchesTheFormat) {
  const Bytes b = EncodeNpy(std::vector<float>(6, 1.0f), {2, 3});
  ASSERT_GE(b.size(), 10u);
  EXPECT_EQ(std::memcmp(b.data(), "\x93NUMPY\x01\x00", 8), 0);
  const size_t hlen = b[8] | b[9] << 8;
  EXPECT_EQ((10 + hlen) % 64, 0u);
  EXPECT_EQ(b[10 + hlen - 1], '\n');
  const std::string dict(b.begin() + 10, b.begin() + 10 + static_cast<std::ptrdiff_t>(hlen));
  EXPECT_EQ(dict.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0), 0u) << dict;
  EXPECT_EQ(b.size(), 10 + hlen + 24);
  auto h = ParseNpyHeader(b);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->shape, (std::vector<size_t>{2, 3}));
  EXPECT_EQ(h->data_offset, 10 + hlen);
}

TEST_F(NpyTest, ParsesHeaderVariants) {
  auto make = [](int major, const std::string& dict) {
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
    const size_t len = dict.size();
    b.push_back(static_cast<uint8_t>(len));
    b.push_back(static_cast<uint8_t>(len >> 8));
    if (major >= 2) {
      b.push_back(0);
      b.push_back(0);
    }
    b.insert(b.end(), dict.begin(), dict.end());
    return b;
  };
  // Key order, double quotes, no trailing comma, Python 2 longs, version 2.
  auto h = ParseNpyHeader(make(1, "{\"shape\": (3L, 4), 'fortran_order': False, 'descr': '<f4'}\n"));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->shape, (std::vector<size_t>{3, 4}));
  h = ParseNpyHeader(make(2, "{'descr': '<f4', 'fortran_order': True, 'shape': (), }"));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_TRUE(h->fortran_order);
  EXPECT_TRUE(h->shape.empty());
  EXPECT_EQ(h->major, 2);
  // Broken headers.
  for (const std::string& bad :
       {std::string("{'descr': '<f4', 'shape': (3,), }"), std::string("{'descr': '<f4', 'fortran_order': False, "
                                                                       "'shape': (3,x), }"),
        std::string("['descr']"), std::string("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (3,), }"),
        std::string("{'descr': '<f4'")}) {
    EXPECT_EQ(ParseNpyHeader(make(1, bad)).status().code(), StatusCode::kCorruption) << bad;
  }
  EXPECT_EQ(ParseNpyHeader(make(4, "{}")).status().code(), StatusCode::kCorruption);
  Bytes notnpy = {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(ParseNpyHeader(notnpy).status().code(), StatusCode::kCorruption);
}

TEST_F(NpyTest, ReadErrors) {
  const Bytes good = EncodeNpy(std::vector<float>(12, 2.0f), {3, 4});
  auto code_of = [&](const std::string& name, const Bytes& b) {
    WriteBytes(name, b);
    return ReadNpy(Path(name)).status();
  };
  EXPECT_EQ(ReadNpy(Path("missing.npy")).status().code(), StatusCode::kNotFound);
  // Truncated data, trailing bytes, truncated header, empty file.
  Status s = code_of("trunc.npy", Bytes(good.begin(), good.end() - 3));
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("truncated"), std::string::npos) << s;
  Bytes extra = good;
  extra.push_back(0);
  EXPECT_EQ(code_of("extra.npy", extra).code(), StatusCode::kCorruption);
  EXPECT_EQ(code_of("hdr.npy", Bytes(good.begin(), good.begin() + 30)).code(), StatusCode::kCorruption);
  EXPECT_EQ(code_of("empty.npy", {}).code(), StatusCode::kCorruption);
  // Unsupported dtypes, order and ranks: InvalidArgument naming the problem.
  auto with_dict = [&](const std::string& from, const std::string& to) {
    Bytes b = good;
    std::string text(b.begin(), b.end());
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos);
    std::copy(to.begin(), to.end(), b.begin() + static_cast<std::ptrdiff_t>(at));
    return b;
  };
  s = code_of("f8.npy", with_dict("'<f4'", "'<f8'"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'<f8'"), std::string::npos) << s;
  EXPECT_EQ(code_of("be.npy", with_dict("'<f4'", "'>f4'")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of("i4.npy", with_dict("'<f4'", "'<i4'")).code(), StatusCode::kInvalidArgument);
  s = code_of("fortran.npy", with_dict("False", "True "));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("Fortran"), std::string::npos) << s;
  EXPECT_EQ(code_of("3d.npy", with_dict("(3, 4), }", "(1,3,4),}")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of("0d.npy", with_dict("(3, 4)", "()    ")).code(), StatusCode::kInvalidArgument);
}

TEST_F(NpyTest, WriteErrorsAreIoErrors) {
  const Status s = WriteNpyVector(dir_ + "/no/such/dir/x.npy", std::vector<float>{1});
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s;
}

// Runs python code with /usr/bin/python3; returns its exit status.
int Python(const std::string& code) {
  const std::string cmd = "/usr/bin/python3 -c \"" + code + "\" 2>&1";
  return std::system(cmd.c_str());
}

bool HaveNumpy() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

TEST_F(NpyTest, NumpyReadsOursAndWeReadNumpys) {
  if (!HaveNumpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available (apt install python3-numpy)";
  // numpy -> us: 2-D, 1-D, version 2.0, and what must be refused.
  ASSERT_EQ(Python("import numpy as np; "
                   "np.save('" + Path("np2d.npy") + "', (np.arange(12, dtype='<f4') * 0.5 - 2).reshape(3, 4)); "
                   "np.save('" + Path("np1d.npy") + "', np.array([1.25, -3, 7e30], dtype=np.float32)); "
                   "np.lib.format.write_array(open('" + Path("v2.npy") + "', 'wb'), "
                   "np.ones((2, 2), dtype='<f4'), version=(2, 0)); "
                   "np.save('" + Path("f64.npy") + "', np.zeros((2, 2))); "
                   "np.save('" + Path("fort.npy") + "', np.asfortranarray(np.ones((2, 3), dtype='<f4')))"),
            0);
  auto m = ReadNpyMatrix(Path("np2d.npy"));
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->rows(), 3u);
  ASSERT_EQ(m->cols(), 4u);
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(m->data()[i], static_cast<float>(i) * 0.5f - 2.0f);
  auto v = ReadNpyVector(Path("np1d.npy"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, (std::vector<float>{1.25f, -3.0f, 7e30f}));
  auto v2 = ReadNpy(Path("v2.npy"));
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(v2->shape, (std::vector<size_t>{2, 2}));
  EXPECT_EQ(ReadNpy(Path("f64.npy")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadNpy(Path("fort.npy")).status().code(), StatusCode::kInvalidArgument);

  // us -> numpy.
  const UpdateMatrix ours = RandomUpdates(5, 9, 3);
  ASSERT_TRUE(WriteNpyMatrix(Path("ours.npy"), ours.view()).ok());
  std::string values;
  for (size_t i = 0; i < ours.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g,", ours.data()[i]);
    values += buf;
  }
  EXPECT_EQ(Python("import numpy as np, sys; a = np.load('" + Path("ours.npy") + "'); "
                   "want = np.array([" + values + "], dtype=np.float32).reshape(5, 9); "
                   "sys.exit(0 if a.dtype == np.float32 and a.shape == (5, 9) and (a == want).all() else 1)"),
            0);
}

TEST_F(NpyTest, AggregateNpyEndToEnd) {
  const UpdateMatrix m = RandomUpdates(9, 33, 4);
  ASSERT_TRUE(WriteNpyMatrix(Path("in.npy"), m.view()).ok());
  ASSERT_TRUE(AggregateNpy("clip:5|cwtm", 2, Path("in.npy"), Path("out.npy"), cess::kernels::Backend::kCpu).ok());
  auto out = ReadNpyVector(Path("out.npy"));
  ASSERT_TRUE(out.ok());
  auto clipped = robust::StaticClip(m.view(), 5.0);
  ASSERT_TRUE(clipped.ok());
  EXPECT_EQ(*out, *robust::TrimmedMean(clipped->view(), 2));

  // Errors name the step.
  Status s = AggregateNpy("bogus", 2, Path("in.npy"), Path("o.npy"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("rule", 0), 0u) << s;
  s = AggregateNpy("cwtm", 2, Path("none.npy"), Path("o.npy"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s;
  s = AggregateNpy("cwtm", 5, Path("in.npy"), Path("o.npy"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("n > 2f"), std::string::npos) << s;
  UpdateMatrix bad = m.Clone();
  bad.row(4)[7] = std::nanf("");
  ASSERT_TRUE(WriteNpyMatrix(Path("bad.npy"), bad.view()).ok());
  s = AggregateNpy("cwtm", 2, Path("bad.npy"), Path("o.npy"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("update 4: value at coordinate 7 is nan"), std::string::npos) << s;
  EXPECT_FALSE(fs::exists(Path("o.npy")));
}

}  // namespace
}  // namespace cess::ailink
