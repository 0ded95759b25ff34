// The enclave's sealed key store (DESIGN.md §5): the PoDR² secret key and the Ed25519 attestation
// key, sealed on disk with AES-256-GCM under a key derived from a local secret.
//
// File <data-dir>/sealed.bin:
//   magic "CESSENC1" (8) ‖ u32 version (1) ‖ salt (32, random) ‖ nonce (12, random) ‖ sealed
// where sealed = AES-256-GCM(key, nonce, aad = the 52 header bytes before the nonce, plaintext),
// key = HKDF-SHA256(salt, local secret, info "cess/enclave-seal/v1", 32), and plaintext =
// bytes podr2_secret_key ‖ fixed attestation_seed (32) in the canonical codec. Written atomically
// (temp file, fsync, rename, fsync dir), mode 0600.
//
// The local secret lives in its own file (--secret-file): 32 random bytes, created with mode 0600
// on the first start. A secret file that group or others may access is refused, as ssh does.
#pragma once

#include <memory>
#include <string>

#include "cess/core/bytes.h"
#include "cess/core/ed25519.h"
#include "cess/core/result.h"
#include "cess/core/status.h"
#include "cess/storage/proofs/podr2.h"

namespace cess::enclave {

inline constexpr size_t kSecretBytes = 32;
inline constexpr char kSealedFileName[] = "sealed.bin";

// The keys an enclave holds.
struct EnclaveKeys {
  std::unique_ptr<proofs::podr2::SecretKey> podr2;
  crypto::Ed25519PrivateKey attestation;
};

struct SealedStoreOptions {
  std::string data_dir;     // holds sealed.bin; created (mode 0700) when missing
  std::string secret_file;  // the local secret; created when missing and no sealed.bin exists yet
  int podr2_bits = 2048;    // modulus size of a newly generated PoDR² key
};

// What OpenOrCreate did.
enum class SealedOpen { kCreated, kUnsealed };

// Opens the store: on the first start (no sealed.bin) generates both keys, creates the secret file
// if missing and seals the keys; later starts unseal them. Never overwrites an existing sealed.bin.
// `what` (optional) reports which happened.
// Errors: InvalidArgument on bad options; NotFound when sealed.bin exists but the secret file does
// not (a new secret could never open it); PermissionDenied when the secret file is accessible by
// group or others; Corruption when sealed.bin cannot be unsealed — a wrong secret and a tampered
// or truncated file are indistinguishable by design — or its contents are not valid keys;
// IoError from the file system. Thread safety: not safe to run twice on one data dir at once.
Result<EnclaveKeys> OpenOrCreate(const SealedStoreOptions& options, SealedOpen* what = nullptr);

// Reads the local secret at `path`, creating it (32 random bytes, mode 0600) when missing and
// `create` is true. Errors: NotFound when missing and !create; PermissionDenied on a group- or
// world-accessible file; InvalidArgument when shorter than kSecretBytes; IoError.
Result<Bytes> LoadOrCreateSecret(const std::string& path, bool create);

// Seals `keys` under `secret` into the file at `path` (atomic write, mode 0600).
// Errors: InvalidArgument when the secret is shorter than kSecretBytes; IoError; Unavailable when
// the system random source fails.
Status SealKeys(const std::string& path, ByteSpan secret, const EnclaveKeys& keys);

// Opens the sealed file at `path` with `secret`. Errors: NotFound when missing; Corruption on a
// bad magic/version, a wrong secret or any modified byte, or contents that are not valid keys.
Result<EnclaveKeys> UnsealKeys(const std::string& path, ByteSpan secret);

}  // namespace cess::enclave
