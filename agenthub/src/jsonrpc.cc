#include "cess/agenthub/jsonrpc.h"

#include <array>
#include <utility>

namespace cess::agenthub::jsonrpc {
namespace {

using json = nlohmann::json;

struct MethodEntry {
  std::string_view v1;
  std::string_view v03;
  Method method;
};
constexpr std::array<MethodEntry, 4> kMethods = {{
    {"SendMessage", "message/send", Method::kSendMessage},
    {"SendStreamingMessage", "message/stream", Method::kSendStreamingMessage},
    {"GetTask", "tasks/get", Method::kGetTask},
    {"CancelTask", "tasks/cancel", Method::kCancelTask},
}};

bool ValidId(const json& id) { return id.is_string() || id.is_number() || id.is_null(); }

}  // namespace

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kParseError: return "Parse error";
    case ErrorCode::kInvalidRequest: return "Invalid Request";
    case ErrorCode::kMethodNotFound: return "Method not found";
    case ErrorCode::kInvalidParams: return "Invalid params";
    case ErrorCode::kInternalError: return "Internal error";
    case ErrorCode::kTaskNotFound: return "TaskNotFound";
    case ErrorCode::kTaskNotCancelable: return "TaskNotCancelable";
    case ErrorCode::kPushNotificationNotSupported: return "PushNotificationNotSupported";
    case ErrorCode::kUnsupportedOperation: return "UnsupportedOperation";
    case ErrorCode::kContentTypeNotSupported: return "ContentTypeNotSupported";
    case ErrorCode::kInvalidAgentResponse: return "InvalidAgentResponse";
    case ErrorCode::kExtendedAgentCardNotConfigured: return "ExtendedAgentCardNotConfigured";
    case ErrorCode::kExtensionSupportRequired: return "ExtensionSupportRequired";
    case ErrorCode::kVersionNotSupported: return "VersionNotSupported";
  }
  return "Unknown error";
}

std::optional<Method> LookupMethod(std::string_view name, ProtocolVersion* version) {
  for (const MethodEntry& e : kMethods) {
    if (name == e.v1) {
      if (version) *version = ProtocolVersion::kV1_0;
      return e.method;
    }
    if (name == e.v03) {
      if (version) *version = ProtocolVersion::kV0_3;
      return e.method;
    }
  }
  return std::nullopt;
}

std::string_view MethodName(Method m, ProtocolVersion version) {
  for (const MethodEntry& e : kMethods) {
    if (e.method == m) return version == ProtocolVersion::kV0_3 ? e.v03 : e.v1;
  }
  return "";
}

ParsedRequest ParseRequest(const json& value) {
  ParsedRequest out;
  auto fail = [&out](ErrorCode code, std::string msg) {
    out.error = Error{code, std::move(msg), json()};
    out.reply = true;
    return out;
  };
  if (!value.is_object()) return fail(ErrorCode::kInvalidRequest, "request must be a JSON object");
  auto id = value.find("id");
  bool has_id = id != value.end();
  if (has_id) {
    if (!ValidId(*id)) return fail(ErrorCode::kInvalidRequest, "id must be a string, a number or null");
    out.id = *id;
  }
  auto ver = value.find("jsonrpc");
  if (ver == value.end() || !ver->is_string() || ver->get<std::string>() != "2.0") {
    return fail(ErrorCode::kInvalidRequest, "jsonrpc must be exactly \"2.0\"");
  }
  auto method = value.find("method");
  if (method == value.end()) return fail(ErrorCode::kInvalidRequest, "method is missing");
  if (!method->is_string()) return fail(ErrorCode::kInvalidRequest, "method must be a string");
  auto params = value.find("params");
  if (params != value.end() && !params->is_object() && !params->is_array()) {
    return fail(ErrorCode::kInvalidRequest, "params must be an object or an array");
  }
  Request req;
  req.id = out.id;
  req.has_id = has_id;
  req.method_name = method->get<std::string>();
  if (params != value.end()) req.params = *params;
  std::optional<Method> m = LookupMethod(req.method_name, &req.version);
  if (!m) {
    if (!has_id) {  // a notification for an unknown method: nothing to answer
      out.reply = false;
      out.error = Error{ErrorCode::kMethodNotFound, "method not found: " + req.method_name, json()};
      return out;
    }
    return fail(ErrorCode::kMethodNotFound, "method not found: " + req.method_name);
  }
  req.method = *m;
  if (!req.params.is_object()) {
    return fail(ErrorCode::kInvalidParams, std::string(MethodName(req.method, req.version)) +
                                               ": params must be an object");
  }
  if (req.method == Method::kSendMessage || req.method == Method::kSendStreamingMessage) {
    auto msg = req.params.find("message");
    if (msg == req.params.end() || !msg->is_object()) {
      return fail(ErrorCode::kInvalidParams, "params.message is required and must be an object");
    }
    auto parts = msg->find("parts");
    if (parts == msg->end() || !parts->is_array()) {
      return fail(ErrorCode::kInvalidParams, "params.message.parts is required and must be an array");
    }
  } else {
    auto tid = req.params.find("id");
    // 1.0 GetTaskRequest may name the task as "name": "tasks/{id}"; accept both.
    auto name = req.params.find("name");
    bool ok_id = tid != req.params.end() && tid->is_string() && !tid->get<std::string>().empty();
    bool ok_name = name != req.params.end() && name->is_string() && name->get<std::string>().rfind("tasks/", 0) == 0;
    if (!ok_id && !ok_name) return fail(ErrorCode::kInvalidParams, "params.id (the task id) is required and must be a string");
    if (!ok_id) req.params["id"] = name->get<std::string>().substr(6);
  }
  out.reply = has_id;
  out.request = std::move(req);
  return out;
}

ParsedBody ParseBody(std::string_view body) {
  ParsedBody out;
  json value = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    out.error = Error{ErrorCode::kParseError, "body is not valid JSON", json()};
    return out;
  }
  if (value.is_array()) {
    out.batch = true;
    if (value.empty()) {
      out.error = Error{ErrorCode::kInvalidRequest, "empty batch", json()};
      return out;
    }
    out.items.reserve(value.size());
    for (const json& e : value) out.items.push_back(ParseRequest(e));
    return out;
  }
  out.items.push_back(ParseRequest(value));
  return out;
}

json MakeResult(const json& id, json result) {
  json j = json::object();
  j["jsonrpc"] = "2.0";
  j["id"] = id;
  j["result"] = std::move(result);
  return j;
}

json MakeError(const json& id, const Error& error) {
  json e = json::object();
  e["code"] = static_cast<int32_t>(error.code);
  e["message"] = error.message.empty() ? std::string(ErrorCodeName(error.code)) : error.message;
  if (!error.data.is_null()) e["data"] = error.data;
  json j = json::object();
  j["jsonrpc"] = "2.0";
  j["id"] = id;
  j["error"] = std::move(e);
  return j;
}

json MakeError(const json& id, ErrorCode code, std::string message) {
  return MakeError(id, Error{code, std::move(message), json()});
}

Error ErrorFromStatus(const Status& status, bool task_op) {
  ErrorCode code = ErrorCode::kInternalError;
  switch (status.code()) {
    case StatusCode::kNotFound: code = task_op ? ErrorCode::kTaskNotFound : ErrorCode::kInvalidParams; break;
    case StatusCode::kInvalidArgument: code = ErrorCode::kInvalidParams; break;
    case StatusCode::kUnimplemented: code = ErrorCode::kUnsupportedOperation; break;
    default: break;
  }
  return Error{code, status.message(), json{{"status", std::string(StatusCodeName(status.code()))}}};
}

Result<json> ParseResponse(std::string_view body) {
  json value = json::parse(body.begin(), body.end(), nullptr, false);
  if (value.is_discarded()) return Status::InvalidArgument("agent reply is not valid JSON");
  if (!value.is_object()) return Status::InvalidArgument("agent reply is not a JSON object");
  auto ver = value.find("jsonrpc");
  if (ver == value.end() || *ver != "2.0") return Status::InvalidArgument("agent reply lacks \"jsonrpc\":\"2.0\"");
  bool has_result = value.contains("result");
  bool has_error = value.contains("error");
  if (has_result == has_error) return Status::InvalidArgument("agent reply must have exactly one of result and error");
  if (has_error && (!value["error"].is_object() || !value["error"].contains("code") || !value["error"]["code"].is_number_integer())) {
    return Status::InvalidArgument("agent reply has a malformed error object");
  }
  return value;
}

}  // namespace cess::agenthub::jsonrpc
