#include "cess/enclave/enclave_service.h"

#include "cess/core/hash.h"
#include "cess/core/log.h"
#include "cess/storage/proofs/attestation.h"

namespace cess::enclave {
namespace {

const log::Logger kLog("enclave");

}  // namespace

EnclaveService::EnclaveService(EnclaveKeys keys) : keys_(std::move(keys)) {
  info_.attestation_key = keys_.attestation.public_key();
  info_.podr2_public_key = keys_.podr2->public_key();
  info_.podr2_key_fingerprint = info_.podr2_public_key.Fingerprint();
}

Result<crypto::Ed25519Signature> EnclaveService::Attest(std::string_view chain_id,
                                                        const Hash256& controller) const {
  if (chain_id.empty()) return Status::InvalidArgument("attest: empty chain id");
  const Bytes msg = proofs::TeeRegistrationMessage(chain_id, controller, info_.attestation_key,
                                                   info_.podr2_key_fingerprint);
  return keys_.attestation.Sign(msg);
}

Result<TagResult> EnclaveService::GenerateTags(const TagRequest& request, ByteSpan fragment) const {
  if (request.chain_id.empty()) return Status::InvalidArgument("generate tags: empty chain id");
  if (fragment.size() > kMaxFragmentBytes) {
    return Status::InvalidArgument("generate tags: fragment of " + std::to_string(fragment.size()) +
                                   " bytes is above the limit of " + std::to_string(kMaxFragmentBytes));
  }
  const Hash256 actual = crypto::Sha256(fragment);
  if (actual != request.fragment_hash) {
    return Status::InvalidArgument("generate tags: the fragment's SHA-256 is " + ToHex(actual) +
                                   ", not the declared " + ToHex(request.fragment_hash) +
                                   "; the enclave tags only what it was shown");
  }
  TagResult out;
  CESS_ASSIGN_OR_RETURN(
      out.tags, proofs::podr2::GenerateTags(*keys_.podr2, request.fragment_hash, fragment, request.blocks));
  out.tag_digest = proofs::podr2::TagDigest(request.fragment_hash, out.tags);
  const Bytes msg = proofs::TagSignMessage(request.chain_id, request.miner, request.fid,
                                           request.fragment_hash, out.tag_digest);
  CESS_ASSIGN_OR_RETURN(out.signature, keys_.attestation.Sign(msg));
  kLog.Debug("tagged fragment {} ({} bytes, {} blocks) for miner {}", ToHex(request.fragment_hash),
             fragment.size(), request.blocks, ToHex(request.miner));
  return out;
}

}  // namespace cess::enclave
