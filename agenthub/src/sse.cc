#include "cess/agenthub/sse.h"

namespace cess::agenthub {

Status SseParser::Feed(std::string_view chunk) {
  if (!bom_checked_) {
    buffer_.append(chunk);
    if (buffer_.size() < 3 && std::string_view("\xEF\xBB\xBF").substr(0, buffer_.size()) == buffer_) {
      return Status::Ok();  // could still be a BOM
    }
    bom_checked_ = true;
    if (buffer_.rfind("\xEF\xBB\xBF", 0) == 0) buffer_.erase(0, 3);
    std::string pending = std::move(buffer_);
    buffer_.clear();
    return Feed(pending);
  }
  size_t start = 0;
  if (last_cr_ && !chunk.empty() && chunk[0] == '\n') start = 1;  // the LF of a CRLF split across chunks
  last_cr_ = false;
  for (size_t i = start; i < chunk.size(); ++i) {
    char c = chunk[i];
    if (c != '\n' && c != '\r') continue;
    std::string_view piece = chunk.substr(start, i - start);
    Status st;
    if (buffer_.empty()) {
      st = Line(piece);
    } else {
      buffer_.append(piece);
      std::string line = std::move(buffer_);
      buffer_.clear();
      st = Line(line);
    }
    if (c == '\r') {
      if (i + 1 < chunk.size()) {
        if (chunk[i + 1] == '\n') ++i;
      } else {
        last_cr_ = true;
      }
    }
    start = i + 1;
    if (!st.ok()) return st;
  }
  buffer_.append(chunk.substr(start));
  return Status::Ok();
}

Status SseParser::Line(std::string_view line) {
  if (line.empty()) {  // dispatch
    if (!has_data_) {
      current_ = SseEvent();
      return Status::Ok();
    }
    SseEvent ev = std::move(current_);
    current_ = SseEvent();
    has_data_ = false;
    ++events_;
    return handler_(ev);
  }
  if (line[0] == ':') return Status::Ok();  // comment
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) current_.data.push_back('\n');
    current_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    current_.event = std::string(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) current_.id = std::string(value);
  }  // "retry" and unknown fields are ignored
  return Status::Ok();
}

std::string FormatSseEvent(std::string_view data, std::string_view event) {
  std::string out;
  out.reserve(data.size() + 16);
  if (!event.empty()) {
    out += "event: ";
    out += event;
    out += '\n';
  }
  size_t start = 0;
  while (true) {
    size_t nl = data.find('\n', start);
    out += "data: ";
    out += data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  out += '\n';
  return out;
}

}  // namespace cess::agenthub
