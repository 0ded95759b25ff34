#include "cess/core/x25519.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <string>

#include "openssl_util.h"

namespace cess::crypto {

using internal::EvpPkeyCtxPtr;
using internal::EvpPkeyPtr;

Result<X25519KeyPair> X25519Generate(Rng& rng) {
  X25519Secret secret{};
  Status s = rng.Fill(secret);
  if (!s.ok()) return s.WithContext("x25519 keygen");
  Result<X25519KeyPair> kp = X25519FromSecret(secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  return kp;
}

Result<X25519KeyPair> X25519FromSecret(ByteSpan secret) {
  if (secret.size() != 32) {
    return Status::InvalidArgument("x25519 secret must be 32 bytes, got " + std::to_string(secret.size()));
  }
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), secret.size()));
  if (!pkey) return internal::OpensslInternal("x25519: cannot load secret");
  X25519KeyPair kp;
  std::memcpy(kp.secret.data(), secret.data(), 32);
  size_t len = kp.public_key.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), kp.public_key.data(), &len) != 1 || len != 32) {
    return internal::OpensslInternal("x25519: cannot derive public key");
  }
  return kp;
}

Result<X25519SharedSecret> X25519Agree(ByteSpan secret, ByteSpan peer_public) {
  if (secret.size() != 32) {
    return Status::InvalidArgument("x25519 secret must be 32 bytes, got " + std::to_string(secret.size()));
  }
  if (peer_public.size() != 32) {
    return Status::InvalidArgument("x25519 public key must be 32 bytes, got " +
                                   std::to_string(peer_public.size()));
  }
  EvpPkeyPtr priv(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), secret.size()));
  if (!priv) return internal::OpensslInternal("x25519: cannot load secret");
  EvpPkeyPtr peer(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), peer_public.size()));
  if (!peer)
    return internal::OpensslError(StatusCode::kInvalidArgument, "x25519: cannot load peer public key");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv.get(), nullptr));
  if (!ctx) return internal::OpensslInternal("x25519: EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_derive_init(ctx.get()) != 1) return internal::OpensslInternal("x25519: EVP_PKEY_derive_init");
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1) {
    return internal::OpensslError(StatusCode::kInvalidArgument, "x25519: EVP_PKEY_derive_set_peer");
  }
  X25519SharedSecret out{};
  size_t len = out.size();
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) {
    // OpenSSL itself refuses the all-zero result; report it the same way as our own check.
    internal::DrainErrors();
    return Status::Corruption("x25519: key agreement failed (peer public key has small order)");
  }
  if (len != out.size()) return Status::Internal("x25519: shared secret has wrong length");
  uint8_t acc = 0;
  for (uint8_t b : out) acc |= b;
  if (acc == 0) return Status::Corruption("x25519: all-zero shared secret (peer public key has small order)");
  return out;
}

}  // namespace cess::crypto
