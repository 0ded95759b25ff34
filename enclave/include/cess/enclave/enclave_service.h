// The enclave's service logic, independent of gRPC: key information, registration attestation and
// PoDR² tag generation with a signature over the tag set (DESIGN.md §5, §9).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/ed25519.h"
#include "cess/core/result.h"
#include "cess/enclave/sealed_store.h"
#include "cess/storage/proofs/podr2.h"

namespace cess::enclave {

// The largest fragment the enclave tags (the cess profile's is 8 MiB).
inline constexpr size_t kMaxFragmentBytes = size_t{64} << 20;

struct EnclaveInfo {
  crypto::Ed25519PublicKey attestation_key{};
  proofs::podr2::PublicKey podr2_public_key;
  Hash256 podr2_key_fingerprint{};  // podr2_public_key.Fingerprint()
};

struct TagRequest {
  std::string chain_id;
  Hash256 miner{};          // the miner account the tags are for
  Hash256 fid{};            // the file the fragment belongs to
  Hash256 fragment_hash{};  // SHA-256 of the fragment: also the PoDR² name of the fragment
  uint32_t blocks = 0;      // PoDR² blocks per fragment (profile)
};

struct TagResult {
  std::vector<Bytes> tags;  // one per block, |N| bytes each
  Hash256 tag_digest{};     // podr2::TagDigest(fragment_hash, tags)
  crypto::Ed25519Signature
      signature{};  // over proofs::TagSignMessage(chain_id, miner, fid, fragment, digest)
};

// Thread safety: every method is const and safe to call from several threads at once.
class EnclaveService {
 public:
  explicit EnclaveService(EnclaveKeys keys);

  // The public keys and the PoDR² key fingerprint.
  const EnclaveInfo& Info() const { return info_; }

  // Signs proofs::TeeRegistrationMessage(chain_id, controller, attestation key, podr2 fingerprint)
  // with the attestation key. Errors: InvalidArgument on an empty chain id; Internal on a signing
  // failure.
  Result<crypto::Ed25519Signature> Attest(std::string_view chain_id, const Hash256& controller) const;

  // Tags `fragment` after checking SHA-256(fragment) == request.fragment_hash (the enclave tags
  // only what it was shown), and signs the tag digest. Errors: InvalidArgument on a hash mismatch,
  // an empty chain id, a fragment above kMaxFragmentBytes, or a shape GenerateTags refuses
  // (blocks == 0, size not a multiple of blocks); Internal on a crypto failure.
  Result<TagResult> GenerateTags(const TagRequest& request, ByteSpan fragment) const;

 private:
  EnclaveKeys keys_;
  EnclaveInfo info_;
};

}  // namespace cess::enclave
