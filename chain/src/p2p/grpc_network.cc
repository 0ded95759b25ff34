#include "cess/chain/p2p/grpc_network.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "cess/core/log.h"
#include "chain/p2p.grpc.pb.h"
#include "p2p/peer_link.h"

namespace cess::chain::p2p {
namespace {

const log::Logger kLog("p2p");

// Splits "host:port" at the last colon. Returns false when there is none.
bool SplitHostPort(std::string_view address, std::string_view* host, std::string_view* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return false;
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  return true;
}

}  // namespace

bool GrpcNetwork::IsValidPeerAddress(std::string_view address) {
  std::string_view host, port;
  if (address.size() > 262 || !SplitHostPort(address, &host, &port)) return false;
  if (host.empty() || host.size() > 255 || port.empty() || port.size() > 5) return false;
  for (char c : host) {
    if (!std::isgraph(static_cast<unsigned char>(c))) return false;
  }
  int value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

struct GrpcNetwork::Impl final : public pb::P2P::Service {
  GrpcNetworkOptions options;
  std::string self;
  int port = 0;
  std::atomic<consensus::MessageHandler*> handler{nullptr};
  std::unique_ptr<grpc::Server> server;
  LinkCounters link_counters;
  std::atomic<uint64_t> received{0}, malformed{0}, rejected{0}, peer_exchanges{0};

  mutable std::mutex mu;
  std::map<std::string, std::unique_ptr<PeerLink>> peers;  // guarded by mu
  bool stopped = false;                                    // guarded by mu
  std::condition_variable cv;                              // wakes the exchange thread on stop
  std::thread exchange_thread;

  // Hands one payload to the handler; returns whether it was accepted.
  bool Accept(const std::string& from, const std::string& payload) {
    if (payload.empty() || payload.size() > options.max_message_bytes) {
      malformed.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    consensus::MessageHandler* h = handler.load(std::memory_order_acquire);
    if (h == nullptr) {
      rejected.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    received.fetch_add(1, std::memory_order_relaxed);
    h->OnMessage(from, ByteSpan(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()));
    return true;
  }

  // Checks the sender address; learns it as a peer (and marks it reachable).
  bool CheckSender(const std::string& from) {
    if (!IsValidPeerAddress(from)) return false;
    if (from != self) {
      std::lock_guard<std::mutex> lock(mu);
      auto it = peers.find(from);
      if (it != peers.end()) {
        it->second->MarkReachable();
      } else {
        AddPeerLocked(from);
      }
    }
    return true;
  }

  bool AddPeerLocked(const std::string& address) {
    if (stopped || address == self || !IsValidPeerAddress(address) || peers.count(address) > 0 ||
        peers.size() >= options.max_peers) {
      return false;
    }
    peers.emplace(address, std::make_unique<PeerLink>(address, self, options, &link_counters));
    kLog.Debug("{}: peer {} added", self, address);
    return true;
  }

  // pb::P2P::Service
  grpc::Status Deliver(grpc::ServerContext*, const pb::Envelope* request, pb::Ack* reply) override {
    if (!CheckSender(request->from_addr())) {
      malformed.fetch_add(1, std::memory_order_relaxed);
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed from_addr");
    }
    if (!Accept(request->from_addr(), request->payload())) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "payload refused");
    }
    reply->set_accepted(1);
    return grpc::Status::OK;
  }

  grpc::Status DeliverBatch(grpc::ServerContext*, const pb::EnvelopeBatch* request, pb::Ack* reply) override {
    if (!CheckSender(request->from_addr())) {
      malformed.fetch_add(static_cast<uint64_t>(std::max(1, request->payloads_size())), std::memory_order_relaxed);
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed from_addr");
    }
    uint32_t accepted = 0;
    for (const std::string& payload : request->payloads()) {
      if (Accept(request->from_addr(), payload)) ++accepted;
    }
    reply->set_accepted(accepted);
    return grpc::Status::OK;
  }

  grpc::Status PeerExchange(grpc::ServerContext*, const pb::PeerList* request, pb::PeerList* reply) override {
    if (!CheckSender(request->from_addr())) {
      malformed.fetch_add(1, std::memory_order_relaxed);
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed from_addr");
    }
    std::lock_guard<std::mutex> lock(mu);
    size_t learned = 0;
    for (const std::string& a : request->addrs()) {
      if (learned >= options.max_peers) break;
      if (AddPeerLocked(a)) ++learned;
    }
    reply->set_from_addr(self);
    for (const auto& [address, link] : peers) reply->add_addrs(address);
    return grpc::Status::OK;
  }

  // Every peer_exchange_ms: asks each known peer for its list, learns new peers, and refreshes
  // reachability.
  void ExchangeLoop() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopped) {
      cv.wait_for(lock, std::chrono::milliseconds(options.peer_exchange_ms), [&] { return stopped; });
      if (stopped) return;
      pb::PeerList mine;
      mine.set_from_addr(self);
      std::vector<std::string> targets;
      for (const auto& [address, link] : peers) {
        mine.add_addrs(address);
        targets.push_back(address);
      }
      for (const std::string& target : targets) {
        auto it = peers.find(target);
        if (it == peers.end() || stopped) continue;
        PeerLink* link = it->second.get();  // links are only removed at shutdown, by this thread's owner
        lock.unlock();
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(std::min<uint32_t>(options.rpc_timeout_ms, 2000)));
        pb::PeerList theirs;
        const grpc::Status status = link->stub().PeerExchange(&ctx, mine, &theirs);
        lock.lock();
        if (stopped) return;
        if (!status.ok()) {
          link->MarkUnreachable();
          continue;
        }
        link->MarkReachable();
        peer_exchanges.fetch_add(1, std::memory_order_relaxed);
        for (const std::string& a : theirs.addrs()) AddPeerLocked(a);
      }
    }
  }
};

GrpcNetwork::GrpcNetwork(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GrpcNetwork::~GrpcNetwork() { Shutdown(); }

Result<std::unique_ptr<GrpcNetwork>> GrpcNetwork::Start(GrpcNetworkOptions options,
                                                        consensus::MessageHandler* handler) {
  std::string_view host, port_text;
  if (!SplitHostPort(options.listen_address, &host, &port_text) || host.empty()) {
    return Status::InvalidArgument("p2p listen address must be host:port, got '" + options.listen_address + "'");
  }
  if (!options.advertise_address.empty() && !IsValidPeerAddress(options.advertise_address)) {
    return Status::InvalidArgument("p2p advertise address must be host:port, got '" +
                                   options.advertise_address + "'");
  }
  for (const std::string& p : options.peers) {
    if (!IsValidPeerAddress(p)) return Status::InvalidArgument("malformed peer address '" + p + "'");
  }
  if (options.max_message_bytes == 0 || options.max_batch_bytes == 0 || options.queue_max_messages == 0 ||
      options.reconnect_min_ms == 0 || options.reconnect_max_ms < options.reconnect_min_ms) {
    return Status::InvalidArgument("p2p options: sizes must be > 0 and reconnect_min_ms <= reconnect_max_ms");
  }

  const std::string listen_host(host);
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->handler.store(handler);
  if (impl->options.enable_reflection) grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  // No SO_REUSEPORT: a second process on the same port must fail to start, not share it silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int bound_port = 0;
  builder.AddListeningPort(impl->options.listen_address, grpc::InsecureServerCredentials(), &bound_port);
  const int limit = static_cast<int>(std::min<size_t>(
      impl->options.max_message_bytes + impl->options.max_batch_bytes + (size_t{1} << 20), size_t{1} << 30));
  builder.SetMaxReceiveMessageSize(limit);
  builder.SetMaxSendMessageSize(limit);
  builder.RegisterService(impl.get());
  for (grpc::Service* s : impl->options.extra_services) builder.RegisterService(s);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || bound_port == 0) {
    return Status::Unavailable("cannot listen on " + impl->options.listen_address);
  }
  impl->port = bound_port;
  if (!impl->options.advertise_address.empty()) {
    impl->self = impl->options.advertise_address;
  } else {
    std::string h = listen_host;
    if (h == "0.0.0.0" || h == "[::]" || h == "::" || h == "*") h = "127.0.0.1";
    impl->self = h + ":" + std::to_string(bound_port);
  }
  {
    std::lock_guard<std::mutex> lock(impl->mu);
    for (const std::string& p : impl->options.peers) impl->AddPeerLocked(p);
  }
  if (impl->options.peer_exchange_ms > 0) {
    Impl* raw = impl.get();
    impl->exchange_thread = std::thread([raw] { raw->ExchangeLoop(); });
  }
  kLog.Info("p2p listening on {} (advertised as {})", impl->options.listen_address, impl->self);
  return std::unique_ptr<GrpcNetwork>(new GrpcNetwork(std::move(impl)));
}

void GrpcNetwork::Shutdown() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  impl_->cv.notify_all();
  if (impl_->exchange_thread.joinable()) impl_->exchange_thread.join();
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->server->Wait();
  impl_->handler.store(nullptr);
  std::map<std::string, std::unique_ptr<PeerLink>> links;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    links.swap(impl_->peers);
  }
  links.clear();  // joins the sender threads
}

void GrpcNetwork::SetHandler(consensus::MessageHandler* handler) { impl_->handler.store(handler); }

const std::string& GrpcNetwork::address() const { return impl_->self; }

int GrpcNetwork::port() const { return impl_->port; }

bool GrpcNetwork::AddPeer(const std::string& address) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->AddPeerLocked(address);
}

std::vector<consensus::PeerId> GrpcNetwork::KnownPeers() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<consensus::PeerId> out;
  for (const auto& [address, link] : impl_->peers) out.push_back(address);
  return out;
}

std::vector<consensus::PeerId> GrpcNetwork::Peers() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<consensus::PeerId> out;
  for (const auto& [address, link] : impl_->peers) {
    if (link->reachable()) out.push_back(address);
  }
  return out;
}

GrpcNetworkStats GrpcNetwork::stats() const {
  GrpcNetworkStats s;
  s.received = impl_->received.load(std::memory_order_relaxed);
  s.malformed = impl_->malformed.load(std::memory_order_relaxed);
  s.rejected = impl_->rejected.load(std::memory_order_relaxed);
  s.sent = impl_->link_counters.sent.load(std::memory_order_relaxed);
  s.send_failed = impl_->link_counters.send_failed.load(std::memory_order_relaxed);
  s.dropped = impl_->link_counters.dropped.load(std::memory_order_relaxed);
  s.failed_calls = impl_->link_counters.failed_calls.load(std::memory_order_relaxed);
  s.peer_exchanges = impl_->peer_exchanges.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(impl_->mu);
  s.known_peers = impl_->peers.size();
  for (const auto& [address, link] : impl_->peers) s.reachable_peers += link->reachable() ? 1 : 0;
  return s;
}

void GrpcNetwork::Broadcast(ByteSpan message) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->stopped) return;
  for (auto& [address, link] : impl_->peers) link->Enqueue(message);
}

void GrpcNetwork::Send(const consensus::PeerId& to, ByteSpan message) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->stopped || to == impl_->self) return;
  auto it = impl_->peers.find(to);
  if (it == impl_->peers.end()) {
    if (!impl_->AddPeerLocked(to)) return;
    it = impl_->peers.find(to);
  }
  it->second->Enqueue(message);
}

}  // namespace cess::chain::p2p
