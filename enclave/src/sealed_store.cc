#include "cess/enclave/sealed_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "cess/core/aead.h"
#include "cess/core/codec.h"
#include "cess/core/file_util.h"
#include "cess/core/hkdf.h"
#include "cess/core/log.h"
#include "cess/core/random.h"

namespace cess::enclave {
namespace {

const log::Logger kLog("enclave");

constexpr std::string_view kMagic = "CESSENC1";
constexpr uint32_t kVersion = 1;
constexpr size_t kSaltBytes = 32;
constexpr size_t kHeaderBytes = 8 + 4 + kSaltBytes;  // the AAD
constexpr std::string_view kSealInfo = "cess/enclave-seal/v1";

// Overwrites `b` with zeros in a way the compiler keeps.
void Wipe(Bytes& b) {
  volatile uint8_t* p = b.data();
  for (size_t i = 0; i < b.size(); ++i) p[i] = 0;
  b.clear();
}

Result<Bytes> SealKey(ByteSpan secret, ByteSpan salt) {
  return crypto::Hkdf(salt, secret, AsBytes(kSealInfo), crypto::kAesGcmKeySize);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

Result<Bytes> LoadOrCreateSecret(const std::string& path, bool create) {
  if (path.empty()) return Status::InvalidArgument("no secret file given");
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::IoError(Errno("stat " + path));
    if (!create) return Status::NotFound("secret file " + path + " does not exist");
    CESS_ASSIGN_OR_RETURN(Bytes fresh, crypto::RandomBytes(kSecretBytes));
    Status s = WriteFileAtomic(path, fresh, 0600);
    if (!s.ok()) {
      Wipe(fresh);
      return s;
    }
    kLog.Info("created a new local secret in {}", path);
    return fresh;
  }
  if ((st.st_mode & 077) != 0) {
    return Status::PermissionDenied("secret file " + path +
                                    " is accessible by group or others; run chmod 600 " + path);
  }
  CESS_ASSIGN_OR_RETURN(Bytes secret, ReadFile(path));
  if (secret.size() < kSecretBytes) {
    Wipe(secret);
    return Status::InvalidArgument("secret file " + path + " holds fewer than 32 bytes");
  }
  return secret;
}

Status SealKeys(const std::string& path, ByteSpan secret, const EnclaveKeys& keys) {
  if (secret.size() < kSecretBytes) return Status::InvalidArgument("local secret shorter than 32 bytes");
  if (keys.podr2 == nullptr) return Status::InvalidArgument("no PoDR² key to seal");
  CESS_ASSIGN_OR_RETURN(auto salt, crypto::RandomArray<kSaltBytes>());
  CESS_ASSIGN_OR_RETURN(auto nonce, crypto::RandomArray<crypto::kAesGcmNonceSize>());
  codec::Writer header;
  header.PutFixed(AsBytes(kMagic));
  header.PutU32(kVersion);
  header.PutFixed(salt);

  codec::Writer plain;
  Bytes sk = keys.podr2->Serialize();
  plain.PutBytes(sk);
  plain.PutFixed(keys.attestation.seed());
  Wipe(sk);
  Bytes plaintext = plain.Take();
  CESS_ASSIGN_OR_RETURN(Bytes key, SealKey(secret, salt));
  Result<Bytes> sealed = crypto::AesGcmSeal(key, nonce, header.data(), plaintext);
  Wipe(key);
  Wipe(plaintext);
  if (!sealed.ok()) return sealed.status();

  codec::Writer file;
  file.PutFixed(header.data());
  file.PutFixed(nonce);
  file.PutFixed(*sealed);
  return WriteFileAtomic(path, file.data(), 0600);
}

Result<EnclaveKeys> UnsealKeys(const std::string& path, ByteSpan secret) {
  if (secret.size() < kSecretBytes) return Status::InvalidArgument("local secret shorter than 32 bytes");
  CESS_ASSIGN_OR_RETURN(Bytes file, ReadFile(path));
  if (file.size() < kHeaderBytes + crypto::kAesGcmNonceSize + crypto::kAesGcmTagSize) {
    return Status::Corruption(path + ": too short to be a sealed key file");
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), file.begin())) {
    return Status::Corruption(path + ": not a sealed key file (bad magic)");
  }
  codec::Reader r(file);
  (void)r.ReadFixed(kMagic.size());
  CESS_ASSIGN_OR_RETURN(uint32_t version, r.ReadU32());
  if (version != kVersion) {
    return Status::Corruption(path + ": unsupported sealed file version " + std::to_string(version));
  }
  const ByteSpan all(file);
  const ByteSpan header = all.first(kHeaderBytes);
  const ByteSpan salt = all.subspan(12, kSaltBytes);
  const ByteSpan nonce = all.subspan(kHeaderBytes, crypto::kAesGcmNonceSize);
  const ByteSpan sealed = all.subspan(kHeaderBytes + crypto::kAesGcmNonceSize);
  CESS_ASSIGN_OR_RETURN(Bytes key, SealKey(secret, salt));
  Result<Bytes> opened = crypto::AesGcmOpen(key, nonce, header, sealed);
  Wipe(key);
  if (!opened.ok()) {
    return Status::Corruption(path + ": cannot unseal: wrong local secret, or the file was modified");
  }
  Bytes plaintext = std::move(opened).value();
  codec::Reader pr(plaintext);
  auto sk_bytes = pr.ReadBytesView();
  auto seed = pr.ReadFixed(32);
  Status fin = pr.Finish();
  if (!sk_bytes.ok() || !seed.ok() || !fin.ok()) {
    Wipe(plaintext);
    return Status::Corruption(path + ": sealed contents are malformed");
  }
  auto sk = proofs::podr2::SecretKey::Parse(*sk_bytes);
  auto att = crypto::Ed25519PrivateKey::FromSeed(*seed);
  Wipe(plaintext);
  if (!sk.ok()) return sk.status().WithContext(path + ": sealed PoDR² key");
  if (!att.ok()) return Status::Corruption(path + ": sealed attestation key: " + att.status().message());
  return EnclaveKeys{std::move(sk).value(), std::move(att).value()};
}

Result<EnclaveKeys> OpenOrCreate(const SealedStoreOptions& options, SealedOpen* what) {
  if (options.data_dir.empty()) return Status::InvalidArgument("no data dir given");
  if (options.secret_file.empty()) return Status::InvalidArgument("no secret file given");
  if (::mkdir(options.data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IoError(Errno("mkdir " + options.data_dir));
  }
  const std::string sealed_path = options.data_dir + "/" + kSealedFileName;
  if (Exists(sealed_path)) {
    CESS_ASSIGN_OR_RETURN(Bytes secret, LoadOrCreateSecret(options.secret_file, /*create=*/false));
    Result<EnclaveKeys> keys = UnsealKeys(sealed_path, secret);
    Wipe(secret);
    if (!keys.ok()) return keys.status();
    if (what != nullptr) *what = SealedOpen::kUnsealed;
    return keys;
  }
  CESS_ASSIGN_OR_RETURN(Bytes secret, LoadOrCreateSecret(options.secret_file, /*create=*/true));
  kLog.Info("no sealed keys in {}: generating a {}-bit PoDR² key and an attestation key", options.data_dir,
            options.podr2_bits);
  auto sk = proofs::podr2::SecretKey::Generate(options.podr2_bits);
  if (!sk.ok()) {
    Wipe(secret);
    return sk.status();
  }
  auto att = crypto::Ed25519PrivateKey::Generate();
  if (!att.ok()) {
    Wipe(secret);
    return att.status();
  }
  EnclaveKeys keys{std::move(sk).value(), std::move(att).value()};
  Status s = SealKeys(sealed_path, secret, keys);
  Wipe(secret);
  CESS_RETURN_IF_ERROR(s);
  if (what != nullptr) *what = SealedOpen::kCreated;
  return keys;
}

}  // namespace cess::enclave
