// Signed transactions: a call into a runtime module, paid for by its signer (issue 4 §1).
//
// Canonical encoding (core/codec):
//   Call         module (string) ‖ function (string) ‖ args (bytes)
//   Transaction  signer (32) ‖ nonce (u64) ‖ fee (u64) ‖ call ‖ signature (64)
// The unsigned part is everything before the signature. The signature is Ed25519 by `signer` over
//   codec::SigningPayload("tx", chain_id, Encode(unsigned part))   ("cess/tx/v1" ‖ chain_id ‖ bytes).
// The transaction hash is SHA-256 of the whole (signed) encoding.
//
// Fee model: `fee` is the whole amount the signer pays for inclusion, in base units. The runtime
// charges it in full whether or not the call succeeds, and refuses a transaction whose fee is below the
// call's minimum; the transaction pool orders by fee. There is no separate tip: whatever the fee
// offers above the minimum is the tip.
//
// Limits, enforced when decoding (a hostile length is refused before anything is allocated):
//   module name    1..32 bytes of [A-Za-z0-9_]
//   function name  1..64 bytes of [A-Za-z0-9_]
//   args           0..1 MiB of bytes the module decodes itself
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cess/chain/types.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/ed25519.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain {

inline constexpr size_t kMaxFunctionNameBytes = 64;
inline constexpr size_t kMaxCallArgsBytes = size_t{1} << 20;
// The encoded size of a transaction less its names and args (fixed fields and length prefixes).
inline constexpr size_t kTransactionOverheadBytes = 32 + 8 + 8 + 4 + 4 + 4 + 64;
// The smallest encoded transaction (one-byte names, empty args), used to bound counts when decoding.
inline constexpr size_t kMinTransactionBytes = kTransactionOverheadBytes + 2;

// A call of one function of one runtime module. `args` is the function's arguments in its own
// canonical encoding; the module decodes (and bounds) them.
struct Call {
  std::string module;    // e.g. "balances"
  std::string function;  // e.g. "transfer"
  Bytes args;

  // OK when the names and the args size are within the limits above. Errors: InvalidArgument.
  Status Validate() const;

  // Encodes the fields in order. REQUIRES: Validate() is OK (otherwise the bytes do not decode).
  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation or any limit above.
  static Result<Call> Decode(codec::Reader& r);

  bool operator==(const Call&) const = default;
};

// A signed transaction. Build it with the fields, then Sign; receivers Decode then Verify.
struct Transaction {
  AccountId signer;  // pays the fee; the account whose nonce is used
  uint64_t nonce = 0;  // the signer's next nonce (0 for its first transaction)
  uint64_t fee = 0;    // base units, charged in full (see the fee model above)
  Call call;
  Signature signature{};

  // Appends the canonical encoding of the unsigned part (signer, nonce, fee, call).
  void EncodeUnsigned(codec::Writer& w) const;
  // The canonical encoding of the unsigned part.
  Bytes UnsignedBytes() const;
  // The exact bytes the signature covers. Errors: InvalidArgument on an empty or overlong chain id.
  Result<Bytes> SigningBytes(std::string_view chain_id) const;

  // Sets `signer` to the key's account and `signature` to its signature for `chain_id`.
  // Errors: InvalidArgument when the call fails Validate() or the chain id is bad; Internal on an
  // OpenSSL failure. On error the transaction is unchanged.
  Status Sign(const crypto::Ed25519PrivateKey& key, std::string_view chain_id);
  // Checks that `signature` is the signer's over SigningBytes(chain_id). Errors: InvalidArgument on a
  // bad chain id; Corruption when the signature does not verify (wrong chain, any changed field).
  Status Verify(std::string_view chain_id) const;
  // SHA-256 of the whole signed encoding: the id of this transaction.
  Hash256 Hash() const;
  // The size of Encode's output, without encoding.
  size_t EncodedSize() const {
    return kTransactionOverheadBytes + call.module.size() + call.function.size() + call.args.size();
  }

  // Encodes the unsigned part, then the signature. REQUIRES: call.Validate() is OK.
  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation or a call outside the limits. Does not verify the signature.
  static Result<Transaction> Decode(codec::Reader& r);

  bool operator==(const Transaction&) const = default;
};

}  // namespace cess::chain
