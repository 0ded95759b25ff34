#include "cess/agenthub/hub.h"

#include <atomic>
#include <thread>

#include "cess/agenthub/a2a.h"

namespace cess::agenthub {
namespace {

using json = nlohmann::json;
using jsonrpc::ErrorCode;

const json* FindMetadata(const json& params) {
  if (!params.is_object()) return nullptr;
  if (auto m = params.find("metadata"); m != params.end() && m->is_object()) return &*m;
  if (auto msg = params.find("message"); msg != params.end() && msg->is_object()) {
    if (auto m = msg->find("metadata"); m != msg->end() && m->is_object()) return &*m;
  }
  return nullptr;
}

Status StringList(const json& md, const char* key, std::vector<std::string>& out) {
  auto it = md.find(key);
  if (it == md.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) return Status::InvalidArgument(std::string("metadata.") + key + ": must be an array of strings");
  for (const json& e : *it) {
    if (!e.is_string() || e.get<std::string>().empty()) {
      return Status::InvalidArgument(std::string("metadata.") + key + ": must hold non-empty strings");
    }
    out.push_back(e.get<std::string>());
  }
  return Status::Ok();
}

// The request as JSON-RPC text, for forwarding.
std::string RequestBody(const jsonrpc::Request& req) {
  json j = json::object();
  j["jsonrpc"] = "2.0";
  if (req.has_id) j["id"] = req.id;
  j["method"] = req.method_name;
  j["params"] = req.params;
  return j.dump();
}

std::atomic<uint64_t> g_multi_counter{0};

}  // namespace

Result<RouteHints> RouteHintsFromParams(const json& params) {
  RouteHints h;
  const json* md = FindMetadata(params);
  if (md != nullptr) {
    if (auto s = md->find("skill"); s != md->end() && !s->is_null()) {
      if (!s->is_string() || s->get<std::string>().empty()) {
        return Status::InvalidArgument("metadata.skill: must be a non-empty string");
      }
      h.skills.push_back(s->get<std::string>());
    }
    CESS_RETURN_IF_ERROR(StringList(*md, "skills", h.skills));
    CESS_RETURN_IF_ERROR(StringList(*md, "tags", h.query.tags));
    if (auto m = md->find("mode"); m != md->end() && !m->is_null()) {
      if (*m == "parallel") {
        h.mode = MultiMode::kParallel;
      } else if (*m == "pipeline") {
        h.mode = MultiMode::kPipeline;
      } else {
        return Status::InvalidArgument("metadata.mode: must be \"parallel\" or \"pipeline\"");
      }
    }
    if (auto p = md->find("maxPrice"); p != md->end() && !p->is_null()) {
      if (!p->is_number_unsigned()) return Status::InvalidArgument("metadata.maxPrice: must be a non-negative integer");
      h.query.max_price = p->get<uint64_t>();
    }
    if (auto r = md->find("region"); r != md->end() && !r->is_null()) {
      if (!r->is_string()) return Status::InvalidArgument("metadata.region: must be a string");
      h.query.region = r->get<std::string>();
    }
    if (auto s = md->find("strategy"); s != md->end() && !s->is_null()) {
      std::optional<Strategy> st = s->is_string() ? ParseStrategy(s->get<std::string>()) : std::nullopt;
      if (!st) return Status::InvalidArgument("metadata.strategy: unknown strategy " + s->dump());
      h.query.strategy = st;
    }
  }
  if (h.skills.empty() && h.query.tags.empty()) {
    return Status::InvalidArgument("params.metadata.skill (or skills, or tags) is required to route the message");
  }
  if (!h.skills.empty()) h.query.skill = h.skills.front();
  return h;
}

Hub::Hub(const AgentDirectory& directory, Router& router, Forwarder& forwarder, UsageMeter* meter, const Clock& clock,
         HubOptions options)
    : directory_(directory), router_(router), forwarder_(forwarder), meter_(meter), clock_(clock), options_(options) {}

void Hub::Attempt(const AgentInfo& agent, const std::string& body,
                  const std::function<Status(const SseEvent&)>* on_event, Result<HttpResponse>& out,
                  Outcome& outcome, json& reply, const Status* writer_status) {
  HttpRequest req;
  req.url = agent.url;
  req.body = body;
  req.timeout_micros = options_.timeout_micros;
  const int64_t t0 = clock_.NowMicros();
  router_.OnStart(agent.id);
  // For a stream the latency is the time to the first event (a long stream is not a slow agent).
  int64_t first_event = -1;
  if (on_event != nullptr) {
    std::function<Status(const SseEvent&)> timed = [&](const SseEvent& e) {
      if (first_event < 0) first_event = clock_.NowMicros();
      return (*on_event)(e);
    };
    out = forwarder_.PostStream(req, timed);
  } else {
    out = forwarder_.Post(req);
  }
  const int64_t latency = (first_event >= 0 ? first_event : clock_.NowMicros()) - t0;
  bool has_result = false;
  reply = nullptr;
  if (!out.ok() && writer_status != nullptr && !writer_status->ok()) {
    // The caller's writer stopped the stream (the client went away): not the agent's fault.
    outcome = Outcome::Success(latency);
    has_result = true;
  } else if (!out.ok()) {
    outcome = out.status().code() == StatusCode::kDeadlineExceeded ? Outcome::Timeout(latency)
                                                                   : Outcome::ConnectionError(latency);
  } else if (out->status >= 200 && out->status < 300) {
    outcome = Outcome::Success(latency);
    if (!out->body.empty() || out->events == 0) {
      Result<json> parsed = jsonrpc::ParseResponse(out->body);
      if (!parsed.ok()) {
        outcome = Outcome::BadResponse(latency);
      } else {
        has_result = parsed->contains("result");
        reply = std::move(parsed).value();
      }
    } else {
      has_result = true;  // a stream that delivered events
    }
  } else {
    outcome = Outcome::Http(out->status, latency, out->retry_after);
    Result<json> parsed = jsonrpc::ParseResponse(out->body);  // a 4xx may still carry a JSON-RPC error
    if (parsed.ok()) reply = std::move(parsed).value();
  }
  router_.OnFinish(agent.id, outcome);
  if (meter_ != nullptr) meter_->Record(agent.id, has_result ? agent.price : 0, outcome.ok(), latency);
}

Result<CallResult> Hub::ForwardImpl(const RouteQuery& query, const std::string& body,
                                    const std::function<Status(const SseEvent&)>* on_event) {
  CESS_ASSIGN_OR_RETURN(std::vector<AgentInfo> agents, directory_.ListAgents());
  CESS_ASSIGN_OR_RETURN(std::vector<AgentInfo> order, router_.Route(query, agents));
  CallResult res;
  std::string failures;
  bool last_timeout = false;
  uint64_t delivered = 0;
  Status writer_status;
  std::function<Status(const SseEvent&)> counting;
  if (on_event) {
    counting = [&](const SseEvent& e) {
      ++delivered;
      writer_status = (*on_event)(e);
      return writer_status;
    };
  }
  for (const AgentInfo& agent : order) {
    if (res.attempts >= options_.max_attempts) break;
    // An agent may have started cooling since routing (a concurrent failure): skip it.
    if (router_.InCooldown(agent.id)) continue;
    Result<HttpResponse> reply = Status::Internal("not attempted");
    Outcome outcome;
    json parsed;
    Attempt(agent, body, on_event ? &counting : nullptr, reply, outcome, parsed, &writer_status);
    ++res.attempts;
    res.tried.push_back(agent.id);
    if (outcome.ok() || !outcome.ShouldFailover()) {
      if (!reply.ok()) return reply.status();  // a stream broken by the caller's own writer
      res.agent_id = agent.id;
      res.response = std::move(reply).value();
      res.reply = std::move(parsed);
      return res;
    }
    std::string why = reply.ok() ? "HTTP " + std::to_string(reply->status) : reply.status().ToString();
    if (outcome.kind == Outcome::Kind::kBadResponse) why = "malformed JSON-RPC reply";
    failures += (failures.empty() ? "" : "; ") + agent.id + ": " + why;
    last_timeout = outcome.kind == Outcome::Kind::kTimeout;
    if (delivered > 0) {
      return Status::Unavailable("stream from " + agent.id + " broke after " + std::to_string(delivered) +
                                 " events: " + why);
    }
  }
  if (res.attempts == 0) return Status::Unavailable("every matching agent is cooling down");
  std::string msg = "all " + std::to_string(res.attempts) + " attempts failed (" + failures + ")";
  return last_timeout ? Status::DeadlineExceeded(msg) : Status::Unavailable(msg);
}

Result<CallResult> Hub::Forward(const RouteQuery& query, const std::string& body) {
  return ForwardImpl(query, body, nullptr);
}

Result<CallResult> Hub::ForwardStream(const RouteQuery& query, const std::string& body,
                                      const std::function<Status(const SseEvent&)>& on_event) {
  return ForwardImpl(query, body, &on_event);
}

Result<std::vector<SkillResult>> Hub::CallSkills(const std::vector<std::string>& skills, MultiMode mode,
                                                 std::string_view text, const RouteQuery& base) {
  if (skills.empty()) return Status::InvalidArgument("no skills named");
  std::vector<SkillResult> results(skills.size());
  auto run_one = [&](size_t i, std::string input) {
    SkillResult& r = results[i];
    r.skill = skills[i];
    RouteQuery q = base;
    q.skill = skills[i];
    const uint64_t n = g_multi_counter.fetch_add(1);
    json req = {{"jsonrpc", "2.0"},
                {"id", n},
                {"method", "SendMessage"},
                {"params",
                 {{"message", a2a::MakeTextMessage(input, false, "hub-msg-" + std::to_string(n),
                                                   jsonrpc::ProtocolVersion::kV1_0)},
                  {"metadata", {{"skill", skills[i]}}}}}};
    Result<CallResult> call = Forward(q, req.dump());
    if (!call.ok()) {
      r.status = call.status();
      return;
    }
    r.agent_id = call->agent_id;
    const json& resp = call->reply;
    if (!resp.is_object()) {
      r.status = Status::Unavailable("agent " + call->agent_id + ": HTTP " + std::to_string(call->response.status));
      return;
    }
    if (resp.contains("error")) {
      r.status = Status::Unavailable("agent " + call->agent_id + " error: " + resp["error"].dump());
      return;
    }
    r.text = a2a::ResultText(resp["result"]);
  };
  if (mode == MultiMode::kParallel) {
    std::vector<std::thread> threads;
    threads.reserve(skills.size());
    for (size_t i = 0; i < skills.size(); ++i) threads.emplace_back(run_one, i, std::string(text));
    for (std::thread& t : threads) t.join();
  } else {
    std::string input(text);
    for (size_t i = 0; i < skills.size(); ++i) {
      run_one(i, input);
      if (!results[i].status.ok()) {
        for (size_t k = i + 1; k < skills.size(); ++k) {
          results[k].skill = skills[k];
          results[k].status = Status::FailedPrecondition("pipeline stopped at skill " + skills[i]);
        }
        break;
      }
      input = results[i].text;
    }
  }
  return results;
}

void Hub::TrackTask(const std::string& task_id, const std::string& agent_id) {
  if (task_id.empty()) return;
  std::lock_guard lock(tasks_mu_);
  auto [it, inserted] = task_agent_.insert_or_assign(task_id, agent_id);
  if (!inserted) return;
  task_order_.push_back(task_id);
  while (task_order_.size() > options_.max_tracked_tasks) {
    task_agent_.erase(task_order_.front());
    task_order_.pop_front();
  }
}

std::string Hub::TaskAgent(const std::string& task_id) const {
  std::lock_guard lock(tasks_mu_);
  auto it = task_agent_.find(task_id);
  return it == task_agent_.end() ? "" : it->second;
}

namespace {

// Relays an agent's JSON-RPC reply to the caller under the caller's id.
json RelayReply(const jsonrpc::Request& req, CallResult& call, std::string* task_id) {
  if (!call.reply.is_object()) {
    return jsonrpc::MakeError(req.id, ErrorCode::kInvalidAgentResponse,
                              "agent " + call.agent_id + " answered HTTP " + std::to_string(call.response.status) +
                                  " without a valid JSON-RPC reply");
  }
  json out = std::move(call.reply);
  out["id"] = req.id;
  if (task_id != nullptr && out.contains("result")) *task_id = a2a::ResultTaskId(out["result"]);
  return out;
}

json RouteError(const jsonrpc::Request& req, const Status& st, const std::vector<std::string>& tried = {}) {
  jsonrpc::Error e;
  e.code = st.code() == StatusCode::kNotFound || st.code() == StatusCode::kInvalidArgument ? ErrorCode::kInvalidParams
                                                                                           : ErrorCode::kInternalError;
  e.message = st.message();
  e.data = {{"status", std::string(StatusCodeName(st.code()))}};
  if (!tried.empty()) e.data["tried"] = tried;
  return jsonrpc::MakeError(req.id, e);
}

}  // namespace

json Hub::HandleSend(const jsonrpc::Request& req, std::string_view raw) {
  Result<RouteHints> hints = RouteHintsFromParams(req.params);
  if (!hints.ok()) return jsonrpc::MakeError(req.id, ErrorCode::kInvalidParams, hints.status().message());
  if (hints->skills.size() > 1) return HandleMulti(req, *hints);
  Result<CallResult> call = Forward(hints->query, raw.empty() ? RequestBody(req) : std::string(raw));
  if (!call.ok()) return RouteError(req, call.status());
  std::string task_id;
  json out = RelayReply(req, *call, &task_id);
  TrackTask(task_id, call->agent_id);
  return out;
}

json Hub::HandleMulti(const jsonrpc::Request& req, const RouteHints& hints) {
  const std::string text = a2a::MessageText(req.params["message"]);
  Result<std::vector<SkillResult>> results = CallSkills(hints.skills, hints.mode, text, hints.query);
  if (!results.ok()) return jsonrpc::MakeError(req.id, ErrorCode::kInvalidParams, results.status().message());
  const auto v = req.version;
  const std::string id = "hub-multi-" + std::to_string(g_multi_counter.fetch_add(1));
  bool all_ok = true;
  std::string combined;
  json artifacts = json::array();
  for (const SkillResult& r : *results) {
    all_ok = all_ok && r.status.ok();
    std::string line = r.status.ok() ? r.text : "error: " + r.status.ToString();
    if (hints.mode == MultiMode::kParallel) {
      combined += (combined.empty() ? "" : "\n") + r.skill + ": " + line;
    } else if (r.status.ok()) {
      combined = r.text;  // the pipeline's output is the last stage's text
    }
    json part = {{"text", line}};
    if (v == jsonrpc::ProtocolVersion::kV0_3) part["kind"] = "text";
    artifacts.push_back({{"artifactId", id + "-" + r.skill},
                         {"name", r.skill},
                         {"parts", json::array({part})},
                         {"metadata", {{"agentId", r.agent_id}, {"ok", r.status.ok()}}}});
  }
  json task = a2a::MakeTask(id, id, all_ok ? a2a::TaskState::kCompleted : a2a::TaskState::kFailed, "", v);
  task["artifacts"] = std::move(artifacts);
  task["status"]["message"] = a2a::MakeTextMessage(combined, true, id + "-status", v, id, id);
  task["metadata"] = {{"mode", hints.mode == MultiMode::kParallel ? "parallel" : "pipeline"}, {"skills", hints.skills}};
  return jsonrpc::MakeResult(req.id, a2a::WrapTaskResult(std::move(task), v));
}

json Hub::HandleTaskOp(const jsonrpc::Request& req) {
  const std::string task_id = req.params["id"].get<std::string>();
  const std::string agent_id = TaskAgent(task_id);
  if (agent_id.empty()) return jsonrpc::MakeError(req.id, ErrorCode::kTaskNotFound, "task " + task_id + " not found");
  Result<std::vector<AgentInfo>> agents = directory_.ListAgents();
  if (!agents.ok()) return RouteError(req, agents.status());
  const AgentInfo* agent = nullptr;
  for (const AgentInfo& a : *agents) {
    if (a.id == agent_id) agent = &a;
  }
  if (agent == nullptr) {
    return jsonrpc::MakeError(req.id, ErrorCode::kTaskNotFound, "task " + task_id + ": its agent is gone");
  }
  if (router_.InCooldown(agent_id)) {
    return RouteError(req, Status::Unavailable("agent " + agent_id + " holding task " + task_id + " is cooling down"));
  }
  Result<HttpResponse> reply = Status::Internal("not attempted");
  Outcome outcome;
  CallResult call;
  Attempt(*agent, RequestBody(req), nullptr, reply, outcome, call.reply);
  if (!reply.ok()) return RouteError(req, Status::Unavailable(agent_id + ": " + reply.status().ToString()), {agent_id});
  call.agent_id = agent_id;
  call.response = std::move(reply).value();
  return RelayReply(req, call, nullptr);
}

json Hub::HandleOne(const jsonrpc::Request& req, std::string_view raw) {
  switch (req.method) {
    case jsonrpc::Method::kSendMessage: return HandleSend(req, raw);
    case jsonrpc::Method::kGetTask:
    case jsonrpc::Method::kCancelTask: return HandleTaskOp(req);
    case jsonrpc::Method::kSendStreamingMessage:
      return jsonrpc::MakeError(req.id, ErrorCode::kUnsupportedOperation,
                                "streaming needs a single (non-batch) request on a streaming connection");
  }
  return jsonrpc::MakeError(req.id, ErrorCode::kInternalError, "unhandled method");
}

HubReply Hub::HandleStream(const jsonrpc::Request& req, const std::function<Status(std::string_view)>& write_event) {
  HubReply reply;
  Result<RouteHints> hints = RouteHintsFromParams(req.params);
  if (!hints.ok()) {
    reply.body = jsonrpc::MakeError(req.id, ErrorCode::kInvalidParams, hints.status().message()).dump();
    return reply;
  }
  if (hints->skills.size() > 1) {
    reply.body = jsonrpc::MakeError(req.id, ErrorCode::kUnsupportedOperation,
                                    "streaming a multi-skill call is not supported; use SendMessage")
                     .dump();
    return reply;
  }
  std::string task_id;
  uint64_t written = 0;
  std::function<Status(const SseEvent&)> on_event = [&](const SseEvent& e) {
    if (task_id.empty()) {
      json j = json::parse(e.data, nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("result")) task_id = a2a::ResultTaskId(j["result"]);
    }
    ++written;
    return write_event(e.data);
  };
  Result<CallResult> call = ForwardStream(hints->query, RequestBody(req), on_event);
  if (!call.ok()) {
    json err = RouteError(req, call.status());
    if (written > 0) {
      (void)write_event(err.dump());
      reply.streamed = true;
    } else {
      reply.body = err.dump();
    }
    return reply;
  }
  TrackTask(task_id, call->agent_id);
  if (call->response.events > 0 || written > 0) {
    reply.streamed = true;
    return reply;
  }
  // The agent answered with a plain JSON body instead of a stream: relay it.
  reply.body = RelayReply(req, *call, &task_id).dump();
  TrackTask(task_id, call->agent_id);
  return reply;
}

HubReply Hub::Handle(std::string_view body, const std::function<Status(std::string_view data)>& write_event) {
  HubReply reply;
  jsonrpc::ParsedBody parsed = jsonrpc::ParseBody(body);
  if (parsed.error) {
    reply.body = jsonrpc::MakeError(nullptr, *parsed.error).dump();
    return reply;
  }
  if (!parsed.batch) {
    jsonrpc::ParsedRequest& item = parsed.items.front();
    if (item.error) {
      if (!item.reply) reply.http_status = 204;
      else reply.body = jsonrpc::MakeError(item.id, *item.error).dump();
      return reply;
    }
    const jsonrpc::Request& req = *item.request;
    if (req.method == jsonrpc::Method::kSendStreamingMessage && write_event) return HandleStream(req, write_event);
    json out = HandleOne(req, body);
    if (!item.reply) {
      reply.http_status = 204;
      return reply;
    }
    reply.body = out.dump();
    return reply;
  }
  json replies = json::array();
  for (jsonrpc::ParsedRequest& item : parsed.items) {
    json out = item.error ? jsonrpc::MakeError(item.id, *item.error) : HandleOne(*item.request);
    if (item.reply) replies.push_back(std::move(out));
  }
  if (replies.empty()) {
    reply.http_status = 204;
  } else {
    reply.body = replies.dump();
  }
  return reply;
}

}  // namespace cess::agenthub
