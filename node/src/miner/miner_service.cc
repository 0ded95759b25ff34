#include "miner/miner_service.h"

#include <algorithm>
#include <string>

#include "cess/chain/types.h"
#include "storage_client/miner_client.h"

namespace cess::node {
namespace {

grpc::Status ToGrpc(const cess::Status& s) {
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (s.code()) {
    case StatusCode::kInvalidArgument: code = grpc::StatusCode::INVALID_ARGUMENT; break;
    case StatusCode::kNotFound: code = grpc::StatusCode::NOT_FOUND; break;
    case StatusCode::kResourceExhausted: code = grpc::StatusCode::RESOURCE_EXHAUSTED; break;
    case StatusCode::kFailedPrecondition: code = grpc::StatusCode::FAILED_PRECONDITION; break;
    case StatusCode::kCorruption: code = grpc::StatusCode::DATA_LOSS; break;
    case StatusCode::kOutOfRange: code = grpc::StatusCode::OUT_OF_RANGE; break;
    case StatusCode::kUnavailable: code = grpc::StatusCode::UNAVAILABLE; break;
    case StatusCode::kDeadlineExceeded: code = grpc::StatusCode::DEADLINE_EXCEEDED; break;
    default: break;
  }
  return {code, s.message()};
}

}  // namespace

grpc::Status MinerService::PutFragment(grpc::ServerContext*, grpc::ServerReader<miner::v1::PutFragmentRequest>* reader,
                                       miner::v1::PutFragmentResponse* reply) {
  miner::v1::PutFragmentRequest msg;
  if (!reader->Read(&msg)) return {grpc::StatusCode::INVALID_ARGUMENT, "empty PutFragment stream"};
  auto fid = chain::HashFromHex(msg.fid());
  if (!fid.ok()) return ToGrpc(fid.status().WithContext("fid"));
  auto hash = chain::HashFromHex(msg.fragment_hash());
  if (!hash.ok()) return ToGrpc(hash.status().WithContext("fragment_hash"));
  if (msg.size() != fragment_size_) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "fragment size " + std::to_string(msg.size()) +
                                                    " is not the profile's " + std::to_string(fragment_size_)};
  }
  // Refuse work the chain does not assign before reading the bytes.
  if (cess::Status s = agent_.CheckAssigned(*fid, *hash); !s.ok()) return ToGrpc(s);
  const bool duplicate = store_.Info(*hash).ok();
  Bytes data;
  data.reserve(msg.size());
  do {
    if (data.size() + msg.data().size() > msg.size()) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "more bytes than the announced size"};
    }
    data.insert(data.end(), msg.data().begin(), msg.data().end());
  } while (reader->Read(&msg));
  if (data.size() != fragment_size_) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            "stream ended after " + std::to_string(data.size()) + " of " + std::to_string(fragment_size_) + " bytes"};
  }
  if (cess::Status s = store_.Put(*fid, *hash, data); !s.ok()) return ToGrpc(s);
  agent_.NoteFragmentStored(*fid);
  const auto stats = store_.Stats();
  reply->set_stored(true);
  reply->set_duplicate(duplicate);
  reply->set_free_bytes(stats.capacity_bytes > stats.used_bytes ? stats.capacity_bytes - stats.used_bytes : 0);
  return grpc::Status::OK;
}

grpc::Status MinerService::PutFragments(grpc::ServerContext*,
                                        grpc::ServerReader<miner::v1::PutFragmentsRequest>* reader,
                                        miner::v1::PutFragmentsResponse* reply) {
  miner::v1::PutFragmentsRequest msg;
  if (!reader->Read(&msg)) return {grpc::StatusCode::INVALID_ARGUMENT, "empty PutFragments stream"};
  const bool early = msg.early();
  Hash256 fid{};
  bool have_fid = false;
  if (!early) {
    auto f = chain::HashFromHex(msg.fid());
    if (!f.ok()) return ToGrpc(f.status().WithContext("fid"));
    fid = *f;
    have_fid = true;
  }
  // Early bytes (not yet known to belong to a declared file) count against a per-miner budget.
  struct EarlyBudget {
    std::atomic<uint64_t>& in_flight;
    uint64_t held = 0;
    ~EarlyBudget() { in_flight.fetch_sub(held); }
  } budget{early_in_flight_};
  std::unique_ptr<storage::FragmentBatch> batch = store_.BeginBatch();
  Hash256 hash{};
  Bytes data;
  bool open = false;  // a fragment is being received
  uint32_t received = 0;
  do {
    if (early && !msg.fid().empty()) {  // the trailer
      if (have_fid) return {grpc::StatusCode::INVALID_ARGUMENT, "the fid came twice"};
      if (open || !msg.fragment_hash().empty() || !msg.data().empty()) {
        return {grpc::StatusCode::INVALID_ARGUMENT, "the final fid must come alone, after the last fragment"};
      }
      auto f = chain::HashFromHex(msg.fid());
      if (!f.ok()) return ToGrpc(f.status().WithContext("fid"));
      fid = *f;
      have_fid = true;
      continue;
    }
    if (early && have_fid) return {grpc::StatusCode::INVALID_ARGUMENT, "a message after the final fid"};
    if (!msg.fragment_hash().empty()) {
      if (open) {
        return {grpc::StatusCode::INVALID_ARGUMENT, "fragment " + chain::HashToHex(hash) + " ended after " +
                                                        std::to_string(data.size()) + " of " +
                                                        std::to_string(fragment_size_) + " bytes"};
      }
      auto h = chain::HashFromHex(msg.fragment_hash());
      if (!h.ok()) return ToGrpc(h.status().WithContext("fragment_hash"));
      hash = *h;
      if (msg.size() != fragment_size_) {
        return {grpc::StatusCode::INVALID_ARGUMENT, "fragment size " + std::to_string(msg.size()) +
                                                        " is not the profile's " + std::to_string(fragment_size_)};
      }
      if (early) {
        // In flight and already pending (committed, file not declared yet) count together.
        if (early_in_flight_.fetch_add(fragment_size_) + fragment_size_ + agent_.PendingBytes() > early_limit_) {
          early_in_flight_.fetch_sub(fragment_size_);
          return {grpc::StatusCode::RESOURCE_EXHAUSTED,
                  "this miner holds " + std::to_string(early_limit_) +
                      " bytes of undeclared uploads already; push after the declaration"};
        }
        budget.held += fragment_size_;
      } else if (cess::Status s = agent_.CheckAssigned(fid, hash); !s.ok()) {
        return ToGrpc(s);  // refuse work the chain does not assign before reading the bytes
      }
      data.clear();
      data.reserve(fragment_size_);
      open = true;
    }
    if (msg.data().empty()) continue;
    if (!open) return {grpc::StatusCode::INVALID_ARGUMENT, "data before a fragment header"};
    if (data.size() + msg.data().size() > fragment_size_) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "more bytes than the announced size"};
    }
    // A fragment in one message (the usual case) is stored from the message, without a copy.
    const bool whole = data.empty() && msg.data().size() == fragment_size_;
    if (!whole) data.insert(data.end(), msg.data().begin(), msg.data().end());
    if (whole || data.size() == fragment_size_) {
      open = false;
      ++received;
      const ByteSpan bytes = whole ? AsBytes(msg.data()) : ByteSpan(data);
      if (cess::Status s = batch->Add(hash, bytes); !s.ok()) {
        return ToGrpc(s.WithContext("fragment " + chain::HashToHex(hash)));
      }
    }
  } while (reader->Read(&msg));
  if (open) return {grpc::StatusCode::INVALID_ARGUMENT, "stream ended inside fragment " + chain::HashToHex(hash)};
  if (!have_fid) return {grpc::StatusCode::INVALID_ARGUMENT, "the early stream ended without its fid"};
  bool pending = false;
  if (early) {
    // Declared by now: every fragment must be assigned here. Not yet: kept as pending.
    auto mine = agent_.Assignment(fid);
    if (!mine.ok()) return ToGrpc(mine.status());
    pending = !mine->has_value();
    if (!pending) {
      for (const Hash256& h : batch->hashes()) {
        if ((*mine)->count(h) == 0) {
          return {grpc::StatusCode::FAILED_PRECONDITION, "fragment " + chain::HashToHex(h) + " of file " +
                                                             chain::HashToHex(fid) + " is not assigned to this miner"};
        }
      }
    }
  }
  const std::vector<Hash256> hashes = batch->hashes();
  auto existed = batch->Commit(fid);
  if (!existed.ok()) return ToGrpc(existed.status());
  if (pending) {
    agent_.NotePending(fid, hashes);
  } else {
    agent_.NoteFragmentStored(fid);
  }
  uint32_t duplicates = 0;
  for (bool e : *existed) duplicates += e ? 1 : 0;
  const auto stats = store_.Stats();
  reply->set_stored(received);
  reply->set_duplicates(duplicates);
  reply->set_pending(pending);
  reply->set_free_bytes(stats.capacity_bytes > stats.used_bytes ? stats.capacity_bytes - stats.used_bytes : 0);
  return grpc::Status::OK;
}

grpc::Status MinerService::GetFragment(grpc::ServerContext*, const miner::v1::GetFragmentRequest* request,
                                       grpc::ServerWriter<miner::v1::GetFragmentResponse>* writer) {
  auto hash = chain::HashFromHex(request->fragment_hash());
  if (!hash.ok()) return ToGrpc(hash.status().WithContext("fragment_hash"));
  auto bytes = store_.Get(*hash, /*verify=*/true);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kCorruption) agent_.NoteCorrupt(*hash);
    return ToGrpc(bytes.status());
  }
  const uint64_t size = bytes->size();
  if (request->offset() > size) return {grpc::StatusCode::OUT_OF_RANGE, "offset beyond the fragment"};
  uint64_t len = request->length() == 0 ? size - request->offset() : request->length();
  if (request->offset() + len > size) return {grpc::StatusCode::OUT_OF_RANGE, "range beyond the fragment"};
  uint64_t off = request->offset();
  const uint64_t end = off + len;
  bool first = true;
  do {
    miner::v1::GetFragmentResponse msg;
    if (first) msg.set_size(len);
    first = false;
    const uint64_t n = std::min<uint64_t>(kFragmentChunkBytes, end - off);
    msg.set_data(reinterpret_cast<const char*>(bytes->data() + off), n);
    off += n;
    if (!writer->Write(msg)) return {grpc::StatusCode::CANCELLED, "client went away"};
  } while (off < end);
  return grpc::Status::OK;
}

grpc::Status MinerService::Status(grpc::ServerContext*, const miner::v1::MinerStatusRequest*,
                                  miner::v1::MinerStatusResponse* reply) {
  const auto st = store_.Stats();
  const MinerAgentStats a = agent_.stats();
  reply->set_account(agent_.account().ToHex());
  reply->set_region(region_);
  reply->set_capacity(st.capacity_bytes);
  reply->set_used(st.used_bytes);
  reply->set_fragments(st.fragment_count);
  reply->set_chain_state(a.chain_state);
  reply->set_challenges_answered(a.challenges_answered);
  reply->set_tags_reported(a.tags_reported);
  reply->set_restorals_completed(a.restorals_completed);
  reply->set_last_error(a.last_error);
  return grpc::Status::OK;
}

}  // namespace cess::node
