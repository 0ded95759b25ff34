#include "cess/enclave/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "cess/core/log.h"
#include "grpc_status.h"
#include "storage/enclave.grpc.pb.h"

namespace cess::enclave {
namespace {

const log::Logger kLog("enclave");
namespace pb = ::cess::enclave::v1;

constexpr int kMaxReceiveBytes = 8 << 20;  // a 1 MiB chunk plus headers, with room to spare
constexpr int kMaxSendBytes = 64 << 20;

Result<Hash256> Hash32(const std::string& bytes, const char* field) {
  if (bytes.size() != 32) {
    return Status::InvalidArgument(std::string(field) + " must be 32 bytes, got " +
                                   std::to_string(bytes.size()));
  }
  Hash256 h{};
  std::memcpy(h.data(), bytes.data(), 32);
  return h;
}

std::string AsString(ByteSpan b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// The socket path of a "unix:" address ("unix:/abs", "unix:///abs" or "unix:rel"), or "" for
// other addresses.
std::string UnixPath(const std::string& address) {
  constexpr std::string_view kPrefix = "unix:";
  if (address.rfind(kPrefix, 0) != 0) return "";
  std::string path = address.substr(kPrefix.size());
  if (path.rfind("//", 0) == 0) path = path.substr(2);
  return path;
}

class GrpcService final : public pb::Enclave::Service {
 public:
  explicit GrpcService(const EnclaveService* service) : service_(service) {}

  // Refuses new calls from now on and waits up to `timeout` for running ones to finish. Returns
  // whether they all did. (grpc::Server::Shutdown with a deadline waits out the whole deadline
  // while any client connection is open, even an idle one, so the server drains here and then
  // shuts down with an immediate deadline.)
  bool Drain(std::chrono::milliseconds timeout) {
    draining_.store(true);
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return in_flight_.load() == 0;
  }

  grpc::Status GetInfo(grpc::ServerContext*, const pb::GetInfoRequest*, pb::GetInfoResponse* resp) override {
    CallGuard guard(this);
    if (!guard.admitted()) return Draining();
    const EnclaveInfo& info = service_->Info();
    resp->set_attestation_key(AsString(info.attestation_key));
    resp->set_podr2_public_key(AsString(info.podr2_public_key.Serialize()));
    resp->set_podr2_key_fingerprint(AsString(info.podr2_key_fingerprint));
    return grpc::Status::OK;
  }

  grpc::Status Attest(grpc::ServerContext*, const pb::AttestRequest* req, pb::AttestResponse* resp) override {
    CallGuard guard(this);
    if (!guard.admitted()) return Draining();
    auto controller = Hash32(req->controller(), "controller");
    if (!controller.ok()) return internal::ToGrpc(controller.status());
    auto sig = service_->Attest(req->chain_id(), *controller);
    if (!sig.ok()) return internal::ToGrpc(sig.status());
    const EnclaveInfo& info = service_->Info();
    resp->set_signature(AsString(*sig));
    resp->set_attestation_key(AsString(info.attestation_key));
    resp->set_podr2_key_fingerprint(AsString(info.podr2_key_fingerprint));
    return grpc::Status::OK;
  }

  grpc::Status GenerateTags(grpc::ServerContext*, grpc::ServerReader<pb::GenerateTagsRequest>* reader,
                            pb::GenerateTagsResponse* resp) override {
    CallGuard guard(this);
    if (!guard.admitted()) return Draining();
    Status s = DoGenerateTags(reader, resp);
    if (!s.ok()) kLog.Warn("GenerateTags refused: {}", s.ToString());
    return internal::ToGrpc(s);
  }

 private:
  // Counts a call in flight for its lifetime; a call that starts while draining is not admitted.
  class CallGuard {
   public:
    explicit CallGuard(GrpcService* s) : s_(s) {
      s_->in_flight_.fetch_add(1);
      admitted_ = !s_->draining_.load();
    }
    ~CallGuard() { s_->in_flight_.fetch_sub(1); }
    CallGuard(const CallGuard&) = delete;
    CallGuard& operator=(const CallGuard&) = delete;
    bool admitted() const { return admitted_; }

   private:
    GrpcService* s_;
    bool admitted_ = false;
  };

  static grpc::Status Draining() {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the enclave is shutting down");
  }

  Status DoGenerateTags(grpc::ServerReader<pb::GenerateTagsRequest>* reader, pb::GenerateTagsResponse* resp) {
    pb::GenerateTagsRequest msg;
    if (!reader->Read(&msg)) return Status::InvalidArgument("generate tags: empty request stream");
    TagRequest req;
    req.chain_id = msg.chain_id();
    CESS_ASSIGN_OR_RETURN(req.miner, Hash32(msg.miner(), "miner"));
    CESS_ASSIGN_OR_RETURN(req.fid, Hash32(msg.fid(), "fid"));
    CESS_ASSIGN_OR_RETURN(req.fragment_hash, Hash32(msg.fragment_hash(), "fragment_hash"));
    req.blocks = msg.blocks();
    const uint64_t size = msg.fragment_size();
    if (size == 0 || size > kMaxFragmentBytes) {
      return Status::InvalidArgument("generate tags: fragment_size " + std::to_string(size) + " not in [1, " +
                                     std::to_string(kMaxFragmentBytes) + "]");
    }
    Bytes data;
    data.reserve(size);
    auto append = [&](const std::string& chunk) -> Status {
      if (chunk.size() > size - data.size()) {
        return Status::InvalidArgument("generate tags: the stream carries more than fragment_size bytes");
      }
      data.insert(data.end(), chunk.begin(), chunk.end());
      return Status::Ok();
    };
    CESS_RETURN_IF_ERROR(append(msg.chunk()));
    while (reader->Read(&msg)) {
      if (!msg.chain_id().empty() || !msg.miner().empty() || !msg.fid().empty() ||
          !msg.fragment_hash().empty() || msg.blocks() != 0 || msg.fragment_size() != 0) {
        return Status::InvalidArgument("generate tags: header fields are allowed in the first message only");
      }
      CESS_RETURN_IF_ERROR(append(msg.chunk()));
    }
    if (data.size() != size) {
      return Status::InvalidArgument("generate tags: the stream ended after " + std::to_string(data.size()) +
                                     " of " + std::to_string(size) + " bytes");
    }
    CESS_ASSIGN_OR_RETURN(TagResult result, service_->GenerateTags(req, data));
    for (const Bytes& t : result.tags) resp->add_tags(AsString(t));
    resp->set_tag_digest(AsString(result.tag_digest));
    resp->set_signature(AsString(result.signature));
    return Status::Ok();
  }

  const EnclaveService* service_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> draining_{false};
};

}  // namespace

struct EnclaveServer::Impl {
  std::string address;
  std::string socket_path;
  std::unique_ptr<GrpcService> service;
  std::unique_ptr<grpc::Server> server;
  bool stopped = false;
};

EnclaveServer::EnclaveServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EnclaveServer::~EnclaveServer() { Shutdown(); }

const std::string& EnclaveServer::address() const { return impl_->address; }

Result<std::unique_ptr<EnclaveServer>> EnclaveServer::Start(const std::string& address,
                                                            const EnclaveService* service) {
  if (address.empty()) return Status::InvalidArgument("enclave server: empty listen address");
  if (service == nullptr) return Status::InvalidArgument("enclave server: no service");
  auto impl = std::make_unique<Impl>();
  impl->address = address;
  impl->socket_path = UnixPath(address);
  if (!impl->socket_path.empty()) {
    struct stat st;
    if (::lstat(impl->socket_path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        return Status::AlreadyExists("enclave server: " + impl->socket_path + " exists and is not a socket");
      }
      if (::unlink(impl->socket_path.c_str()) != 0) {
        return Status::IoError("enclave server: cannot remove stale socket " + impl->socket_path + ": " +
                               std::strerror(errno));
      }
    }
  }
  impl->service = std::make_unique<GrpcService>(service);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  builder.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  builder.SetMaxSendMessageSize(kMaxSendBytes);
  builder.RegisterService(impl->service.get());
  // The socket is created with the process umask: make it owner-only while binding.
  const mode_t old_umask = ::umask(077);
  impl->server = builder.BuildAndStart();
  ::umask(old_umask);
  if (impl->server == nullptr) return Status::Unavailable("enclave server: cannot listen on " + address);
  if (!impl->socket_path.empty()) ::chmod(impl->socket_path.c_str(), 0600);
  kLog.Info("enclave listening on {}", address);
  return std::unique_ptr<EnclaveServer>(new EnclaveServer(std::move(impl)));
}

void EnclaveServer::Shutdown() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  if (!impl_->service->Drain(std::chrono::seconds(5))) kLog.Warn("cancelling calls still running after 5 s");
  impl_->server->Shutdown(std::chrono::system_clock::now());
  impl_->server->Wait();
  if (!impl_->socket_path.empty()) ::unlink(impl_->socket_path.c_str());
}

}  // namespace cess::enclave
