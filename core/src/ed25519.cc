#include "cess/core/ed25519.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <string>

#include "openssl_util.h"

namespace cess::crypto {

using internal::EvpMdCtxPtr;
using internal::EvpPkeyPtr;

struct Ed25519PrivateKey::Impl {
  Ed25519Seed seed{};
  EvpPkeyPtr pkey;
  ~Impl() { OPENSSL_cleanse(seed.data(), seed.size()); }
};

Result<Ed25519PrivateKey> Ed25519PrivateKey::Generate(Rng& rng) {
  Ed25519Seed seed{};
  Status s = rng.Fill(seed);
  if (!s.ok()) return s.WithContext("ed25519 keygen");
  Result<Ed25519PrivateKey> key = FromSeed(seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return key;
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(ByteSpan seed) {
  if (seed.size() != 32) {
    return Status::InvalidArgument("ed25519 seed must be 32 bytes, got " + std::to_string(seed.size()));
  }
  auto impl = std::make_shared<Impl>();
  std::memcpy(impl->seed.data(), seed.data(), 32);
  impl->pkey.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!impl->pkey) return internal::OpensslInternal("ed25519: cannot load private key");
  Ed25519PublicKey pk{};
  size_t len = pk.size();
  if (EVP_PKEY_get_raw_public_key(impl->pkey.get(), pk.data(), &len) != 1 || len != pk.size()) {
    return internal::OpensslInternal("ed25519: cannot derive public key");
  }
  return Ed25519PrivateKey(std::move(impl), pk);
}

const Ed25519Seed& Ed25519PrivateKey::seed() const { return impl_->seed; }

Result<Ed25519Signature> Ed25519PrivateKey::Sign(ByteSpan message) const {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return internal::OpensslInternal("ed25519: EVP_MD_CTX_new");
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, impl_->pkey.get(), nullptr) != 1) {
    return internal::OpensslInternal("ed25519: EVP_DigestSignInit_ex");
  }
  Ed25519Signature sig{};
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 || len != sig.size()) {
    return internal::OpensslInternal("ed25519: EVP_DigestSign");
  }
  return sig;
}

namespace {

Status CheckSizes(ByteSpan public_key, ByteSpan signature) {
  if (public_key.size() != 32) {
    return Status::InvalidArgument("ed25519 public key must be 32 bytes, got " +
                                   std::to_string(public_key.size()));
  }
  if (signature.size() != 64) {
    return Status::InvalidArgument("ed25519 signature must be 64 bytes, got " +
                                   std::to_string(signature.size()));
  }
  return Status::Ok();
}

// sodium_init once per process (it is idempotent and thread-safe; the static makes it cheap).
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

Status Ed25519Verify(ByteSpan public_key, ByteSpan message, ByteSpan signature) {
  CESS_RETURN_IF_ERROR(CheckSizes(public_key, signature));
  if (!SodiumReady()) return Status::Internal("ed25519: libsodium failed to initialize");
  if (crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) != 0) {
    return Status::Corruption("ed25519: signature does not verify");
  }
  return Status::Ok();
}

Status Ed25519VerifyReference(ByteSpan public_key, ByteSpan message, ByteSpan signature) {
  CESS_RETURN_IF_ERROR(CheckSizes(public_key, signature));
  EvpPkeyPtr pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  if (!pkey) {
    internal::DrainErrors();
    return Status::Corruption("ed25519: invalid public key");
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return internal::OpensslInternal("ed25519: EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey.get(), nullptr) != 1) {
    return internal::OpensslInternal("ed25519: EVP_DigestVerifyInit_ex");
  }
  int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size());
  if (rc != 1) {
    // rc 0 is a bad signature; a negative rc is a malformed one (e.g. a bad R point). Both are the
    // caller's input being wrong, never a reason to stop.
    internal::DrainErrors();
    return Status::Corruption("ed25519: signature does not verify");
  }
  return Status::Ok();
}

}  // namespace cess::crypto
