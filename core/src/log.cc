#include "cess/core/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <mutex>

namespace cess::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

constexpr char kPattern[] = "%Y-%m-%dT%H:%M:%S.%e %v";  // the level name is ours (Write)

void Configure(spdlog::logger& l) {
  l.set_pattern(kPattern);
  l.set_level(spdlog::level::trace);  // filtering happens in Enabled()
  l.flush_on(spdlog::level::info);
}

struct Sink {
  std::mutex mu;
  std::shared_ptr<spdlog::logger> logger;  // guarded by mu
};

Sink& GetSink() {
  static Sink* sink = [] {
    auto* s = new Sink;  // never destroyed: logging may happen during static destruction
    s->logger =
        std::make_shared<spdlog::logger>("cess", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    Configure(*s->logger);
    return s;
  }();
  return *sink;
}

std::shared_ptr<spdlog::logger> Current() {
  Sink& s = GetSink();
  std::lock_guard<std::mutex> lock(s.mu);
  return s.logger;
}

const char* Name(Level level) {
  switch (level) {
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "?";
}

spdlog::level::level_enum ToSpd(Level level) {
  switch (level) {
    case Level::kTrace:
      return spdlog::level::trace;
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void SetLevel(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

Level GetLevel() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

Result<Level> ParseLevel(std::string_view name) {
  if (name == "trace") return Level::kTrace;
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "error") return Level::kError;
  if (name == "off") return Level::kOff;
  return Status::InvalidArgument("unknown log level '" + std::string(name) +
                                 "' (expected trace, debug, info, warn, error or off)");
}

Status LogToFile(const std::string& path) {
  std::shared_ptr<spdlog::logger> l;
  try {
    l = std::make_shared<spdlog::logger>("cess", std::make_shared<spdlog::sinks::basic_file_sink_mt>(path));
  } catch (const std::exception& e) {  // spdlog reports open failures by throwing
    return Status::IoError("cannot open log file '" + path + "': " + e.what());
  }
  Configure(*l);
  Sink& s = GetSink();
  std::lock_guard<std::mutex> lock(s.mu);
  s.logger->flush();
  s.logger = std::move(l);
  return Status::Ok();
}

void Write(Level level, std::string_view component, std::string_view message) {
  if (!Enabled(level)) return;
  std::shared_ptr<spdlog::logger> l = Current();
  try {
    l->log(ToSpd(level), "{} [{}] {}", Name(level), component, message);
  } catch (...) {  // never let a logging failure escape into the caller
  }
}

void Flush() {
  try {
    Current()->flush();
  } catch (...) {
  }
}

}  // namespace cess::log
