#include "cess/agenthub/sse.h"

#include <gtest/gtest.h>

#include <random>

namespace cess::agenthub {
namespace {

std::vector<SseEvent> ParseAll(const std::vector<std::string>& chunks) {
  std::vector<SseEvent> out;
  SseParser p([&](const SseEvent& e) {
    out.push_back(e);
    return Status::Ok();
  });
  for (const std::string& c : chunks) EXPECT_TRUE(p.Feed(c).ok());
  return out;
}

TEST(Sse, ParsesFieldsCommentsAndMultilineData) {
  auto ev = ParseAll({": keep-alive\n\nevent: update\ndata: {\"a\":1}\nid: 7\n\ndata:x\ndata: y\nretry: 10\n\n"});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].event, "update");
  EXPECT_EQ(ev[0].data, "{\"a\":1}");
  EXPECT_EQ(ev[0].id, "7");
  EXPECT_EQ(ev[1].event, "");
  EXPECT_EQ(ev[1].data, "x\ny");
}

TEST(Sse, HandlesCrLfCrAndBom) {
  auto ev = ParseAll({"\xEF\xBB\xBF" "data: a\r\n\r\ndata: b\r\rdata: c\n\n"});
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].data, "a");
  EXPECT_EQ(ev[1].data, "b");
  EXPECT_EQ(ev[2].data, "c");
}

TEST(Sse, IncompleteEventIsNotDispatched) {
  auto ev = ParseAll({"data: a\n\ndata: partial\n"});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ParseAll({"event: x\n\n"}).size(), 0u);  // no data: nothing to dispatch
}

TEST(Sse, HandlerErrorStopsFeed) {
  int n = 0;
  SseParser p([&](const SseEvent&) {
    ++n;
    return n == 2 ? Status::Unavailable("client gone") : Status::Ok();
  });
  Status st = p.Feed("data: 1\n\ndata: 2\n\ndata: 3\n\n");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(n, 2);
}

// FormatSseEvent output, cut into random chunks (including splits inside CRLF), parses back to the
// same events in order.
TEST(Sse, RandomChunkingMatchesWholeParse) {
  std::mt19937_64 rng(std::random_device{}());
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> datas;
    std::string wire;
    int n = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) {
      std::string d;
      int len = static_cast<int>(rng() % 40);
      for (int k = 0; k < len; ++k) {
        int r = static_cast<int>(rng() % 30);
        d.push_back(r == 0 ? '\n' : static_cast<char>('a' + r % 26));
      }
      datas.push_back(d);
      std::string ev = FormatSseEvent(d, rng() % 2 ? "update" : "");
      if (rng() % 3 == 0) {  // use CRLF line ends for some events
        std::string crlf;
        for (char c : ev) {
          if (c == '\n') crlf += "\r\n";
          else crlf.push_back(c);
        }
        ev = crlf;
      }
      wire += ev;
    }
    std::vector<std::string> chunks;
    for (size_t pos = 0; pos < wire.size();) {
      size_t len = 1 + rng() % 7;
      chunks.push_back(wire.substr(pos, len));
      pos += len;
    }
    auto ev = ParseAll(chunks);
    ASSERT_EQ(ev.size(), datas.size()) << "round " << round;
    for (size_t i = 0; i < datas.size(); ++i) EXPECT_EQ(ev[i].data, datas[i]) << "round " << round << " event " << i;
  }
}

}  // namespace
}  // namespace cess::agenthub
