// One outbound peer of the gRPC transport: a channel, a bounded queue and the sender thread that
// drains it (see grpc_network.h for the policy). Internal to cess_chain_p2p.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cess/chain/p2p/grpc_network.h"
#include "cess/core/bytes.h"
#include "chain/p2p.grpc.pb.h"

namespace cess::chain::p2p {
namespace pb = ::cess::p2p::v1;

// Counters shared by all links of one network (relaxed atomics).
struct LinkCounters {
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> send_failed{0};
  std::atomic<uint64_t> dropped{0};
  std::atomic<uint64_t> failed_calls{0};
};

// gRPC channel arguments for peer channels under `options` (message size, reconnect backoff).
grpc::ChannelArguments PeerChannelArguments(const GrpcNetworkOptions& options);

class PeerLink {
 public:
  // Creates the channel and starts the sender thread. `self_address` is sent as the sender of
  // every batch. `counters` must outlive the link.
  PeerLink(std::string address, std::string self_address, const GrpcNetworkOptions& options,
           LinkCounters* counters);
  // Stops and joins the sender thread (an in-flight call is cancelled).
  ~PeerLink();
  PeerLink(const PeerLink&) = delete;
  PeerLink& operator=(const PeerLink&) = delete;

  // Queues a copy of `message`; evicts the oldest queued messages while the queue is over its
  // bounds. Never blocks on the network.
  void Enqueue(ByteSpan message);
  // Whether the last call to this peer succeeded (or MarkReachable was called since).
  bool reachable() const { return reachable_.load(std::memory_order_relaxed); }
  void MarkReachable() { reachable_.store(true, std::memory_order_relaxed); }
  void MarkUnreachable() { reachable_.store(false, std::memory_order_relaxed); }
  const std::string& address() const { return address_; }
  // The stub for other calls to this peer (peer exchange). Thread-safe.
  pb::P2P::Stub& stub() { return *stub_; }

 private:
  void Run();

  const std::string address_;
  const std::string self_address_;
  const GrpcNetworkOptions& options_;
  LinkCounters* const counters_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::P2P::Stub> stub_;
  std::atomic<bool> reachable_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Bytes> queue_;         // guarded by mu_
  size_t queued_bytes_ = 0;         // guarded by mu_
  bool stop_ = false;               // guarded by mu_
  grpc::ClientContext* inflight_ = nullptr;  // guarded by mu_: the call to cancel on stop
  std::thread thread_;
};

}  // namespace cess::chain::p2p
