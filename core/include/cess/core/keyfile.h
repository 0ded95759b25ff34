// Key files: one secret key per file, as JSON, readable only by its owner.
//
//   {"kind":"ed25519","public":"<hex>","secret":"<hex>"}
//
// Kinds and their sizes (public / secret): "ed25519" 32 / 32 (the RFC 8032 seed), "ecvrf-p256"
// 33 / 32 (RFC 9381 ECVRF-P256-SHA256-TAI), "x25519" 32 / 32. Files are written atomically with
// mode 0600; a file that group or others may access is refused on load, as ssh does. Loading
// re-derives the public key from the secret and refuses a mismatch, so a hand-edited file cannot
// claim someone else's address.
#pragma once

#include <string>
#include <string_view>

#include "cess/core/bytes.h"
#include "cess/core/ecvrf.h"
#include "cess/core/ed25519.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::crypto {

inline constexpr std::string_view kKeyKindEd25519 = "ed25519";
inline constexpr std::string_view kKeyKindEcvrf = "ecvrf-p256";
inline constexpr std::string_view kKeyKindX25519 = "x25519";

// The contents of a key file.
struct KeyFile {
  std::string kind;  // one of the kKeyKind* names
  Bytes public_key;
  Bytes secret;  // secret: never log it
};

// Writes `key` to `path` (atomically, mode 0600). `overwrite` false refuses an existing file.
// Errors: InvalidArgument on an unknown kind, wrong sizes, or a public key that does not match the
// secret; AlreadyExists when the file exists and !overwrite; IoError/PermissionDenied from the OS.
Status WriteKeyFile(const std::string& path, const KeyFile& key, bool overwrite = false);

// Reads and checks a key file. Errors: NotFound when missing; PermissionDenied when the file's mode
// allows any access by group or others (the message says how to fix it); Corruption when it is
// not a valid key file of a known kind or its public key does not match its secret.
Result<KeyFile> ReadKeyFile(const std::string& path);

// Ed25519 identity keys (accounts, validators, miners).
Status SaveEd25519Key(const std::string& path, const Ed25519PrivateKey& key, bool overwrite = false);
// Errors: as ReadKeyFile, and InvalidArgument when the file holds another kind of key.
Result<Ed25519PrivateKey> LoadEd25519Key(const std::string& path);

// ECVRF keys (validator election).
Status SaveVrfKey(const std::string& path, const ecvrf::SecretKey& key, bool overwrite = false);
// Errors: as ReadKeyFile, and InvalidArgument when the file holds another kind of key.
Result<ecvrf::SecretKey> LoadVrfKey(const std::string& path);

}  // namespace cess::crypto
