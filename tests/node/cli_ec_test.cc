// End-to-end tests of `cess ec` and `cess hash fid` through the real binary.
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace cess {
namespace {

namespace fs = std::filesystem;
using testing::RunCess;

std::vector<uint8_t> RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

void WriteBytes(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

class CliEcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = ::testing::TempDir() + "/cess_cli_XXXXXX";
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = t;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(CliEcTest, RoundTripWithMRandomFragmentsDeleted) {
  // Sizes: empty, 1 byte, not a multiple of k or 64, a few MiB so chunking is exercised.
  const std::vector<size_t> sizes = {0, 1, 63, 1000, 65537, (5u << 20) + 13};
  std::mt19937 rng(20261123);
  for (size_t size : sizes) {
    for (const char* backend : {"cpu", "ref"}) {
      if (std::string(backend) == "ref" && size > (1u << 20)) continue;  // keep ref quick
      SCOPED_TRACE("size=" + std::to_string(size) + " backend=" + backend);
      const std::string in = dir_ + "/in.bin", frags = dir_ + "/frags", out = dir_ + "/out.bin";
      fs::remove_all(frags);
      auto data = RandomBytes(size, size + 7);
      WriteBytes(in, data);
      auto r = RunCess(std::string("ec encode --k 4 --m 8 --in ") + in + " --out " + frags + " --backend " + backend,
                       dir_);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      ASSERT_TRUE(fs::exists(frags + "/manifest.json"));
      const uint64_t shard_len = (size + 3) / 4;
      for (int i = 0; i < 12; ++i) {
        ASSERT_EQ(fs::file_size(frags + "/" + std::to_string(i)), shard_len);
      }
      // Fragment i < k is the i-th slice of the file, zero-padded.
      auto f0 = ReadBytes(frags + "/0");
      ASSERT_TRUE(std::equal(f0.begin(), f0.begin() + static_cast<long>(std::min<uint64_t>(shard_len, size)),
                             data.begin()));
      std::vector<int> idx(12);
      for (int i = 0; i < 12; ++i) idx[static_cast<size_t>(i)] = i;
      std::shuffle(idx.begin(), idx.end(), rng);
      for (int j = 0; j < 8; ++j) fs::remove(frags + "/" + std::to_string(idx[static_cast<size_t>(j)]));
      r = RunCess("ec decode --in " + frags + " --out " + out + " --backend " + backend, dir_);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(ReadBytes(out), data);
    }
  }
}

TEST_F(CliEcTest, CorruptFragmentsAreDetectedAndRepaired) {
  const std::string in = dir_ + "/in.bin", frags = dir_ + "/frags", out = dir_ + "/out.bin";
  auto data = RandomBytes(300000, 1);
  WriteBytes(in, data);
  ASSERT_EQ(RunCess("ec encode --k 4 --m 8 --in " + in + " --out " + frags, dir_).exit_code, 0);
  auto original2 = ReadBytes(frags + "/2");
  auto original9 = ReadBytes(frags + "/9");
  // Flip one byte in fragment 2 (a data shard), truncate 9, delete six more: 8 bad in total.
  {
    std::fstream f(frags + "/2", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1234);
    char c = static_cast<char>(original2[1234] ^ 0x40);
    f.write(&c, 1);
  }
  fs::resize_file(frags + "/9", 10);
  for (int i : {0, 1, 5, 6, 7, 8}) fs::remove(frags + "/" + std::to_string(i));
  auto r = RunCess("ec decode --in " + frags + " --out " + out + " --repair --json", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadBytes(out), data);
  EXPECT_NE(r.out.find("hash mismatch"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrong size"), std::string::npos) << r.out;
  EXPECT_EQ(ReadBytes(frags + "/2"), original2);
  EXPECT_EQ(ReadBytes(frags + "/9"), original9);
  // After repair every fragment is intact: decoding with 8 others deleted still works.
  for (int i : {2, 3, 4, 9, 10, 11, 0, 1}) fs::remove(frags + "/" + std::to_string(i));
  r = RunCess("ec decode --in " + frags + " --out " + out, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadBytes(out), data);
}

TEST_F(CliEcTest, FailsClearlyWithFewerThanKGoodFragments) {
  const std::string in = dir_ + "/in.bin", frags = dir_ + "/frags", out = dir_ + "/out.bin";
  WriteBytes(in, RandomBytes(5000, 2));
  ASSERT_EQ(RunCess("ec encode --k 4 --m 8 --in " + in + " --out " + frags, dir_).exit_code, 0);
  for (int i = 0; i < 9; ++i) fs::remove(frags + "/" + std::to_string(i));
  auto r = RunCess("ec decode --in " + frags + " --out " + out, dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("only 3 intact fragments"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("need 4"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out)) << "no partial output on failure";
  // No stray temporary files either.
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST_F(CliEcTest, RejectsBadArgumentsAndInputs) {
  const std::string in = dir_ + "/in.bin";
  WriteBytes(in, RandomBytes(100, 3));
  struct Case {
    std::string args;
    std::string want;
  };
  std::vector<Case> cases = {
      {"ec encode --k 0 --m 2 --in " + in + " --out " + dir_ + "/o1", "k"},
      {"ec encode --k 33 --m 2 --in " + in + " --out " + dir_ + "/o2", "k"},
      {"ec encode --k 4 --m 17 --in " + in + " --out " + dir_ + "/o3", "m"},
      {"ec encode --k 4 --m 8 --in " + dir_ + "/missing --out " + dir_ + "/o4", "missing"},
      {"ec encode --k 4 --m 8 --in " + in + " --out " + dir_ + "/o5 --backend gpu", "unknown backend"},
      {"ec decode --in " + dir_ + "/nothing --out " + dir_ + "/x", "manifest"},
      {"hash fid " + in + " --segment-size 0", "segment-size"},
  };
  for (const auto& c : cases) {
    auto r = RunCess(c.args, dir_);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.err.find(c.want), std::string::npos) << c.args << " → " << r.err;
  }
  // A corrupt manifest is a clear error, not a crash.
  ASSERT_EQ(RunCess("ec encode --k 2 --m 1 --in " + in + " --out " + dir_ + "/ok", dir_).exit_code, 0);
  WriteBytes(dir_ + "/ok/manifest.json", {'{', '"', 'k'});
  auto r = RunCess("ec decode --in " + dir_ + "/ok --out " + dir_ + "/x", dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad manifest"), std::string::npos) << r.err;
}

// Independent FID computation for the test: SHA-256 per zero-padded segment, then pairwise
// SHA-256(left ‖ right) with an odd node paired with itself.
std::string ExpectedFid(const std::vector<uint8_t>& data, size_t seg, std::vector<std::string>* seg_hex) {
  auto sha = [](const uint8_t* p, size_t n) {
    std::vector<uint8_t> h(32);
    SHA256(p, n, h.data());
    return h;
  };
  auto hex = [](const std::vector<uint8_t>& h) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (uint8_t b : h) {
      s += d[b >> 4];
      s += d[b & 15];
    }
    return s;
  };
  std::vector<std::vector<uint8_t>> level;
  size_t nseg = std::max<size_t>(1, (data.size() + seg - 1) / seg);
  for (size_t i = 0; i < nseg; ++i) {
    std::vector<uint8_t> s(seg, 0);
    size_t start = i * seg;
    if (start < data.size()) std::copy_n(data.begin() + static_cast<long>(start), std::min(seg, data.size() - start), s.begin());
    level.push_back(sha(s.data(), s.size()));
    seg_hex->push_back(hex(level.back()));
  }
  do {
    std::vector<std::vector<uint8_t>> next;
    for (size_t i = 0; i < level.size(); i += 2) {
      std::vector<uint8_t> cat = level[i];
      const auto& right = i + 1 < level.size() ? level[i + 1] : level[i];
      cat.insert(cat.end(), right.begin(), right.end());
      next.push_back(sha(cat.data(), cat.size()));
    }
    level = std::move(next);
  } while (level.size() > 1);
  return hex(level[0]);
}

TEST_F(CliEcTest, HashFidMatchesTheCessMerkleRule) {
  const std::string in = dir_ + "/in.bin";
  for (size_t size : {size_t{0}, size_t{3}, size_t{4096}, size_t{4097}, size_t{3 * 4096 + 5}, size_t{5 * 4096}}) {
    SCOPED_TRACE(size);
    auto data = RandomBytes(size, size);
    WriteBytes(in, data);
    std::vector<std::string> segs;
    std::string want = ExpectedFid(data, 4096, &segs);
    auto r = RunCess("hash fid " + in + " --segment-size 4096", dir_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("fid " + want + "\n"), std::string::npos) << r.out;
    for (size_t i = 0; i < segs.size(); ++i) {
      EXPECT_NE(r.out.find("segment " + std::to_string(i) + " " + segs[i]), std::string::npos);
    }
  }
  // Known answer: one segment of 4 bytes "abc" + zero pad → SHA-256(h ‖ h).
  WriteBytes(in, {'a', 'b', 'c'});
  auto r = RunCess("hash fid " + in + " --segment-size 4 --json", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> segs;
  EXPECT_NE(r.out.find(ExpectedFid({'a', 'b', 'c'}, 4, &segs)), std::string::npos);
}

}  // namespace
}  // namespace cess
