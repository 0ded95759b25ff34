// cess-example-agent: a small A2A agent with deterministic skills (see example_agent.h).
//
//   cess-example-agent --listen 127.0.0.1:9001 --name med --skills medical,insurance
//       [--delay-ms 0] [--fail-rate 0] [--fail-status 500|429] [--retry-after 1] [--seed 1] [--region eu]
//
// Prints "listening on http://127.0.0.1:<port>/" on stdout once it serves, then runs until
// SIGINT or SIGTERM.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "example_agent.h"

namespace {

void Usage() {
  std::cerr << "usage: cess-example-agent [--listen HOST:PORT] [--name NAME] [--skills a,b,c] [--delay-ms N]\n"
               "                          [--fail-rate P] [--fail-status 500|429] [--retry-after S] [--seed N]\n"
               "                          [--region R]\n"
               "skills: echo upper word-count reverse medical insurance driving\n";
}

bool ParseNumber(const std::string& s, double& out) {
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return !s.empty() && end != nullptr && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  using cess::agenthub::example::ExampleAgent;
  using cess::agenthub::example::ExampleAgentOptions;
  ExampleAgentOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      Usage();
      return 0;
    }
    std::string value;
    size_t eq = flag.find('=');
    if (eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::cerr << "flag " << flag << " needs a value\n";
      return 2;
    }
    double num = 0;
    bool is_num = ParseNumber(value, num);
    if (flag == "--listen") {
      o.listen = value;
    } else if (flag == "--name") {
      o.name = value;
    } else if (flag == "--region") {
      o.region = value;
    } else if (flag == "--skills") {
      o.skills.clear();
      std::stringstream ss(value);
      std::string s;
      while (std::getline(ss, s, ',')) {
        if (!s.empty()) o.skills.push_back(s);
      }
    } else if (flag == "--delay-ms" && is_num && num >= 0) {
      o.delay_ms = static_cast<uint32_t>(num);
    } else if (flag == "--fail-rate" && is_num) {
      o.fail_rate = num;
    } else if (flag == "--fail-status" && is_num) {
      o.fail_status = static_cast<int>(num);
    } else if (flag == "--retry-after" && is_num && num >= 0) {
      o.retry_after_s = static_cast<uint32_t>(num);
    } else if (flag == "--seed" && is_num && num >= 0) {
      o.seed = static_cast<uint64_t>(num);
    } else {
      std::cerr << "bad flag or value: " << flag << " " << value << "\n";
      Usage();
      return 2;
    }
  }
  // Block the stop signals before any thread starts, then wait for one.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ExampleAgent agent(o);
  cess::Status st = agent.Start();
  if (!st.ok()) {
    std::cerr << "cess-example-agent: " << st.ToString() << "\n";
    return 1;
  }
  std::cout << "listening on " << agent.url() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  agent.Stop();
  return 0;
}
