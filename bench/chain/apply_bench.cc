// Block apply and commit time of ChainApplication for blocks of signed transfers (issue 4 §8).
//
//   cess_apply_bench [--txs 1000,5000] [--blocks 3] [--dir /tmp]
//
// For each block size: N distinct funded senders each sign one transfer per block. Per block it
// times (1) FinalizeBlock on the author with a warm signature cache (as after CheckTx admitted the
// transactions), (2) ProcessProposal of the same block on a second node whose cache is cold
// (every signature verified, on the pool of verify threads), and (3) Commit on each. Prints ms per
// block and transfers per second. RocksDB stores live in temp dirs, synced commits as in a node.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cess/chain/block.h"
#include "cess/chain/genesis.h"
#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/chain_application.h"
#include "cess/chain/state/state_store.h"
#include "cess/core/ecvrf.h"
#include "cess/core/ed25519.h"
#include "cess/core/random.h"

namespace {

using namespace cess;         // NOLINT(google-build-using-namespace): a benchmark program
using namespace cess::chain;  // NOLINT(google-build-using-namespace)
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

crypto::Ed25519PrivateKey KeyFor(uint32_t i) {
  crypto::Ed25519Seed seed{};
  for (int b = 0; b < 4; ++b) seed[static_cast<size_t>(b)] = static_cast<uint8_t>(i >> (8 * b));
  seed[31] = 0xbe;
  return crypto::Ed25519PrivateKey::FromSeed(seed).value();
}

struct Node {
  std::string dir;
  std::unique_ptr<state::StateStore> store;
  std::unique_ptr<runtime::ChainApplication> app;
};

Node OpenNode(const std::string& dir, const Genesis& g) {
  Node n;
  n.dir = dir;
  std::filesystem::remove_all(dir);
  n.store = state::StateStore::Open(dir).value();
  n.app = std::make_unique<runtime::ChainApplication>(*n.store);
  if (!n.app->InitChain(g).ok()) {
    std::fprintf(stderr, "InitChain failed\n");
    std::exit(1);
  }
  return n;
}

std::vector<size_t> ParseList(const std::string& s) {
  std::vector<size_t> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t comma = s.find(',', pos);
    out.push_back(std::stoul(s.substr(pos, comma - pos)));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes = {1000, 5000};
  int blocks = 3;
  std::string base = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--txs") sizes = ParseList(argv[i + 1]);
    if (flag == "--blocks") blocks = std::atoi(argv[i + 1]);
    if (flag == "--dir") base = argv[i + 1];
  }
  for (size_t n : sizes) {
    // Genesis: one validator (author of every slot) and n funded senders.
    Genesis g;
    g.chain_id = "apply-bench";
    g.profile = Profile::Devnet();
    crypto::DeterministicRng rng(7);
    const crypto::ecvrf::SecretKey vrf_sk = crypto::ecvrf::GenerateSecretKey(rng).value();
    const crypto::Ed25519PrivateKey validator = KeyFor(0xffffff);
    g.accounts.push_back({AccountId::Of(validator), 1'000'000 * kUnitsPerCess});
    g.validators.push_back({AccountId::Of(validator), crypto::ecvrf::PublicKeyFromSecret(vrf_sk).value(),
                            10'000 * kUnitsPerCess});
    std::vector<crypto::Ed25519PrivateKey> senders;
    for (uint32_t i = 0; i < n; ++i) {
      senders.push_back(KeyFor(i));
      g.accounts.push_back({AccountId::Of(senders.back()), 1'000 * kUnitsPerCess});
    }
    Node author = OpenNode(base + "/cess-apply-bench-a", g);
    Node importer = OpenNode(base + "/cess-apply-bench-b", g);
    double finalize_ms = 0, process_ms = 0, commit_a_ms = 0, commit_b_ms = 0;
    for (int b = 0; b < blocks; ++b) {
      std::vector<Transaction> txs;
      txs.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        Transaction tx;
        tx.nonce = static_cast<uint64_t>(b);
        tx.fee = g.profile.min_tx_fee;
        tx.call = runtime::balances::TransferCall(AccountId::Of(senders[(i + 1) % n]), kUnitsPerCess);
        if (!tx.Sign(senders[i], g.chain_id).ok()) return 1;
        txs.push_back(std::move(tx));
      }
      const BlockHeader parent = author.app->committed_header();
      // The author admitted these through CheckTx (this warms its signature cache).
      for (const Transaction& tx : txs) {
        if (!author.app->CheckTx(tx, parent.Hash()).ok()) return 1;
      }
      BlockHeader h;
      h.parent_hash = parent.Hash();
      h.height = parent.height + 1;
      h.slot = parent.slot + 1;
      h.epoch = h.slot / g.profile.slots_per_epoch;
      h.era = h.epoch / g.profile.epochs_per_era;
      h.author = AccountId::Of(validator);
      if (!h.ProveVrf(vrf_sk, author.app->EpochRandomness(parent.Hash(), h.epoch).value()).ok()) return 1;
      auto t0 = Clock::now();
      Result<ExecutedBlock> e = author.app->FinalizeBlock(h, txs);
      auto t1 = Clock::now();
      if (!e.ok()) {
        std::fprintf(stderr, "FinalizeBlock: %s\n", e.status().ToString().c_str());
        return 1;
      }
      Block block;
      block.header = e->header;
      block.transactions = txs;
      if (!block.Seal(validator, g.chain_id).ok()) return 1;
      auto t2 = Clock::now();
      Result<ExecutedBlock> p = importer.app->ProcessProposal(block);
      auto t3 = Clock::now();
      if (!p.ok()) {
        std::fprintf(stderr, "ProcessProposal: %s\n", p.status().ToString().c_str());
        return 1;
      }
      auto t4 = Clock::now();
      if (!author.app->Commit(block.Hash(), {}).ok()) return 1;
      auto t5 = Clock::now();
      if (!importer.app->Commit(block.Hash(), {}).ok()) return 1;
      auto t6 = Clock::now();
      finalize_ms += Ms(t1 - t0);
      process_ms += Ms(t3 - t2);
      commit_a_ms += Ms(t5 - t4);
      commit_b_ms += Ms(t6 - t5);
    }
    const double k = blocks;
    std::printf("transfers/block %zu  blocks %d\n", n, blocks);
    std::printf("  FinalizeBlock (warm signature cache)  %8.1f ms/block  %9.0f transfers/s\n", finalize_ms / k,
                n / (finalize_ms / k) * 1000);
    std::printf("  ProcessProposal (cold cache, verify)  %8.1f ms/block  %9.0f transfers/s\n", process_ms / k,
                n / (process_ms / k) * 1000);
    std::printf("  Commit (author / importer)            %8.1f / %.1f ms/block\n", commit_a_ms / k, commit_b_ms / k);
    std::printf("  apply + commit (author)               %8.1f ms/block  %9.0f transfers/s\n",
                (finalize_ms + commit_a_ms) / k, n / ((finalize_ms + commit_a_ms) / k) * 1000);
    author.app.reset();
    importer.app.reset();
    author.store.reset();
    importer.store.reset();
    std::filesystem::remove_all(author.dir);
    std::filesystem::remove_all(importer.dir);
  }
  return 0;
}
