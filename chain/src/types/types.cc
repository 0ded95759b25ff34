#include "cess/chain/types.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace cess::chain {

Result<AccountId> AccountId::FromHex(std::string_view hex) {
  auto parsed = FromHexFixed<32>(hex);
  if (!parsed.ok()) return parsed.status().WithContext("account id");
  return AccountId(*parsed);
}

bool AccountId::IsZero() const {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

Result<AccountId> AccountId::Decode(codec::Reader& r) {
  CESS_ASSIGN_OR_RETURN(auto b, r.ReadArray<32>());
  return AccountId(b);
}

std::ostream& operator<<(std::ostream& os, const AccountId& id) { return os << id.ToHex(); }

std::string HashToHex(const Hash256& hash) { return cess::ToHex(hash); }

Result<Hash256> HashFromHex(std::string_view hex) {
  auto parsed = FromHexFixed<32>(hex);
  if (!parsed.ok()) return parsed.status().WithContext("hash");
  return *parsed;
}

size_t Hash256Hasher::operator()(const Hash256& h) const noexcept {
  uint64_t v = 0;
  std::memcpy(&v, h.data(), sizeof(v));
  return static_cast<size_t>(v);
}

Result<Hash256> ReadHash(codec::Reader& r) { return r.ReadArray<32>(); }

Result<Signature> ReadSignature(codec::Reader& r) { return r.ReadArray<64>(); }

bool IsValidName(std::string_view name, size_t max_bytes) {
  if (name.empty() || name.size() > max_bytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Result<std::string> ReadName(codec::Reader& r, size_t max_bytes, std::string_view what) {
  auto name = r.ReadString(max_bytes);
  if (!name.ok()) return name.status().WithContext(what);
  if (!IsValidName(*name, max_bytes)) {
    return Status::Corruption(std::string(what) + ": not a name (1.." + std::to_string(max_bytes) +
                              " bytes of [A-Za-z0-9_])");
  }
  return std::move(name).value();
}

namespace {

Status CheckChainId(std::string_view chain_id) {
  if (chain_id.empty() || chain_id.size() > kMaxChainIdBytes) {
    return Status::InvalidArgument("chain id must be 1.." + std::to_string(kMaxChainIdBytes) + " bytes, got " +
                                   std::to_string(chain_id.size()));
  }
  return Status::Ok();
}

}  // namespace

Result<Bytes> SigningBytes(std::string_view kind, std::string_view chain_id, ByteSpan body) {
  CESS_RETURN_IF_ERROR(CheckChainId(chain_id));
  return codec::SigningPayload(kind, chain_id, body);
}

Result<Signature> SignDomain(const crypto::Ed25519PrivateKey& key, std::string_view kind,
                             std::string_view chain_id, ByteSpan body) {
  CESS_ASSIGN_OR_RETURN(Bytes payload, SigningBytes(kind, chain_id, body));
  return key.Sign(payload);
}

Status VerifyDomain(const AccountId& signer, std::string_view kind, std::string_view chain_id, ByteSpan body,
                    const Signature& signature) {
  CESS_ASSIGN_OR_RETURN(Bytes payload, SigningBytes(kind, chain_id, body));
  Status s = crypto::Ed25519Verify(signer.span(), payload, signature);
  if (!s.ok()) {
    return Status::Corruption("bad " + std::string(kind) + " signature by " + signer.ToHex() + " for chain '" +
                              std::string(chain_id) + "'");
  }
  return s;
}

}  // namespace cess::chain

size_t std::hash<cess::chain::AccountId>::operator()(const cess::chain::AccountId& id) const noexcept {
  return cess::chain::Hash256Hasher()(id.bytes);
}
