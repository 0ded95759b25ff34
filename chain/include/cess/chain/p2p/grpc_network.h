// The gRPC transport of a real node (issue 4 §5, DESIGN.md §10): implements consensus::Network over
// the `cess.p2p.v1.P2P` service of proto/chain/p2p.proto.
//
// Peers are named by their advertised listen address ("127.0.0.1:30333"), which every message
// carries as its sender, so a receiver can answer with Send(from, ...). Peers come from the options,
// from peer exchange (every peer_exchange_ms each known peer is asked for its list) and from inbound
// messages of senders not yet known, up to max_peers.
//
// Outbound: each peer has a bounded queue (messages and bytes; when full the oldest message is
// dropped and counted) drained by its own sender thread, which sends everything queued in one
// DeliverBatch call. Broadcast and Send only enqueue: they never block on the network. A failed call
// drops its batch (counted), marks the peer unreachable and waits before the next attempt with
// exponential backoff (reconnect_min_ms doubling up to reconnect_max_ms); gRPC's own channel
// reconnect backoff is set to the same bounds.
//
// Inbound: the server hands each well-formed payload to the MessageHandler on a gRPC thread. Empty or
// oversized payloads and malformed sender addresses are counted as malformed and refused; bytes that
// are not a protobuf message are refused by gRPC itself. Payload contents are the handler's business.
//
// Thread safety: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cess/chain/consensus/network.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace grpc {
class Service;
}

namespace cess::chain::p2p {

struct GrpcNetworkOptions {
  // The address the server binds ("host:port"; port 0 picks a free one). Default loopback only.
  std::string listen_address = "127.0.0.1:0";
  // The address peers reach this node at, sent as the sender of every message. Default: the listen
  // host with the bound port (127.0.0.1 when the listen host is a wildcard).
  std::string advertise_address;
  // Peers to contact from the start (listen addresses). Default none.
  std::vector<std::string> peers;
  // The most peers kept (configured ones always count). Default 64.
  size_t max_peers = 64;
  // Per-peer outbound queue bounds. Defaults 8192 messages, 128 MiB.
  size_t queue_max_messages = 8192;
  size_t queue_max_bytes = size_t{128} << 20;
  // The largest payload sent or accepted. Default 34 MiB (a 32 MiB block plus its framing).
  size_t max_message_bytes = size_t{34} << 20;
  // A sender puts at most this many payload bytes in one DeliverBatch (a single larger message
  // still goes alone). Default 4 MiB.
  size_t max_batch_bytes = size_t{4} << 20;
  // Deadline of one outbound call. Default 10 s.
  uint32_t rpc_timeout_ms = 10000;
  // Backoff after a failed call: starts at min, doubles up to max. Defaults 100 ms / 2 s.
  uint32_t reconnect_min_ms = 100;
  uint32_t reconnect_max_ms = 2000;
  // Period of peer exchange (and of the reachability probe). 0 disables it. Default 2 s.
  uint32_t peer_exchange_ms = 2000;
  // Further services to serve on the same port (e.g. the node API). Not owned; they must outlive
  // the network. Default none.
  std::vector<grpc::Service*> extra_services;
  // Serve gRPC server reflection. Default true.
  bool enable_reflection = true;
};

// Counters since start. Received/malformed/rejected count inbound payloads; sent/send_failed count
// outbound payloads; dropped counts payloads evicted from a full queue.
struct GrpcNetworkStats {
  uint64_t received = 0;       // handed to the handler
  uint64_t malformed = 0;      // refused: empty, oversized, or a bad sender address
  uint64_t rejected = 0;       // well-formed but dropped (no handler set yet, shutting down)
  uint64_t sent = 0;           // acknowledged by the peer
  uint64_t send_failed = 0;    // lost with a failed call
  uint64_t dropped = 0;        // evicted from a full queue
  uint64_t failed_calls = 0;   // outbound calls that failed (each followed by a backoff)
  uint64_t peer_exchanges = 0; // successful peer-exchange calls
  uint64_t known_peers = 0;
  uint64_t reachable_peers = 0;
};

class GrpcNetwork final : public consensus::Network {
 public:
  // Binds the server, registers the P2P service (and extra_services, and reflection), and starts
  // the sender threads of the configured peers and the peer-exchange thread. `handler` receives
  // inbound messages; it may be null and set later with SetHandler (messages before that are
  // counted as rejected). Errors: InvalidArgument on a malformed address or option; Unavailable
  // when the address cannot be bound.
  static Result<std::unique_ptr<GrpcNetwork>> Start(GrpcNetworkOptions options,
                                                    consensus::MessageHandler* handler);

  // Shuts down (see Shutdown).
  ~GrpcNetwork() override;
  GrpcNetwork(const GrpcNetwork&) = delete;
  GrpcNetwork& operator=(const GrpcNetwork&) = delete;

  // Stops the server (in-flight calls finish first; no handler call happens after it returns),
  // stops and joins every thread and drops what is queued. Idempotent.
  void Shutdown();

  // Sets the receiver of inbound messages. `handler` must outlive the network or the next
  // SetHandler / Shutdown.
  void SetHandler(consensus::MessageHandler* handler);

  // This node's advertised address (its PeerId on the network).
  const std::string& address() const;
  // The port the server bound.
  int port() const;

  // Adds a peer by listen address. Returns true when it was added; false when it is this node,
  // already known, malformed, or max_peers is reached.
  bool AddPeer(const std::string& address);
  // Every peer known, reachable or not, sorted.
  std::vector<consensus::PeerId> KnownPeers() const;
  GrpcNetworkStats stats() const;

  // consensus::Network
  // Enqueues `message` for every known peer (reachable or not). Never blocks on the network.
  void Broadcast(ByteSpan message) override;
  // Enqueues `message` for `to`; an unknown peer is added first (if there is room), this node's own
  // address is ignored.
  void Send(const consensus::PeerId& to, ByteSpan message) override;
  // The known peers whose last call (or inbound message) succeeded, sorted.
  std::vector<consensus::PeerId> Peers() const override;

  // True when `address` is "host:port" with a non-empty host of at most 255 printable characters
  // (no spaces) and a port 1..65535.
  static bool IsValidPeerAddress(std::string_view address);

 private:
  struct Impl;
  explicit GrpcNetwork(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cess::chain::p2p
