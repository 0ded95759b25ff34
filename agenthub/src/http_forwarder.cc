#include "cess/agenthub/http_forwarder.h"

#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <mutex>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace cess::agenthub {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

Result<HttpUrl> ParseHttpUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    return Status::InvalidArgument("url '" + url + "': only http:// is supported");
  }
  std::string rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty()) return Status::InvalidArgument("url '" + url + "': missing host");
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    out.host = authority.substr(0, colon);
    std::string port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
      return Status::InvalidArgument("url '" + url + "': bad port");
    }
    int p = std::stoi(port);
    if (p <= 0 || p > 65535) return Status::InvalidArgument("url '" + url + "': bad port");
    out.port = static_cast<uint16_t>(p);
  } else {
    out.host = authority;
  }
  if (out.host.empty()) return Status::InvalidArgument("url '" + url + "': missing host");
  return out;
}

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// One connection with its own io_context: each blocking call runs its async operations with a
// deadline (tcp_stream's expiry) on this context alone.
struct Conn {
  net::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
};

// Runs one async operation started by `start(handler)` to completion on the connection's context.
template <typename Start>
beast::error_code RunOp(Conn& c, Start&& start) {
  beast::error_code result = net::error::operation_aborted;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  c.ioc.restart();
  c.ioc.run();
  return result;
}

bool IsStale(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::connection_aborted;
}

Status NetError(const beast::error_code& ec, const std::string& what, const HttpUrl& url) {
  std::string msg = what + " " + url.Authority() + ": " + ec.message();
  if (ec == beast::error::timeout) return Status::DeadlineExceeded(msg);
  return Status::Unavailable(msg);
}

}  // namespace

class HttpForwarder::Impl {
 public:
  // What one exchange learned about its connection.
  struct CallFlags {
    bool got_header = false;  // a reply header arrived
    bool stale = false;       // the send or header read hit a closed connection
    bool keep_alive = false;  // the reply allows reuse
  };

  explicit Impl(HttpForwarderOptions o) : options_(o) {}

  Result<HttpResponse> Exchange(http::verb verb, const HttpRequest& req,
                                const std::function<Status(const SseEvent&)>* on_event) {
    CESS_ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl(req.url));
    const SteadyTime deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(req.timeout_micros);
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Conn> conn = TakeIdle(url.Authority());
      const bool reused = conn != nullptr;
      if (!conn) {
        CESS_ASSIGN_OR_RETURN(conn, Connect(url, deadline));
      }
      CallFlags flags;
      Result<HttpResponse> r = Once(*conn, verb, url, req, on_event, deadline, flags);
      if (r.ok()) {
        if (flags.keep_alive) GiveBack(url.Authority(), std::move(conn));
        return r;
      }
      // A pooled connection the peer had already closed: retry once on a fresh one.
      if (reused && !flags.got_header && attempt == 0 && flags.stale) continue;
      return r;
    }
  }

  uint64_t opened() const { return opened_.load(); }

 private:
  std::unique_ptr<Conn> TakeIdle(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = idle_.find(key);
    if (it == idle_.end() || it->second.empty()) return nullptr;
    std::unique_ptr<Conn> c = std::move(it->second.back());
    it->second.pop_back();
    return c;
  }

  void GiveBack(const std::string& key, std::unique_ptr<Conn> c) {
    std::lock_guard lock(mu_);
    auto& v = idle_[key];
    if (v.size() < options_.max_idle_per_endpoint) v.push_back(std::move(c));
  }

  Result<std::vector<tcp::endpoint>> Resolve(const HttpUrl& url, net::io_context& ioc) {
    const std::string key = url.Authority();
    {
      std::lock_guard lock(mu_);
      auto it = resolved_.find(key);
      if (it != resolved_.end()) return it->second;
    }
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec) return Status::Unavailable("resolve " + url.host + ": " + ec.message());
    std::vector<tcp::endpoint> eps;
    for (const auto& e : results) eps.push_back(e.endpoint());
    std::lock_guard lock(mu_);
    resolved_[key] = eps;
    return eps;
  }

  Result<std::unique_ptr<Conn>> Connect(const HttpUrl& url, SteadyTime deadline) {
    auto conn = std::make_unique<Conn>();
    CESS_ASSIGN_OR_RETURN(std::vector<tcp::endpoint> eps, Resolve(url, conn->ioc));
    conn->stream.expires_at(deadline);
    beast::error_code ec = RunOp(*conn, [&](auto&& h) { conn->stream.async_connect(eps, std::move(h)); });
    if (ec) return NetError(ec, "connect", url);
    conn->stream.socket().set_option(tcp::no_delay(true), ec);
    opened_.fetch_add(1);
    return conn;
  }

  Result<HttpResponse> Once(Conn& c, http::verb verb, const HttpUrl& url, const HttpRequest& req,
                            const std::function<Status(const SseEvent&)>* on_event, SteadyTime deadline,
                            CallFlags& flags) {
    http::request<http::string_body> hreq{verb, url.target, 11};
    hreq.set(http::field::host, url.Authority());
    hreq.set(http::field::user_agent, "cess-agenthub/0.1");
    hreq.keep_alive(true);
    if (verb == http::verb::post) {
      hreq.set(http::field::content_type, req.content_type);
      hreq.body() = req.body;
    }
    hreq.set(http::field::accept, on_event ? "text/event-stream" : "application/json");
    for (const auto& [k, v] : req.headers) hreq.set(k, v);
    hreq.prepare_payload();

    c.stream.expires_at(deadline);
    beast::error_code ec = RunOp(c, [&](auto&& h) { http::async_write(c.stream, hreq, std::move(h)); });
    if (ec) {
      flags.stale = IsStale(ec);
      return NetError(ec, "send to", url);
    }
    http::response_parser<http::buffer_body> parser;
    parser.body_limit((std::numeric_limits<std::uint64_t>::max)());
    ec = RunOp(c, [&](auto&& h) { http::async_read_header(c.stream, c.buffer, parser, std::move(h)); });
    if (ec) {
      flags.stale = IsStale(ec);
      return NetError(ec, "read reply header from", url);
    }
    flags.got_header = true;
    HttpResponse out;
    const auto& head = parser.get();
    out.status = static_cast<int>(head.result_int());
    out.content_type = std::string(head[http::field::content_type]);
    out.retry_after = std::string(head[http::field::retry_after]);
    const bool sse = on_event != nullptr && out.content_type.rfind("text/event-stream", 0) == 0;
    SseParser sse_parser([&](const SseEvent& e) {
      ++out.events;
      return (*on_event)(e);
    });
    char buf[16 * 1024];
    while (!parser.is_done()) {
      parser.get().body().data = buf;
      parser.get().body().size = sizeof buf;
      ec = RunOp(c, [&](auto&& h) { http::async_read_some(c.stream, c.buffer, parser, std::move(h)); });
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return NetError(ec, "read reply body from", url);
      size_t n = sizeof buf - parser.get().body().size;
      if (n == 0) continue;
      if (sse) {
        Status st = sse_parser.Feed(std::string_view(buf, n));
        if (!st.ok()) return st;  // the connection is dropped (not returned to the pool)
      } else {
        out.body.append(buf, n);
      }
    }
    flags.keep_alive = parser.get().keep_alive();
    return out;
  }

  const HttpForwarderOptions options_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<Conn>>> idle_;  // guarded by mu_
  std::map<std::string, std::vector<tcp::endpoint>> resolved_;       // guarded by mu_
  std::atomic<uint64_t> opened_{0};
};

HttpForwarder::HttpForwarder(HttpForwarderOptions options) : impl_(std::make_unique<Impl>(options)) {}
HttpForwarder::~HttpForwarder() = default;

Result<HttpResponse> HttpForwarder::Post(const HttpRequest& request) {
  return impl_->Exchange(http::verb::post, request, nullptr);
}

Result<HttpResponse> HttpForwarder::PostStream(const HttpRequest& request,
                                               const std::function<Status(const SseEvent&)>& on_event) {
  return impl_->Exchange(http::verb::post, request, &on_event);
}

Result<HttpResponse> HttpForwarder::Get(const HttpRequest& request) {
  return impl_->Exchange(http::verb::get, request, nullptr);
}

uint64_t HttpForwarder::connections_opened() const { return impl_->opened(); }

}  // namespace cess::agenthub
