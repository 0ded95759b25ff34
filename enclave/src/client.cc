#include "cess/enclave/client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstring>

#include "grpc_status.h"
#include "storage/enclave.grpc.pb.h"

namespace cess::enclave {
namespace {

namespace pb = ::cess::enclave::v1;

constexpr int kMaxReceiveBytes = 64 << 20;  // tags of the largest fragment, with room to spare

std::string AsString(ByteSpan b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

template <size_t N>
Result<std::array<uint8_t, N>> Fixed(const std::string& s, const char* field) {
  if (s.size() != N) {
    return Status::Corruption(std::string("enclave answer: ") + field + " is " + std::to_string(s.size()) +
                              " bytes, want " + std::to_string(N));
  }
  std::array<uint8_t, N> out{};
  std::memcpy(out.data(), s.data(), N);
  return out;
}

}  // namespace

struct EnclaveClient::Impl {
  std::string address;
  uint32_t timeout_ms = 0;
  std::unique_ptr<pb::Enclave::Stub> stub;

  void Prepare(grpc::ClientContext& ctx) const {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  }
};

EnclaveClient::EnclaveClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EnclaveClient::~EnclaveClient() = default;

const std::string& EnclaveClient::address() const { return impl_->address; }

Result<std::unique_ptr<EnclaveClient>> EnclaveClient::Connect(const std::string& address,
                                                              uint32_t timeout_ms) {
  if (address.empty()) return Status::InvalidArgument("enclave client: empty address");
  if (timeout_ms == 0) return Status::InvalidArgument("enclave client: timeout must be > 0");
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  if (channel == nullptr)
    return Status::InvalidArgument("enclave client: cannot create a channel to " + address);
  auto impl = std::make_unique<Impl>();
  impl->address = address;
  impl->timeout_ms = timeout_ms;
  impl->stub = pb::Enclave::NewStub(channel);
  return std::unique_ptr<EnclaveClient>(new EnclaveClient(std::move(impl)));
}

Result<EnclaveInfo> EnclaveClient::Info() const {
  grpc::ClientContext ctx;
  impl_->Prepare(ctx);
  pb::GetInfoResponse resp;
  grpc::Status s = impl_->stub->GetInfo(&ctx, pb::GetInfoRequest(), &resp);
  if (!s.ok()) return internal::FromGrpc(s, "enclave GetInfo");
  EnclaveInfo info;
  CESS_ASSIGN_OR_RETURN(info.attestation_key, Fixed<32>(resp.attestation_key(), "attestation_key"));
  CESS_ASSIGN_OR_RETURN(info.podr2_key_fingerprint,
                        Fixed<32>(resp.podr2_key_fingerprint(), "podr2_key_fingerprint"));
  auto pk = proofs::podr2::PublicKey::Parse(AsBytes(resp.podr2_public_key()));
  if (!pk.ok()) return Status::Corruption("enclave answer: podr2_public_key: " + pk.status().message());
  info.podr2_public_key = std::move(pk).value();
  if (info.podr2_public_key.Fingerprint() != info.podr2_key_fingerprint) {
    return Status::Corruption("enclave answer: podr2_key_fingerprint does not match podr2_public_key");
  }
  return info;
}

Result<crypto::Ed25519Signature> EnclaveClient::Attest(std::string_view chain_id,
                                                       const Hash256& controller) const {
  grpc::ClientContext ctx;
  impl_->Prepare(ctx);
  pb::AttestRequest req;
  req.set_chain_id(std::string(chain_id));
  req.set_controller(AsString(controller));
  pb::AttestResponse resp;
  grpc::Status s = impl_->stub->Attest(&ctx, req, &resp);
  if (!s.ok()) return internal::FromGrpc(s, "enclave Attest");
  return Fixed<64>(resp.signature(), "signature");
}

Result<TagResult> EnclaveClient::GenerateTags(std::string_view chain_id, const Hash256& miner,
                                              const Hash256& fid, const Hash256& fragment_hash,
                                              uint32_t blocks, ByteSpan data) const {
  grpc::ClientContext ctx;
  impl_->Prepare(ctx);
  pb::GenerateTagsResponse resp;
  std::unique_ptr<grpc::ClientWriter<pb::GenerateTagsRequest>> writer(impl_->stub->GenerateTags(&ctx, &resp));
  size_t sent = 0;
  bool first = true;
  while (first || sent < data.size()) {
    pb::GenerateTagsRequest msg;
    if (first) {
      msg.set_chain_id(std::string(chain_id));
      msg.set_miner(AsString(miner));
      msg.set_fid(AsString(fid));
      msg.set_fragment_hash(AsString(fragment_hash));
      msg.set_blocks(blocks);
      msg.set_fragment_size(data.size());
      first = false;
    }
    const size_t n = std::min(kTagChunkBytes, data.size() - sent);
    msg.set_chunk(AsString(data.subspan(sent, n)));
    sent += n;
    if (!writer->Write(msg)) break;  // the server ended the call early; Finish() says why
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) return internal::FromGrpc(s, "enclave GenerateTags");
  TagResult out;
  out.tags.reserve(static_cast<size_t>(resp.tags_size()));
  for (const std::string& t : resp.tags()) out.tags.emplace_back(t.begin(), t.end());
  CESS_ASSIGN_OR_RETURN(out.tag_digest, Fixed<32>(resp.tag_digest(), "tag_digest"));
  CESS_ASSIGN_OR_RETURN(out.signature, Fixed<64>(resp.signature(), "signature"));
  if (out.tags.size() != blocks) {
    return Status::Corruption("enclave answer: " + std::to_string(out.tags.size()) + " tags for " +
                              std::to_string(blocks) + " blocks");
  }
  return out;
}

}  // namespace cess::enclave
