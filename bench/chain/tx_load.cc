// Load generator for a devnet (bench/chain/devnet_bench.sh): signed balance transfers from the
// devnet's deterministic bench accounts (cess devnet up --bench-accounts K), submitted to every
// node in turn at a target rate, then the figures: transfers finalized per second and the finality
// lag in blocks.
//
//   cess_tx_load --nodes 127.0.0.1:A,127.0.0.1:B --accounts 4000 --rate 3000 --seconds 20
//
// Transactions are signed before the measured window. Throughput = transactions in the blocks
// finalized during the window / window length; lag = best height − finalized height, sampled
// every 200 ms on the first node.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cess/chain/runtime/balances.h"
#include "cess/chain/transaction.h"
#include "cessd/devnet_keys.h"
#include "cessd/node_client.h"

namespace {

using namespace cess;
using Clock = std::chrono::steady_clock;

struct Args {
  std::vector<std::string> nodes;
  int accounts = 2000;
  int rate = 3000;
  int seconds = 20;
  int threads = 4;
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

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--nodes") a.nodes = Split(v);
    else if (k == "--accounts") a.accounts = std::atoi(v.c_str());
    else if (k == "--rate") a.rate = std::atoi(v.c_str());
    else if (k == "--seconds") a.seconds = std::atoi(v.c_str());
    else if (k == "--threads") a.threads = std::atoi(v.c_str());
    else return Die("unknown flag " + k);
  }
  if (a.nodes.empty() || a.accounts <= 0 || a.rate <= 0 || a.seconds <= 0 || a.threads <= 0) {
    return Die("usage: cess_tx_load --nodes A,B,... [--accounts K] [--rate R] [--seconds S] [--threads T]");
  }
  std::vector<std::unique_ptr<node::NodeClient>> clients;
  for (const auto& n : a.nodes) {
    auto c = node::NodeClient::Connect(n, 10000);
    if (!c.ok()) return Die(c.status().ToString());
    clients.push_back(std::move(c).value());
  }
  auto st = clients[0]->Status();
  if (!st.ok()) return Die(st.status().ToString());
  const std::string chain_id = st->chain_id();
  const uint64_t fee = st->min_tx_fee();

  // Sign rate × seconds transfers, round-robin over the accounts (each account's nonces in order).
  const size_t total = static_cast<size_t>(a.rate) * static_cast<size_t>(a.seconds);
  std::vector<crypto::Ed25519PrivateKey> keys;
  std::vector<uint64_t> nonces;
  for (int i = 0; i < a.accounts; ++i) {
    auto k = node::DevnetBenchKey(static_cast<uint64_t>(i));
    if (!k.ok()) return Die(k.status().ToString());
    auto acct = clients[0]->GetAccount(chain::AccountId::Of(*k));
    if (!acct.ok()) return Die(acct.status().ToString());
    keys.push_back(*k);
    nonces.push_back(acct->nonce());
  }
  std::fprintf(stderr, "tx_load: signing %zu transfers from %d accounts\n", total, a.accounts);
  std::vector<chain::Transaction> txs(total);
  {
    std::vector<std::thread> signers;
    for (int t = 0; t < a.threads; ++t) {
      signers.emplace_back([&, t] {
        for (size_t i = static_cast<size_t>(t); i < total; i += static_cast<size_t>(a.threads)) {
          const size_t acc = i % keys.size();
          chain::Transaction& tx = txs[i];
          tx.nonce = nonces[acc] + i / keys.size();
          tx.fee = fee;
          tx.call = chain::runtime::balances::TransferCall(chain::AccountId::Of(keys[(acc + 1) % keys.size()]), 1);
          (void)tx.Sign(keys[acc], chain_id);
        }
      });
    }
    for (auto& s : signers) s.join();
  }

  auto fin0 = clients[0]->Status();
  if (!fin0.ok()) return Die(fin0.status().ToString());
  const uint64_t start_height = fin0->finalized_height();
  const auto t0 = Clock::now();
  std::atomic<size_t> next{0}, accepted{0}, refused{0}, failed{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < a.threads; ++t) {
    senders.emplace_back([&, t] {
      while (true) {
        const size_t i = next.fetch_add(1);
        if (i >= total) return;
        // Pace: transaction i is due at t0 + i / rate.
        const auto due = t0 + std::chrono::microseconds(static_cast<int64_t>(i) * 1'000'000 / a.rate);
        std::this_thread::sleep_until(due);
        auto r = clients[(i + static_cast<size_t>(t)) % clients.size()]->Submit(txs[i]);
        if (!r.ok()) ++failed;
        else if (r->accepted()) ++accepted;
        else ++refused;
      }
    });
  }
  // Sample the finality lag while sending, and for a few seconds after.
  uint64_t lag_sum = 0, lag_max = 0, samples = 0;
  const auto end = t0 + std::chrono::seconds(a.seconds);
  while (Clock::now() < end + std::chrono::seconds(5)) {
    auto s = clients[0]->Status();
    if (s.ok()) {
      const uint64_t lag = s->best_height() - s->finalized_height();
      lag_sum += lag;
      lag_max = std::max(lag_max, lag);
      ++samples;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (auto& s : senders) s.join();
  const auto t1 = Clock::now();
  auto fin1 = clients[0]->Status();
  if (!fin1.ok()) return Die(fin1.status().ToString());
  uint64_t finalized_txs = 0;
  for (uint64_t h = start_height + 1; h <= fin1->finalized_height(); ++h) {
    auto b = clients[0]->GetBlock(h);
    if (b.ok()) finalized_txs += static_cast<uint64_t>(b->tx_hashes_size());
  }
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  std::printf("{\"submitted\":%zu,\"accepted\":%zu,\"refused\":%zu,\"failed\":%zu,\"window_s\":%.2f,"
              "\"blocks\":%llu,\"finalized_txs\":%llu,\"finalized_tps\":%.1f,\"lag_avg_blocks\":%.2f,"
              "\"lag_max_blocks\":%llu}\n",
              total, accepted.load(), refused.load(), failed.load(), secs,
              static_cast<unsigned long long>(fin1->finalized_height() - start_height),
              static_cast<unsigned long long>(finalized_txs), static_cast<double>(finalized_txs) / secs,
              samples ? static_cast<double>(lag_sum) / static_cast<double>(samples) : 0.0,
              static_cast<unsigned long long>(lag_max));
  return 0;
}
