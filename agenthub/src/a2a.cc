#include "cess/agenthub/a2a.h"

#include <cctype>

namespace cess::agenthub::a2a {
namespace {
using json = nlohmann::json;

json TextPart(std::string_view text, ProtocolVersion v) {
  json p = json::object();
  if (v == ProtocolVersion::kV0_3) p["kind"] = "text";
  p["text"] = std::string(text);
  return p;
}

std::string PartsText(const json& parts) {
  std::string out;
  if (!parts.is_array()) return out;
  for (const json& p : parts) {
    if (!p.is_object()) continue;
    auto t = p.find("text");
    if (t != p.end() && t->is_string()) out += t->get<std::string>();
  }
  return out;
}

// Unwraps the 1.0 {"task": ...} / {"message": ...} result shapes.
const json& Unwrap(const json& result, bool* is_message) {
  *is_message = false;
  if (result.is_object()) {
    if (auto t = result.find("task"); t != result.end() && t->is_object()) return *t;
    if (auto m = result.find("message"); m != result.end() && m->is_object()) {
      *is_message = true;
      return *m;
    }
    if (auto k = result.find("kind"); k != result.end() && *k == "message") *is_message = true;
  }
  return result;
}
}  // namespace

std::string TaskStateName(TaskState s, ProtocolVersion v) {
  const char* n = "unknown";
  switch (s) {
    case TaskState::kSubmitted: n = "submitted"; break;
    case TaskState::kWorking: n = "working"; break;
    case TaskState::kCompleted: n = "completed"; break;
    case TaskState::kFailed: n = "failed"; break;
    case TaskState::kCanceled: n = "canceled"; break;
    case TaskState::kInputRequired: n = "input-required"; break;
    case TaskState::kRejected: n = "rejected"; break;
    case TaskState::kAuthRequired: n = "auth-required"; break;
  }
  if (v == ProtocolVersion::kV0_3) return n;
  std::string up = "TASK_STATE_";
  for (const char* c = n; *c; ++c) up += *c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*c)));
  if (s == TaskState::kCanceled) up = "TASK_STATE_CANCELLED";  // a2a.proto spells it with two l
  return up;
}

bool IsTerminalStateName(std::string_view name) {
  for (std::string_view t : {"completed", "failed", "canceled", "rejected", "TASK_STATE_COMPLETED",
                             "TASK_STATE_FAILED", "TASK_STATE_CANCELLED", "TASK_STATE_REJECTED"}) {
    if (name == t) return true;
  }
  return false;
}

std::string MessageText(const json& message) {
  if (!message.is_object()) return "";
  auto parts = message.find("parts");
  return parts == message.end() ? "" : PartsText(*parts);
}

json MakeTextMessage(std::string_view text, bool role_agent, std::string_view message_id, ProtocolVersion v,
                     std::string_view context_id, std::string_view task_id) {
  json m = json::object();
  if (v == ProtocolVersion::kV0_3) {
    m["kind"] = "message";
    m["role"] = role_agent ? "agent" : "user";
  } else {
    m["role"] = role_agent ? "ROLE_AGENT" : "ROLE_USER";
  }
  m["messageId"] = std::string(message_id);
  m["parts"] = json::array({TextPart(text, v)});
  if (!context_id.empty()) m["contextId"] = std::string(context_id);
  if (!task_id.empty()) m["taskId"] = std::string(task_id);
  return m;
}

json MakeTask(std::string_view id, std::string_view context_id, TaskState state, std::string_view artifact_text,
              ProtocolVersion v) {
  json t = json::object();
  if (v == ProtocolVersion::kV0_3) t["kind"] = "task";
  t["id"] = std::string(id);
  t["contextId"] = std::string(context_id);
  t["status"] = {{"state", TaskStateName(state, v)}};
  t["artifacts"] = json::array();
  if (!artifact_text.empty()) {
    json a = {{"artifactId", std::string(id) + "-result"}, {"name", "result"},
              {"parts", json::array({TextPart(artifact_text, v)})}};
    t["artifacts"].push_back(std::move(a));
  }
  return t;
}

json WrapTaskResult(json task, ProtocolVersion v) {
  if (v == ProtocolVersion::kV0_3) return task;
  json r = json::object();
  r["task"] = std::move(task);
  return r;
}

std::string ResultText(const json& result) {
  bool is_message = false;
  const json& r = Unwrap(result, &is_message);
  if (!r.is_object()) return "";
  if (is_message) return MessageText(r);
  std::string out;
  if (auto arts = r.find("artifacts"); arts != r.end() && arts->is_array()) {
    for (const json& a : *arts) {
      if (!a.is_object() || !a.contains("parts")) continue;
      std::string t = PartsText(a["parts"]);
      if (t.empty()) continue;
      if (!out.empty()) out += '\n';
      out += t;
    }
  }
  if (out.empty()) {
    if (auto st = r.find("status"); st != r.end() && st->is_object() && st->contains("message")) {
      out = MessageText((*st)["message"]);
    }
  }
  return out;
}

std::string ResultTaskId(const json& result) {
  bool is_message = false;
  const json& r = Unwrap(result, &is_message);
  if (!r.is_object()) return "";
  if (is_message) {
    auto t = r.find("taskId");
    return t != r.end() && t->is_string() ? t->get<std::string>() : "";
  }
  // Task: "id"; status/artifact update events (0.3 and 1.0): "taskId".
  if (auto t = r.find("taskId"); t != r.end() && t->is_string()) return t->get<std::string>();
  for (const char* wrap : {"statusUpdate", "artifactUpdate"}) {
    if (auto w = r.find(wrap); w != r.end() && w->is_object()) {
      if (auto t = w->find("taskId"); t != w->end() && t->is_string()) return t->get<std::string>();
    }
  }
  if (auto t = r.find("id"); t != r.end() && t->is_string()) return t->get<std::string>();
  return "";
}

}  // namespace cess::agenthub::a2a
