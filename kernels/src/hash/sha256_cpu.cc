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

// One EVP_MD_CTX per thread, freed when the thread exits.
class ThreadCtx {
 public:
  ThreadCtx() : ctx_(EVP_MD_CTX_new()) {}
  ~ThreadCtx() { EVP_MD_CTX_free(ctx_); }
  ThreadCtx(const ThreadCtx&) = delete;
  ThreadCtx& operator=(const ThreadCtx&) = delete;
  EVP_MD_CTX* get() const { return ctx_; }

 private:
  EVP_MD_CTX* ctx_;
};

EVP_MD_CTX* CurrentCtx() {
  thread_local ThreadCtx ctx;
  return ctx.get();
}

}  // namespace

Status CpuSha256Available() {
  if (Sha256Md() == nullptr) return Status::Unavailable(OpenSslError("EVP_MD_fetch(SHA256) failed"));
  return Status::Ok();
}

Status CpuSha256(ByteSpan prefix, ByteSpan data, Hash256* out) {
  const EVP_MD* md = Sha256Md();
  EVP_MD_CTX* ctx = CurrentCtx();
  if (md == nullptr || ctx == nullptr) return Status::Internal(OpenSslError("OpenSSL SHA-256 unavailable"));
  // Re-initialising a context that already holds this digest reuses its provider state.
  if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1) return Status::Internal(OpenSslError("EVP_DigestInit_ex2"));
  if (!prefix.empty() && EVP_DigestUpdate(ctx, prefix.data(), prefix.size()) != 1) {
    return Status::Internal(OpenSslError("EVP_DigestUpdate"));
  }
  if (!data.empty() && EVP_DigestUpdate(ctx, data.data(), data.size()) != 1) {
    return Status::Internal(OpenSslError("EVP_DigestUpdate"));
  }
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out->data(), &len) != 1 || len != out->size()) {
    return Status::Internal(OpenSslError("EVP_DigestFinal_ex"));
  }
  return Status::Ok();
}

}  // namespace cess::kernels::hash::internal
