// Internal: the "name:value,key=value" syntax shared by rule specs and attack specs.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cess/core/result.h"

namespace cess::ailink::internal {

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Splits on `sep`, trimming each piece.
inline std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    out.push_back(Trim(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start)));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

// One "name[:params]" item, parameters bound to keys.
struct Item {
  std::string name;
  std::map<std::string, std::string> values;  // canonical key -> text value
};

// A parameter a name accepts: its canonical key and the other spellings allowed for it.
struct Key {
  std::string_view name;
  std::vector<std::string_view> aliases = {};
};

// Splits "name[:params]" into the name and raw params (positional ones keyed by "").
// Errors: InvalidArgument for an empty name or an empty parameter.
inline Result<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> SplitItem(
    std::string_view text, std::string_view what) {
  text = Trim(text);
  const size_t colon = text.find(':');
  const std::string name(Trim(text.substr(0, colon)));
  if (name.empty()) return Status::InvalidArgument("empty " + std::string(what) + " name in '" + std::string(text) + "'");
  std::vector<std::pair<std::string, std::string>> params;
  if (colon != std::string_view::npos) {
    for (std::string_view p : Split(text.substr(colon + 1), ',')) {
      if (p.empty()) {
        return Status::InvalidArgument("empty parameter in '" + std::string(text) + "'");
      }
      const size_t eq = p.find('=');
      if (eq == std::string_view::npos) {
        params.emplace_back("", std::string(p));
      } else {
        params.emplace_back(std::string(Trim(p.substr(0, eq))), std::string(Trim(p.substr(eq + 1))));
      }
    }
  }
  return std::make_pair(name, std::move(params));
}

// Binds raw params to `keys` (positional values in key order). Errors: InvalidArgument for too
// many values, an unknown key, or a key given twice.
inline Result<std::map<std::string, std::string>> BindParams(
    const std::string& name, const std::vector<std::pair<std::string, std::string>>& params,
    const std::vector<Key>& keys) {
  std::map<std::string, std::string> out;
  size_t positional = 0;
  for (const auto& [key, value] : params) {
    std::string canonical;
    if (key.empty()) {
      if (positional >= keys.size()) {
        return Status::InvalidArgument("'" + name + "' takes " +
                                       (keys.empty() ? std::string("no parameters")
                                                     : "at most " + std::to_string(keys.size()) + " parameter(s)"));
      }
      canonical = std::string(keys[positional++].name);
    } else {
      for (const Key& k : keys) {
        if (key == k.name) canonical = std::string(k.name);
        for (std::string_view a : k.aliases) {
          if (key == a) canonical = std::string(k.name);
        }
      }
      if (canonical.empty()) {
        std::string known;
        for (const Key& k : keys) known += (known.empty() ? "" : ", ") + std::string(k.name);
        return Status::InvalidArgument("'" + name + "' has no parameter '" + key + "'" +
                                       (known.empty() ? std::string(" (it takes none)") : " (known: " + known + ")"));
      }
    }
    if (value.empty()) return Status::InvalidArgument("'" + name + "': empty value for '" + canonical + "'");
    if (!out.emplace(canonical, value).second) {
      return Status::InvalidArgument("'" + name + "': parameter '" + canonical + "' given twice");
    }
  }
  return out;
}

// A finite number. Errors: InvalidArgument naming `what`.
inline Result<double> ParseNumber(const std::string& text, const std::string& what) {
  double v = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (!text.empty() && *begin == '+') ++begin;
  const auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v)) {
    return Status::InvalidArgument(what + ": '" + text + "' is not a finite number");
  }
  return v;
}

// A non-negative integer. Errors: InvalidArgument naming `what`.
inline Result<size_t> ParseCount(const std::string& text, const std::string& what) {
  size_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument(what + ": '" + text + "' is not a non-negative integer");
  }
  return v;
}

// Shortest text that reads back as `v` (for canonical specs).
inline std::string FormatNumber(double v) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, ptr) : std::to_string(v);
}

}  // namespace cess::ailink::internal
