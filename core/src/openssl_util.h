// Internal helpers for the OpenSSL-backed crypto: owning pointers and error text.
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>
#include <string>
#include <string_view>

#include "cess/core/status.h"

namespace cess::crypto::internal {

struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EvpCipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct EvpMacCtxFree {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};
struct EvpKdfCtxFree {
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
struct BnCtxFree {
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
struct EcPointFree {
  void operator()(EC_POINT* p) const { EC_POINT_clear_free(p); }
};

using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxFree>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, EvpMacCtxFree>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, EvpKdfCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;
using EcPointPtr = std::unique_ptr<EC_POINT, EcPointFree>;

// Drains OpenSSL's thread-local error queue into one string ("" when empty).
inline std::string DrainErrors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

// A Status of `code` whose message is `what` plus the drained OpenSSL error queue.
inline Status OpensslError(StatusCode code, std::string_view what) {
  std::string msg(what);
  std::string err = DrainErrors();
  if (!err.empty()) msg += " (" + err + ")";
  return Status(code, std::move(msg));
}

// Internal error for an OpenSSL call that fails only on allocation failure or a bug.
inline Status OpensslInternal(std::string_view what) { return OpensslError(StatusCode::kInternal, what); }

// Fetched algorithms, cached for the life of the process (explicit fetch is much faster in
// OpenSSL 3 than the implicit fetch done by EVP_sha256() on every init). Never null: a failed
// fetch aborts, since the default provider always has these.
const EVP_MD* Sha256Md();
const EVP_MD* Sha512Md();
const EVP_CIPHER* Aes256GcmCipher();

}  // namespace cess::crypto::internal
