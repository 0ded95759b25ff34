// The hub: directory + router + forwarder + cooldown + metering behind one call (issue 6 §2-3).
//
//   Hub::Forward      one JSON-RPC body to the best agent for a query, with failover
//   Hub::ForwardStream the same for SendStreamingMessage, SSE events passed through as they arrive
//   Hub::CallSkills   several skills on one input, in parallel or as a pipeline
//   Hub::Handle       a whole A2A JSON-RPC HTTP body (what the gateway's POST handler calls)
//
// Routing hints travel in the A2A request's `params.metadata` (docs/agenthub.md):
//   "skill": "x" | "skills": ["a","b"] (several skills), "mode": "parallel" | "pipeline",
//   "tags": ["t"], "maxPrice": 10, "region": "eu", "strategy": "cost"
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "cess/agenthub/agent.h"
#include "cess/agenthub/clock.h"
#include "cess/agenthub/forwarder.h"
#include "cess/agenthub/jsonrpc.h"
#include "cess/agenthub/metering.h"
#include "cess/agenthub/router.h"
#include "cess/core/result.h"

namespace cess::agenthub {

struct HubOptions {
  int64_t timeout_micros = 30'000'000;  // per attempt; default 30 s
  uint32_t max_attempts = 3;            // the chosen agent plus up to 2 fallbacks; default 3
  size_t max_tracked_tasks = 100'000;   // task id -> agent map for GetTask/CancelTask (FIFO); default 100k
};

enum class MultiMode { kParallel, kPipeline };

// The routing part of a request, read from params.metadata.
struct RouteHints {
  RouteQuery query;                 // skill (the first one when several), tags, price, region, strategy
  std::vector<std::string> skills;  // all skills named (one for a plain call)
  MultiMode mode = MultiMode::kParallel;
};
// Reads hints from A2A params. Errors: InvalidArgument naming a mistyped hint or an unknown
// strategy/mode; a request with neither skill(s) nor tags is InvalidArgument too.
Result<RouteHints> RouteHintsFromParams(const nlohmann::json& params);

struct CallResult {
  std::string agent_id;            // who answered
  HttpResponse response;           // the agent's reply (body empty when streamed)
  nlohmann::json reply;            // response.body parsed as a JSON-RPC reply; null when streamed,
                                   //   or when the reply was a non-2xx without a JSON-RPC body
  uint32_t attempts = 0;           // agents tried, including the one that answered
  std::vector<std::string> tried;  // ids in the order tried
};

struct SkillResult {
  std::string skill;
  std::string agent_id;  // empty when no agent answered
  std::string text;      // the agent's output text
  Status status;         // OK, or why this skill failed
};

// What Handle produced: a JSON body to send, or (streamed) events already written.
struct HubReply {
  int http_status = 200;
  std::string body;       // the JSON-RPC response (or batch); empty for notifications only / streamed
  bool streamed = false;  // events went to the writer; the body is empty
};

// Thread-safe: calls may run concurrently (the router, meter and task map lock internally).
// Every call blocks its thread until the agent answers or the deadline passes: run them on a
// worker pool, never on an event-loop thread (the gateway's Beast loop hands requests off).
class Hub {
 public:
  // `meter` may be null (no metering). All references must outlive the hub.
  Hub(const AgentDirectory& directory, Router& router, Forwarder& forwarder, UsageMeter* meter,
      const Clock& clock, HubOptions options = {});

  // Routes `query` and POSTs `body` to the chosen agent; on a failover outcome (5xx, 429, timeout,
  // connection error, bad response) tries the next fallback, up to max_attempts. Every attempt is
  // recorded in the router (latency, cooldown) and the meter. Returns the first 2xx reply, or a
  // non-failover reply (a 4xx) as is.
  // Errors: NotFound / Unavailable from routing (no agent; all cooling); Unavailable when every
  // attempt failed (the message lists them); DeadlineExceeded when the last failure was a timeout.
  Result<CallResult> Forward(const RouteQuery& query, const std::string& body);
  // As Forward with SSE passthrough: events reach `on_event` in order as they arrive. Failover
  // happens only while no event has been delivered; after that a broken stream is an error. The
  // latency recorded for a stream is the time to its first event. An error returned by
  // `on_event` (the caller went away) stops the stream, is returned as is, and is not counted
  // against the agent.
  Result<CallResult> ForwardStream(const RouteQuery& query, const std::string& body,
                                   const std::function<Status(const SseEvent&)>& on_event);
  // Runs `skills` on `text`: kParallel sends the same text to one agent per skill at once;
  // kPipeline feeds each skill's output text to the next. One SendMessage per skill, each routed
  // (with failover) by `base` with its skill replaced. A failing skill stops a pipeline (later
  // skills report FailedPrecondition) but not a parallel call. Errors: InvalidArgument for an
  // empty skill list.
  Result<std::vector<SkillResult>> CallSkills(const std::vector<std::string>& skills, MultiMode mode,
                                              std::string_view text, const RouteQuery& base);

  // Handles one A2A JSON-RPC HTTP body (single or batch). SendMessage/SendStreamingMessage are
  // routed by the hints in params.metadata; GetTask/CancelTask go to the agent that created the
  // task (TaskNotFound when the hub did not see it). A streaming request with a non-null
  // `write_event` streams each agent event's data through it (the writer's error stops it);
  // without a writer, or inside a batch, it is answered UnsupportedOperation. Never fails: all
  // errors become JSON-RPC error replies.
  HubReply Handle(std::string_view body, const std::function<Status(std::string_view data)>& write_event = nullptr);

 private:
  // `raw` is the request's own text when it came alone (forwarded as is); empty in a batch.
  nlohmann::json HandleOne(const jsonrpc::Request& req, std::string_view raw = {});
  nlohmann::json HandleSend(const jsonrpc::Request& req, std::string_view raw);
  nlohmann::json HandleMulti(const jsonrpc::Request& req, const RouteHints& hints);
  nlohmann::json HandleTaskOp(const jsonrpc::Request& req);
  HubReply HandleStream(const jsonrpc::Request& req, const std::function<Status(std::string_view)>& write_event);
  Result<CallResult> ForwardImpl(const RouteQuery& query, const std::string& body,
                                 const std::function<Status(const SseEvent&)>* on_event);
  void Attempt(const AgentInfo& agent, const std::string& body,
               const std::function<Status(const SseEvent&)>* on_event, Result<HttpResponse>& out,
               Outcome& outcome, nlohmann::json& reply, const Status* writer_status = nullptr);
  void TrackTask(const std::string& task_id, const std::string& agent_id);
  std::string TaskAgent(const std::string& task_id) const;

  const AgentDirectory& directory_;
  Router& router_;
  Forwarder& forwarder_;
  UsageMeter* meter_;
  const Clock& clock_;
  const HubOptions options_;
  mutable std::mutex tasks_mu_;
  std::unordered_map<std::string, std::string> task_agent_;  // guarded by tasks_mu_
  std::deque<std::string> task_order_;                       // guarded by tasks_mu_
};

}  // namespace cess::agenthub
