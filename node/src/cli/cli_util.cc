#include "cli/cli_util.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <iostream>

namespace cess::cli {

void RunOrExit(const std::function<Status()>& body) {
  Status s = body();
  if (!s.ok()) {
    std::cerr << "error: " << s.message() << " [" << StatusCodeName(s.code()) << "]\n";
    throw CLI::RuntimeError(1);
  }
}

void PrintJson(const nlohmann::json& j) { std::cout << j.dump() << std::endl; }

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      enabled_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (enabled_ && !finished_) std::fputs("\n", stderr);
}

void Progress::Add(uint64_t n) {
  done_ += n;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(false);
}

void Progress::Done() {
  if (!enabled_ || finished_) return;
  Draw(true);
  std::fputs("\n", stderr);
  finished_ = true;
}

void Progress::Print(const std::string& line) {
  if (enabled_ && !finished_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
  if (enabled_ && !finished_) Draw(false);
}

void Progress::SetStatus(std::string status) { status_ = std::move(status); }

void Progress::Draw(bool final_draw) {
  constexpr int kWidth = 30;
  double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  if (frac > 1) frac = 1;
  if (final_draw) frac = 1;
  int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string rate;
  if (unit_ == "B") {
    rate = FormatRate(static_cast<double>(done_), secs);
  } else {
    // "37/200 rounds, ETA 1m20s"
    rate = std::to_string(done_) + "/" + std::to_string(total_) + " " + unit_;
    if (done_ > 0 && done_ < total_ && !final_draw) {
      const double eta = secs * static_cast<double>(total_ - done_) / static_cast<double>(done_);
      char buf[48];
      std::snprintf(buf, sizeof buf, ", ETA %dm%02ds", static_cast<int>(eta) / 60,
                    static_cast<int>(eta) % 60);
      rate += buf;
    }
  }
  if (!status_.empty()) rate += "  " + status_;
  std::fprintf(stderr, "\r\033[K%s [%s] %3d%% %s", label_.c_str(), bar.c_str(), static_cast<int>(frac * 100),
               rate.c_str());
  std::fflush(stderr);
}

std::string FormatRate(double bytes, double seconds) {
  if (seconds <= 0) return "-";
  double r = bytes / seconds;
  const char* units[] = {"B/s", "KB/s", "MB/s", "GB/s", "TB/s"};
  int u = 0;
  while (r >= 1000 && u < 4) {
    r /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", r, units[u]);
  return buf;
}

Result<uint64_t> ParseAmount(std::string text) {
  constexpr uint64_t kUnitsPerCess = 1'000'000;  // chain::kUnitsPerCess
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool in_cess = false;
  if (text.size() > 4 && text.compare(text.size() - 4, 4, "cess") == 0) {
    in_cess = true;
    text.resize(text.size() - 4);
  }
  const size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  auto digits = [](const std::string& s) {
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
  };
  // 15 digits of base units, or 13 of CESS (×10^6 stays below 2^64).
  if (whole.empty() || !digits(whole) || !digits(frac) || whole.size() > (in_cess ? 13u : 15u) ||
      (!in_cess && !frac.empty()) || frac.size() > 6) {
    return Status::InvalidArgument("bad amount '" + text + "' (base units, or e.g. 1.5cess)");
  }
  const uint64_t v = std::stoull(whole);
  if (!in_cess) return v;
  std::string f = frac;
  f.resize(6, '0');
  return v * kUnitsPerCess + std::stoull(f);
}

}  // namespace cess::cli
