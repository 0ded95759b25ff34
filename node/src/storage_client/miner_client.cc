#include "storage_client/miner_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "cess/chain/types.h"

namespace cess::node {
namespace {

cess::Status FromGrpc(const grpc::Status& s, const std::string& what) {
  if (s.ok()) return cess::Status::Ok();
  const std::string msg = what + ": " + s.error_message();
  switch (s.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT: return cess::Status::InvalidArgument(msg);
    case grpc::StatusCode::NOT_FOUND: return cess::Status::NotFound(msg);
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return cess::Status::ResourceExhausted(msg);
    case grpc::StatusCode::FAILED_PRECONDITION: return cess::Status::FailedPrecondition(msg);
    case grpc::StatusCode::DEADLINE_EXCEEDED: return cess::Status::DeadlineExceeded(msg);
    case grpc::StatusCode::DATA_LOSS: return cess::Status::Corruption(msg);
    case grpc::StatusCode::UNAVAILABLE: return cess::Status::Unavailable(msg);
    default: return cess::Status::Internal(msg);
  }
}

void SetDeadline(grpc::ClientContext* ctx, uint32_t timeout_ms) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
}

}  // namespace

MinerClient::MinerClient(std::string endpoint, uint32_t timeout_ms)
    : endpoint_(std::move(endpoint)), timeout_ms_(timeout_ms) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  stub_ = miner::v1::Miner::NewStub(grpc::CreateCustomChannel(endpoint_, grpc::InsecureChannelCredentials(), args));
}

Result<std::unique_ptr<MinerClient>> MinerClient::Connect(const std::string& endpoint, uint32_t timeout_ms) {
  if (endpoint.empty()) return cess::Status::InvalidArgument("empty miner endpoint");
  if (timeout_ms == 0) return cess::Status::InvalidArgument("zero timeout");
  return std::unique_ptr<MinerClient>(new MinerClient(endpoint, timeout_ms));
}

Result<miner::v1::PutFragmentResponse> MinerClient::Put(const Hash256& fid, const Hash256& hash,
                                                        ByteSpan bytes) const {
  grpc::ClientContext ctx;
  SetDeadline(&ctx, timeout_ms_);
  miner::v1::PutFragmentResponse reply;
  auto writer = stub_->PutFragment(&ctx, &reply);
  size_t off = 0;
  bool first = true;
  do {
    miner::v1::PutFragmentRequest req;
    if (first) {
      req.set_fid(chain::HashToHex(fid));
      req.set_fragment_hash(chain::HashToHex(hash));
      req.set_size(bytes.size());
    }
    const size_t n = std::min(kFragmentChunkBytes, bytes.size() - off);
    req.set_data(reinterpret_cast<const char*>(bytes.data() + off), n);
    off += n;
    first = false;
    if (!writer->Write(req)) break;  // the server ended the stream; Finish says why
  } while (off < bytes.size());
  writer->WritesDone();
  const grpc::Status s = writer->Finish();
  if (!s.ok()) return FromGrpc(s, "put fragment to " + endpoint_);
  return reply;
}

std::unique_ptr<FragmentPush> MinerClient::OpenPush(const Hash256* fid) const {
  std::unique_ptr<FragmentPush> push(new FragmentPush());
  SetDeadline(&push->ctx_, timeout_ms_);
  push->endpoint_ = endpoint_;
  push->early_ = fid == nullptr;
  push->writer_ = stub_->PutFragments(&push->ctx_, &push->reply_);
  if (fid != nullptr) {
    miner::v1::PutFragmentsRequest req;
    req.set_fid(chain::HashToHex(*fid));
    push->first_ = false;
    push->broken_ = !push->writer_->Write(req);
  }
  return push;
}

FragmentPush::~FragmentPush() {
  if (!finished_ && writer_) {
    ctx_.TryCancel();
    writer_->Finish();
  }
}

void FragmentPush::Cancel() { ctx_.TryCancel(); }

bool FragmentPush::Write(const Hash256& hash, ByteSpan bytes) {
  if (broken_ || finished_) return false;
  miner::v1::PutFragmentsRequest req;
  size_t off = 0;
  bool first_chunk = true;
  do {
    if (first_) req.set_early(early_);
    first_ = false;
    if (first_chunk) {
      req.set_fragment_hash(chain::HashToHex(hash));
      req.set_size(bytes.size());
    }
    first_chunk = false;
    const size_t n = std::min(kFragmentChunkBytes, bytes.size() - off);
    req.set_data(reinterpret_cast<const char*>(bytes.data() + off), n);
    off += n;
    if (!writer_->Write(req)) {
      broken_ = true;
      return false;
    }
    req.Clear();
  } while (off < bytes.size());
  return true;
}

Result<miner::v1::PutFragmentsResponse> FragmentPush::Finish(const Hash256* fid) {
  if (finished_) return cess::Status::FailedPrecondition("push to " + endpoint_ + " already finished");
  if (early_ && fid == nullptr) return cess::Status::InvalidArgument("an early push needs its fid to finish");
  if (!broken_) {
    miner::v1::PutFragmentsRequest req;
    if (first_) req.set_early(early_);
    if (early_) req.set_fid(chain::HashToHex(*fid));
    if (first_ || early_) broken_ = !writer_->Write(req);
    first_ = false;
  }
  writer_->WritesDone();
  const grpc::Status s = writer_->Finish();
  finished_ = true;
  if (!s.ok()) return FromGrpc(s, "put fragments to " + endpoint_);
  return reply_;
}

Result<miner::v1::PutFragmentsResponse> MinerClient::PutMany(const Hash256& fid,
                                                             std::span<const FragmentRef> fragments) const {
  std::unique_ptr<FragmentPush> push = OpenPush(&fid);
  for (const FragmentRef& f : fragments) {
    if (!push->Write(f.hash, f.bytes)) break;  // Finish says why
  }
  return push->Finish();
}

Result<Bytes> MinerClient::Get(const Hash256& hash, uint64_t offset, uint64_t length) const {
  grpc::ClientContext ctx;
  SetDeadline(&ctx, timeout_ms_);
  miner::v1::GetFragmentRequest req;
  req.set_fragment_hash(chain::HashToHex(hash));
  req.set_offset(offset);
  req.set_length(length);
  auto reader = stub_->GetFragment(&ctx, req);
  miner::v1::GetFragmentResponse msg;
  Bytes out;
  bool first = true;
  uint64_t size = 0;
  while (reader->Read(&msg)) {
    if (first) {
      size = msg.size();
      if (size > (uint64_t{1} << 32)) {
        ctx.TryCancel();
        reader->Finish();
        return cess::Status::Corruption("miner " + endpoint_ + " announced a " + std::to_string(size) + "-byte fragment");
      }
      out.reserve(size);
      first = false;
    }
    out.insert(out.end(), msg.data().begin(), msg.data().end());
    if (out.size() > size) {
      ctx.TryCancel();
      reader->Finish();
      return cess::Status::Corruption("miner " + endpoint_ + " sent more bytes than announced");
    }
  }
  const grpc::Status s = reader->Finish();
  if (!s.ok()) return FromGrpc(s, "get fragment from " + endpoint_);
  if (out.size() != size) return cess::Status::Corruption("miner " + endpoint_ + " sent a short fragment");
  return out;
}

Result<miner::v1::MinerStatusResponse> MinerClient::Status() const {
  grpc::ClientContext ctx;
  SetDeadline(&ctx, timeout_ms_);
  miner::v1::MinerStatusResponse reply;
  const grpc::Status s = stub_->Status(&ctx, miner::v1::MinerStatusRequest(), &reply);
  if (!s.ok()) return FromGrpc(s, "status of miner " + endpoint_);
  return reply;
}

Result<const MinerClient*> GrpcFragmentFetcher::ClientFor(const std::string& endpoint) {
  std::lock_guard lock(mu_);
  auto it = clients_.find(endpoint);
  if (it == clients_.end()) {
    CESS_ASSIGN_OR_RETURN(auto client, MinerClient::Connect(endpoint, timeout_ms_));
    it = clients_.emplace(endpoint, std::move(client)).first;
  }
  return it->second.get();
}

Result<Bytes> GrpcFragmentFetcher::Fetch(const storage::FragmentLocation& location) {
  CESS_ASSIGN_OR_RETURN(const MinerClient* client, ClientFor(location.endpoint));
  return client->Get(location.hash);
}

}  // namespace cess::node
