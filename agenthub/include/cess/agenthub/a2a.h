// Small helpers for A2A messages and tasks, in the 0.3 and the 1.0 JSON shapes.
//
// 0.3: parts carry "kind":"text"; objects carry "kind":"message"/"task"/"status-update"/
//      "artifact-update"; roles "user"/"agent"; states "completed", "working", ...
// 1.0: no "kind" members (the result is wrapped: {"task":{...}} or {"message":{...}}); roles
//      "ROLE_USER"/"ROLE_AGENT"; states "TASK_STATE_COMPLETED", ...
// Readers accept both shapes.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cess/agenthub/jsonrpc.h"

namespace cess::agenthub::a2a {

using jsonrpc::ProtocolVersion;

enum class TaskState { kSubmitted, kWorking, kCompleted, kFailed, kCanceled, kInputRequired, kRejected, kAuthRequired };

// "completed" (0.3) or "TASK_STATE_COMPLETED" (1.0).
std::string TaskStateName(TaskState s, ProtocolVersion v);
// True for a terminal state name of either version (completed, failed, canceled, rejected).
bool IsTerminalStateName(std::string_view name);

// The concatenated text of a message's parts ("text" members of parts, in order). Empty when the
// message has none.
std::string MessageText(const nlohmann::json& message);

// A message with one text part. `role_agent` picks agent vs user.
nlohmann::json MakeTextMessage(std::string_view text, bool role_agent, std::string_view message_id,
                               ProtocolVersion v, std::string_view context_id = {},
                               std::string_view task_id = {});

// A task with a status and (when `artifact_text` is non-empty) one text artifact.
nlohmann::json MakeTask(std::string_view id, std::string_view context_id, TaskState state,
                        std::string_view artifact_text, ProtocolVersion v);

// Wraps a task as the SendMessage result: 1.0 {"task": task}; 0.3 the task itself.
nlohmann::json WrapTaskResult(nlohmann::json task, ProtocolVersion v);

// The text an agent answered in a SendMessage/GetTask result of either version: the artifacts'
// text parts (joined by '\n'), else the status message's text, else a message result's text.
std::string ResultText(const nlohmann::json& result);
// The task id in a SendMessage result or stream event of either version, or "" when none.
std::string ResultTaskId(const nlohmann::json& result);

}  // namespace cess::agenthub::a2a
