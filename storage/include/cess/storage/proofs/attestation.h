// The messages an enclave signs with its Ed25519 attestation key, and the chain checks (tee and
// file_bank modules). Each is the domain tag, the chain id and the fields in the canonical codec
// (DESIGN.md §4: "cess/<kind>/v1" ‖ chain_id ‖ bytes).
#pragma once

#include <string_view>

#include "cess/core/bytes.h"

namespace cess::proofs {

// What an enclave signs to register: it holds `podr2_key_fingerprint` (PodR² PublicKey
// Fingerprint) and `attestation_key` (its Ed25519 public key), and serves `controller` (the
// account that sends tee.register). Encoding: PutFixed("cess/tee-register/v1") ‖
// PutString(chain_id) ‖ PutFixed(controller 32) ‖ PutFixed(attestation_key 32) ‖
// PutFixed(podr2_key_fingerprint 32).
Bytes TeeRegistrationMessage(std::string_view chain_id, const Hash256& controller, const Hash256& attestation_key,
                             const Hash256& podr2_key_fingerprint);

// What an enclave signs for the tags of one fragment it computed for `miner`: PutFixed(
// "cess/tee-tags/v1") ‖ PutString(chain_id) ‖ PutFixed(miner 32) ‖ PutFixed(fid 32) ‖
// PutFixed(fragment 32) ‖ PutFixed(tag_digest 32) where tag_digest = podr2::TagDigest.
Bytes TagSignMessage(std::string_view chain_id, const Hash256& miner, const Hash256& fid, const Hash256& fragment,
                     const Hash256& tag_digest);

}  // namespace cess::proofs
