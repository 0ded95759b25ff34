#include "cess/chain/consensus/sim_network.h"

#include <utility>

namespace cess::chain::consensus {

class SimNetwork::Endpoint final : public Network {
 public:
  Endpoint(SimNetwork& net, PeerId id) : net_(net), id_(std::move(id)) {}

  void Broadcast(ByteSpan message) override {
    auto bytes = std::make_shared<const Bytes>(message.begin(), message.end());
    std::lock_guard<std::mutex> lock(net_.mu_);
    for (const auto& [peer, ep] : net_.endpoints_) {
      if (peer != id_) net_.SendLocked(id_, peer, bytes);
    }
  }
  void Send(const PeerId& to, ByteSpan message) override {
    auto bytes = std::make_shared<const Bytes>(message.begin(), message.end());
    std::lock_guard<std::mutex> lock(net_.mu_);
    if (net_.endpoints_.count(to) != 0 && to != id_) net_.SendLocked(id_, to, bytes);
  }
  std::vector<PeerId> Peers() const override {
    std::lock_guard<std::mutex> lock(net_.mu_);
    std::vector<PeerId> out;
    for (const auto& [peer, ep] : net_.endpoints_) {
      if (peer != id_ && net_.LinkUpLocked(id_, peer)) out.push_back(peer);
    }
    return out;
  }

 private:
  SimNetwork& net_;
  PeerId id_;
};

SimNetwork::SimNetwork(SimNetworkOptions options) : options_(options), rng_(options.seed) {}

SimNetwork::~SimNetwork() = default;

Network& SimNetwork::Join(const PeerId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& ep = endpoints_[id];
  if (!ep) ep = std::make_unique<Endpoint>(*this, id);
  return *ep;
}

void SimNetwork::SetHandler(const PeerId& id, MessageHandler* handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handlers_[id] = handler;
}

void SimNetwork::SetDrop(uint32_t drop_per_million) {
  std::lock_guard<std::mutex> lock(mu_);
  options_.drop_per_million = drop_per_million;
}

void SimNetwork::SetDelay(uint64_t min_delay_ms, uint64_t max_delay_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  options_.min_delay_ms = min_delay_ms;
  options_.max_delay_ms = std::max(min_delay_ms, max_delay_ms);
}

void SimNetwork::SetOnline(const PeerId& id, bool online) {
  std::lock_guard<std::mutex> lock(mu_);
  if (online) {
    offline_.erase(id);
  } else {
    offline_.insert(id);
  }
}

bool SimNetwork::IsOnline(const PeerId& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return offline_.count(id) == 0;
}

void SimNetwork::Partition(const std::vector<std::set<PeerId>>& groups) {
  std::lock_guard<std::mutex> lock(mu_);
  groups_.clear();
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const PeerId& id : groups[g]) groups_[id] = static_cast<int>(g);
  }
}

void SimNetwork::Heal() {
  std::lock_guard<std::mutex> lock(mu_);
  groups_.clear();
}

int SimNetwork::GroupOf(const PeerId& id) const {
  auto it = groups_.find(id);
  return it == groups_.end() ? -1 : it->second;
}

bool SimNetwork::LinkUpLocked(const PeerId& a, const PeerId& b) const {
  if (offline_.count(a) != 0 || offline_.count(b) != 0) return false;
  return groups_.empty() || GroupOf(a) == GroupOf(b);
}

void SimNetwork::SendLocked(const PeerId& from, const PeerId& to, std::shared_ptr<const Bytes> bytes) {
  // Draw from the generator for every message, lost or not, so the stream does not depend on
  // which links are up.
  const uint64_t drop_draw = rng_() % 1'000'000;
  const uint64_t span = options_.max_delay_ms - options_.min_delay_ms + 1;
  const uint64_t delay = options_.min_delay_ms + rng_() % span;
  if (!LinkUpLocked(from, to) || drop_draw < options_.drop_per_million) {
    ++dropped_;
    return;
  }
  queue_.push(Pending{now_ms_ + delay, seq_++, from, to, std::move(bytes)});
}

void SimNetwork::DeliverUntil(uint64_t now_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!queue_.empty() && queue_.top().at_ms <= now_ms) {
    Pending p = queue_.top();
    queue_.pop();
    now_ms_ = std::max(now_ms_, p.at_ms);
    auto h = handlers_.find(p.to);
    if (!LinkUpLocked(p.from, p.to) || h == handlers_.end() || h->second == nullptr) {
      ++dropped_;
      continue;
    }
    ++delivered_;
    MessageHandler* handler = h->second;
    lock.unlock();
    handler->OnMessage(p.from, *p.bytes);
    lock.lock();
  }
  now_ms_ = std::max(now_ms_, now_ms);
}

uint64_t SimNetwork::now_ms() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_ms_;
}

void SimNetwork::Inject(const PeerId& from, const PeerId& to, ByteSpan bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push(Pending{now_ms_ + options_.min_delay_ms, seq_++, from, to,
                      std::make_shared<const Bytes>(bytes.begin(), bytes.end())});
}

uint64_t SimNetwork::delivered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return delivered_;
}

uint64_t SimNetwork::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace cess::chain::consensus
