#include "cess/core/keyfile.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "cess/core/file_util.h"
#include "cess/core/x25519.h"

namespace cess::crypto {
namespace {

// Wipes a string holding secret material.
void Wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

std::string Mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// The public key a secret of `kind` implies. Errors: InvalidArgument on an unknown kind or a bad secret.
Result<Bytes> DerivePublic(std::string_view kind, ByteSpan secret) {
  if (kind == kKeyKindEd25519) {
    CESS_ASSIGN_OR_RETURN(Ed25519PrivateKey k, Ed25519PrivateKey::FromSeed(secret));
    return Bytes(k.public_key().begin(), k.public_key().end());
  }
  if (kind == kKeyKindEcvrf) {
    CESS_ASSIGN_OR_RETURN(ecvrf::PublicKey pk, ecvrf::PublicKeyFromSecret(secret));
    return Bytes(pk.begin(), pk.end());
  }
  if (kind == kKeyKindX25519) {
    CESS_ASSIGN_OR_RETURN(X25519KeyPair kp, X25519FromSecret(secret));
    OPENSSL_cleanse(kp.secret.data(), kp.secret.size());
    return Bytes(kp.public_key.begin(), kp.public_key.end());
  }
  return Status::InvalidArgument("unknown key kind '" + std::string(kind) + "'");
}

// Reads the file, refusing group/other access. The mode is checked on the opened descriptor, so a
// file swapped after the check is not read.
Result<std::string> ReadPrivateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    std::string msg = "cannot open key file '" + path + "': " + std::strerror(e);
    if (e == ENOENT) return Status::NotFound(msg);
    if (e == EACCES || e == EPERM) return Status::PermissionDenied(msg);
    return Status::IoError(msg);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Status::IoError("cannot stat key file '" + path + "': " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("key file '" + path + "' is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return Status::PermissionDenied("key file '" + path + "' has mode " + Mode(st.st_mode) +
                                    ", which lets other users access the secret key; it must be 0600 "
                                    "(fix: chmod 600 '" +
                                    path + "')");
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      Wipe(out);
      return Status::IoError("cannot read key file '" + path + "': " + std::strerror(e));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (1 << 16)) {
      ::close(fd);
      Wipe(out);
      return Status::Corruption("key file '" + path + "' is too large to be a key file");
    }
  }
  OPENSSL_cleanse(buf, sizeof(buf));
  ::close(fd);
  return out;
}

Status CheckPair(std::string_view kind, ByteSpan public_key, ByteSpan secret) {
  CESS_ASSIGN_OR_RETURN(Bytes derived, DerivePublic(kind, secret));
  if (derived.size() != public_key.size() ||
      CRYPTO_memcmp(derived.data(), public_key.data(), derived.size()) != 0) {
    return Status::InvalidArgument("public key " + ToHex(public_key) +
                                   " does not match the secret key (expected " + ToHex(derived) + ")");
  }
  return Status::Ok();
}

}  // namespace

Status WriteKeyFile(const std::string& path, const KeyFile& key, bool overwrite) {
  Status s = CheckPair(key.kind, key.public_key, key.secret);
  if (!s.ok()) return s.WithContext("cannot write key file '" + path + "'");
  if (!overwrite) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      return Status::AlreadyExists("key file '" + path + "' already exists; refusing to overwrite it");
    }
  }
  nlohmann::ordered_json j;
  j["kind"] = key.kind;
  j["public"] = ToHex(key.public_key);
  std::string secret_hex = ToHex(key.secret);
  j["secret"] = secret_hex;
  Wipe(secret_hex);
  std::string text = j.dump(2) + "\n";
  Wipe(j["secret"].get_ref<std::string&>());  // the JSON's own copy
  s = WriteFileAtomic(path, AsBytes(text), 0600);
  Wipe(text);
  return s;
}

Result<KeyFile> ReadKeyFile(const std::string& path) {
  CESS_ASSIGN_OR_RETURN(std::string text, ReadPrivateFile(path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  Wipe(text);
  auto bad = [&](const std::string& why) { return Status::Corruption("key file '" + path + "': " + why); };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  for (const char* field : {"kind", "public", "secret"}) {
    if (!j.contains(field) || !j[field].is_string())
      return bad(std::string("missing string field \"") + field + "\"");
  }
  KeyFile key;
  key.kind = j["kind"].get<std::string>();
  Result<Bytes> pub = FromHex(j["public"].get_ref<const std::string&>());
  if (!pub.ok()) return bad("field \"public\": " + pub.status().message());
  key.public_key = std::move(pub).value();
  std::string& secret_hex = j["secret"].get_ref<std::string&>();
  Result<Bytes> sec = FromHex(secret_hex);
  Wipe(secret_hex);
  if (!sec.ok()) return bad("field \"secret\": " + sec.status().message());
  key.secret = std::move(sec).value();
  Status s = CheckPair(key.kind, key.public_key, key.secret);
  if (!s.ok()) {
    OPENSSL_cleanse(key.secret.data(), key.secret.size());
    return bad(s.message());
  }
  return key;
}

Status SaveEd25519Key(const std::string& path, const Ed25519PrivateKey& key, bool overwrite) {
  KeyFile f{std::string(kKeyKindEd25519), Bytes(key.public_key().begin(), key.public_key().end()),
            Bytes(key.seed().begin(), key.seed().end())};
  Status s = WriteKeyFile(path, f, overwrite);
  OPENSSL_cleanse(f.secret.data(), f.secret.size());
  return s;
}

Result<Ed25519PrivateKey> LoadEd25519Key(const std::string& path) {
  CESS_ASSIGN_OR_RETURN(KeyFile f, ReadKeyFile(path));
  if (f.kind != kKeyKindEd25519) {
    OPENSSL_cleanse(f.secret.data(), f.secret.size());
    return Status::InvalidArgument("key file '" + path + "' holds a " + f.kind + " key, not an ed25519 key");
  }
  Result<Ed25519PrivateKey> key = Ed25519PrivateKey::FromSeed(f.secret);
  OPENSSL_cleanse(f.secret.data(), f.secret.size());
  return key;
}

Status SaveVrfKey(const std::string& path, const ecvrf::SecretKey& key, bool overwrite) {
  CESS_ASSIGN_OR_RETURN(ecvrf::PublicKey pk, ecvrf::PublicKeyFromSecret(key));
  KeyFile f{std::string(kKeyKindEcvrf), Bytes(pk.begin(), pk.end()), Bytes(key.begin(), key.end())};
  Status s = WriteKeyFile(path, f, overwrite);
  OPENSSL_cleanse(f.secret.data(), f.secret.size());
  return s;
}

Result<ecvrf::SecretKey> LoadVrfKey(const std::string& path) {
  CESS_ASSIGN_OR_RETURN(KeyFile f, ReadKeyFile(path));
  if (f.kind != kKeyKindEcvrf || f.secret.size() != ecvrf::kSecretKeySize) {
    OPENSSL_cleanse(f.secret.data(), f.secret.size());
    return Status::InvalidArgument("key file '" + path + "' holds a " + f.kind +
                                   " key, not an ecvrf-p256 key");
  }
  ecvrf::SecretKey sk{};
  std::memcpy(sk.data(), f.secret.data(), sk.size());
  OPENSSL_cleanse(f.secret.data(), f.secret.size());
  return sk;
}

}  // namespace cess::crypto
