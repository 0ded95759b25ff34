// The tee module: registration of enclaves (TEE workers) and the network's PoDR² public key
// (DESIGN.md §8, §9; issue 5 §3, §5).
//
// An enclave holds an Ed25519 attestation key and the network's PoDR² secret key. Its controller
// account registers it by sending the attestation key, the PoDR² public key and the enclave's
// Ed25519 signature over proofs::TeeRegistrationMessage(chain_id, controller, attestation_key,
// podr2 key Fingerprint); the chain checks the signature. The first registration sets the
// network's PoDR² key; every later enclave must present the same key. The network key stays when
// enclaves deregister (the tags of stored fragments were made under it).
//
// Storage (prefix "tee/"):
//   tee/worker/<attestation key 32>   TeeWorker   controller 32 ‖ podr2 fingerprint 32 ‖
//                                                 endpoint (string) ‖ registered_at (u64)
//   tee/podr2_key/                    podr2::PublicKey::Serialize() of the network key
//
// Calls (weight 2 / 1):
//   register(attestation_key 32 ‖ podr2_public_key (bytes) ‖ endpoint (string) ‖ signature 64)
//       Errors: BadPodr2Key (does not parse), Podr2KeyMismatch (differs from the network key),
//       BadSignature, AlreadyRegistered, EndpointTooLong (> kMaxEndpointBytes).
//   deregister(attestation_key 32)   by the enclave's controller. Errors: NotRegistered, NotController.
// Events:
//   TeeRegistered    attestation key 32 ‖ controller 32 ‖ podr2 fingerprint 32
//   TeeDeregistered  attestation key 32
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cess/chain/runtime/module.h"
#include "cess/chain/state/write_set.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/core/codec.h"
#include "cess/core/ed25519.h"
#include "cess/core/result.h"
#include "cess/storage/proofs/podr2.h"

namespace cess::chain::runtime::tee {

inline constexpr std::string_view kName = "tee";
inline constexpr size_t kMaxEndpointBytes = 256;

enum class Error : uint32_t {
  kBadPodr2Key = 1,        // the PoDR² public key does not parse
  kPodr2KeyMismatch = 2,   // a network key is set and this one differs
  kBadSignature = 3,       // the enclave's registration signature does not verify
  kAlreadyRegistered = 4,  // this attestation key is registered already
  kNotRegistered = 5,      // no enclave with this attestation key
  kNotController = 6,      // deregister by another account than the controller
  kEndpointTooLong = 7,    // endpoint longer than kMaxEndpointBytes
};

// A registered enclave.
struct TeeWorker {
  Hash256 attestation_key{};  // the key of the record (not encoded in the value)
  AccountId controller;
  Hash256 podr2_fingerprint{};
  std::string endpoint;
  uint64_t registered_at = 0;

  void Encode(codec::Writer& w) const;  // without attestation_key
  static Result<TeeWorker> Decode(codec::Reader& r);
  bool operator==(const TeeWorker&) const = default;
};

struct RegisterArgs {
  Hash256 attestation_key{};
  Bytes podr2_public_key;  // podr2::PublicKey::Serialize()
  std::string endpoint;
  crypto::Ed25519Signature signature{};
  void Encode(codec::Writer& w) const;
  static Result<RegisterArgs> Decode(codec::Reader& r);
};

// Call builders.
Call RegisterCall(const RegisterArgs& args);
Call DeregisterCall(const Hash256& attestation_key);
// A complete register call for `controller`: signs the registration message with `attestation`
// (the enclave's key) for `chain_id`. Errors: Internal from signing.
Result<Call> MakeRegisterCall(std::string_view chain_id, const AccountId& controller,
                              const crypto::Ed25519PrivateKey& attestation,
                              const proofs::podr2::PublicKey& podr2_key, std::string endpoint);

// Read helpers. Errors: Corruption on malformed records; IoError.
Result<std::optional<TeeWorker>> ReadTee(const state::StateReader& reader, const Hash256& attestation_key);
// Every registered enclave, in attestation key order.
Result<std::vector<TeeWorker>> ListTees(const state::StateReader& reader);
// The network's PoDR² public key, or nullopt before the first registration.
Result<std::optional<proofs::podr2::PublicKey>> ReadNetworkPodr2Key(const state::StateReader& reader);

class TeeModule final : public Module {
 public:
  explicit TeeModule(const Profile& profile) : profile_(profile) {}

  // Module
  std::string_view name() const override { return kName; }
  std::span<const CallDef> calls() const override;
  std::span<const ErrorDef> errors() const override;
  std::span<const std::string_view> events() const override;
  Result<CallResult> Dispatch(Context& ctx, const AccountId& origin, size_t index,
                              ByteSpan args) const override;
  // Records decode; every enclave's fingerprint equals the network key's; a network key exists
  // when an enclave does.
  Status CheckInvariants(const state::StateReader& reader) const override;

 private:
  Result<CallResult> Register(Context& ctx, const AccountId& origin, const RegisterArgs& args) const;
  Result<CallResult> Deregister(Context& ctx, const AccountId& origin, const Hash256& key) const;

  Profile profile_;
};

}  // namespace cess::chain::runtime::tee
