#include "example_agent.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "cess/agenthub/a2a.h"
#include "cess/agenthub/jsonrpc.h"
#include "cess/agenthub/sse.h"
#include "cess/agenthub/strategy.h"
#include "cess/core/hash.h"

namespace cess::agenthub::example {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using jsonrpc::ErrorCode;
using jsonrpc::ProtocolVersion;

namespace {

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// A number in [0, 100) derived from the text and a salt: deterministic "analysis".
uint32_t Score(const std::string& salt, const std::string& text) {
  Hash256 h = crypto::Sha256(AsBytes(salt + "|" + text));
  return (static_cast<uint32_t>(h[0]) << 8 | h[1]) % 100;
}

struct SkillInfo {
  const char* id;
  const char* name;
  const char* description;
  std::vector<std::string> tags;
};

const std::vector<SkillInfo>& SkillTable() {
  static const std::vector<SkillInfo> kSkills = {
      {"echo", "Echo", "Returns the text unchanged.", {"text", "test"}},
      {"upper", "Upper case", "Returns the text in upper case.", {"text"}},
      {"word-count", "Word count", "Counts the words of the text.", {"text", "analysis"}},
      {"reverse", "Reverse words", "Returns the words in reverse order.", {"text"}},
      {"medical", "Medical assessment", "Assesses injuries described in an accident report.", {"medical", "accident"}},
      {"insurance", "Insurance claim", "Estimates coverage and payout for an accident claim.", {"insurance", "accident"}},
      {"driving", "Driving analysis", "Analyses fault and driving behaviour in an accident.", {"driving", "accident"}},
  };
  return kSkills;
}

}  // namespace

const std::vector<std::string>& KnownSkills() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> v;
    for (const SkillInfo& s : SkillTable()) v.push_back(s.id);
    return v;
  }();
  return kNames;
}

Result<std::string> RunSkill(const std::string& skill, const std::string& text) {
  if (skill == "echo") return text;
  if (skill == "upper") {
    std::string out = text;
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
  }
  if (skill == "word-count") return std::to_string(Words(text).size()) + " words";
  if (skill == "reverse") {
    std::vector<std::string> w = Words(text);
    std::reverse(w.begin(), w.end());
    std::string out;
    for (const std::string& s : w) out += (out.empty() ? "" : " ") + s;
    return out;
  }
  if (skill == "medical") {
    uint32_t s = Score("medical", text);
    const char* level = s < 30 ? "low" : s < 70 ? "moderate" : "high";
    const char* action = s < 30 ? "rest and observation" : s < 70 ? "an outpatient examination" : "immediate hospital care";
    return "medical: injury risk " + std::string(level) + " (score " + std::to_string(s) + "/100); recommend " +
           action + " [input: " + text + "]";
  }
  if (skill == "insurance") {
    uint32_t c = 50 + Score("insurance", text) / 2;
    uint32_t payout = 1000 + 100 * Score("payout", text);
    return "insurance: claim covered at " + std::to_string(c) + "%, estimated payout " + std::to_string(payout) +
           " units [input: " + text + "]";
  }
  if (skill == "driving") {
    uint32_t f = Score("driving", text);
    return "driving: fault share " + std::to_string(f) + "% for the reporting driver, " +
           std::to_string(100 - f) + "% for the other party [input: " + text + "]";
  }
  return Status::InvalidArgument("unknown skill '" + skill + "'");
}

class ExampleAgent::Impl {
 public:
  explicit Impl(ExampleAgentOptions o) : options_(std::move(o)), rng_(options_.seed) {}
  ~Impl() { Stop(); }

  Status Start() {
    if (options_.skills.empty()) return Status::InvalidArgument("--skills: at least one skill");
    for (const std::string& s : options_.skills) {
      if (std::find(KnownSkills().begin(), KnownSkills().end(), s) == KnownSkills().end()) {
        return Status::InvalidArgument("--skills: unknown skill '" + s + "'");
      }
    }
    if (options_.fail_rate < 0 || options_.fail_rate > 1) return Status::InvalidArgument("--fail-rate: must be in [0,1]");
    if (options_.fail_status < 400 || options_.fail_status > 599) {
      return Status::InvalidArgument("--fail-status: must be an HTTP error status");
    }
    size_t colon = options_.listen.rfind(':');
    if (colon == std::string::npos) return Status::InvalidArgument("--listen: want host:port");
    beast::error_code ec;
    auto addr = net::ip::make_address(options_.listen.substr(0, colon), ec);
    if (ec) return Status::InvalidArgument("--listen: bad address: " + ec.message());
    int port = 0;
    try {
      port = std::stoi(options_.listen.substr(colon + 1));
    } catch (...) {
      return Status::InvalidArgument("--listen: bad port");
    }
    if (port < 0 || port > 65535) return Status::InvalidArgument("--listen: bad port");
    tcp::endpoint ep(addr, static_cast<uint16_t>(port));
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Status::IoError("listen on " + options_.listen + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    BuildCard();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    return Status::Ok();
  }

  void Stop() {
    if (stopping_.exchange(true)) return;
    beast::error_code ec;
    if (acceptor_.is_open()) ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (accept_thread_.joinable()) accept_thread_.join();
    acceptor_.close(ec);
    std::list<Session> sessions;
    {
      std::lock_guard lock(mu_);
      // The sockets stay open (owned here) until their threads are joined, so no fd is reused.
      for (Session& s : sessions_) ::shutdown(s.sock->native_handle(), SHUT_RDWR);
      sessions.swap(sessions_);
    }
    for (Session& s : sessions) {
      if (s.thread.joinable()) s.thread.join();
    }
  }

  uint16_t port() const { return port_; }
  const AgentCard& card() const { return card_; }
  uint64_t requests() const { return requests_.load(); }

 private:
  struct Session {
    std::shared_ptr<tcp::socket> sock;
    std::shared_ptr<std::atomic<bool>> done;
    std::thread thread;
  };
  struct Task {
    std::string state;  // "working", "completed", "canceled"
    std::string context_id;
    std::string text;
  };

  void BuildCard() {
    card_.name = options_.name;
    card_.description = "CESS example A2A agent (deterministic skills)" +
                        (options_.region.empty() ? std::string() : " in region " + options_.region);
    card_.version = "1.0.0";
    std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/";
    card_.supported_interfaces = {AgentInterface{url, "JSONRPC", "1.0", ""}};
    card_.has_provider = true;
    card_.provider = AgentProvider{"CESS examples", "https://cess.network"};
    card_.capabilities.streaming = true;
    card_.default_input_modes = {"text/plain"};
    card_.default_output_modes = {"text/plain"};
    for (const std::string& id : options_.skills) {
      for (const SkillInfo& s : SkillTable()) {
        if (id == s.id) card_.skills.push_back(AgentSkill{s.id, s.name, s.description, s.tags, {}, {}, {}});
      }
    }
    card_json_ = AgentCardToCompatJson(card_).dump(2);  // readable by 0.3 and 1.0 clients
  }

  void AcceptLoop() {
    while (!stopping_.load()) {
      beast::error_code ec;
      tcp::socket sock(ioc_);
      acceptor_.accept(sock, ec);
      if (ec) {
        if (stopping_.load()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      sock.set_option(tcp::no_delay(true), ec);
      std::lock_guard lock(mu_);
      if (stopping_.load()) return;
      // Reap finished sessions (join, then the socket closes with its last owner).
      for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (it->done->load()) {
          it->thread.join();
          it = sessions_.erase(it);
        } else {
          ++it;
        }
      }
      auto shared = std::make_shared<tcp::socket>(std::move(sock));
      auto done = std::make_shared<std::atomic<bool>>(false);
      sessions_.push_back(Session{shared, done, std::thread()});
      sessions_.back().thread = std::thread([this, shared, done] {
        Serve(*shared);
        done->store(true);
      });
    }
  }

  void Serve(tcp::socket& sock) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (!stopping_.load()) {
      http::request<http::string_body> req;
      http::read(sock, buffer, req, ec);
      if (ec) break;
      bool keep = req.keep_alive();
      if (!Handle(sock, req)) break;
      if (!keep) break;
    }
    sock.shutdown(tcp::socket::shutdown_both, ec);
  }

  template <typename Body>
  bool Write(tcp::socket& sock, http::response<Body>& res) {
    beast::error_code ec;
    res.prepare_payload();
    http::write(sock, res, ec);
    return !ec;
  }

  bool SendJson(tcp::socket& sock, const http::request<http::string_body>& req, http::status status,
                const std::string& body, const std::string& retry_after = {}) {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::server, "cess-example-agent");
    res.set(http::field::content_type, "application/json");
    if (!retry_after.empty()) res.set(http::field::retry_after, retry_after);
    res.keep_alive(req.keep_alive());
    res.body() = body;
    return Write(sock, res);
  }

  bool Handle(tcp::socket& sock, const http::request<http::string_body>& req) {
    if (req.method() == http::verb::get) {
      if (req.target() == "/.well-known/agent-card.json" || req.target() == "/.well-known/agent.json") {
        return SendJson(sock, req, http::status::ok, card_json_);
      }
      return SendJson(sock, req, http::status::not_found, R"({"error":{"code":404,"message":"not found"}})");
    }
    if (req.method() != http::verb::post) {
      return SendJson(sock, req, http::status::method_not_allowed, R"({"error":{"code":405,"message":"use POST"}})");
    }
    requests_.fetch_add(1);
    if (options_.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options_.delay_ms));
    if (DrawFailure()) {
      std::string retry = options_.fail_status == 429 || options_.fail_status == 503
                              ? std::to_string(options_.retry_after_s)
                              : std::string();
      json err = jsonrpc::MakeError(nullptr, ErrorCode::kInternalError, "injected failure");
      return SendJson(sock, req, static_cast<http::status>(options_.fail_status), err.dump(), retry);
    }
    jsonrpc::ParsedBody parsed = jsonrpc::ParseBody(req.body());
    if (parsed.error) return SendJson(sock, req, http::status::ok, jsonrpc::MakeError(nullptr, *parsed.error).dump());
    if (!parsed.batch && parsed.items[0].request &&
        parsed.items[0].request->method == jsonrpc::Method::kSendStreamingMessage) {
      return Stream(sock, req, *parsed.items[0].request);
    }
    json replies = json::array();
    for (jsonrpc::ParsedRequest& item : parsed.items) {
      json out = item.error ? jsonrpc::MakeError(item.id, *item.error) : Dispatch(*item.request);
      if (item.reply) replies.push_back(std::move(out));
    }
    if (replies.empty()) {
      http::response<http::empty_body> res{http::status::no_content, req.version()};
      res.keep_alive(req.keep_alive());
      return Write(sock, res);
    }
    return SendJson(sock, req, http::status::ok, parsed.batch ? replies.dump() : replies[0].dump());
  }

  bool DrawFailure() {
    if (options_.fail_rate <= 0) return false;
    std::lock_guard lock(mu_);
    double u = static_cast<double>(rng_.Next() >> 11) / static_cast<double>(1ULL << 53);
    return u < options_.fail_rate;
  }

  // The skill a message asks for, or an error reply.
  Result<std::string> PickSkill(const json& params) {
    std::string skill;
    for (const json* md : {params.contains("metadata") ? &params["metadata"] : nullptr,
                           params["message"].contains("metadata") ? &params["message"]["metadata"] : nullptr}) {
      if (md && md->is_object() && md->contains("skill") && (*md)["skill"].is_string()) {
        skill = (*md)["skill"].get<std::string>();
        break;
      }
    }
    if (skill.empty()) return options_.skills.front();
    if (std::find(options_.skills.begin(), options_.skills.end(), skill) == options_.skills.end()) {
      return Status::InvalidArgument("this agent does not serve skill '" + skill + "'");
    }
    return skill;
  }

  // Keeps the newest kMaxTasks tasks (GetTask on an older one is TaskNotFound). REQUIRES: mu_ held.
  static constexpr size_t kMaxTasks = 10'000;
  void RememberLocked(const std::string& id, Task t) {
    tasks_[id] = std::move(t);
    task_order_.push_back(id);
    while (task_order_.size() > kMaxTasks) {
      tasks_.erase(task_order_.front());
      task_order_.pop_front();
    }
  }

  std::string NewTaskId() { return options_.name + "-task-" + std::to_string(task_counter_.fetch_add(1) + 1); }

  json Dispatch(const jsonrpc::Request& r) {
    const ProtocolVersion v = r.version;
    switch (r.method) {
      case jsonrpc::Method::kSendMessage: {
        Result<std::string> skill = PickSkill(r.params);
        if (!skill.ok()) return jsonrpc::MakeError(r.id, ErrorCode::kInvalidParams, skill.status().message());
        const std::string text = a2a::MessageText(r.params["message"]);
        Result<std::string> out = RunSkill(*skill, text);
        if (!out.ok()) return jsonrpc::MakeError(r.id, ErrorCode::kInvalidParams, out.status().message());
        const std::string id = NewTaskId();
        const std::string ctx = r.params["message"].value("contextId", "ctx-" + id);
        json task = a2a::MakeTask(id, ctx, a2a::TaskState::kCompleted, *out, v);
        task["metadata"] = {{"skill", *skill}, {"agent", options_.name}};
        {
          std::lock_guard lock(mu_);
          RememberLocked(id, Task{"completed", ctx, *out});
        }
        return jsonrpc::MakeResult(r.id, a2a::WrapTaskResult(std::move(task), v));
      }
      case jsonrpc::Method::kGetTask:
      case jsonrpc::Method::kCancelTask: {
        const std::string id = r.params["id"].get<std::string>();
        std::lock_guard lock(mu_);
        auto it = tasks_.find(id);
        if (it == tasks_.end()) return jsonrpc::MakeError(r.id, ErrorCode::kTaskNotFound, "task " + id + " not found");
        Task& t = it->second;
        if (r.method == jsonrpc::Method::kCancelTask) {
          if (t.state != "working") {
            return jsonrpc::MakeError(r.id, ErrorCode::kTaskNotCancelable, "task " + id + " is " + t.state);
          }
          t.state = "canceled";
        }
        a2a::TaskState st = t.state == "working"    ? a2a::TaskState::kWorking
                            : t.state == "canceled" ? a2a::TaskState::kCanceled
                                                    : a2a::TaskState::kCompleted;
        json task = a2a::MakeTask(id, t.context_id, st, t.state == "completed" ? t.text : "", v);
        return jsonrpc::MakeResult(r.id, task);
      }
      case jsonrpc::Method::kSendStreamingMessage:
        return jsonrpc::MakeError(r.id, ErrorCode::kUnsupportedOperation, "streaming inside a batch is not supported");
    }
    return jsonrpc::MakeError(r.id, ErrorCode::kInternalError, "unhandled");
  }

  // SSE: the task (working), one artifact-update per word, then a final status-update.
  bool Stream(tcp::socket& sock, const http::request<http::string_body>& req, const jsonrpc::Request& r) {
    const ProtocolVersion v = r.version;
    const bool v03 = v == ProtocolVersion::kV0_3;
    Result<std::string> skill = PickSkill(r.params);
    Result<std::string> out = skill.ok() ? RunSkill(*skill, a2a::MessageText(r.params["message"])) : skill.status();
    if (!out.ok()) {
      return SendJson(sock, req, http::status::ok,
                      jsonrpc::MakeError(r.id, ErrorCode::kInvalidParams, out.status().message()).dump());
    }
    const std::string id = NewTaskId();
    const std::string ctx = "ctx-" + id;
    {
      std::lock_guard lock(mu_);
      RememberLocked(id, Task{"working", ctx, *out});
    }
    http::response<http::empty_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "cess-example-agent");
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(req.keep_alive());
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    http::write_header(sock, sr, ec);
    if (ec) return false;
    auto send = [&](json result) {
      std::string ev = FormatSseEvent(jsonrpc::MakeResult(r.id, std::move(result)).dump());
      net::write(sock, http::make_chunk(net::buffer(ev)), ec);
      return !ec;
    };
    json task = a2a::MakeTask(id, ctx, a2a::TaskState::kWorking, "", v);
    if (!send(v03 ? task : json{{"task", task}})) return false;
    std::vector<std::string> words = Words(*out);
    bool canceled = false;
    for (size_t i = 0; i < words.size(); ++i) {
      if (options_.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options_.delay_ms));
      {
        std::lock_guard lock(mu_);
        auto it = tasks_.find(id);
        canceled = it != tasks_.end() && it->second.state == "canceled";
      }
      if (canceled) break;
      json part = {{"text", (i == 0 ? "" : " ") + words[i]}};
      if (v03) part["kind"] = "text";
      json upd = {{"taskId", id},
                  {"contextId", ctx},
                  {"artifact", {{"artifactId", id + "-result"}, {"name", "result"}, {"parts", json::array({part})}}},
                  {"append", i > 0},
                  {"lastChunk", i + 1 == words.size()}};
      if (v03) upd["kind"] = "artifact-update";
      if (!send(v03 ? upd : json{{"artifactUpdate", upd}})) return false;
    }
    {
      std::lock_guard lock(mu_);
      auto it = tasks_.find(id);
      if (!canceled && it != tasks_.end()) it->second.state = "completed";
    }
    json status = {{"taskId", id},
                   {"contextId", ctx},
                   {"status", {{"state", a2a::TaskStateName(canceled ? a2a::TaskState::kCanceled
                                                                     : a2a::TaskState::kCompleted, v)}}},
                   {"final", true}};
    if (v03) status["kind"] = "status-update";
    if (!send(v03 ? status : json{{"statusUpdate", status}})) return false;
    net::write(sock, http::make_chunk_last(), ec);
    return !ec;
  }

  ExampleAgentOptions options_;
  net::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  uint16_t port_ = 0;
  AgentCard card_;
  std::string card_json_;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> task_counter_{0};
  std::mutex mu_;
  std::list<Session> sessions_;       // guarded by mu_
  std::map<std::string, Task> tasks_; // guarded by mu_
  std::deque<std::string> task_order_;  // guarded by mu_
  SplitMix64 rng_;                    // guarded by mu_
};

ExampleAgent::ExampleAgent(ExampleAgentOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
ExampleAgent::~ExampleAgent() = default;
Status ExampleAgent::Start() { return impl_->Start(); }
void ExampleAgent::Stop() { impl_->Stop(); }
uint16_t ExampleAgent::port() const { return impl_->port(); }
std::string ExampleAgent::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port()) + "/"; }
const AgentCard& ExampleAgent::card() const { return impl_->card(); }
uint64_t ExampleAgent::requests() const { return impl_->requests(); }

}  // namespace cess::agenthub::example
