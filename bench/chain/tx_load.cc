// Load generator for a devnet (bench/chain/devnet_bench.sh): signed balance transfers from the
// devnet's deterministic bench accounts (cess devnet up --bench-accounts K), submitted in batches
// (SubmitTransactions) at a target rate, then the figures: transfers submitted, accepted and
// finalized per second, the latency from submission to finality, and the finality lag in blocks.
//
//   cess_tx_load --nodes 127.0.0.1:A,127.0.0.1:B --accounts 4000 --rate 3000 --seconds 20
//                [--batch 256] [--warmup 3] [--drain 30] [--cpu-pids P1,P2,...]
//
// Method.
//  * Before the measured window every transfer is signed and encoded: transaction i is sent by
//    account i mod K with that account's next nonces in order, so with many accounts no signer's
//    nonces serialize a block. Account a always goes to node a mod N, so each node receives every
//    signer's nonces in order. Each node's transactions are cut into batches of --batch; a batch is
//    due when the last of its transactions is (transaction i is due at t0 + i / rate), and one
//    sender thread per node sends its batches, each as soon as it is due and the previous one has
//    been answered.
//  * A watcher polls the first node every 100 ms: best − finalized height (the finality lag in
//    blocks, a sample each poll), and every newly finalized block (GetBlock), whose transaction
//    hashes mark our transfers finalized at that poll.
//  * finalized_tps = our transfers first seen finalized in [t0 + warmup, t0 + seconds], divided by
//    (seconds − warmup): the sustained rate once the pipeline is full (if the offered rate is above
//    what the devnet sustains, this is the devnet's maximum). finalized_tps_overall = all finalized
//    / (time of the last finalization − t0). Latency = first poll that saw a transfer finalized −
//    the time its batch was sent (so it includes up to one poll period).
//  * With --cpu-pids, the CPU time (user + system, from /proc) each of those processes and this
//    one used during [t0, end of sending], in cores.
// Prints one JSON object on stdout; progress on stderr.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cess/chain/runtime/balances.h"
#include "cess/chain/transaction.h"
#include "cess/core/codec.h"
#include "cessd/devnet_keys.h"
#include "cessd/node_client.h"

namespace {

using namespace cess;
using Clock = std::chrono::steady_clock;

struct Args {
  std::vector<std::string> nodes;
  int accounts = 4000;
  int rate = 3000;
  int seconds = 20;
  int batch = 256;
  int warmup = 3;
  int drain = 30;
  std::vector<std::string> cpu_pids;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int Die(const std::string& msg) {
  std::fprintf(stderr, "tx_load: %s\n", msg.c_str());
  return 1;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// user + system CPU seconds of a process from /proc (-1 when unreadable).
double CpuSeconds(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  const size_t close = line.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::stringstream ss(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; ss >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) {
      stime = std::strtoull(field.c_str(), nullptr, 10);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

template <typename T>
T Percentile(std::vector<T> v, double p) {
  if (v.empty()) return T{};
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

struct Batch {
  size_t first = 0;  // index into the node's list
  size_t count = 0;
  Clock::duration due{};
};

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--nodes")
      a.nodes = Split(v);
    else if (k == "--accounts")
      a.accounts = std::atoi(v.c_str());
    else if (k == "--rate")
      a.rate = std::atoi(v.c_str());
    else if (k == "--seconds")
      a.seconds = std::atoi(v.c_str());
    else if (k == "--batch")
      a.batch = std::atoi(v.c_str());
    else if (k == "--warmup")
      a.warmup = std::atoi(v.c_str());
    else if (k == "--drain")
      a.drain = std::atoi(v.c_str());
    else if (k == "--cpu-pids")
      a.cpu_pids = Split(v);
    else if (k == "--threads")
      continue;  // accepted for older scripts; one sender per node now
    else
      return Die("unknown flag " + k);
  }
  if (a.nodes.empty() || a.accounts <= 0 || a.rate <= 0 || a.seconds <= 0 || a.batch <= 0 || a.batch > 8192 ||
      a.warmup < 0 || a.warmup >= a.seconds || a.drain < 0) {
    return Die(
        "usage: cess_tx_load --nodes A,B,... [--accounts K] [--rate R] [--seconds S] [--batch B<=8192] "
        "[--warmup W<S] [--drain D] [--cpu-pids P,...]");
  }
  const size_t nodes = a.nodes.size();
  std::vector<std::unique_ptr<node::NodeClient>> clients;
  for (const auto& n : a.nodes) {
    auto c = node::NodeClient::Connect(n, 30000);
    if (!c.ok()) return Die(c.status().ToString());
    clients.push_back(std::move(c).value());
  }
  auto watcher = node::NodeClient::Connect(a.nodes[0], 30000);
  if (!watcher.ok()) return Die(watcher.status().ToString());
  auto st = clients[0]->Status();
  if (!st.ok()) return Die(st.status().ToString());
  const std::string chain_id = st->chain_id();
  const uint64_t fee = st->min_tx_fee();
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());

  // Keys and current nonces (in parallel: thousands of queries).
  const size_t k_accounts = static_cast<size_t>(a.accounts);
  std::vector<crypto::Ed25519PrivateKey> keys;
  for (size_t i = 0; i < k_accounts; ++i) {
    auto k = node::DevnetBenchKey(static_cast<uint64_t>(i));
    if (!k.ok()) return Die(k.status().ToString());
    keys.push_back(*k);
  }
  std::vector<uint64_t> nonces(k_accounts, 0);
  std::atomic<bool> lookup_failed{false};
  {
    std::vector<std::thread> ts;
    for (unsigned t = 0; t < hw * 2; ++t) {
      ts.emplace_back([&, t] {
        for (size_t i = t; i < k_accounts; i += hw * 2) {
          auto acct = clients[i % nodes]->GetAccount(chain::AccountId::Of(keys[i]));
          if (!acct.ok()) {
            lookup_failed = true;
            return;
          }
          nonces[i] = acct->nonce();
        }
      });
    }
    for (auto& t : ts) t.join();
  }
  if (lookup_failed) return Die("account lookups failed (are the bench accounts funded?)");

  // Sign and encode everything before the window.
  const size_t total = static_cast<size_t>(a.rate) * static_cast<size_t>(a.seconds);
  std::fprintf(stderr, "tx_load: signing %zu transfers from %zu accounts\n", total, k_accounts);
  std::vector<Bytes> encoded(total);
  std::vector<Hash256> hashes(total);
  {
    std::vector<std::thread> ts;
    for (unsigned t = 0; t < hw; ++t) {
      ts.emplace_back([&, t] {
        for (size_t i = t; i < total; i += hw) {
          const size_t acc = i % k_accounts;
          chain::Transaction tx;
          tx.nonce = nonces[acc] + i / k_accounts;
          tx.fee = fee;
          tx.call =
              chain::runtime::balances::TransferCall(chain::AccountId::Of(keys[(acc + 1) % k_accounts]), 1);
          if (!tx.Sign(keys[acc], chain_id).ok()) std::abort();
          encoded[i] = codec::Encode(tx);
          hashes[i] = tx.Hash();
        }
      });
    }
    for (auto& t : ts) t.join();
  }
  std::unordered_map<Hash256, size_t, chain::Hash256Hasher> index_of;
  index_of.reserve(total);
  for (size_t i = 0; i < total; ++i) index_of.emplace(hashes[i], i);

  // Each node's transactions (account a -> node a mod N), in order, cut into batches.
  std::vector<std::vector<size_t>> per_node(nodes);
  for (size_t i = 0; i < total; ++i) per_node[(i % k_accounts) % nodes].push_back(i);
  std::vector<std::vector<Batch>> batches(nodes);
  for (size_t n = 0; n < nodes; ++n) {
    for (size_t f = 0; f < per_node[n].size(); f += static_cast<size_t>(a.batch)) {
      Batch b;
      b.first = f;
      b.count = std::min(static_cast<size_t>(a.batch), per_node[n].size() - f);
      const size_t last = per_node[n][f + b.count - 1];
      b.due = std::chrono::microseconds(static_cast<int64_t>(last) * 1'000'000 / a.rate);
      batches[n].push_back(b);
    }
  }

  // The window.
  auto fin0 = watcher.value()->Status();
  if (!fin0.ok()) return Die(fin0.status().ToString());
  const uint64_t start_height = fin0->finalized_height();
  std::vector<double> cpu0;
  for (const auto& p : a.cpu_pids) cpu0.push_back(CpuSeconds(p));
  const double self0 = CpuSeconds("self");

  std::vector<double> sent_at(total, -1), final_at(total, -1);  // seconds since t0
  std::vector<uint8_t> code(total, 255);                        // 255: not answered
  std::atomic<size_t> failed{0}, accepted_count{0};
  std::atomic<int> senders_left{static_cast<int>(nodes)};
  const auto t0 = Clock::now();
  std::vector<std::thread> senders;
  for (size_t n = 0; n < nodes; ++n) {
    senders.emplace_back([&, n] {
      std::vector<Bytes> req;
      for (const Batch& b : batches[n]) {
        std::this_thread::sleep_until(t0 + b.due);
        req.clear();
        for (size_t j = 0; j < b.count; ++j) req.push_back(encoded[per_node[n][b.first + j]]);
        const double at = Seconds(Clock::now() - t0);
        auto r = clients[n]->SubmitEncoded(req);
        for (size_t j = 0; j < b.count; ++j) sent_at[per_node[n][b.first + j]] = at;
        if (!r.ok() || r->results_size() != static_cast<int>(b.count)) {
          failed += b.count;
          if (!r.ok())
            std::fprintf(stderr, "tx_load: batch to %s failed: %s\n", a.nodes[n].c_str(),
                         r.status().ToString().c_str());
          continue;
        }
        size_t ok = 0;
        for (size_t j = 0; j < b.count; ++j) {
          code[per_node[n][b.first + j]] = static_cast<uint8_t>(r->results(j).code());
          ok += r->results(j).accepted() ? 1 : 0;
        }
        accepted_count += ok;
      }
      --senders_left;
    });
  }

  // The watcher (this thread).
  std::vector<uint64_t> lag_samples;
  uint64_t seen_height = start_height, blocks = 0, max_block_txs = 0;
  size_t finalized = 0;
  double send_end = -1, last_final = 0;
  std::vector<double> cpu1;
  double self1 = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const double now = Seconds(Clock::now() - t0);
    if (send_end < 0 && senders_left.load() == 0) {
      send_end = now;
      for (const auto& p : a.cpu_pids) cpu1.push_back(CpuSeconds(p));
      self1 = CpuSeconds("self");
    }
    auto s = watcher.value()->Status();
    if (!s.ok()) continue;
    if (now <= a.seconds) lag_samples.push_back(s->best_height() - s->finalized_height());
    for (uint64_t h = seen_height + 1; h <= s->finalized_height(); ++h) {
      auto b = watcher.value()->GetBlock(h);
      if (!b.ok()) break;
      seen_height = h;
      ++blocks;
      max_block_txs = std::max<uint64_t>(max_block_txs, static_cast<uint64_t>(b->tx_hashes_size()));
      for (const std::string& hex : b->tx_hashes()) {
        auto hash = chain::HashFromHex(hex);
        if (!hash.ok()) continue;
        auto it = index_of.find(*hash);
        if (it == index_of.end() || final_at[it->second] >= 0) continue;
        final_at[it->second] = now;
        last_final = now;
        ++finalized;
      }
    }
    if (send_end >= 0 && (finalized >= accepted_count.load() || now > send_end + a.drain)) break;
  }
  for (auto& t : senders) t.join();

  // Figures.
  size_t accepted = 0, refused = 0;
  std::map<int, size_t> refusals;
  std::vector<double> latency;
  size_t in_window = 0;
  for (size_t i = 0; i < total; ++i) {
    if (code[i] == 0)
      ++accepted;
    else if (code[i] != 255) {
      ++refused;
      ++refusals[code[i]];
    }
    if (final_at[i] >= 0) {
      latency.push_back((final_at[i] - sent_at[i]) * 1000.0);
      if (final_at[i] >= a.warmup && final_at[i] <= a.seconds) ++in_window;
    }
  }
  std::string refusal_text;
  for (const auto& [c, count] : refusals) {
    refusal_text += (refusal_text.empty() ? "" : ",") + std::string("\"") +
                    std::string(chain::ResultCodeName(static_cast<chain::ResultCode>(c))) +
                    "\":" + std::to_string(count);
  }
  std::string cpu_text = "\"cpu_cores\":{";
  const double span = send_end > 0 ? send_end : 1;
  for (size_t i = 0; i < cpu1.size(); ++i) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "\"%s\":%.2f,", a.cpu_pids[i].c_str(), (cpu1[i] - cpu0[i]) / span);
    cpu_text += buf;
  }
  char self_buf[64];
  std::snprintf(self_buf, sizeof self_buf, "\"tx_load\":%.2f}", (self1 - self0) / span);
  cpu_text += self_buf;

  // Each node's engine counters (cumulative since it started): blocks and where the time went.
  std::string engine_text = "\"engine\":[";
  for (size_t n = 0; n < nodes; ++n) {
    auto s = clients[n]->Status();
    if (!s.ok()) continue;
    engine_text += n == 0 ? "{" : ",{";
    bool first = true;
    for (const char* key :
         {"blocks_authored", "blocks_imported", "executed_above_unfinalized", "blocks_shrunk",
          "blocks_finalized", "rounds", "author_us", "import_us", "commit_us", "tx_check_us", "tx_admit_us",
          "revalidate_us", "pool_revalidated_out", "txs_refused", "pool_size"}) {
      auto it = s->engine_stats().find(key);
      if (it == s->engine_stats().end()) continue;
      engine_text += (first ? "\"" : ",\"") + std::string(key) + "\":" + std::to_string(it->second);
      first = false;
    }
    engine_text += "}";
  }
  engine_text += "]";

  std::printf(
      "{\"offered_tps\":%d,\"batch\":%d,\"submitted\":%zu,\"accepted\":%zu,\"refused\":%zu,\"refusals\":{%s},"
      "\"failed\":%zu,\"send_s\":%.2f,\"submit_tps\":%.1f,\"accept_tps\":%.1f,\"finalized\":%zu,"
      "\"finalized_tps\":%.1f,\"finalized_tps_overall\":%.1f,\"latency_ms_p50\":%.0f,\"latency_ms_p99\":%.0f,"
      "\"latency_ms_max\":%.0f,\"blocks\":%llu,\"max_block_txs\":%llu,\"lag_blocks_median\":%llu,"
      "\"lag_blocks_max\":%llu,%s,%s}\n",
      a.rate, a.batch, total, accepted, refused, refusal_text.c_str(), failed.load(), send_end,
      static_cast<double>(total) / span, static_cast<double>(accepted) / span, finalized,
      static_cast<double>(in_window) / static_cast<double>(a.seconds - a.warmup),
      last_final > 0 ? static_cast<double>(finalized) / last_final : 0.0, Percentile(latency, 0.5),
      Percentile(latency, 0.99), latency.empty() ? 0.0 : *std::max_element(latency.begin(), latency.end()),
      static_cast<unsigned long long>(blocks), static_cast<unsigned long long>(max_block_txs),
      static_cast<unsigned long long>(Percentile(lag_samples, 0.5)),
      static_cast<unsigned long long>(
          lag_samples.empty() ? 0 : *std::max_element(lag_samples.begin(), lag_samples.end())),
      cpu_text.c_str(), engine_text.c_str());
  return 0;
}
