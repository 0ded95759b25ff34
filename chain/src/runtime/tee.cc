// The tee module (see tee.h).
#include "cess/chain/runtime/tee.h"

#include <string>
#include <utility>

#include "cess/chain/runtime/storage.h"
#include "cess/storage/proofs/attestation.h"

namespace cess::chain::runtime::tee {
namespace {

namespace podr2 = proofs::podr2;

struct KeyArgs {
  Hash256 key{};
  void Encode(codec::Writer& w) const { w.PutFixed(key); }
  static Result<KeyArgs> Decode(codec::Reader& r) {
    KeyArgs a;
    CESS_ASSIGN_OR_RETURN(a.key, r.ReadArray<32>());
    return a;
  }
};

constexpr CallDef kCalls[] = {
    {"register", 2, &DecodesAs<RegisterArgs>},
    {"deregister", 1, &DecodesAs<KeyArgs>},
};
enum CallIndex : size_t { kRegister, kDeregister };

constexpr ErrorDef kErrors[] = {
    {1, "BadPodr2Key"},   {2, "Podr2KeyMismatch"}, {3, "BadSignature"},    {4, "AlreadyRegistered"},
    {5, "NotRegistered"}, {6, "NotController"},    {7, "EndpointTooLong"},
};
constexpr std::string_view kEvents[] = {"TeeRegistered", "TeeDeregistered"};

Bytes WorkerKey(const Hash256& key) { return KeyBuilder(kName, "worker").Add(key).Take(); }
const Bytes& NetworkKeyKey() {
  static const Bytes kKey = KeyBuilder(kName, "podr2_key").Take();
  return kKey;
}

Call MakeCall(std::string_view function, Bytes args) {
  return Call{std::string(kName), std::string(function), std::move(args)};
}

}  // namespace

void TeeWorker::Encode(codec::Writer& w) const {
  controller.Encode(w);
  w.PutFixed(podr2_fingerprint);
  w.PutString(endpoint);
  w.PutU64(registered_at);
}

Result<TeeWorker> TeeWorker::Decode(codec::Reader& r) {
  TeeWorker t;
  CESS_ASSIGN_OR_RETURN(t.controller, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(t.podr2_fingerprint, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(t.endpoint, r.ReadString(kMaxEndpointBytes));
  CESS_ASSIGN_OR_RETURN(t.registered_at, r.ReadU64());
  return t;
}

void RegisterArgs::Encode(codec::Writer& w) const {
  w.PutFixed(attestation_key);
  w.PutBytes(podr2_public_key);
  w.PutString(endpoint);
  w.PutFixed(signature);
}

Result<RegisterArgs> RegisterArgs::Decode(codec::Reader& r) {
  RegisterArgs a;
  CESS_ASSIGN_OR_RETURN(a.attestation_key, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(a.podr2_public_key, r.ReadBytes(4096));
  CESS_ASSIGN_OR_RETURN(a.endpoint, r.ReadString(4096));
  CESS_ASSIGN_OR_RETURN(a.signature, r.ReadArray<64>());
  return a;
}

Call RegisterCall(const RegisterArgs& args) { return MakeCall("register", codec::Encode(args)); }
Call DeregisterCall(const Hash256& attestation_key) {
  return MakeCall("deregister", codec::Encode(KeyArgs{attestation_key}));
}

Result<Call> MakeRegisterCall(std::string_view chain_id, const AccountId& controller,
                              const crypto::Ed25519PrivateKey& attestation, const podr2::PublicKey& podr2_key,
                              std::string endpoint) {
  RegisterArgs a;
  a.attestation_key = attestation.public_key();
  a.podr2_public_key = podr2_key.Serialize();
  a.endpoint = std::move(endpoint);
  const Bytes msg =
      proofs::TeeRegistrationMessage(chain_id, controller.bytes, a.attestation_key, podr2_key.Fingerprint());
  CESS_ASSIGN_OR_RETURN(a.signature, attestation.Sign(msg));
  return RegisterCall(a);
}

Result<std::optional<TeeWorker>> ReadTee(const state::StateReader& reader, const Hash256& attestation_key) {
  CESS_ASSIGN_OR_RETURN(std::optional<TeeWorker> t, GetValue<TeeWorker>(reader, WorkerKey(attestation_key)));
  if (t) t->attestation_key = attestation_key;
  return t;
}

Result<std::vector<TeeWorker>> ListTees(const state::StateReader& reader) {
  const Bytes prefix = KeyBuilder(kName, "worker").Take();
  std::vector<TeeWorker> out;
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    Result<TeeWorker> t = codec::Decode<TeeWorker>(value);
    if (key.size() != prefix.size() + 32 || !t.ok()) {
      bad = Status::Corruption("tee: malformed worker record");
      return false;
    }
    std::copy(key.begin() + static_cast<ptrdiff_t>(prefix.size()), key.end(), t->attestation_key.begin());
    out.push_back(std::move(t).value());
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  return out;
}

Result<std::optional<podr2::PublicKey>> ReadNetworkPodr2Key(const state::StateReader& reader) {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> raw, reader.Get(NetworkKeyKey()));
  if (!raw) return std::optional<podr2::PublicKey>();
  Result<podr2::PublicKey> pk = podr2::PublicKey::Parse(*raw);
  if (!pk.ok()) return pk.status().WithContext("tee: malformed network PoDR² key");
  return std::optional<podr2::PublicKey>(std::move(pk).value());
}

std::span<const CallDef> TeeModule::calls() const { return kCalls; }
std::span<const ErrorDef> TeeModule::errors() const { return kErrors; }
std::span<const std::string_view> TeeModule::events() const { return kEvents; }

Result<CallResult> TeeModule::Dispatch(Context& ctx, const AccountId& origin, size_t index,
                                       ByteSpan args) const {
  switch (index) {
    case kRegister: {
      Result<RegisterArgs> a = codec::Decode<RegisterArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return Register(ctx, origin, *a);
    }
    case kDeregister: {
      Result<KeyArgs> a = codec::Decode<KeyArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return Deregister(ctx, origin, a->key);
    }
    default:
      return Status::Internal("tee: no call " + std::to_string(index));
  }
}

Result<CallResult> TeeModule::Register(Context& ctx, const AccountId& origin,
                                       const RegisterArgs& args) const {
  Result<podr2::PublicKey> pk = podr2::PublicKey::Parse(args.podr2_public_key);
  if (!pk.ok()) return CallResult::Error(Error::kBadPodr2Key);
  if (args.endpoint.size() > kMaxEndpointBytes) return CallResult::Error(Error::kEndpointTooLong);
  CESS_ASSIGN_OR_RETURN(std::optional<podr2::PublicKey> network, ReadNetworkPodr2Key(ctx.state()));
  if (network && !(*network == *pk)) return CallResult::Error(Error::kPodr2KeyMismatch);
  const Hash256 fingerprint = pk->Fingerprint();
  const Bytes msg =
      proofs::TeeRegistrationMessage(ctx.chain_id(), origin.bytes, args.attestation_key, fingerprint);
  if (!crypto::Ed25519Verify(args.attestation_key, msg, args.signature).ok()) {
    return CallResult::Error(Error::kBadSignature);
  }
  CESS_ASSIGN_OR_RETURN(std::optional<TeeWorker> existing, ReadTee(ctx.state(), args.attestation_key));
  if (existing) return CallResult::Error(Error::kAlreadyRegistered);
  if (!network) ctx.state().Put(NetworkKeyKey(), pk->Serialize());
  TeeWorker t;
  t.controller = origin;
  t.podr2_fingerprint = fingerprint;
  t.endpoint = args.endpoint;
  t.registered_at = ctx.block().height;
  PutValue(ctx.state(), WorkerKey(args.attestation_key), t);
  codec::Writer w;
  w.PutFixed(args.attestation_key);
  origin.Encode(w);
  w.PutFixed(fingerprint);
  ctx.Emit(kName, "TeeRegistered", w.Take());
  return CallResult::Ok();
}

Result<CallResult> TeeModule::Deregister(Context& ctx, const AccountId& origin, const Hash256& key) const {
  CESS_ASSIGN_OR_RETURN(std::optional<TeeWorker> t, ReadTee(ctx.state(), key));
  if (!t) return CallResult::Error(Error::kNotRegistered);
  if (t->controller != origin) return CallResult::Error(Error::kNotController);
  ctx.state().Delete(WorkerKey(key));
  ctx.Emit(kName, "TeeDeregistered", Bytes(key.begin(), key.end()));
  return CallResult::Ok();
}

Status TeeModule::CheckInvariants(const state::StateReader& reader) const {
  CESS_ASSIGN_OR_RETURN(std::vector<TeeWorker> tees, ListTees(reader));
  CESS_ASSIGN_OR_RETURN(std::optional<podr2::PublicKey> network, ReadNetworkPodr2Key(reader));
  if (!tees.empty() && !network) return Status::Internal("tee: enclaves registered without a network key");
  for (const TeeWorker& t : tees) {
    if (t.podr2_fingerprint != network->Fingerprint()) {
      return Status::Internal("tee: an enclave's PoDR² key differs from the network key");
    }
  }
  return Status::Ok();
}

}  // namespace cess::chain::runtime::tee
