#include "cess/core/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <string>
#include <vector>

#include "cess/core/hash.h"
#include "openssl_util.h"

namespace cess::crypto {
namespace {

Status CheckLength(size_t length) {
  if (length == 0 || length > kHkdfSha256MaxOutput) {
    return Status::InvalidArgument("hkdf-sha256 output length must be 1.." +
                                   std::to_string(kHkdfSha256MaxOutput) + ", got " + std::to_string(length));
  }
  return Status::Ok();
}

// Runs OpenSSL's HKDF in `mode` (EVP_KDF_HKDF_MODE_*); `salt` is ignored by EXPAND_ONLY.
Result<Bytes> RunHkdf(int mode, ByteSpan salt, ByteSpan key, ByteSpan info, size_t length) {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return internal::OpensslInternal("hkdf: EVP_KDF_fetch(HKDF)");
  internal::EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf));
  if (!ctx) return internal::OpensslInternal("hkdf: EVP_KDF_CTX_new");
  // OpenSSL rejects null pointers for empty octet strings; point empty inputs at a dummy byte.
  static uint8_t kEmpty = 0;
  auto ptr = [](ByteSpan s) { return s.empty() ? &kEmpty : const_cast<uint8_t*>(s.data()); };
  char digest[] = "SHA256";
  std::vector<OSSL_PARAM> params;
  params.push_back(OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode));
  params.push_back(OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0));
  params.push_back(OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ptr(key), key.size()));
  if (mode != EVP_KDF_HKDF_MODE_EXPAND_ONLY) {
    params.push_back(OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, ptr(salt), salt.size()));
  }
  if (mode != EVP_KDF_HKDF_MODE_EXTRACT_ONLY && !info.empty()) {
    params.push_back(OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, ptr(info), info.size()));
  }
  params.push_back(OSSL_PARAM_construct_end());
  Bytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1) {
    return internal::OpensslInternal("hkdf: EVP_KDF_derive");
  }
  return out;
}

}  // namespace

Hash256 HkdfExtract(ByteSpan salt, ByteSpan ikm) {
  // Extract is exactly one HMAC; an empty salt stands for HashLen zero bytes.
  static const uint8_t kZeros[32] = {};
  return HmacSha256(salt.empty() ? ByteSpan(kZeros, 32) : salt, ikm);
}

Result<Bytes> HkdfExpand(ByteSpan prk, ByteSpan info, size_t length) {
  CESS_RETURN_IF_ERROR(CheckLength(length));
  if (prk.size() < 32) {
    return Status::InvalidArgument("hkdf-sha256 prk must be at least 32 bytes, got " +
                                   std::to_string(prk.size()));
  }
  return RunHkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, {}, prk, info, length);
}

Result<Bytes> Hkdf(ByteSpan salt, ByteSpan ikm, ByteSpan info, size_t length) {
  CESS_RETURN_IF_ERROR(CheckLength(length));
  return RunHkdf(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, salt, ikm, info, length);
}

}  // namespace cess::crypto
