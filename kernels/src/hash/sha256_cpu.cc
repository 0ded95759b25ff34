#include "hash/sha256_cpu.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <string>

namespace cess::kernels::hash::internal {
namespace {

std::string OpenSslError(const char* what) {
  std::string msg = what;
  unsigned long code = ERR_get_error();  // NOLINT(google-runtime-int): OpenSSL's type
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  return msg;
}

// The fetched SHA-256 implementation; fetched once, kept for the life of the process.
const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// Frees the thread's context when the thread exits.
struct CtxFreer {
  EVP_MD_CTX* ctx = nullptr;
  ~CtxFreer() { EVP_MD_CTX_free(ctx); }
};

[[gnu::noinline]] EVP_MD_CTX* CreateThreadCtx(EVP_MD_CTX** slot) {
  thread_local CtxFreer freer;
  freer.ctx = EVP_MD_CTX_new();
  *slot = freer.ctx;
  return freer.ctx;
}

// One EVP_MD_CTX per thread, created on first use. The slot is a plain (constant-initialized)
// thread_local pointer, so the common path is one TLS load with no initialization guard.
EVP_MD_CTX* ThreadCtx() {
  thread_local EVP_MD_CTX* ctx = nullptr;
  if (ctx != nullptr) [[likely]] {
    return ctx;
  }
  return CreateThreadCtx(&ctx);
}

Status DigestWith(const EVP_MD* md, EVP_MD_CTX* ctx, ByteSpan prefix, ByteSpan data, Hash256* out) {
  // Re-initialising a context with the digest it already holds reuses its provider state.
  if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1) [[unlikely]] {
    return Status::Internal(OpenSslError("EVP_DigestInit_ex2"));
  }
  if (!prefix.empty() && EVP_DigestUpdate(ctx, prefix.data(), prefix.size()) != 1) [[unlikely]] {
    return Status::Internal(OpenSslError("EVP_DigestUpdate"));
  }
  if (!data.empty() && EVP_DigestUpdate(ctx, data.data(), data.size()) != 1) [[unlikely]] {
    return Status::Internal(OpenSslError("EVP_DigestUpdate"));
  }
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out->data(), &len) != 1 || len != out->size()) [[unlikely]] {
    return Status::Internal(OpenSslError("EVP_DigestFinal_ex"));
  }
  return Status::Ok();
}

}  // namespace

Status CpuSha256Available() {
  if (Sha256Md() == nullptr) return Status::Unavailable(OpenSslError("EVP_MD_fetch(SHA256) failed"));
  return Status::Ok();
}

Status CpuSha256(ByteSpan prefix, ByteSpan data, Hash256* out) {
  const EVP_MD* md = Sha256Md();
  EVP_MD_CTX* ctx = ThreadCtx();
  if (md == nullptr || ctx == nullptr) [[unlikely]] {
    return Status::Internal(OpenSslError("OpenSSL SHA-256 unavailable"));
  }
  return DigestWith(md, ctx, prefix, data, out);
}

Status CpuSha256Many(ByteSpan prefix, std::span<const ByteSpan> inputs, Hash256* out) {
  const EVP_MD* md = Sha256Md();
  EVP_MD_CTX* ctx = ThreadCtx();
  if (md == nullptr || ctx == nullptr) [[unlikely]] {
    return Status::Internal(OpenSslError("OpenSSL SHA-256 unavailable"));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    Status s = DigestWith(md, ctx, prefix, inputs[i], &out[i]);
    if (!s.ok()) [[unlikely]] {
      return s;
    }
  }
  return Status::Ok();
}

}  // namespace cess::kernels::hash::internal
