#include "cess/agenthub/jsonrpc.h"

#include <gtest/gtest.h>

namespace cess::agenthub::jsonrpc {
namespace {

using json = nlohmann::json;

// The error code of a single-request body, or 0 when it parsed.
int CodeOf(std::string_view body) {
  ParsedBody b = ParseBody(body);
  if (b.error) return static_cast<int>(b.error->code);
  EXPECT_EQ(b.items.size(), 1u);
  return b.items[0].error ? static_cast<int>(b.items[0].error->code) : 0;
}

const char* kSend = R"({"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"role":"ROLE_USER","parts":[{"text":"hi"}],"messageId":"m1"}}})";

TEST(JsonRpc, ErrorCodesHaveSpecValues) {
  EXPECT_EQ(static_cast<int>(ErrorCode::kParseError), -32700);
  EXPECT_EQ(static_cast<int>(ErrorCode::kInvalidRequest), -32600);
  EXPECT_EQ(static_cast<int>(ErrorCode::kMethodNotFound), -32601);
  EXPECT_EQ(static_cast<int>(ErrorCode::kInvalidParams), -32602);
  EXPECT_EQ(static_cast<int>(ErrorCode::kInternalError), -32603);
  EXPECT_EQ(static_cast<int>(ErrorCode::kTaskNotFound), -32001);
  EXPECT_EQ(static_cast<int>(ErrorCode::kTaskNotCancelable), -32002);
  EXPECT_EQ(static_cast<int>(ErrorCode::kPushNotificationNotSupported), -32003);
  EXPECT_EQ(static_cast<int>(ErrorCode::kUnsupportedOperation), -32004);
  EXPECT_EQ(static_cast<int>(ErrorCode::kContentTypeNotSupported), -32005);
  EXPECT_EQ(static_cast<int>(ErrorCode::kInvalidAgentResponse), -32006);
  EXPECT_EQ(static_cast<int>(ErrorCode::kExtendedAgentCardNotConfigured), -32007);
  EXPECT_EQ(static_cast<int>(ErrorCode::kExtensionSupportRequired), -32008);
  EXPECT_EQ(static_cast<int>(ErrorCode::kVersionNotSupported), -32009);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kVersionNotSupported), "VersionNotSupported");
}

TEST(JsonRpc, ParsesAValidRequest) {
  ParsedBody b = ParseBody(kSend);
  ASSERT_FALSE(b.error);
  ASSERT_EQ(b.items.size(), 1u);
  ASSERT_TRUE(b.items[0].request);
  EXPECT_EQ(b.items[0].request->method, Method::kSendMessage);
  EXPECT_EQ(b.items[0].request->version, ProtocolVersion::kV1_0);
  EXPECT_EQ(b.items[0].id, json(1));
  EXPECT_TRUE(b.items[0].reply);
}

TEST(JsonRpc, MapsBothMethodGenerations) {
  struct Row {
    const char* v1;
    const char* v03;
    Method m;
  };
  for (const Row& r : {Row{"SendMessage", "message/send", Method::kSendMessage},
                       Row{"SendStreamingMessage", "message/stream", Method::kSendStreamingMessage},
                       Row{"GetTask", "tasks/get", Method::kGetTask}, Row{"CancelTask", "tasks/cancel", Method::kCancelTask}}) {
    ProtocolVersion v;
    ASSERT_EQ(LookupMethod(r.v1, &v), r.m);
    EXPECT_EQ(v, ProtocolVersion::kV1_0);
    ASSERT_EQ(LookupMethod(r.v03, &v), r.m);
    EXPECT_EQ(v, ProtocolVersion::kV0_3);
    EXPECT_EQ(MethodName(r.m), r.v1);
    EXPECT_EQ(MethodName(r.m, ProtocolVersion::kV0_3), r.v03);
  }
  EXPECT_FALSE(LookupMethod("sendMessage"));
  EXPECT_FALSE(LookupMethod("message/sen"));
}

TEST(JsonRpc, MalformedJsonIsParseError) {
  EXPECT_EQ(CodeOf("{\"jsonrpc\":\"2.0\",\"method\""), -32700);
  EXPECT_EQ(CodeOf(""), -32700);
  EXPECT_EQ(CodeOf("not json"), -32700);
  EXPECT_EQ(CodeOf("[1,2"), -32700);
}

TEST(JsonRpc, StructuralProblemsAreInvalidRequest) {
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"1.0","id":1,"method":"SendMessage","params":{}})"), -32600);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":2.0,"id":1,"method":"SendMessage"})"), -32600);
  EXPECT_EQ(CodeOf(R"({"id":1,"method":"SendMessage"})"), -32600);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1})"), -32600);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1,"method":5})"), -32600);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":{"a":1},"method":"GetTask"})"), -32600);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1,"method":"GetTask","params":"x"})"), -32600);
  EXPECT_EQ(CodeOf("42"), -32600);
  EXPECT_EQ(CodeOf("[]"), -32600);  // empty batch
}

TEST(JsonRpc, UnknownMethodIsMethodNotFound) {
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1,"method":"tasks/explode","params":{}})"), -32601);
  ParsedBody b = ParseBody(R"({"jsonrpc":"2.0","id":"abc","method":"Nope"})");
  ASSERT_TRUE(b.items[0].error);
  EXPECT_EQ(b.items[0].id, json("abc"));  // the reply carries the request id
}

TEST(JsonRpc, BadParamsAreInvalidParams) {
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1,"method":"SendMessage"})"), -32602);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{}})"), -32602);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":"hi"}})"), -32602);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"parts":3}}})"), -32602);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1,"method":"GetTask","params":{}})"), -32602);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1,"method":"tasks/cancel","params":{"id":7}})"), -32602);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1,"method":"GetTask","params":[1]})"), -32602);
  EXPECT_EQ(CodeOf(R"({"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"t1"}})"), 0);
  // 1.0 resource names are accepted and turned into an id.
  ParsedBody b = ParseBody(R"({"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"name":"tasks/t9"}})");
  ASSERT_TRUE(b.items[0].request);
  EXPECT_EQ(b.items[0].request->params["id"], "t9");
}

TEST(JsonRpc, NotificationsGetNoReply) {
  ParsedBody b = ParseBody(R"({"jsonrpc":"2.0","method":"GetTask","params":{"id":"t"}})");
  ASSERT_TRUE(b.items[0].request);
  EXPECT_FALSE(b.items[0].reply);
  b = ParseBody(R"({"jsonrpc":"2.0","method":"Nope"})");
  EXPECT_FALSE(b.items[0].reply);
}

TEST(JsonRpc, BatchElementsParseIndependently) {
  std::string body = std::string("[") + kSend + R"(, 5, {"jsonrpc":"2.0","id":3,"method":"Nope"},
      {"jsonrpc":"2.0","method":"GetTask","params":{"id":"t"}}])";
  ParsedBody b = ParseBody(body);
  ASSERT_FALSE(b.error);
  ASSERT_TRUE(b.batch);
  ASSERT_EQ(b.items.size(), 4u);
  EXPECT_TRUE(b.items[0].request);
  ASSERT_TRUE(b.items[1].error);
  EXPECT_EQ(b.items[1].error->code, ErrorCode::kInvalidRequest);
  EXPECT_EQ(b.items[1].id, json(nullptr));
  ASSERT_TRUE(b.items[2].error);
  EXPECT_EQ(b.items[2].error->code, ErrorCode::kMethodNotFound);
  EXPECT_EQ(b.items[2].id, json(3));
  EXPECT_TRUE(b.items[3].request);
  EXPECT_FALSE(b.items[3].reply);
}

TEST(JsonRpc, BuildsResponses) {
  json ok = MakeResult("x", {{"a", 1}});
  EXPECT_EQ(ok.dump(), R"({"id":"x","jsonrpc":"2.0","result":{"a":1}})");
  json err = MakeError(7, ErrorCode::kTaskNotFound, "");
  EXPECT_EQ(err["error"]["code"], -32001);
  EXPECT_EQ(err["error"]["message"], "TaskNotFound");
  EXPECT_TRUE(ParseResponse(ok.dump()).ok());
  EXPECT_TRUE(ParseResponse(err.dump()).ok());
  EXPECT_FALSE(ParseResponse("nope").ok());
  EXPECT_FALSE(ParseResponse(R"({"jsonrpc":"2.0","id":1})").ok());
  EXPECT_FALSE(ParseResponse(R"({"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1}})").ok());
  EXPECT_FALSE(ParseResponse(R"({"jsonrpc":"2.0","id":1,"error":{"message":"x"}})").ok());
  EXPECT_EQ(ErrorFromStatus(Status::NotFound("t"), true).code, ErrorCode::kTaskNotFound);
  EXPECT_EQ(ErrorFromStatus(Status::InvalidArgument("t")).code, ErrorCode::kInvalidParams);
  EXPECT_EQ(ErrorFromStatus(Status::Unimplemented("t")).code, ErrorCode::kUnsupportedOperation);
  EXPECT_EQ(ErrorFromStatus(Status::Unavailable("t")).code, ErrorCode::kInternalError);
}

}  // namespace
}  // namespace cess::agenthub::jsonrpc
