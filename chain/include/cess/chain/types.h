// Identifiers and small values shared by every chain type (DESIGN.md §4): account ids, hashes,
// signatures, and the codec helpers and decode limits the chain types use.
//
// Hashes are SHA-256 (cess::Hash256, printed as lowercase hex). An account is an Ed25519 key; its id
// is the 32-byte public key, printed as lowercase hex. Signatures are Ed25519 over
// codec::SigningPayload(kind, chain_id, bytes) = "cess/<kind>/v1" ‖ chain_id ‖ bytes (each of the
// first two length-prefixed), so a signature made for one kind or one chain never verifies for another.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/ed25519.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain {

// An Ed25519 signature (64 bytes).
using Signature = crypto::Ed25519Signature;

// The signing domains (the <kind> of "cess/<kind>/v1"). Each signed chain object has its own.
inline constexpr std::string_view kBlockDomain = "block";
inline constexpr std::string_view kTransactionDomain = "tx";
inline constexpr std::string_view kVoteDomain = "vote";

// The largest chain id a signature may name (bytes). Chain ids are short names such as "devnet".
inline constexpr size_t kMaxChainIdBytes = 64;
// The longest runtime module name (in calls and events).
inline constexpr size_t kMaxModuleNameBytes = 32;

// An account: the 32-byte Ed25519 public key. Ordered and hashable so it can key maps.
struct AccountId {
  std::array<uint8_t, 32> bytes{};

  AccountId() = default;
  explicit AccountId(const crypto::Ed25519PublicKey& public_key) : bytes(public_key) {}

  // The account of `key` (its public key).
  static AccountId Of(const crypto::Ed25519PrivateKey& key) { return AccountId(key.public_key()); }
  // Parses 64 hex digits (either case, optional "0x"). Errors: InvalidArgument on bad hex or length.
  static Result<AccountId> FromHex(std::string_view hex);
  // 64 lowercase hex digits.
  std::string ToHex() const { return cess::ToHex(bytes); }
  // The raw key bytes, for Ed25519Verify.
  ByteSpan span() const { return bytes; }
  // True for the all-zero id (no key has it; used as "none", e.g. the genesis author).
  bool IsZero() const;

  // Canonical encoding: the 32 bytes, raw.
  void Encode(codec::Writer& w) const { w.PutFixed(bytes); }
  // Errors: Corruption when fewer than 32 bytes remain.
  static Result<AccountId> Decode(codec::Reader& r);

  auto operator<=>(const AccountId&) const = default;
  bool operator==(const AccountId&) const = default;
};

std::ostream& operator<<(std::ostream& os, const AccountId& id);

// The all-zero hash (parent of genesis, an unset root).
inline constexpr Hash256 kZeroHash{};

// 64 lowercase hex digits of `hash`.
std::string HashToHex(const Hash256& hash);
// Parses 64 hex digits (either case, optional "0x"). Errors: InvalidArgument on bad hex or length.
Result<Hash256> HashFromHex(std::string_view hex);

// A std::hash-style functor for Hash256 keys (the first 8 bytes; hashes are uniform already).
struct Hash256Hasher {
  size_t operator()(const Hash256& h) const noexcept;
};

// Codec helpers for the fixed-size values every type carries.
// Reads 32 raw bytes. Errors: Corruption on truncation.
Result<Hash256> ReadHash(codec::Reader& r);
// Reads 64 raw bytes. Errors: Corruption on truncation.
Result<Signature> ReadSignature(codec::Reader& r);

// A name of a module, call, or event: 1..max_bytes characters, each an ASCII letter, digit or '_'.
bool IsValidName(std::string_view name, size_t max_bytes);
// Reads a length-prefixed name. Errors: Corruption (naming `what`) on truncation, a length above
// max_bytes (checked before anything is copied) or a character IsValidName refuses.
Result<std::string> ReadName(codec::Reader& r, size_t max_bytes, std::string_view what);

// The bytes a signature of `kind` covers: codec::SigningPayload(kind, chain_id, body).
// Errors: InvalidArgument when chain_id is empty or longer than kMaxChainIdBytes.
Result<Bytes> SigningBytes(std::string_view kind, std::string_view chain_id, ByteSpan body);

// Signs SigningBytes(kind, chain_id, body) with `key`. Errors: InvalidArgument on a bad chain id;
// Internal on an OpenSSL failure.
Result<Signature> SignDomain(const crypto::Ed25519PrivateKey& key, std::string_view kind,
                             std::string_view chain_id, ByteSpan body);
// Checks `signature` by `signer` over SigningBytes(kind, chain_id, body). Errors: InvalidArgument on a
// bad chain id; Corruption when the signature does not verify.
Status VerifyDomain(const AccountId& signer, std::string_view kind, std::string_view chain_id, ByteSpan body,
                    const Signature& signature);

}  // namespace cess::chain

template <>
struct std::hash<cess::chain::AccountId> {
  size_t operator()(const cess::chain::AccountId& id) const noexcept;
};
