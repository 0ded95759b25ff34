#include "cess/chain/transaction.h"

#include <string>
#include <utility>

#include "cess/core/hash.h"

namespace cess::chain {

Status Call::Validate() const {
  if (!IsValidName(module, kMaxModuleNameBytes)) {
    return Status::InvalidArgument("call module name '" + module + "' is not 1.." +
                                   std::to_string(kMaxModuleNameBytes) + " bytes of [A-Za-z0-9_]");
  }
  if (!IsValidName(function, kMaxFunctionNameBytes)) {
    return Status::InvalidArgument("call function name '" + function + "' is not 1.." +
                                   std::to_string(kMaxFunctionNameBytes) + " bytes of [A-Za-z0-9_]");
  }
  if (args.size() > kMaxCallArgsBytes) {
    return Status::InvalidArgument("call args of " + std::to_string(args.size()) + " bytes exceed the limit " +
                                   std::to_string(kMaxCallArgsBytes));
  }
  return Status::Ok();
}

void Call::Encode(codec::Writer& w) const {
  w.PutString(module);
  w.PutString(function);
  w.PutBytes(args);
}

Result<Call> Call::Decode(codec::Reader& r) {
  Call c;
  CESS_ASSIGN_OR_RETURN(c.module, ReadName(r, kMaxModuleNameBytes, "call module"));
  CESS_ASSIGN_OR_RETURN(c.function, ReadName(r, kMaxFunctionNameBytes, "call function"));
  auto args = r.ReadBytes(kMaxCallArgsBytes);
  if (!args.ok()) return args.status().WithContext("call args");
  c.args = std::move(args).value();
  return c;
}

void Transaction::EncodeUnsigned(codec::Writer& w) const {
  signer.Encode(w);
  w.PutU64(nonce);
  w.PutU64(fee);
  call.Encode(w);
}

Bytes Transaction::UnsignedBytes() const {
  codec::Writer w;
  EncodeUnsigned(w);
  return w.Take();
}

Result<Bytes> Transaction::SigningBytes(std::string_view chain_id) const {
  return chain::SigningBytes(kTransactionDomain, chain_id, UnsignedBytes());
}

Status Transaction::Sign(const crypto::Ed25519PrivateKey& key, std::string_view chain_id) {
  CESS_RETURN_IF_ERROR(call.Validate());
  Transaction signed_tx = *this;
  signed_tx.signer = AccountId::Of(key);
  CESS_ASSIGN_OR_RETURN(signed_tx.signature,
                        SignDomain(key, kTransactionDomain, chain_id, signed_tx.UnsignedBytes()));
  *this = std::move(signed_tx);
  return Status::Ok();
}

Status Transaction::Verify(std::string_view chain_id) const {
  return VerifyDomain(signer, kTransactionDomain, chain_id, UnsignedBytes(), signature);
}

Hash256 Transaction::Hash() const {
  codec::Writer w;
  w.Reserve(EncodedSize());
  Encode(w);
  return crypto::Sha256(w.data());
}

void Transaction::Encode(codec::Writer& w) const {
  EncodeUnsigned(w);
  w.PutFixed(signature);
}

Result<Transaction> Transaction::Decode(codec::Reader& r) {
  Transaction tx;
  CESS_ASSIGN_OR_RETURN(tx.signer, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(tx.nonce, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(tx.fee, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(tx.call, Call::Decode(r));
  CESS_ASSIGN_OR_RETURN(tx.signature, ReadSignature(r));
  return tx;
}

}  // namespace cess::chain
