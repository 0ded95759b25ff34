#include "cess/core/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "cess/core/hash.h"
#include "openssl_util.h"

namespace cess::crypto {

Status SystemRng::Fill(MutableByteSpan out) {
  size_t off = 0;
  while (off < out.size()) {
    // RAND_bytes takes an int length; feed it in chunks.
    size_t n = std::min<size_t>(out.size() - off, INT_MAX / 2);
    if (RAND_bytes(out.data() + off, static_cast<int>(n)) != 1) {
      return internal::OpensslError(StatusCode::kUnavailable, "RAND_bytes failed");
    }
    off += n;
  }
  return Status::Ok();
}

Rng& SystemRandom() {
  static SystemRng rng;
  return rng;
}

DeterministicRng::DeterministicRng(uint64_t seed) : seed_(seed) {}

Status DeterministicRng::Fill(MutableByteSpan out) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t off = 0;
  while (off < out.size()) {
    if (used_ == block_.size()) {
      uint8_t in[16];
      for (int i = 0; i < 8; ++i) {
        in[i] = static_cast<uint8_t>(seed_ >> (8 * i));
        in[8 + i] = static_cast<uint8_t>(counter_ >> (8 * i));
      }
      block_ = Sha256(in);
      ++counter_;
      used_ = 0;
    }
    size_t n = std::min(out.size() - off, block_.size() - used_);
    std::memcpy(out.data() + off, block_.data() + used_, n);
    used_ += n;
    off += n;
  }
  return Status::Ok();
}

Result<Bytes> RandomBytes(size_t n) {
  Bytes out(n);
  CESS_RETURN_IF_ERROR(SystemRandom().Fill(out));
  return out;
}

}  // namespace cess::crypto
