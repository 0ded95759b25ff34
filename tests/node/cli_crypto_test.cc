// End-to-end tests of `cess key gen` and `cess vrf prove|verify` through the real binary.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "cli_runner.h"

namespace cess {
namespace {

namespace fs = std::filesystem;
using testing::RunCess;

// RFC 9381 Appendix B.1, Example 10 (ECVRF-P256-SHA256-TAI).
constexpr char kSk[] = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
constexpr char kPk[] = "0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6";
constexpr char kAlpha[] = "73616d706c65";  // "sample"
constexpr char kPi[] =
    "035b5c726e8c0e2c488a107c600578ee75cb702343c153cb1eb8dec77f4b5071b4a53f0a46f018bc2c56e58d383f2305e0"
    "975972c26feea0eb122fe7893c15af376b33edf7de17c6ea056d4d82de6bc02f";
constexpr char kBeta[] = "a3ad7b0ef73d8fc6655053ea22f9bede8c743f08bbed3d38821f0e16474b505e";

class CliCryptoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = ::testing::TempDir() + "/cess_cli_crypto_XXXXXX";
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = t;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(CliCryptoTest, VrfProveMatchesRfc9381AndVerifies) {
  auto r = RunCess(std::string("vrf prove --sk ") + kSk + " --alpha " + kAlpha, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(std::string("pi   ") + kPi), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(std::string("beta ") + kBeta), std::string::npos) << r.out;
  r = RunCess(std::string("vrf verify --pk ") + kPk + " --alpha " + kAlpha + " --pi " + kPi + " --json", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(kBeta), std::string::npos) << r.out;
}

TEST_F(CliCryptoTest, VrfVerifyFailsOnWrongAlphaFlippedBitOrBadHex) {
  std::string pi = kPi;
  pi[10] = pi[10] == '0' ? '1' : '0';
  for (const std::string& args :
       {std::string("vrf verify --pk ") + kPk + " --alpha 74657374 --pi " + kPi,
        std::string("vrf verify --pk ") + kPk + " --alpha " + kAlpha + " --pi " + pi,
        std::string("vrf verify --pk 02zz --alpha ") + kAlpha + " --pi " + kPi}) {
    auto r = RunCess(args, dir_);
    EXPECT_EQ(r.exit_code, 1) << args;
    EXPECT_NE(r.err.find("error:"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("beta"), std::string::npos) << "no beta printed for a bad proof";
  }
}

TEST_F(CliCryptoTest, KeyGenWritesA0600FileAndVrfKeyFileProves) {
  const std::string path = dir_ + "/vrf.key";
  auto r = RunCess("key gen --type vrf --out " + path + " --json", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(r.out.find("secret"), std::string::npos) << "the secret stays in the file";
  // Refuses to overwrite without --force.
  EXPECT_EQ(RunCess("key gen --type vrf --out " + path, dir_).exit_code, 1);
  // The key file proves, and the proof verifies under the printed public key.
  auto p = RunCess("vrf prove --key " + path + " --alpha 00 --json", dir_);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  auto field = [&](const std::string& name) {
    auto at = p.out.find("\"" + name + "\":\"");
    return p.out.substr(at + name.size() + 4, p.out.find('"', at + name.size() + 4) - at - name.size() - 4);
  };
  auto v = RunCess("vrf verify --pk " + field("pk") + " --alpha 00 --pi " + field("pi"), dir_);
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find(field("beta")), std::string::npos);
  // Ed25519 account keys print a 32-byte public key (the address).
  auto e = RunCess("key gen", dir_);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  auto at = e.out.find("public ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(e.out.substr(at + 7, e.out.find('\n', at) - at - 7).size(), 64u);
  EXPECT_EQ(RunCess("key gen --type rsa", dir_).exit_code, 1);
}

}  // namespace
}  // namespace cess
