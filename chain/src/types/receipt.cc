#include "cess/chain/receipt.h"

#include <string>
#include <utility>

#include "cess/core/hash.h"

namespace cess::chain {

std::string_view ResultCodeName(ResultCode code) {
  switch (code) {
    case ResultCode::kOk:
      return "ok";
    case ResultCode::kBadSignature:
      return "bad_signature";
    case ResultCode::kBadNonce:
      return "bad_nonce";
    case ResultCode::kInsufficientFunds:
      return "insufficient_funds";
    case ResultCode::kFeeTooLow:
      return "fee_too_low";
    case ResultCode::kUnknownModule:
      return "unknown_module";
    case ResultCode::kUnknownFunction:
      return "unknown_function";
    case ResultCode::kBadArguments:
      return "bad_arguments";
    case ResultCode::kModuleError:
      return "module_error";
    case ResultCode::kBadOrigin:
      return "bad_origin";
    case ResultCode::kResourceLimit:
      return "resource_limit";
  }
  return "unknown";
}

Status Event::Validate() const {
  if (!IsValidName(module, kMaxModuleNameBytes)) {
    return Status::InvalidArgument("event module name '" + module + "' is not 1.." +
                                   std::to_string(kMaxModuleNameBytes) + " bytes of [A-Za-z0-9_]");
  }
  if (!IsValidName(name, kMaxEventNameBytes)) {
    return Status::InvalidArgument("event name '" + name + "' is not 1.." + std::to_string(kMaxEventNameBytes) +
                                   " bytes of [A-Za-z0-9_]");
  }
  if (data.size() > kMaxEventDataBytes) {
    return Status::InvalidArgument("event data of " + std::to_string(data.size()) + " bytes exceeds the limit " +
                                   std::to_string(kMaxEventDataBytes));
  }
  return Status::Ok();
}

void Event::Encode(codec::Writer& w) const {
  w.PutString(module);
  w.PutString(name);
  w.PutBytes(data);
}

Result<Event> Event::Decode(codec::Reader& r) {
  Event e;
  CESS_ASSIGN_OR_RETURN(e.module, ReadName(r, kMaxModuleNameBytes, "event module"));
  CESS_ASSIGN_OR_RETURN(e.name, ReadName(r, kMaxEventNameBytes, "event name"));
  auto data = r.ReadBytes(kMaxEventDataBytes);
  if (!data.ok()) return data.status().WithContext("event data");
  e.data = std::move(data).value();
  return e;
}

Status Receipt::Validate() const {
  if (static_cast<uint8_t>(code) > kMaxResultCode) {
    return Status::InvalidArgument("unknown result code " + std::to_string(static_cast<int>(code)));
  }
  if (code != ResultCode::kModuleError && module_error != 0) {
    return Status::InvalidArgument("module_error " + std::to_string(module_error) + " with result code " +
                                   std::string(ResultCodeName(code)));
  }
  if (events.size() > kMaxEventsPerReceipt) {
    return Status::InvalidArgument(std::to_string(events.size()) + " events exceed the limit " +
                                   std::to_string(kMaxEventsPerReceipt));
  }
  for (size_t i = 0; i < events.size(); ++i) {
    Status s = events[i].Validate();
    if (!s.ok()) return s.WithContext("event " + std::to_string(i));
  }
  return Status::Ok();
}

Hash256 Receipt::Hash() const { return crypto::Sha256(codec::Encode(*this)); }

void Receipt::Encode(codec::Writer& w) const {
  w.PutFixed(tx_hash);
  w.PutU8(static_cast<uint8_t>(code));
  w.PutU32(module_error);
  w.PutU64(fee_charged);
  w.PutVector(events);
}

Result<Receipt> Receipt::Decode(codec::Reader& r) {
  Receipt rc;
  CESS_ASSIGN_OR_RETURN(rc.tx_hash, ReadHash(r));
  CESS_ASSIGN_OR_RETURN(uint8_t code, r.ReadU8());
  if (code > kMaxResultCode) return Status::Corruption("receipt: unknown result code " + std::to_string(code));
  rc.code = static_cast<ResultCode>(code);
  CESS_ASSIGN_OR_RETURN(rc.module_error, r.ReadU32());
  if (rc.code != ResultCode::kModuleError && rc.module_error != 0) {
    return Status::Corruption("receipt: module_error " + std::to_string(rc.module_error) + " with result code " +
                              std::string(ResultCodeName(rc.code)));
  }
  CESS_ASSIGN_OR_RETURN(rc.fee_charged, r.ReadU64());
  // An event is at least 4 + 1 + 4 + 1 + 4 bytes (one-byte names, empty data).
  CESS_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(14));
  if (n > kMaxEventsPerReceipt) {
    return Status::Corruption("receipt: " + std::to_string(n) + " events exceed the limit " +
                              std::to_string(kMaxEventsPerReceipt));
  }
  rc.events.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    auto e = Event::Decode(r);
    if (!e.ok()) return e.status().WithContext("receipt event " + std::to_string(i));
    rc.events.push_back(std::move(e).value());
  }
  return rc;
}

void TxLocation::Encode(codec::Writer& w) const {
  w.PutU64(height);
  w.PutU32(index);
  receipt.Encode(w);
}

Result<TxLocation> TxLocation::Decode(codec::Reader& r) {
  TxLocation loc;
  CESS_ASSIGN_OR_RETURN(loc.height, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(loc.index, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(loc.receipt, Receipt::Decode(r));
  return loc;
}

}  // namespace cess::chain
