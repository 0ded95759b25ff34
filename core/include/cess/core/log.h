// Logging: a thin facade over spdlog so every module logs the same way.
//
//   static const cess::log::Logger kLog("chain");
//   kLog.Info("block {} finalized in {} ms", height, ms);
//
// Lines go to stderr (or the file given to LogToFile) as
//   2025-01-31T12:00:00.123 info [chain] block 7 finalized in 3 ms
// Formatting uses {fmt} syntax and happens only when the level is enabled. Thread-safe.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::log {

enum class Level : int { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

// The global threshold: messages below it are dropped. Default kInfo.
void SetLevel(Level level);
Level GetLevel();
inline bool Enabled(Level level) { return level != Level::kOff && level >= GetLevel(); }

// Parses "trace", "debug", "info", "warn" (or "warning"), "error", "off". Errors: InvalidArgument.
Result<Level> ParseLevel(std::string_view name);

// Sends all further lines to `path` (appending; the file and missing parent directories are
// created) instead of stderr. Errors: IoError when the file cannot be opened; logging then stays
// where it was.
Status LogToFile(const std::string& path);

// Writes one line at `level` for `component`. Prefer the Logger methods, which skip formatting
// when the level is disabled.
void Write(Level level, std::string_view component, std::string_view message);

// Flushes buffered lines (call before exiting on a fatal error).
void Flush();

// A named source of log lines; cheap to construct, usually a static const per .cc file.
class Logger {
 public:
  explicit Logger(std::string component) : component_(std::move(component)) {}

  template <typename... Args>
  void Log(Level level, fmt::format_string<Args...> f, Args&&... args) const {
    if (Enabled(level)) Write(level, component_, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void Trace(fmt::format_string<Args...> f, Args&&... args) const {
    Log(Level::kTrace, f, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void Debug(fmt::format_string<Args...> f, Args&&... args) const {
    Log(Level::kDebug, f, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void Info(fmt::format_string<Args...> f, Args&&... args) const {
    Log(Level::kInfo, f, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void Warn(fmt::format_string<Args...> f, Args&&... args) const {
    Log(Level::kWarn, f, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void Error(fmt::format_string<Args...> f, Args&&... args) const {
    Log(Level::kError, f, std::forward<Args>(args)...);
  }

  const std::string& component() const { return component_; }

 private:
  std::string component_;
};

}  // namespace cess::log
