// Helpers shared by the end-to-end tests: run the `cess` CLI and parse its JSON, poll until a
// condition holds, read a devnet process's pid.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "node/cli_runner.h"

namespace cess::e2e {

// Runs `cess <args> --json` and parses its one line of JSON. Fails the test (non-fatally) on a
// non-zero exit or output that is not JSON (then returns a discarded value).
inline nlohmann::json CessJson(const std::string& args, const std::string& scratch) {
  auto r = testing::RunCess(args + " --json", scratch);
  EXPECT_EQ(r.exit_code, 0) << "cess " << args << "\nstderr: " << r.err << "\nstdout: " << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out;
  return j;
}

// Polls `pred` every `poll` until it holds or `limit` passes; returns its last value. A wait
// "until X, at most T", never a timed assertion.
inline bool Eventually(const std::function<bool()>& pred, std::chrono::seconds limit,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(200)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(poll);
  }
  return pred();
}

// The pid `cess devnet up` recorded for process `name` of the devnet in `dir` (0 when none).
inline pid_t PidOf(const std::string& dir, const std::string& name) {
  std::ifstream in(dir + "/" + name + "/cessd.pid");
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

}  // namespace cess::e2e
