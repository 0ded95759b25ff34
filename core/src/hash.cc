#include "cess/core/hash.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "openssl_util.h"

namespace cess::crypto {
namespace internal {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "cess::crypto: %s failed: %s\n", what, DrainErrors().c_str());
  std::abort();
}

}  // namespace

const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) Die("EVP_MD_fetch(SHA256)");
    return m;
  }();
  return md;
}

const EVP_MD* Sha512Md() {
  static const EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA512", nullptr);
    if (m == nullptr) Die("EVP_MD_fetch(SHA512)");
    return m;
  }();
  return md;
}

const EVP_CIPHER* Aes256GcmCipher() {
  static const EVP_CIPHER* c = [] {
    EVP_CIPHER* m = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    if (m == nullptr) Die("EVP_CIPHER_fetch(AES-256-GCM)");
    return m;
  }();
  return c;
}

}  // namespace internal

namespace {

using internal::Die;

// One digest context per thread, reused: EVP_Digest allocates and frees a context on every call,
// a fixed cost that dominates for the short inputs the chain hashes by the thousand per block
// (transaction ids, tree nodes). EVP_DigestInit_ex2 resets the context for each use.
struct ThreadDigestCtx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~ThreadDigestCtx() { EVP_MD_CTX_free(ctx); }
};

template <size_t N>
std::array<uint8_t, N> Digest(const EVP_MD* md, ByteSpan data, const char* name) {
  thread_local ThreadDigestCtx tls;
  std::array<uint8_t, N> out{};
  unsigned int len = 0;
  if (tls.ctx == nullptr || EVP_DigestInit_ex2(tls.ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(tls.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(tls.ctx, out.data(), &len) != 1 || len != N) {
    Die(name);
  }
  return out;
}

}  // namespace

Hash256 Sha256(ByteSpan data) { return Digest<32>(internal::Sha256Md(), data, "SHA-256"); }

Hash512 Sha512(ByteSpan data) { return Digest<64>(internal::Sha512Md(), data, "SHA-512"); }

Hash256 HmacSha256(ByteSpan key, ByteSpan data) {
  static EVP_MAC* mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) Die("EVP_MAC_fetch(HMAC)");
    return m;
  }();
  internal::EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) Die("EVP_MAC_CTX_new");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  // A zero-length key is legal for HMAC; hand OpenSSL a valid pointer for it.
  static const uint8_t kEmpty = 0;
  const uint8_t* k = key.empty() ? &kEmpty : key.data();
  Hash256 out{};
  size_t len = 0;
  if (EVP_MAC_init(ctx.get(), k, key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
    Die("HMAC-SHA256");
  }
  return out;
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) Die("EVP_MD_CTX_new");
  Reset();
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(ctx_); }

Sha256Hasher::Sha256Hasher(Sha256Hasher&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)), finished_(other.finished_) {}

Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    finished_ = other.finished_;
  }
  return *this;
}

Sha256Hasher& Sha256Hasher::Update(ByteSpan data) {
  if (ctx_ == nullptr || finished_) Die("Sha256Hasher::Update after Finish or move");
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) Die("EVP_DigestUpdate");
  return *this;
}

Hash256 Sha256Hasher::Finish() {
  if (ctx_ == nullptr || finished_) Die("Sha256Hasher::Finish twice or after move");
  Hash256 out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 || len != out.size()) Die("EVP_DigestFinal_ex");
  finished_ = true;
  return out;
}

void Sha256Hasher::Reset() {
  if (ctx_ == nullptr) {
    ctx_ = EVP_MD_CTX_new();
    if (ctx_ == nullptr) Die("EVP_MD_CTX_new");
  }
  if (EVP_DigestInit_ex2(ctx_, internal::Sha256Md(), nullptr) != 1) Die("EVP_DigestInit_ex2");
  finished_ = false;
}

}  // namespace cess::crypto
