// Shared pieces of the `cess` command line: error reporting, JSON output, progress bars, timing.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "cess/core/result.h"
#include "cess/core/status.h"

namespace CLI {
class App;
}

namespace cess::cli {

// Runs `body`; on error prints "error: <message>" to stderr and throws CLI::RuntimeError(1) so the
// process exits with status 1 through CLI11's normal path.
void RunOrExit(const std::function<Status()>& body);

// Prints `j` as one line of JSON on stdout.
void PrintJson(const nlohmann::json& j);

// A progress bar on stderr, drawn only when stderr is a terminal (scripts and tests see nothing).
// Not thread-safe; call from one thread.
class Progress {
 public:
  // `label` is shown before the bar; `total` is in `unit`s (bytes when unit == "B").
  Progress(std::string label, uint64_t total, std::string unit = "B");
  ~Progress();
  // Advances by `n` units and redraws at most ~10 times a second.
  void Add(uint64_t n);
  // Draws the final state and ends the line.
  void Done();
  // Prints `line` (a newline is added) on stdout without tearing the bar: the bar is cleared
  // first and redrawn after. Without a terminal it just prints the line.
  void Print(const std::string& line);
  // Text shown after the bar (e.g. the latest accuracy); redrawn with the bar.
  void SetStatus(std::string status);

 private:
  void Draw(bool final_draw);
  std::string label_;
  uint64_t total_;
  std::string unit_;
  std::string status_;
  uint64_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// Seconds elapsed since construction.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// An amount: a plain integer is base units; a number with the suffix "cess" (any case) is CESS,
// e.g. "1.5cess" = 1,500,000 base units (at most 6 decimals). Errors: InvalidArgument naming the
// text when it is malformed or too large for u64.
Result<uint64_t> ParseAmount(std::string text);

// "12.3 MB/s"-style rate; bytes over seconds (0 when seconds is 0).
std::string FormatRate(double bytes, double seconds);

}  // namespace cess::cli
