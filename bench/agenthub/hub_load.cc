// Load generator for the agent hub (issue 6 §9): latency p50/p99 and requests/s of calling the
// example agent directly vs through the hub's forwarding path in-process (Hub::Handle: JSON-RPC
// parse, route, forward over a keep-alive pool, validate and relay the reply, meter). The gateway's
// HTTP front comes later; its cost is not in these figures.
//
//   cess_agenthub_load [--threads 4] [--seconds 5] [--agents 2] [--text "hello hub"]
//                      [--agent-url http://127.0.0.1:PORT/ ...]   (repeatable; default: in-process agents)
//                      [--mode hub|gateway|all] [--gateway-url http://127.0.0.1:PORT/]
//
// --mode gateway (issue 6 §9) measures the real HTTP gateway instead of the in-process hub: client ->
// gateway (node/src/gateway GatewayServer: Beast front, worker pool, Hub::Handle) -> agent, over
// loopback with keep-alive, against client -> agent. The gateway runs in this process on a loopback
// port, unless --gateway-url names a running one (e.g. `cess devnet up --gateway`; its agents must
// serve `echo`). --mode all runs direct, hub and gateway.
//
// Prints one line per mode and a JSON summary line (prefix "json: ").
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cess/agenthub/a2a.h"
#include "cess/agenthub/http_forwarder.h"
#include "cess/agenthub/hub.h"
#include "example_agent.h"
#include "gateway/agent_catalog.h"
#include "gateway/http_server.h"
#include "gateway/metrics.h"

namespace {

using namespace cess::agenthub;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Stats {
  double p50_us = 0, p99_us = 0, mean_us = 0, rps = 0;
  uint64_t ok = 0, errors = 0;
};

Stats Summarize(std::vector<std::vector<double>>& per_thread, uint64_t errors, double seconds) {
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  Stats s;
  s.ok = all.size();
  s.errors = errors;
  if (all.empty()) return s;
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all[std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())))]; };
  s.p50_us = pct(0.50);
  s.p99_us = pct(0.99);
  double sum = 0;
  for (double x : all) sum += x;
  s.mean_us = sum / static_cast<double>(all.size());
  s.rps = static_cast<double>(all.size()) / seconds;
  return s;
}

// Runs `call` from `threads` threads for `seconds` (after a short warm-up); each call returns ok.
template <typename F>
Stats Run(int threads, double seconds, F call) {
  std::vector<std::vector<double>> lat(static_cast<size_t>(threads));
  std::atomic<uint64_t> errors{0};
  std::atomic<bool> measuring{false}, stop{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto& mine = lat[static_cast<size_t>(t)];
      mine.reserve(1 << 20);
      while (!stop.load(std::memory_order_relaxed)) {
        auto t0 = Clock::now();
        bool ok = call(t);
        double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
        if (!measuring.load(std::memory_order_relaxed)) continue;
        if (ok) mine.push_back(us);
        else errors.fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // warm-up: connections, caches
  auto start = Clock::now();
  measuring.store(true);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  measuring.store(false);
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  stop.store(true);
  for (auto& th : pool) th.join();
  return Summarize(lat, errors.load(), elapsed);
}

void Print(const char* name, int threads, const Stats& s) {
  std::printf("%-8s threads=%-2d  p50 %8.1f us  p99 %8.1f us  mean %8.1f us  %9.0f req/s  (%llu ok, %llu errors)\n",
              name, threads, s.p50_us, s.p99_us, s.mean_us, s.rps, static_cast<unsigned long long>(s.ok),
              static_cast<unsigned long long>(s.errors));
}

json ToJson(const Stats& s) {
  return {{"p50_us", s.p50_us}, {"p99_us", s.p99_us}, {"mean_us", s.mean_us}, {"rps", s.rps},
          {"ok", s.ok}, {"errors", s.errors}};
}

class DropSink : public UsageSink {
 public:
  cess::Status Submit(const UsageBatch&, const cess::Bytes&) override { return cess::Status::Ok(); }
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> thread_counts = {1, 4};
  double seconds = 5;
  int n_agents = 2;
  std::string text = "hello hub";
  std::vector<std::string> urls;
  std::string mode = "hub";
  std::string gateway_url;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string f = argv[i], v = argv[i + 1];
    if (f == "--threads") {
      thread_counts = {std::atoi(v.c_str())};
    } else if (f == "--seconds") {
      seconds = std::atof(v.c_str());
    } else if (f == "--agents") {
      n_agents = std::atoi(v.c_str());
    } else if (f == "--text") {
      text = v;
    } else if (f == "--agent-url") {
      urls.push_back(v);
    } else if (f == "--mode") {
      mode = v;
    } else if (f == "--gateway-url") {
      gateway_url = v;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", f.c_str());
      return 2;
    }
  }
  std::vector<std::unique_ptr<example::ExampleAgent>> agents;
  if (urls.empty()) {
    for (int i = 0; i < n_agents; ++i) {
      agents.push_back(std::make_unique<example::ExampleAgent>(
          example::ExampleAgentOptions{.name = "bench-" + std::to_string(i), .skills = {"echo"}}));
      cess::Status st = agents.back()->Start();
      if (!st.ok()) {
        std::fprintf(stderr, "agent: %s\n", st.ToString().c_str());
        return 1;
      }
      urls.push_back(agents.back()->url());
    }
  }
  StaticDirectory dir;
  for (size_t i = 0; i < urls.size(); ++i) {
    (void)dir.Upsert({.id = "agent-" + std::to_string(i), .url = urls[i], .skills = {"echo"}, .tags = {"text"}, .price = 1});
  }
  Router router(RealClock(), {.seed = 1});
  HttpForwarder hub_forwarder, direct_forwarder;
  DropSink sink;
  UsageMeter meter(sink, RealClock());
  (void)meter.Start();
  Hub hub(dir, router, hub_forwarder, &meter, RealClock(), {.timeout_micros = 5'000'000});

  const std::string body =
      json({{"jsonrpc", "2.0"},
            {"id", 1},
            {"method", "SendMessage"},
            {"params",
             {{"message", a2a::MakeTextMessage(text, false, "m1", jsonrpc::ProtocolVersion::kV1_0)},
              {"metadata", {{"skill", "echo"}}}}}})
          .dump();

  // The HTTP gateway over the same agents (mode gateway/all).
  const bool run_hub = mode == "hub" || mode == "all";
  const bool run_gateway = mode == "gateway" || mode == "all";
  if (!run_hub && !run_gateway) {
    std::fprintf(stderr, "--mode must be hub, gateway or all\n");
    return 2;
  }
  cess::gateway::StaticCatalog catalog;
  for (size_t i = 0; i < urls.size(); ++i) {
    cess::gateway::CatalogEntry e;
    e.info = {.id = "agent-" + std::to_string(i), .url = urls[i], .skills = {"echo"}, .tags = {"text"}, .price = 1};
    if (i < agents.size()) e.card = agents[i]->card();
    (void)catalog.Upsert(e);
  }
  Router gw_router(RealClock(), {.seed = 1});
  HttpForwarder gw_forwarder, gw_client;
  cess::gateway::GatewayMetrics gw_metrics;
  cess::gateway::CountingForwarder gw_counting(gw_forwarder, gw_metrics);
  UsageMeter gw_meter(sink, RealClock());
  Hub gw_hub(catalog, gw_router, gw_counting, &gw_meter, RealClock(), {.timeout_micros = 5'000'000});
  std::unique_ptr<cess::gateway::GatewayServer> gateway;
  if (run_gateway && gateway_url.empty()) {
    gateway = std::make_unique<cess::gateway::GatewayServer>(gw_hub, catalog, gw_router, gw_metrics);
    cess::Status st = gateway->Start();
    if (!st.ok()) {
      std::fprintf(stderr, "gateway: %s\n", st.ToString().c_str());
      return 1;
    }
    gateway_url = gateway->url();
  }
  (void)gw_meter.Start();

  json summary = json::object();
  summary["mode"] = mode;
  summary["agents"] = urls.size();
  summary["seconds"] = seconds;
  for (int threads : thread_counts) {
    // Direct: the same client stack, straight to an agent (round robin by thread).
    Stats direct = Run(threads, seconds, [&](int t) {
      HttpRequest req{.url = urls[static_cast<size_t>(t) % urls.size()], .body = body};
      cess::Result<HttpResponse> r = direct_forwarder.Post(req);
      return r.ok() && r->status == 200;
    });
    Print("direct", threads, direct);
    json row = {{"direct", ToJson(direct)}};
    if (run_hub) {
      Stats via = Run(threads, seconds, [&](int) {
        HubReply r = hub.Handle(body);
        return r.http_status == 200 && r.body.find("\"result\"") != std::string::npos;
      });
      Print("hub", threads, via);
      std::printf("added    threads=%-2d  p50 %8.1f us  p99 %8.1f us  throughput ratio hub/direct %.2f\n", threads,
                  via.p50_us - direct.p50_us, via.p99_us - direct.p99_us, via.rps / std::max(direct.rps, 1.0));
      row["hub"] = ToJson(via);
      row["added_p50_us"] = via.p50_us - direct.p50_us;
      row["added_p99_us"] = via.p99_us - direct.p99_us;
    }
    if (run_gateway) {
      // Each client thread keeps one connection to the gateway (HttpForwarder's keep-alive pool).
      Stats gw = Run(threads, seconds, [&](int) {
        HttpRequest req{.url = gateway_url, .body = body};
        cess::Result<HttpResponse> r = gw_client.Post(req);
        return r.ok() && r->status == 200 && r->body.find("\"result\"") != std::string::npos;
      });
      Print("gateway", threads, gw);
      std::printf("added    threads=%-2d  p50 %8.1f us  p99 %8.1f us  throughput ratio gateway/direct %.2f\n",
                  threads, gw.p50_us - direct.p50_us, gw.p99_us - direct.p99_us, gw.rps / std::max(direct.rps, 1.0));
      row["gateway"] = ToJson(gw);
      row["gateway_added_p50_us"] = gw.p50_us - direct.p50_us;
      row["gateway_added_p99_us"] = gw.p99_us - direct.p99_us;
    }
    summary["threads_" + std::to_string(threads)] = row;
  }
  if (gateway) gateway->Stop();
  (void)gw_meter.Stop();
  (void)meter.Stop();
  std::printf("json: %s\n", summary.dump().c_str());
  return 0;
}
