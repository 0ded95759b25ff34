// JSON-RPC 2.0 (jsonrpc.org/specification) as the A2A JSON-RPC binding uses it: request parsing,
// batches, responses, and the error codes of JSON-RPC and of A2A 1.0 (specification §5.4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::agenthub::jsonrpc {

// Error codes. -32700..-32603 are JSON-RPC 2.0's; -32001..-32009 are A2A 1.0's.
enum class ErrorCode : int32_t {
  kParseError = -32700,      // the body is not valid JSON
  kInvalidRequest = -32600,  // valid JSON but not a JSON-RPC 2.0 request object
  kMethodNotFound = -32601,  // no such method
  kInvalidParams = -32602,   // the params do not fit the method
  kInternalError = -32603,   // a fault inside the server
  kTaskNotFound = -32001,
  kTaskNotCancelable = -32002,
  kPushNotificationNotSupported = -32003,
  kUnsupportedOperation = -32004,
  kContentTypeNotSupported = -32005,
  kInvalidAgentResponse = -32006,
  kExtendedAgentCardNotConfigured = -32007,  // 0.3 name: AuthenticatedExtendedCardNotConfigured
  kExtensionSupportRequired = -32008,
  kVersionNotSupported = -32009,
};

// The spec's name for `code`, e.g. "TaskNotFound", "Parse error".
std::string_view ErrorCodeName(ErrorCode code);

// The A2A operations this hub routes. The 1.0 method names and the 0.3 names map to the same one.
enum class Method {
  kSendMessage,           // "SendMessage" | "message/send"
  kSendStreamingMessage,  // "SendStreamingMessage" | "message/stream"
  kGetTask,               // "GetTask" | "tasks/get"
  kCancelTask,            // "CancelTask" | "tasks/cancel"
};

// Which naming generation a method name came from (replies mirror the caller's generation).
enum class ProtocolVersion { kV0_3, kV1_0 };

// Looks up a method name. Returns nullopt for names this hub does not serve.
std::optional<Method> LookupMethod(std::string_view name, ProtocolVersion* version = nullptr);
// The 1.0 name of `m`, or the 0.3 name when `version` is kV0_3.
std::string_view MethodName(Method m, ProtocolVersion version = ProtocolVersion::kV1_0);

// A JSON-RPC error object.
struct Error {
  ErrorCode code = ErrorCode::kInternalError;
  std::string message;
  nlohmann::json data;  // null = absent
};

// One request. `id` is a string, a number or null; `has_id` false means a notification (no reply).
struct Request {
  nlohmann::json id;
  bool has_id = false;
  std::string method_name;
  Method method = Method::kSendMessage;  // valid only when the name is known (see ParseRequest)
  ProtocolVersion version = ProtocolVersion::kV1_0;
  nlohmann::json params;  // an object (A2A methods take by-name params); null when absent
};

// Validates one parsed JSON value as a request: an object with "jsonrpc":"2.0", a string
// "method", an optional "id" (string, number or null) and optional "params" (object or array).
// Errors (as a JSON-RPC Error, with the request id when it could be read):
//   kInvalidRequest — not an object, wrong/missing jsonrpc, missing or non-string method, bad id
//                     type, params neither object nor array;
//   kMethodNotFound — a well-formed request naming a method this hub does not serve;
//   kInvalidParams  — params present but not an object, or (for the A2A methods) missing the
//                     required member: "message" (object) for the send methods, "id" (string)
//                     for GetTask / CancelTask.
struct ParsedRequest {
  std::optional<Request> request;  // set on success
  std::optional<Error> error;      // set on failure
  nlohmann::json id;               // the id to answer with (null when unknown)
  bool reply = true;               // false for a valid notification (no "id")
};
ParsedRequest ParseRequest(const nlohmann::json& value);

// A whole HTTP body: one request or a batch (a JSON array of requests).
struct ParsedBody {
  bool batch = false;
  std::vector<ParsedRequest> items;  // one for a single request
  std::optional<Error> error;        // set for a parse error, or an empty batch (kInvalidRequest)
};
// Parses `body`. Never throws. A body that is not JSON gives error kParseError; an empty array
// gives kInvalidRequest; each element of a non-empty array is parsed on its own, so one bad
// element yields one error reply and leaves the others intact (spec §6).
ParsedBody ParseBody(std::string_view body);

// {"jsonrpc":"2.0","id":id,"result":result}
nlohmann::json MakeResult(const nlohmann::json& id, nlohmann::json result);
// {"jsonrpc":"2.0","id":id,"error":{"code","message"[,"data"]}}
nlohmann::json MakeError(const nlohmann::json& id, const Error& error);
// Shorthand for MakeError with a code and message.
nlohmann::json MakeError(const nlohmann::json& id, ErrorCode code, std::string message);

// Maps a Status from the hub to a JSON-RPC error: NotFound -> TaskNotFound when `task_op`, else
// InvalidParams for InvalidArgument, Unimplemented -> UnsupportedOperation, everything else ->
// InternalError; the message is the status message.
Error ErrorFromStatus(const Status& status, bool task_op = false);

// Parses a JSON-RPC response body (from an agent): an object with "jsonrpc":"2.0" and exactly
// one of "result" / "error". Errors: InvalidArgument describing what is wrong (the hub turns it
// into kInvalidAgentResponse).
Result<nlohmann::json> ParseResponse(std::string_view body);

}  // namespace cess::agenthub::jsonrpc
