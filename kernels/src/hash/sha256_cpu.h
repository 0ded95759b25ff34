// Internal: SHA-256 on OpenSSL 3 EVP (SHA-NI when the CPU has it). Only built when the cpu
// backend is (CESS_KERNELS_HAVE_CPU).
#pragma once

#include <cstdint>
#include <span>

#include "cess/core/bytes.h"
#include "cess/core/status.h"

namespace cess::kernels::hash::internal {

// OK when OpenSSL's SHA-256 can be fetched; otherwise Unavailable with OpenSSL's reason.
// The digest is fetched once per process (EVP_MD_fetch) and reused by every call.
Status CpuSha256Available();

// *out = SHA-256(prefix ‖ data), where `prefix` may be empty. Uses a per-thread EVP_MD_CTX that
// is created once and reused, so a call costs no allocation. Thread-safe.
// Errors: Internal when OpenSSL fails (it does not for SHA-256 in practice).
Status CpuSha256(ByteSpan prefix, ByteSpan data, Hash256* out);

// out[i] = SHA-256(prefix ‖ inputs[i]) for every i (out has inputs.size() entries), with the
// thread's context looked up once. Thread-safe. Errors as CpuSha256.
Status CpuSha256Many(ByteSpan prefix, std::span<const ByteSpan> inputs, Hash256* out);

}  // namespace cess::kernels::hash::internal
