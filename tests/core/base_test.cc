#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "cess/core/bytes.h"
#include "cess/core/file_util.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess {
namespace {

TEST(StatusTest, OkAndErrors) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.ToString(), "ok");
  Status e = Status::InvalidArgument("k out of range");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.ToString(), "invalid_argument: k out of range");
  EXPECT_EQ(e.WithContext("encode").message(), "encode: k out of range");
  EXPECT_TRUE(Status(StatusCode::kOk, "").ok());
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  CESS_ASSIGN_OR_RETURN(int h, Half(x));
  CESS_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ResultTest, ValueAndPropagation) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd");
  EXPECT_EQ(r.value_or(-1), -1);
  Result<int> from_ok = Status::Ok();
  EXPECT_FALSE(from_ok.ok());
  EXPECT_EQ(from_ok.status().code(), StatusCode::kInternal);
}

TEST(HexTest, RoundTripAndErrors) {
  Bytes b = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(ToHex(b), "0001abff");
  EXPECT_EQ(*FromHex("0001ABff"), b);
  EXPECT_EQ(*FromHex("0x0001abff"), b);
  EXPECT_TRUE(FromHex("").ok());
  EXPECT_FALSE(FromHex("abc").ok());
  EXPECT_FALSE(FromHex("zz").ok());
  EXPECT_FALSE(FromHexFixed<2>("0001ab").ok());
  EXPECT_EQ((*FromHexFixed<2>("01ab"))[1], 0xab);
}

TEST(FileUtilTest, AtomicWriteModeAndRead) {
  std::string dir = ::testing::TempDir() + "/cess_file_util_XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  std::string path = dir + "/secret.key";
  Bytes data = {1, 2, 3};
  ASSERT_TRUE(WriteFileAtomic(path, data, 0600).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*ReadFile(path), data);
  Bytes more = {9};
  ASSERT_TRUE(WriteFileAtomic(path, more, 0600).ok());
  EXPECT_EQ(*ReadFile(path), more);
  EXPECT_EQ(ReadFile(dir + "/missing").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(ReadFile(dir).ok());
  EXPECT_FALSE(WriteFileAtomic(dir + "/no/such/dir/f", data).ok());
}

}  // namespace
}  // namespace cess
