#include "p2p/peer_link.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace cess::chain::p2p {

grpc::ChannelArguments PeerChannelArguments(const GrpcNetworkOptions& options) {
  grpc::ChannelArguments args;
  const int limit = static_cast<int>(std::min<size_t>(options.max_message_bytes + options.max_batch_bytes +
                                                          (size_t{1} << 20),
                                                      size_t{1} << 30));
  args.SetMaxSendMessageSize(limit);
  args.SetMaxReceiveMessageSize(limit);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, static_cast<int>(options.reconnect_min_ms));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, static_cast<int>(options.reconnect_min_ms));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(options.reconnect_max_ms));
  // Each peer gets its own connection, not one shared through the global subchannel pool.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return args;
}

PeerLink::PeerLink(std::string address, std::string self_address, const GrpcNetworkOptions& options,
                   LinkCounters* counters)
    : address_(std::move(address)),
      self_address_(std::move(self_address)),
      options_(options),
      counters_(counters) {
  channel_ = grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(),
                                       PeerChannelArguments(options_));
  stub_ = pb::P2P::NewStub(channel_);
  thread_ = std::thread([this] { Run(); });
}

PeerLink::~PeerLink() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    if (inflight_ != nullptr) inflight_->TryCancel();
  }
  cv_.notify_all();
  thread_.join();
}

void PeerLink::Enqueue(ByteSpan message) {
  uint64_t evicted = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    queue_.emplace_back(message.begin(), message.end());
    queued_bytes_ += message.size();
    while (queue_.size() > 1 &&
           (queue_.size() > options_.queue_max_messages || queued_bytes_ > options_.queue_max_bytes)) {
      queued_bytes_ -= queue_.front().size();
      queue_.pop_front();
      ++evicted;
    }
  }
  if (evicted > 0) counters_->dropped.fetch_add(evicted, std::memory_order_relaxed);
  cv_.notify_one();
}

void PeerLink::Run() {
  uint32_t backoff_ms = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;

    // Take everything queued, up to max_batch_bytes (at least one message).
    pb::EnvelopeBatch batch;
    batch.set_from_addr(self_address_);
    size_t batch_bytes = 0;
    while (!queue_.empty()) {
      const Bytes& front = queue_.front();
      if (batch.payloads_size() > 0 && batch_bytes + front.size() > options_.max_batch_bytes) break;
      batch.add_payloads(reinterpret_cast<const char*>(front.data()), front.size());
      batch_bytes += front.size();
      queued_bytes_ -= front.size();
      queue_.pop_front();
    }
    const auto count = static_cast<uint64_t>(batch.payloads_size());

    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(options_.rpc_timeout_ms));
    inflight_ = &ctx;
    lock.unlock();
    pb::Ack ack;
    const grpc::Status status = stub_->DeliverBatch(&ctx, batch, &ack);
    lock.lock();
    inflight_ = nullptr;
    if (stop_) return;

    if (status.ok()) {
      counters_->sent.fetch_add(count, std::memory_order_relaxed);
      reachable_.store(true, std::memory_order_relaxed);
      backoff_ms = 0;
      continue;
    }
    counters_->send_failed.fetch_add(count, std::memory_order_relaxed);
    counters_->failed_calls.fetch_add(1, std::memory_order_relaxed);
    reachable_.store(false, std::memory_order_relaxed);
    backoff_ms = backoff_ms == 0 ? options_.reconnect_min_ms : std::min(backoff_ms * 2, options_.reconnect_max_ms);
    cv_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [&] { return stop_; });
    if (stop_) return;
  }
}

}  // namespace cess::chain::p2p
