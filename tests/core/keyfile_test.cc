#include "cess/core/keyfile.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "cess/core/bytes.h"
#include "cess/core/ecvrf.h"
#include "cess/core/ed25519.h"
#include "cess/core/file_util.h"
#include "cess/core/x25519.h"

namespace cess::crypto {
namespace {

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/cess_keyfile_XXXXXX";
    ASSERT_NE(::mkdtemp(dir_.data()), nullptr);
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  static unsigned Mode(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 0777;
  }
  std::string dir_;
};

TEST_F(KeyFileTest, Ed25519SaveLoadWithMode0600) {
  Ed25519PrivateKey key = *Ed25519PrivateKey::Generate();
  std::string path = Path("id.key");
  ASSERT_TRUE(SaveEd25519Key(path, key).ok());
  EXPECT_EQ(Mode(path), 0600u);
  Result<Ed25519PrivateKey> back = LoadEd25519Key(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->public_key(), key.public_key());
  EXPECT_EQ(back->seed(), key.seed());
  // The file is readable JSON with the documented fields.
  Bytes raw = *ReadFile(path);
  std::string text(raw.begin(), raw.end());
  EXPECT_NE(text.find("\"kind\": \"ed25519\""), std::string::npos) << text;
  EXPECT_NE(text.find(ToHex(key.public_key())), std::string::npos);
}

TEST_F(KeyFileTest, RefusesToOverwriteUnlessAsked) {
  std::string path = Path("id.key");
  ASSERT_TRUE(SaveEd25519Key(path, *Ed25519PrivateKey::Generate()).ok());
  Ed25519PrivateKey other = *Ed25519PrivateKey::Generate();
  EXPECT_EQ(SaveEd25519Key(path, other).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(SaveEd25519Key(path, other, /*overwrite=*/true).ok());
  EXPECT_EQ(LoadEd25519Key(path)->public_key(), other.public_key());
}

TEST_F(KeyFileTest, WiderPermissionsAreRefused) {
  std::string path = Path("id.key");
  ASSERT_TRUE(SaveEd25519Key(path, *Ed25519PrivateKey::Generate()).ok());
  for (mode_t m : {0644, 0640, 0604, 0660, 0601}) {
    ASSERT_EQ(::chmod(path.c_str(), m), 0);
    Result<Ed25519PrivateKey> r = LoadEd25519Key(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status();
    EXPECT_NE(r.status().message().find("chmod 600"), std::string::npos) << r.status();
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);  // owner read-only is fine
  EXPECT_TRUE(LoadEd25519Key(path).ok());
}

TEST_F(KeyFileTest, MismatchedPublicKeyIsRefused) {
  Ed25519PrivateKey a = *Ed25519PrivateKey::Generate();
  Ed25519PrivateKey b = *Ed25519PrivateKey::Generate();
  std::string path = Path("forged.key");
  std::string text = "{\"kind\":\"ed25519\",\"public\":\"" + ToHex(b.public_key()) + "\",\"secret\":\"" +
                     ToHex(a.seed()) + "\"}";
  ASSERT_TRUE(WriteFileAtomic(path, AsBytes(text), 0600).ok());
  Result<KeyFile> r = ReadKeyFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status();
  // And the writer refuses to create such a file in the first place.
  KeyFile bad{"ed25519", Bytes(b.public_key().begin(), b.public_key().end()),
              Bytes(a.seed().begin(), a.seed().end())};
  EXPECT_EQ(WriteKeyFile(Path("bad.key"), bad).code(), StatusCode::kInvalidArgument);
}

TEST_F(KeyFileTest, MalformedFilesAreCorruption) {
  const char* bodies[] = {
      "",
      "not json",
      "[]",
      "{\"kind\":\"ed25519\"}",
      "{\"kind\":\"ed25519\",\"public\":\"zz\",\"secret\":\"00\"}",
      "{\"kind\":\"rsa\",\"public\":\"00\",\"secret\":\"00\"}",
      "{\"kind\":\"ed25519\",\"public\":1,\"secret\":\"00\"}",
  };
  for (const char* body : bodies) {
    std::string path = Path("bad.key");
    ASSERT_TRUE(WriteFileAtomic(path, AsBytes(body), 0600).ok());
    Result<KeyFile> r = ReadKeyFile(path);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << body << ": " << r.status();
  }
  EXPECT_EQ(ReadKeyFile(Path("missing.key")).status().code(), StatusCode::kNotFound);
}

TEST_F(KeyFileTest, VrfAndX25519Keys) {
  ecvrf::SecretKey sk = *ecvrf::GenerateSecretKey();
  std::string path = Path("vrf.key");
  ASSERT_TRUE(SaveVrfKey(path, sk).ok());
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(*LoadVrfKey(path), sk);
  Result<KeyFile> f = ReadKeyFile(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, "ecvrf-p256");
  EXPECT_EQ(f->public_key.size(), 33u);
  // Loading a key of the wrong kind is an error, not a silent reinterpretation.
  EXPECT_EQ(LoadEd25519Key(path).status().code(), StatusCode::kInvalidArgument);

  X25519KeyPair kp = *X25519Generate();
  KeyFile xf{"x25519", Bytes(kp.public_key.begin(), kp.public_key.end()),
             Bytes(kp.secret.begin(), kp.secret.end())};
  ASSERT_TRUE(WriteKeyFile(Path("x.key"), xf).ok());
  Result<KeyFile> xr = ReadKeyFile(Path("x.key"));
  ASSERT_TRUE(xr.ok()) << xr.status();
  EXPECT_EQ(xr->secret, xf.secret);
  EXPECT_EQ(LoadVrfKey(Path("x.key")).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cess::crypto
