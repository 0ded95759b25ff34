// GrpcNetwork with real gRPC on loopback ports: delivery both ways, peer exchange, malformed input,
// reconnect after a peer restarts, large messages and the bounded queue.
#include "cess/chain/p2p/grpc_network.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chain/p2p.grpc.pb.h"

namespace cess::chain::p2p {
namespace {

using namespace std::chrono_literals;

// Records every message it receives.
class Collector : public consensus::MessageHandler {
 public:
  void OnMessage(const consensus::PeerId& from, ByteSpan message) override {
    std::lock_guard<std::mutex> lock(mu_);
    got_.push_back({from, Bytes(message.begin(), message.end())});
    cv_.notify_all();
  }
  // Waits (up to `limit`) until `pred` holds over the messages received so far.
  bool WaitFor(const std::function<bool(const std::vector<std::pair<std::string, Bytes>>&)>& pred,
               std::chrono::milliseconds limit = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return pred(got_); });
  }
  bool WaitForCount(size_t n) {
    return WaitFor([n](const auto& got) { return got.size() >= n; });
  }
  std::vector<std::pair<std::string, Bytes>> got() {
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, Bytes>> got_;
};

Bytes Msg(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes Numbered(int i) {
  Bytes b{'m'};
  for (char c : std::to_string(i)) b.push_back(static_cast<uint8_t>(c));
  return b;
}

GrpcNetworkOptions FastOptions(std::vector<std::string> peers = {}) {
  GrpcNetworkOptions o;
  o.peers = std::move(peers);
  o.reconnect_min_ms = 50;
  o.reconnect_max_ms = 200;
  o.peer_exchange_ms = 100;
  return o;
}

std::unique_ptr<GrpcNetwork> StartOrDie(GrpcNetworkOptions o, consensus::MessageHandler* h) {
  auto r = GrpcNetwork::Start(std::move(o), h);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::move(r).value() : nullptr;
}

// Polls `pred` every 20 ms for up to `limit`.
bool Eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

TEST(GrpcNetworkTest, AddressValidation) {
  EXPECT_TRUE(GrpcNetwork::IsValidPeerAddress("127.0.0.1:30333"));
  EXPECT_TRUE(GrpcNetwork::IsValidPeerAddress("node-1.example:1"));
  EXPECT_FALSE(GrpcNetwork::IsValidPeerAddress("127.0.0.1"));
  EXPECT_FALSE(GrpcNetwork::IsValidPeerAddress(":30333"));
  EXPECT_FALSE(GrpcNetwork::IsValidPeerAddress("127.0.0.1:0"));
  EXPECT_FALSE(GrpcNetwork::IsValidPeerAddress("127.0.0.1:65536"));
  EXPECT_FALSE(GrpcNetwork::IsValidPeerAddress("127.0.0.1:12a"));
  EXPECT_FALSE(GrpcNetwork::IsValidPeerAddress("bad host:1"));
  GrpcNetworkOptions o;
  o.peers = {"nonsense"};
  EXPECT_EQ(GrpcNetwork::Start(o, nullptr).status().code(), StatusCode::kInvalidArgument);
  o.peers.clear();
  o.listen_address = "no-port";
  EXPECT_EQ(GrpcNetwork::Start(o, nullptr).status().code(), StatusCode::kInvalidArgument);
}

TEST(GrpcNetworkTest, TwoPeersExchangeMessagesBothWays) {
  Collector ha, hb;
  auto a = StartOrDie(FastOptions(), &ha);
  ASSERT_NE(a, nullptr);
  auto b = StartOrDie(FastOptions({a->address()}), &hb);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a->address(), b->address());

  b->Send(a->address(), Msg("hello"));
  ASSERT_TRUE(ha.WaitForCount(1));
  EXPECT_EQ(ha.got()[0].first, b->address());
  EXPECT_EQ(ha.got()[0].second, Msg("hello"));

  // A learned B from the message and answers to the sender address.
  a->Send(ha.got()[0].first, Msg("world"));
  ASSERT_TRUE(hb.WaitForCount(1));
  EXPECT_EQ(hb.got()[0].first, a->address());
  EXPECT_EQ(hb.got()[0].second, Msg("world"));

  // Order is kept per sender.
  for (int i = 0; i < 200; ++i) b->Broadcast(Numbered(i));
  ASSERT_TRUE(ha.WaitForCount(201));
  auto got = ha.got();
  for (int i = 0; i < 200; ++i) EXPECT_EQ(got[1 + i].second, Numbered(i));
  EXPECT_TRUE(Eventually([&] { return b->Peers() == std::vector<std::string>{a->address()}; }));
  EXPECT_TRUE(Eventually([&] { return b->stats().sent == 201u; }));
  EXPECT_EQ(a->stats().received, 201u);
  EXPECT_EQ(a->stats().malformed, 0u);
}

TEST(GrpcNetworkTest, PeerExchangeDiscoversAThirdPeer) {
  Collector ha, hb, hc;
  auto a = StartOrDie(FastOptions(), &ha);
  auto b = StartOrDie(FastOptions({a->address()}), &hb);
  auto c = StartOrDie(FastOptions({a->address()}), &hc);
  ASSERT_TRUE(a && b && c);
  // B and C only know A; exchange through A teaches each about the other.
  ASSERT_TRUE(Eventually([&] {
    auto kb = b->KnownPeers();
    return std::find(kb.begin(), kb.end(), c->address()) != kb.end();
  }));
  ASSERT_TRUE(Eventually([&] {
    auto kc = c->KnownPeers();
    return std::find(kc.begin(), kc.end(), b->address()) != kc.end();
  }));
  b->Broadcast(Msg("to everyone"));
  ASSERT_TRUE(hc.WaitForCount(1));
  ASSERT_TRUE(ha.WaitForCount(1));
  EXPECT_EQ(hc.got()[0].first, b->address());
  EXPECT_GT(b->stats().peer_exchanges, 0u);
  // Nobody lists itself.
  for (auto* n : {a.get(), b.get(), c.get()}) {
    auto k = n->KnownPeers();
    EXPECT_EQ(std::count(k.begin(), k.end(), n->address()), 0);
  }
}

TEST(GrpcNetworkTest, MalformedInputIsCountedAndRefused) {
  Collector h;
  auto a = StartOrDie(FastOptions(), &h);
  ASSERT_NE(a, nullptr);
  auto channel = grpc::CreateChannel(a->address(), grpc::InsecureChannelCredentials());
  auto stub = ::cess::p2p::v1::P2P::NewStub(channel);

  auto deliver = [&](const std::string& payload, const std::string& from) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 5s);
    ::cess::p2p::v1::Envelope env;
    env.set_payload(payload);
    env.set_from_addr(from);
    ::cess::p2p::v1::Ack ack;
    return stub->Deliver(&ctx, env, &ack);
  };
  EXPECT_EQ(deliver("", "127.0.0.1:9").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(deliver("x", "not an address").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(deliver("x", "").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(a->stats().malformed, 3u);

  // Bytes that are not a protobuf message at all: gRPC refuses them before our code.
  grpc::GenericStub generic(channel);
  const std::string junk("\x0f\xff\xff\xff\xff\xff\x07", 7);
  grpc::Slice slice(junk);
  grpc::ByteBuffer request(&slice, 1), response;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 5s);
  std::promise<grpc::Status> done;
  generic.UnaryCall(&ctx, "/cess.p2p.v1.P2P/Deliver", grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) { done.set_value(s); });
  EXPECT_FALSE(done.get_future().get().ok());

  // Oversized payloads are refused too.
  GrpcNetworkOptions small = FastOptions();
  small.max_message_bytes = 16;
  Collector hs;
  auto s = StartOrDie(small, &hs);
  ASSERT_NE(s, nullptr);
  auto sstub = ::cess::p2p::v1::P2P::NewStub(grpc::CreateChannel(s->address(), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext c2;
    ::cess::p2p::v1::EnvelopeBatch batch;
    batch.set_from_addr("127.0.0.1:9");
    batch.add_payloads(std::string(17, 'x'));
    batch.add_payloads("ok");
    ::cess::p2p::v1::Ack ack;
    ASSERT_TRUE(sstub->DeliverBatch(&c2, batch, &ack).ok());
    EXPECT_EQ(ack.accepted(), 1u);
  }
  EXPECT_EQ(s->stats().malformed, 1u);
  ASSERT_TRUE(hs.WaitForCount(1));
  EXPECT_EQ(hs.got()[0].second, Msg("ok"));

  // The node still works, and nothing malformed reached the handler.
  EXPECT_TRUE(deliver("fine", "127.0.0.1:9").ok());
  ASSERT_TRUE(h.WaitForCount(1));
  EXPECT_EQ(h.got().size(), 1u);
  EXPECT_EQ(h.got()[0].second, Msg("fine"));
}

TEST(GrpcNetworkTest, MessagesWithoutHandlerAreRejectedUntilOneIsSet) {
  auto a = StartOrDie(FastOptions(), nullptr);
  Collector hb;
  auto b = StartOrDie(FastOptions({a->address()}), &hb);
  ASSERT_TRUE(a && b);
  b->Send(a->address(), Msg("early"));
  ASSERT_TRUE(Eventually([&] { return a->stats().rejected == 1; }));
  Collector ha;
  a->SetHandler(&ha);
  b->Send(a->address(), Msg("late"));
  ASSERT_TRUE(ha.WaitForCount(1));
  EXPECT_EQ(ha.got()[0].second, Msg("late"));
}

TEST(GrpcNetworkTest, PeerDownThenUpGetsMessagesAfterReconnect) {
  Collector ha1;
  auto a = StartOrDie(FastOptions(), &ha1);
  ASSERT_NE(a, nullptr);
  const int port = a->port();
  const std::string a_address = a->address();
  Collector hb;
  auto b = StartOrDie(FastOptions({a_address}), &hb);
  ASSERT_NE(b, nullptr);
  b->Send(a_address, Msg("before"));
  ASSERT_TRUE(ha1.WaitForCount(1));

  a.reset();  // A goes down
  b->Send(a_address, Msg("lost"));
  ASSERT_TRUE(Eventually([&] { return b->stats().failed_calls > 0; }));
  EXPECT_TRUE(Eventually([&] { return b->Peers().empty(); }));

  Collector ha2;
  GrpcNetworkOptions again = FastOptions();
  again.listen_address = "127.0.0.1:" + std::to_string(port);
  a = StartOrDie(again, &ha2);
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->address(), a_address);
  // Keep sending until the backoff ends and the link reconnects; then "after" must arrive.
  ASSERT_TRUE(Eventually([&] {
    b->Send(a_address, Msg("after"));
    return !ha2.got().empty();
  }));
  EXPECT_EQ(ha2.got()[0].second, Msg("after"));
  EXPECT_EQ(ha2.got()[0].first, b->address());
  EXPECT_TRUE(Eventually([&] { return b->Peers() == std::vector<std::string>{a_address}; }));
}

TEST(GrpcNetworkTest, LargeMessageArrivesIntact) {
  Collector ha;
  auto a = StartOrDie(FastOptions(), &ha);
  auto b = StartOrDie(FastOptions({a->address()}), nullptr);
  ASSERT_TRUE(a && b);
  Bytes big(size_t{33} << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  b->Send(a->address(), big);
  b->Send(a->address(), Msg("small after big"));
  ASSERT_TRUE(ha.WaitForCount(2));
  EXPECT_EQ(ha.got()[0].second, big);
  EXPECT_EQ(ha.got()[1].second, Msg("small after big"));
}

TEST(GrpcNetworkTest, QueueToAnUnreachablePeerIsBounded) {
  // Find a port nobody listens on: bind one, then close it.
  int dead_port = 0;
  {
    auto tmp = StartOrDie(FastOptions(), nullptr);
    ASSERT_NE(tmp, nullptr);
    dead_port = tmp->port();
  }
  GrpcNetworkOptions o = FastOptions({"127.0.0.1:" + std::to_string(dead_port)});
  o.queue_max_messages = 10;
  o.reconnect_min_ms = 60000;  // after the first failure the sender sleeps through the test
  o.reconnect_max_ms = 60000;
  o.peer_exchange_ms = 0;
  auto b = StartOrDie(o, nullptr);
  ASSERT_NE(b, nullptr);
  b->Broadcast(Msg("first"));
  ASSERT_TRUE(Eventually([&] { return b->stats().failed_calls == 1; }));
  for (int i = 0; i < 100; ++i) b->Broadcast(Msg("queued"));
  auto s = b->stats();
  EXPECT_EQ(s.send_failed, 1u);
  EXPECT_EQ(s.dropped, 90u);
  EXPECT_TRUE(b->Peers().empty());
  EXPECT_EQ(b->KnownPeers().size(), 1u);
}

}  // namespace
}  // namespace cess::chain::p2p
