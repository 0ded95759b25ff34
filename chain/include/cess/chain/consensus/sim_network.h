// A simulated network for N engines in one process on a virtual clock (issue 4 §7): per-link
// message drop probability, a delay range, nodes going offline and online, and partitions that
// heal. Deterministic for a seed: the same sequence of calls delivers the same messages in the same
// order. Used by the in-process consensus tests and benchmarks.
//
// Messages are queued with a delivery time (send time + a delay drawn from [min, max]); DeliverUntil
// hands every due message to its receiver's MessageHandler, in (time, send order), on the calling
// thread. A message is lost when it is dropped (probability drop_per_million / 10^6), when either
// end is offline at send or delivery time, or when the ends are in different partition groups.
//
// Thread safety: every method takes an internal mutex, which is released while a handler runs, so
// handlers may send.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cess/chain/consensus/network.h"
#include "cess/core/bytes.h"

namespace cess::chain::consensus {

struct SimNetworkOptions {
  uint64_t seed = 1;
  uint32_t drop_per_million = 0;  // per message and link; default none
  uint64_t min_delay_ms = 5;      // default 5..20 ms
  uint64_t max_delay_ms = 20;
};

class SimNetwork {
 public:
  explicit SimNetwork(SimNetworkOptions options = {});
  ~SimNetwork();
  SimNetwork(const SimNetwork&) = delete;
  SimNetwork& operator=(const SimNetwork&) = delete;

  // Adds node `id`; the returned endpoint (owned by the network) is what its engine sends through.
  // `handler` may be set later with SetHandler (an engine needs its Network to be created).
  Network& Join(const PeerId& id);
  // The receiver of messages for `id` (nullptr: messages to it are dropped). Not owned.
  void SetHandler(const PeerId& id, MessageHandler* handler);

  // Changes the drop rate and delay range for messages sent from now on.
  void SetDrop(uint32_t drop_per_million);
  void SetDelay(uint64_t min_delay_ms, uint64_t max_delay_ms);
  // Takes a node off the network (its queued messages in both directions are lost) or back.
  void SetOnline(const PeerId& id, bool online);
  bool IsOnline(const PeerId& id) const;
  // Splits the nodes into groups; messages cross no group boundary (nodes in no group form one
  // more group). Heal() removes the partition.
  void Partition(const std::vector<std::set<PeerId>>& groups);
  void Heal();

  // Delivers every message due at or before `now_ms` (advancing the virtual time to it).
  void DeliverUntil(uint64_t now_ms);
  uint64_t now_ms() const;

  // Injects raw bytes from `from` (need not be a node) to `to`, delivered at the current time plus
  // the delay: for tests of malformed input.
  void Inject(const PeerId& from, const PeerId& to, ByteSpan bytes);

  uint64_t delivered() const;
  uint64_t dropped() const;

 private:
  class Endpoint;
  struct Pending {
    uint64_t at_ms;
    uint64_t seq;
    PeerId from;
    PeerId to;
    std::shared_ptr<const Bytes> bytes;
    bool operator>(const Pending& o) const { return at_ms != o.at_ms ? at_ms > o.at_ms : seq > o.seq; }
  };
  void SendLocked(const PeerId& from, const PeerId& to, std::shared_ptr<const Bytes> bytes);
  bool LinkUpLocked(const PeerId& a, const PeerId& b) const;
  int GroupOf(const PeerId& id) const;

  mutable std::mutex mu_;
  SimNetworkOptions options_;
  std::mt19937_64 rng_;
  uint64_t now_ms_ = 0;
  uint64_t seq_ = 0;
  uint64_t delivered_ = 0;
  uint64_t dropped_ = 0;
  std::map<PeerId, std::unique_ptr<Endpoint>> endpoints_;
  std::map<PeerId, MessageHandler*> handlers_;
  std::set<PeerId> offline_;
  std::map<PeerId, int> groups_;  // empty: no partition
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> queue_;
};

}  // namespace cess::chain::consensus
