// A small A2A agent server with deterministic skills, for tests, benchmarks and the walk-through
// (issue 6 §7). It speaks A2A JSON-RPC 2.0 over HTTP/1.1 (keep-alive) on Boost.Beast:
//   GET  /.well-known/agent-card.json   the Agent Card (1.0 shape)
//   POST /  (any path)                  SendMessage | message/send, SendStreamingMessage |
//                                       message/stream (SSE: one event per word, then a final
//                                       status event), GetTask | tasks/get, CancelTask | tasks/cancel
//
// Skills (the text is the concatenated text parts of the message):
//   echo        the text unchanged          upper       the text in upper case
//   word-count  "<n> words"                 reverse     the words in reverse order
//   medical     "medical: injury assessment for '<text>' ..." (deterministic, from a hash of the text)
//   insurance   "insurance: claim ..."      driving     "driving: fault analysis ..."
// The skill is params.metadata.skill, else the first skill the agent serves.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cess/agenthub/agent_card.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::agenthub::example {

struct ExampleAgentOptions {
  std::string listen = "127.0.0.1:0";   // host:port; port 0 = any free port
  std::string name = "example-agent";
  std::vector<std::string> skills = {"echo", "upper", "word-count"};
  std::string region;                    // advertised in the card's description only
  uint32_t delay_ms = 0;                 // added before every JSON-RPC reply (and between SSE events)
  double fail_rate = 0;                  // probability [0,1] a JSON-RPC call fails with fail_status
  int fail_status = 500;                 // 500 or 429 (429 carries Retry-After: retry_after_s)
  uint32_t retry_after_s = 1;
  uint64_t seed = 1;                     // seeds the failure draws
};

// The skills this agent knows. A skill name outside this list is rejected by Start.
const std::vector<std::string>& KnownSkills();
// The deterministic output of `skill` on `text`. Errors: InvalidArgument for an unknown skill.
Result<std::string> RunSkill(const std::string& skill, const std::string& text);

// Thread-safe. One thread accepts; each connection gets its own thread.
class ExampleAgent {
 public:
  explicit ExampleAgent(ExampleAgentOptions options);
  ~ExampleAgent();  // stops the server
  ExampleAgent(const ExampleAgent&) = delete;
  ExampleAgent& operator=(const ExampleAgent&) = delete;

  // Binds and starts serving in background threads. Errors: InvalidArgument for a bad option,
  // IoError when the address cannot be bound.
  Status Start();
  // Stops accepting, closes open connections and joins the threads. Idempotent.
  void Stop();
  // The bound port (after Start).
  uint16_t port() const;
  // "http://127.0.0.1:<port>/"
  std::string url() const;
  // The card served at /.well-known/agent-card.json.
  const AgentCard& card() const;
  // JSON-RPC requests answered so far (any method, including injected failures).
  uint64_t requests() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cess::agenthub::example
