// A client of the enclave process (proto/storage/enclave.proto) for the miner: one gRPC channel to
// one cess-enclave, each call with a deadline, gRPC errors mapped to Status.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/enclave/enclave_service.h"

namespace cess::enclave {

// The chunk size GenerateTags streams fragments in.
inline constexpr size_t kTagChunkBytes = size_t{1} << 20;

// Thread safety: all methods are const and may be called from several threads at once.
class EnclaveClient {
 public:
  // A client of the enclave at `address` ("unix:/path/enclave.sock", or host:port); connects
  // lazily on the first call. `timeout_ms` bounds every call. Errors: InvalidArgument on an empty
  // address or a zero timeout.
  static Result<std::unique_ptr<EnclaveClient>> Connect(const std::string& address,
                                                        uint32_t timeout_ms = 30000);
  ~EnclaveClient();

  // Each call: Unavailable when the enclave cannot be reached, DeadlineExceeded on a timeout, the
  // enclave's error otherwise (e.g. InvalidArgument for a fragment whose hash does not match);
  // Corruption when the answer is malformed.
  Result<EnclaveInfo> Info() const;
  // The enclave's signature over proofs::TeeRegistrationMessage(chain_id, controller, its
  // attestation key, its PoDR² key fingerprint).
  Result<crypto::Ed25519Signature> Attest(std::string_view chain_id, const Hash256& controller) const;
  // Streams `data` in kTagChunkBytes chunks and returns the tags, their digest and the enclave's
  // signature over proofs::TagSignMessage. The caller should check the signature and digest (the
  // client does not: it does not know which attestation key to trust).
  Result<TagResult> GenerateTags(std::string_view chain_id, const Hash256& miner, const Hash256& fid,
                                 const Hash256& fragment_hash, uint32_t blocks, ByteSpan data) const;

  const std::string& address() const;

 private:
  struct Impl;
  explicit EnclaveClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cess::enclave
