#include "gateway/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "cess/agenthub/agent_card.h"
#include "cess/agenthub/discovery.h"
#include "cess/agenthub/jsonrpc.h"
#include "cess/agenthub/sse.h"
#include "cess/core/log.h"
#include "gateway/rest.h"
#include "gateway/worker_pool.h"

namespace cess::gateway {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

namespace {

const log::Logger kLog("gateway");

// What a worker produced for one request (unless it streamed).
struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

Reply JsonReply(int status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply RestError(int status, const std::string& message) {
  return JsonReply(status, ErrorBody(status, message));
}

// True when the Content-Type names JSON: application/json or application/*+json, any parameters.
bool IsJsonContentType(std::string_view ct) {
  const size_t semi = ct.find(';');
  std::string base(ct.substr(0, semi));
  while (!base.empty() && (base.back() == ' ' || base.back() == '\t')) base.pop_back();
  while (!base.empty() && (base.front() == ' ' || base.front() == '\t')) base.erase(base.begin());
  for (char& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (base == "application/json") return true;
  return base.rfind("application/", 0) == 0 && base.size() > 5 &&
         base.compare(base.size() - 5, 5, "+json") == 0;
}

// The JSON-RPC method label for metrics: a served method's name as sent, "batch", or "invalid".
std::string MethodLabel(std::string_view body) {
  size_t i = 0;
  while (i < body.size() && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t')) ++i;
  if (i < body.size() && body[i] == '[') return "batch";
  const size_t k = body.find("\"method\"");
  if (k == std::string_view::npos) return "invalid";
  size_t q = body.find('"', body.find(':', k + 8) + 1);
  if (q == std::string_view::npos) return "invalid";
  const size_t end = body.find('"', q + 1);
  if (end == std::string_view::npos) return "invalid";
  const std::string_view name = body.substr(q + 1, end - q - 1);
  if (!agenthub::jsonrpc::LookupMethod(name)) return "unknown";
  return std::string(name);
}

// True when a JSON-RPC reply (or any element of a batch reply) carries an error.
bool IsRpcError(std::string_view body) {
  if (body.find("\"error\"") == std::string_view::npos) return false;
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return true;
  if (j.is_object()) return j.contains("error");
  if (j.is_array()) {
    for (const auto& e : j) {
      if (e.is_object() && e.contains("error")) return true;
    }
  }
  return false;
}

}  // namespace

class Session;

// Everything the server shares with its connections.
class ServerState {
 public:
  ServerState(agenthub::Hub& hub, const AgentCatalog& catalog, const agenthub::Router& router,
              GatewayMetrics& metrics, GatewayServerOptions options)
      : hub_(hub), catalog_(catalog), router_(router), metrics_(metrics), options_(std::move(options)) {}

  Status Start();
  void Stop();

  // Handles a non-JSON-RPC request on a worker: the REST routes, the card, metrics, healthz.
  Reply HandleGet(const std::string& path, const std::string& query) const;
  static std::string RouteLabel(const std::string& path);

  agenthub::Hub& hub_;
  const AgentCatalog& catalog_;
  const agenthub::Router& router_;
  GatewayMetrics& metrics_;
  const GatewayServerOptions options_;

  net::io_context ioc_{1};
  tcp::acceptor acceptor_{ioc_};
  std::unique_ptr<WorkerPool> pool_;
  std::vector<std::thread> io_threads_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::string address_;
  std::string url_;
  std::string public_url_;

  std::mutex sessions_mu_;
  std::vector<std::weak_ptr<Session>> sessions_;  // guarded by sessions_mu_

 private:
  void DoAccept();
};

// One connection: reads a request, hands it to a worker, writes the reply (or the SSE stream the
// worker produces), and reads the next one while the connection is kept alive. Socket operations
// all run on the connection's strand; a worker reaches the socket only by posting to it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ServerState& server) : stream_(std::move(socket)), server_(server) {}

  void Start() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  // Closes the socket (from any thread).
  void Close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.close();
    });
  }

 private:
  void DoRead() {
    parser_.emplace();
    parser_->body_limit(server_.options_.body_limit);
    stream_.expires_after(std::chrono::milliseconds(server_.options_.idle_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::eof || ec == net::error::connection_reset) {
      return DoClose();
    }
    started_ = SteadyClock::now();
    if (ec) {
      // A malformed request or one over the size limit: answer once, then close.
      const int status = ec == http::error::body_limit ? 413 : 400;
      req_ = {};
      req_.version(11);
      req_.keep_alive(false);
      route_ = "other";
      return WriteReply(RestError(status, ec == http::error::body_limit
                                              ? "request body too large"
                                              : "malformed HTTP request: " + ec.message()));
    }
    req_ = parser_->release();
    stream_.expires_never();
    if (server_.stopping_.load() ||
        !server_.pool_->Submit([self = shared_from_this()] { self->Process(); })) {
      return DoClose();
    }
  }

  // On a worker thread.
  void Process() {
    const std::string target(req_.target());
    const size_t qpos = target.find('?');
    const std::string path = target.substr(0, qpos);
    const std::string query = qpos == std::string::npos ? "" : target.substr(qpos + 1);
    route_ = ServerState::RouteLabel(path);
    if (route_ != "a2a") {
      if (req_.method() != http::verb::get && req_.method() != http::verb::head && route_ != "other") {
        Reply r = RestError(405, "method " + std::string(req_.method_string()) + " not allowed on " + path);
        r.headers.emplace_back("Allow", "GET");
        return Post(std::move(r));
      }
      return Post(server_.HandleGet(path, query));
    }
    if (req_.method() != http::verb::post) {
      Reply r = RestError(405, "use POST for A2A JSON-RPC");
      r.headers.emplace_back("Allow", "POST");
      return Post(std::move(r));
    }
    const auto ct = req_.find(http::field::content_type);
    if (ct != req_.end() && !IsJsonContentType(std::string_view(ct->value().data(), ct->value().size()))) {
      server_.metrics_.ObserveRpc("invalid", true);
      return Post(JsonReply(
          415, agenthub::jsonrpc::MakeError(nullptr, agenthub::jsonrpc::ErrorCode::kInvalidRequest,
                                            "Content-Type must be application/json, got '" +
                                                std::string(ct->value().data(), ct->value().size()) + "'")
                   .dump()));
    }
    const std::string& body = req_.body();
    const std::string method = MethodLabel(body);
    std::string last_event;
    agenthub::HubReply reply = server_.hub_.Handle(body, [&](std::string_view data) -> Status {
      last_event.assign(data);
      return WriteEvent(data);
    });
    if (reply.streamed || header_sent_) {
      server_.metrics_.ObserveRpc(method, IsRpcError(last_event));
      if (!stream_ok_) return Post(std::nullopt);
      return FinishStream();
    }
    if (reply.body.empty()) {
      server_.metrics_.ObserveRpc(method, false);
      Reply r;
      r.status = 204;
      r.content_type.clear();
      return Post(std::move(r));
    }
    server_.metrics_.ObserveRpc(method, IsRpcError(reply.body));
    Post(JsonReply(reply.http_status == 204 ? 200 : reply.http_status, std::move(reply.body)));
  }

  // Runs `op` on the strand and waits (on a worker) until it calls back with its error code.
  Status PostAndWait(std::function<void(std::function<void(beast::error_code)>)> op) {
    auto done = std::make_shared<std::promise<beast::error_code>>();
    std::future<beast::error_code> f = done->get_future();
    net::post(stream_.get_executor(), [self = shared_from_this(), op = std::move(op), done] {
      op([done](beast::error_code ec) { done->set_value(ec); });
    });
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(server_.options_.write_timeout_ms);
    while (f.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      if (server_.stopping_.load() || SteadyClock::now() >= deadline) {
        Close();
        f.wait_for(std::chrono::seconds(2));
        stream_ok_ = false;
        return Status::Unavailable("client write timed out");
      }
    }
    const beast::error_code ec = f.get();
    if (ec) {
      stream_ok_ = false;
      return Status::Unavailable("client went away: " + ec.message());
    }
    return Status::Ok();
  }

  // The hub's write_event: the first call sends the event-stream header.
  Status WriteEvent(std::string_view data) {
    if (!stream_ok_) return Status::Unavailable("client went away");
    if (!header_sent_) {
      header_sent_ = true;
      sse_res_ = std::make_unique<http::response<http::empty_body>>(http::status::ok, req_.version());
      sse_res_->set(http::field::server, "cess-gateway");
      sse_res_->set(http::field::content_type, "text/event-stream");
      sse_res_->set(http::field::cache_control, "no-cache");
      sse_res_->keep_alive(req_.keep_alive());
      sse_res_->chunked(true);
      sse_sr_ = std::make_unique<http::response_serializer<http::empty_body>>(*sse_res_);
      CESS_RETURN_IF_ERROR(PostAndWait([this](std::function<void(beast::error_code)> cb) {
        stream_.expires_after(std::chrono::milliseconds(server_.options_.write_timeout_ms));
        http::async_write_header(stream_, *sse_sr_,
                                 [cb, self = shared_from_this()](beast::error_code ec, size_t) { cb(ec); });
      }));
    }
    auto chunk = std::make_shared<std::string>(agenthub::FormatSseEvent(data));
    return PostAndWait([this, chunk](std::function<void(beast::error_code)> cb) {
      stream_.expires_after(std::chrono::milliseconds(server_.options_.write_timeout_ms));
      net::async_write(stream_, http::make_chunk(net::buffer(*chunk)),
                       [cb, chunk, self = shared_from_this()](beast::error_code ec, size_t) { cb(ec); });
    });
  }

  // Ends a streamed reply (on a worker): the last chunk, then the next request.
  void FinishStream() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->stream_.expires_after(std::chrono::milliseconds(self->server_.options_.write_timeout_ms));
      net::async_write(self->stream_, http::make_chunk_last(), [self](beast::error_code ec, size_t) {
        self->Observe(200);
        const bool keep = self->sse_res_->keep_alive();
        self->ResetStream();
        if (ec || !keep) return self->DoClose();
        self->DoRead();
      });
    });
  }

  void ResetStream() {
    sse_sr_.reset();
    sse_res_.reset();
    header_sent_ = false;
    stream_ok_ = true;
  }

  // Hands a reply to the strand (from a worker); nullopt closes the connection.
  void Post(std::optional<Reply> reply) {
    net::post(stream_.get_executor(), [self = shared_from_this(), reply = std::move(reply)]() mutable {
      if (!reply) {
        self->Observe(499);
        return self->DoClose();
      }
      self->WriteReply(std::move(*reply));
    });
  }

  void WriteReply(Reply r) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status),
                                                                   req_.version());
    res->set(http::field::server, "cess-gateway");
    if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(req_.keep_alive());
    if (req_.method() != http::verb::head) res->body() = std::move(r.body);
    res->prepare_payload();
    stream_.expires_after(std::chrono::milliseconds(server_.options_.write_timeout_ms));
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      self->Observe(static_cast<int>(res->result_int()));
      if (ec || res->need_eof()) return self->DoClose();
      self->DoRead();
    });
  }

  void Observe(int status) {
    const double s = std::chrono::duration<double>(SteadyClock::now() - started_).count();
    server_.metrics_.ObserveHttp(route_, status, s);
  }

  void DoClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  ServerState& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> req_;
  std::string route_ = "other";
  SteadyClock::time_point started_;
  // The streamed reply in progress (owned by the worker running Process, written on the strand).
  std::unique_ptr<http::response<http::empty_body>> sse_res_;
  std::unique_ptr<http::response_serializer<http::empty_body>> sse_sr_;
  bool header_sent_ = false;
  bool stream_ok_ = true;
};

class GatewayServer::Impl : public ServerState {
 public:
  using ServerState::ServerState;
};

Status ServerState::Start() {
  if (started_.exchange(true)) return Status::FailedPrecondition("gateway server already started");
  const size_t colon = options_.listen.rfind(':');
  if (colon == std::string::npos)
    return Status::InvalidArgument("listen address must be host:port, got '" + options_.listen + "'");
  std::string host = options_.listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port_text = options_.listen.substr(colon + 1);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(port_text, &used);
    if (used != port_text.size()) port = -1;
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    return Status::InvalidArgument("bad port in listen address '" + options_.listen + "'");
  beast::error_code ec;
  const auto ip = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec)
    return Status::InvalidArgument("bad host in listen address '" + options_.listen + "': " + ec.message());
  const tcp::endpoint ep(ip, static_cast<uint16_t>(port));
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("cannot listen on " + options_.listen + ": " + ec.message());
  const tcp::endpoint bound = acceptor_.local_endpoint();
  const std::string bound_host =
      bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
  address_ = bound_host + ":" + std::to_string(bound.port());
  url_ = "http://" + address_ + "/";
  public_url_ = options_.public_url.empty() ? url_ : options_.public_url;
  pool_ = std::make_unique<WorkerPool>(options_.workers);
  work_.emplace(net::make_work_guard(ioc_));
  DoAccept();
  for (size_t i = 0; i < std::max<size_t>(options_.io_threads, 1); ++i)
    io_threads_.emplace_back([this] { ioc_.run(); });
  kLog.Info("gateway listening on {} ({} io threads, {} workers)", url_, io_threads_.size(), pool_->size());
  return Status::Ok();
}

void ServerState::DoAccept() {
  acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || stopping_.load()) return;
      kLog.Warn("accept: {}", ec.message());
    } else {
      beast::error_code nd;
      socket.set_option(tcp::no_delay(true), nd);
      auto session = std::make_shared<Session>(std::move(socket), *this);
      {
        std::lock_guard<std::mutex> lock(sessions_mu_);
        std::erase_if(sessions_, [](const std::weak_ptr<Session>& w) { return w.expired(); });
        sessions_.push_back(session);
      }
      session->Start();
    }
    if (!stopping_.load()) DoAccept();
  });
}

void ServerState::Stop() {
  if (!started_.load() || stopping_.exchange(true)) return;
  net::post(ioc_, [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    for (auto& w : sessions_) {
      if (auto s = w.lock()) s->Close();
    }
    sessions_.clear();
  }
  if (pool_) pool_->Stop();
  work_.reset();
  ioc_.stop();
  for (auto& t : io_threads_) {
    if (t.joinable()) t.join();
  }
}

std::string ServerState::RouteLabel(const std::string& path) {
  if (path == "/" || path == "/a2a") return "a2a";
  if (path == "/.well-known/agent-card.json" || path == "/.well-known/agent.json") return "card";
  if (path == "/api/v1/agents" || path == "/api/v1/agents/") return "agents";
  if (path.rfind("/api/v1/agents/", 0) == 0) return "agent";
  if (path == "/metrics") return "metrics";
  if (path == "/healthz") return "healthz";
  return "other";
}

Reply ServerState::HandleGet(const std::string& path, const std::string& query) const {
  const std::string route = RouteLabel(path);
  if (route == "healthz") {
    auto entries = catalog_.ListEntries();
    if (!entries.ok()) return RestError(503, "agent catalog unavailable: " + entries.status().message());
    return JsonReply(200, json{{"status", "ok"}, {"agents", entries->size()}}.dump());
  }
  if (route == "metrics") {
    std::map<std::string, std::string> url_to_agent;
    if (auto entries = catalog_.ListEntries(); entries.ok()) {
      for (const auto& e : *entries) url_to_agent[e.info.url] = e.info.id;
    }
    Reply r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.Render(url_to_agent, &router_);
    return r;
  }
  if (route == "other") return RestError(404, "no route for " + path);
  auto entries = catalog_.ListEntries();
  if (!entries.ok()) return RestError(503, "agent catalog unavailable: " + entries.status().message());
  if (route == "card") {
    std::vector<agenthub::AgentCard> cards;
    for (const auto& e : *entries) {
      if (e.info.status == agenthub::AgentStatus::kActive) cards.push_back(e.card);
    }
    const agenthub::AgentCard card =
        agenthub::MakeHubCard(options_.name, options_.description, public_url_, cards);
    return JsonReply(200, agenthub::AgentCardToCompatJson(card).dump(2));
  }
  if (route == "agents") {
    auto q = ParseDiscoveryQuery(query);
    if (!q.ok()) return RestError(400, q.status().message());
    json agents = json::array();
    for (const auto& e : *entries) {
      if (agenthub::MatchesDiscovery(e.card, *q)) agents.push_back(EntryToJson(e, nullptr));
    }
    return JsonReply(200, json{{"agents", std::move(agents)}}.dump());
  }
  // route == "agent"
  auto id = UrlDecode(path.substr(std::string("/api/v1/agents/").size()));
  if (!id.ok()) return RestError(400, id.status().message());
  for (const auto& e : *entries) {
    if (e.info.id == *id) return JsonReply(200, EntryToJson(e, &router_).dump());
  }
  return RestError(404, "no agent " + *id);
}

GatewayServer::GatewayServer(agenthub::Hub& hub, const AgentCatalog& catalog, const agenthub::Router& router,
                             GatewayMetrics& metrics, GatewayServerOptions options)
    : impl_(std::make_unique<Impl>(hub, catalog, router, metrics, std::move(options))) {}

GatewayServer::~GatewayServer() { Stop(); }

Status GatewayServer::Start() { return impl_->Start(); }
void GatewayServer::Stop() { impl_->Stop(); }
std::string GatewayServer::address() const { return impl_->address_; }
std::string GatewayServer::url() const { return impl_->url_; }

}  // namespace cess::gateway
