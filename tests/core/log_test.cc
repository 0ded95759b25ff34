#include "cess/core/log.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "cess/core/file_util.h"

namespace cess::log {
namespace {

TEST(LogTest, ParseLevel) {
  EXPECT_EQ(*ParseLevel("trace"), Level::kTrace);
  EXPECT_EQ(*ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("info"), Level::kInfo);
  EXPECT_EQ(*ParseLevel("warn"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("error"), Level::kError);
  EXPECT_EQ(*ParseLevel("off"), Level::kOff);
  EXPECT_EQ(ParseLevel("loud").status().code(), StatusCode::kInvalidArgument);
}

TEST(LogTest, LevelsFilterAndFileReceivesLines) {
  std::string dir = ::testing::TempDir() + "/cess_log_XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  std::string path = dir + "/node.log";
  ASSERT_TRUE(LogToFile(path).ok());
  SetLevel(Level::kInfo);
  EXPECT_TRUE(Enabled(Level::kWarn));
  EXPECT_FALSE(Enabled(Level::kDebug));
  Logger log("chain");
  log.Info("block {} finalized", 7);
  log.Debug("hidden {}", 1);
  log.Warn("peer {} slow", "p1");
  SetLevel(Level::kOff);
  log.Error("also hidden");
  EXPECT_FALSE(Enabled(Level::kError));
  Flush();
  SetLevel(Level::kInfo);
  Result<Bytes> data = ReadFile(path);
  ASSERT_TRUE(data.ok());
  std::string text(data->begin(), data->end());
  EXPECT_NE(text.find("info [chain] block 7 finalized"), std::string::npos) << text;
  EXPECT_NE(text.find("warn [chain] peer p1 slow"), std::string::npos) << text;
  EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
  // A path below a regular file cannot be opened; logging stays on the current file.
  EXPECT_EQ(LogToFile(path + "/x.log").code(), StatusCode::kIoError);
  log.Warn("still here");
  Flush();
  Bytes after_bytes = *ReadFile(path);
  std::string after(after_bytes.begin(), after_bytes.end());
  EXPECT_NE(after.find("still here"), std::string::npos);
}

}  // namespace
}  // namespace cess::log
