// The enclave's sealed key store: round trip, refusal of a wrong secret or a modified file (which
// is then left untouched), secret-file handling.
#include "cess/enclave/sealed_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>

#include "cess/core/file_util.h"
#include "common/temp_dir.h"

namespace cess::enclave {
namespace {

constexpr int kBits = 512;  // the smallest key: these tests exercise sealing, not RSA

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

SealedStoreOptions Options(const test_util::TempDir& dir) {
  return {.data_dir = dir.Sub("data"), .secret_file = dir.Sub("secret"), .podr2_bits = kBits};
}

void ExpectSameKeys(const EnclaveKeys& a, const EnclaveKeys& b) {
  EXPECT_EQ(a.podr2->public_key(), b.podr2->public_key());
  EXPECT_EQ(a.podr2->Serialize(), b.podr2->Serialize());
  EXPECT_EQ(a.attestation.public_key(), b.attestation.public_key());
  EXPECT_EQ(a.attestation.seed(), b.attestation.seed());
}

TEST(SealedStore, FirstStartCreatesThenLaterStartsUnseal) {
  test_util::TempDir dir("enclave-seal");
  SealedOpen how = SealedOpen::kUnsealed;
  auto first = OpenOrCreate(Options(dir), &how);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(how, SealedOpen::kCreated);
  EXPECT_EQ(first->podr2->public_key().n.size(), kBits / 8u);
  const std::string sealed = dir.Sub("data") + "/" + kSealedFileName;
  EXPECT_EQ(ModeOf(sealed), 0600u);
  EXPECT_EQ(ModeOf(dir.Sub("secret")), 0600u);
  auto secret = ReadFile(dir.Sub("secret"));
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(secret->size(), kSecretBytes);

  auto second = OpenOrCreate(Options(dir), &how);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(how, SealedOpen::kUnsealed);
  ExpectSameKeys(*first, *second);
}

TEST(SealedStore, SealUnsealRoundTripAndFreshRandomness) {
  test_util::TempDir dir("enclave-seal");
  auto keys = OpenOrCreate(Options(dir));
  ASSERT_TRUE(keys.ok());
  const Bytes secret(32, 7);
  ASSERT_TRUE(SealKeys(dir.Sub("a.bin"), secret, *keys).ok());
  ASSERT_TRUE(SealKeys(dir.Sub("b.bin"), secret, *keys).ok());
  auto a = ReadFile(dir.Sub("a.bin"));
  auto b = ReadFile(dir.Sub("b.bin"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), b->size());
  EXPECT_NE(*a, *b);  // fresh salt and nonce each time
  auto back = UnsealKeys(dir.Sub("a.bin"), secret);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameKeys(*keys, *back);
  EXPECT_EQ(UnsealKeys(dir.Sub("missing.bin"), secret).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(SealKeys(dir.Sub("c.bin"), Bytes(31, 1), *keys).code(), StatusCode::kInvalidArgument);
}

TEST(SealedStore, WrongSecretIsRefusedAndTheFileIsLeftAlone) {
  test_util::TempDir dir("enclave-seal");
  ASSERT_TRUE(OpenOrCreate(Options(dir)).ok());
  const std::string sealed = dir.Sub("data") + "/" + kSealedFileName;
  const Bytes before = *ReadFile(sealed);
  Bytes other(32, 0);
  other[0] = 1;
  ASSERT_TRUE(WriteFileAtomic(dir.Sub("secret"), other, 0600).ok());
  auto r = OpenOrCreate(Options(dir));
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status();
  EXPECT_NE(r.status().message().find("wrong local secret"), std::string::npos) << r.status();
  EXPECT_EQ(*ReadFile(sealed), before);
}

TEST(SealedStore, EveryModifiedByteIsRefused) {
  test_util::TempDir dir("enclave-seal");
  ASSERT_TRUE(OpenOrCreate(Options(dir)).ok());
  const std::string sealed = dir.Sub("data") + "/" + kSealedFileName;
  const Bytes good = *ReadFile(sealed);
  const Bytes secret = *ReadFile(dir.Sub("secret"));
  std::mt19937_64 rng(std::random_device{}());
  // Magic, version, salt, nonce, start of ciphertext, a random byte, the last (tag) byte.
  std::vector<size_t> offsets = {0, 8, 12, 44, 56, good.size() / 2, good.size() - 1};
  offsets.push_back(rng() % good.size());
  for (size_t off : offsets) {
    Bytes bad = good;
    bad[off] ^= static_cast<uint8_t>(1 + rng() % 255);
    ASSERT_TRUE(WriteFileAtomic(sealed, bad, 0600).ok());
    auto r = OpenOrCreate(Options(dir));
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << "offset " << off << ": " << r.status();
    EXPECT_EQ(*ReadFile(sealed), bad) << "the refused file must not be replaced";
  }
  for (size_t len : {size_t{0}, size_t{30}, good.size() - 1}) {
    ASSERT_TRUE(WriteFileAtomic(sealed, ByteSpan(good).first(len), 0600).ok());
    EXPECT_EQ(UnsealKeys(sealed, secret).status().code(), StatusCode::kCorruption) << "length " << len;
  }
  Bytes longer = good;
  longer.push_back(0);
  ASSERT_TRUE(WriteFileAtomic(sealed, longer, 0600).ok());
  EXPECT_EQ(UnsealKeys(sealed, secret).status().code(), StatusCode::kCorruption);
  ASSERT_TRUE(WriteFileAtomic(sealed, good, 0600).ok());
  EXPECT_TRUE(UnsealKeys(sealed, secret).ok());
}

TEST(SealedStore, MissingSecretWithSealedFileIsNotFoundAndNotRecreated) {
  test_util::TempDir dir("enclave-seal");
  ASSERT_TRUE(OpenOrCreate(Options(dir)).ok());
  ASSERT_EQ(::unlink(dir.Sub("secret").c_str()), 0);
  EXPECT_EQ(OpenOrCreate(Options(dir)).status().code(), StatusCode::kNotFound);
  struct stat st;
  EXPECT_NE(::stat(dir.Sub("secret").c_str(), &st), 0) << "a new secret must not be created";
}

TEST(SealedStore, SecretFileChecks) {
  test_util::TempDir dir("enclave-seal");
  auto created = LoadOrCreateSecret(dir.Sub("s"), true);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(*LoadOrCreateSecret(dir.Sub("s"), false), *created);
  EXPECT_EQ(LoadOrCreateSecret(dir.Sub("none"), false).status().code(), StatusCode::kNotFound);
  ASSERT_EQ(::chmod(dir.Sub("s").c_str(), 0644), 0);
  EXPECT_EQ(LoadOrCreateSecret(dir.Sub("s"), false).status().code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(WriteFileAtomic(dir.Sub("short"), Bytes(16, 1), 0600).ok());
  EXPECT_EQ(LoadOrCreateSecret(dir.Sub("short"), false).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenOrCreate({.data_dir = "", .secret_file = dir.Sub("s")}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cess::enclave
