// Receipts and events: the deterministic outcome of applying one transaction (issue 4 §1; style guide
// §9: a failed transaction is a result code in its receipt, never a node error).
//
// Canonical encoding (core/codec):
//   Event    module (string) ‖ name (string) ‖ data (bytes)
//   Receipt  tx_hash (32) ‖ code (u8) ‖ module_error (u32) ‖ fee_charged (u64) ‖ events (vector<Event>)
// The receipt hash is SHA-256 of its encoding; a block's receipts root is MerkleRoot (merkle.h) over
// the receipt hashes in transaction order.
//
// Limits, enforced when decoding: event module name 1..32 and event name 1..64 bytes of
// [A-Za-z0-9_]; event data 0..64 KiB; at most 1024 events per receipt. An unknown result code, or a
// non-zero module_error with a code other than kModuleError, is refused (one encoding per receipt).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cess/chain/types.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain {

inline constexpr size_t kMaxEventNameBytes = 64;
inline constexpr size_t kMaxEventDataBytes = size_t{64} << 10;
inline constexpr size_t kMaxEventsPerReceipt = 1024;

// The outcome of a transaction. Values are part of the encoding: never renumber, only append.
// Every code except kOk means the call changed no state; the fee is charged as Receipt::fee_charged
// says (0 where the transaction could not pay: bad signature, bad nonce, insufficient funds).
enum class ResultCode : uint8_t {
  kOk = 0,                 // the call ran and its writes are kept
  kBadSignature = 1,       // the signature does not verify for this chain
  kBadNonce = 2,           // the nonce is not the signer's next nonce
  kInsufficientFunds = 3,  // the signer cannot pay the fee (leaving at least the existential deposit)
  kFeeTooLow = 4,          // the fee is below the call's minimum
  kUnknownModule = 5,      // no module has the call's module name
  kUnknownFunction = 6,    // the module has no function of that name
  kBadArguments = 7,       // the args do not decode as the function's arguments
  kModuleError = 8,        // the function refused the call; Receipt::module_error says why
  kBadOrigin = 9,          // the signer may not make this call (e.g. a root-only call)
  kResourceLimit = 10,     // the call exceeds a per-block or per-call limit
};
// The largest ResultCode value (for decoding).
inline constexpr uint8_t kMaxResultCode = static_cast<uint8_t>(ResultCode::kResourceLimit);

// A stable lowercase name, e.g. "bad_nonce"; "unknown" for a value outside the enum.
std::string_view ResultCodeName(ResultCode code);

// Something a module reports about a call (Substrate's event): which module, what happened, and the
// details in the module's canonical encoding.
struct Event {
  std::string module;  // e.g. "balances"
  std::string name;    // e.g. "Transfer"
  Bytes data;

  // OK when the names and the data size are within the limits. Errors: InvalidArgument.
  Status Validate() const;
  // REQUIRES: Validate() is OK.
  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation or any limit.
  static Result<Event> Decode(codec::Reader& r);

  bool operator==(const Event&) const = default;
};

// The outcome of one transaction in a block.
struct Receipt {
  Hash256 tx_hash{};
  ResultCode code = ResultCode::kOk;
  uint32_t module_error = 0;  // the module's own error number when code == kModuleError, else 0
  uint64_t fee_charged = 0;   // base units taken from the signer
  std::vector<Event> events;  // in emission order; a failed call keeps only fee events

  bool ok() const { return code == ResultCode::kOk; }
  // OK when module_error is 0 unless code is kModuleError, and the events are within the limits.
  // Errors: InvalidArgument.
  Status Validate() const;
  // SHA-256 of the encoding.
  Hash256 Hash() const;

  // REQUIRES: Validate() is OK.
  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation, an unknown code, a stray module_error or any event limit.
  static Result<Receipt> Decode(codec::Reader& r);

  bool operator==(const Receipt&) const = default;
};

// Where a finalized transaction landed, with its receipt (the node's receipt index).
// Encoding: u64 height ‖ u32 index ‖ receipt.
struct TxLocation {
  uint64_t height = 0;
  uint32_t index = 0;  // position in its block
  Receipt receipt;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption as Receipt::Decode.
  static Result<TxLocation> Decode(codec::Reader& r);
  bool operator==(const TxLocation&) const = default;
};

}  // namespace cess::chain
