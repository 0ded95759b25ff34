// Server-Sent Events (HTML Living Standard, "text/event-stream"): an incremental parser for the
// client side and a formatter for the server side.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "cess/core/status.h"

namespace cess::agenthub {

struct SseEvent {
  std::string event;  // the "event:" field; empty = "message"
  std::string data;   // the "data:" lines joined with '\n'
  std::string id;     // the "id:" field; empty = none
};

// Feeds bytes in arbitrary chunks; calls the handler once per complete event (a blank line ends an
// event; an event with no data lines is not dispatched, as the standard says). Handles LF, CRLF
// and CR line ends, a leading BOM, ":" comment lines, and one optional space after the colon.
// Not thread-safe.
class SseParser {
 public:
  // The handler's error stops parsing and is returned by Feed.
  using Handler = std::function<Status(const SseEvent&)>;
  explicit SseParser(Handler handler) : handler_(std::move(handler)) {}

  // Consumes `chunk`. Errors: whatever the handler returned.
  Status Feed(std::string_view chunk);
  // Number of events dispatched so far.
  size_t events() const { return events_; }

 private:
  Status Line(std::string_view line);
  Handler handler_;
  std::string buffer_;   // an incomplete line
  bool last_cr_ = false; // the previous chunk ended in '\r' (a following '\n' belongs to it)
  bool bom_checked_ = false;
  SseEvent current_;
  bool has_data_ = false;
  size_t events_ = 0;
};

// One event in wire form: optional "event:" line, one "data:" line per line of `data`, blank line.
std::string FormatSseEvent(std::string_view data, std::string_view event = {});

}  // namespace cess::agenthub
