// The transport the consensus engine talks through (DESIGN.md §8, §10). The engine encodes its own
// messages (consensus/message.h) with the canonical codec; a transport only moves opaque byte
// strings between peers: the gRPC transport of a real node (chain/p2p) and the simulated network of
// the in-process tests (message drop, delay, partition) both implement it.
//
// Every call is non-blocking and may be made from any thread: sends are queued and may be lost
// (the engine retries what matters: votes are rebroadcast, sync re-requests).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cess/core/bytes.h"

namespace cess::chain::consensus {

// A peer's name: its listen address ("127.0.0.1:30333") on a real network, a node name in a
// simulation.
using PeerId = std::string;

// What the engine implements to receive messages. Called from transport threads, possibly
// concurrently; must not block long (queue heavy work). Malformed or invalid messages are rejected
// and counted by the receiver; they never crash it.
class MessageHandler {
 public:
  virtual ~MessageHandler() = default;
  virtual void OnMessage(const PeerId& from, ByteSpan message) = 0;
};

// Outbound side of a transport.
class Network {
 public:
  virtual ~Network() = default;
  // Sends `message` to every connected peer.
  virtual void Broadcast(ByteSpan message) = 0;
  // Sends `message` to one peer (dropped silently when it is unknown or unreachable).
  virtual void Send(const PeerId& to, ByteSpan message) = 0;
  // The peers currently known to be reachable.
  virtual std::vector<PeerId> Peers() const = 0;
};

}  // namespace cess::chain::consensus
