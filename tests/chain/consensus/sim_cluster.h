// A cluster of validators in one process for the consensus network tests: each node has its own
// RocksDB state store in a temp dir, the real runtime (ChainApplication) and an Engine, all joined
// by a SimNetwork and driven by one virtual clock.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cess/chain/consensus/engine.h"
#include "cess/chain/consensus/sim_network.h"
#include "cess/chain/genesis.h"
#include "cess/chain/runtime/chain_application.h"
#include "cess/chain/state/state_store.h"

namespace cess::chain::consensus::testing {

inline constexpr uint64_t kGenesisTimeMs = 1'000'000;
inline constexpr uint64_t kStake = 10'000 * kUnitsPerCess;

struct SimNode {
  std::string id;
  std::string dir;
  crypto::Ed25519PrivateKey key;
  crypto::ecvrf::SecretKey vrf_sk{};
  std::unique_ptr<state::StateStore> store;
  std::unique_ptr<runtime::ChainApplication> app;
  std::unique_ptr<Engine> engine;
  bool running() const { return engine != nullptr; }
};

class SimCluster {
 public:
  // `validators` genesis validators, all elected (profile.validators_elected = validators).
  // `customize_genesis`, when set, may add to the genesis (e.g. funded accounts) before it is checked.
  SimCluster(size_t validators, SimNetworkOptions net_options, uint64_t slot_ms = 1000,
             const std::function<void(Genesis&)>& customize_genesis = nullptr)
      : net_(net_options) {
    base_dir_ = ::testing::TempDir() + "/consensus_sim_" + std::to_string(::getpid()) + "_" +
                std::to_string(reinterpret_cast<uintptr_t>(this));
    std::filesystem::remove_all(base_dir_);
    std::filesystem::create_directories(base_dir_);
    genesis_.chain_id = "consensus-sim";
    genesis_.profile = Profile::Devnet();
    genesis_.profile.slot_ms = slot_ms;
    genesis_.profile.slots_per_epoch = 5;  // eras of 15 slots, so tests cross voter-set changes
    genesis_.profile.validators_elected = static_cast<uint32_t>(validators);
    genesis_.genesis_time_ms = kGenesisTimeMs;
    for (size_t i = 0; i < validators; ++i) {
      crypto::Ed25519Seed seed{};
      seed.fill(static_cast<uint8_t>(i + 1));
      crypto::ecvrf::SecretKey vrf{};
      vrf[0] = 1;
      vrf[31] = static_cast<uint8_t>(i + 1);
      auto node = std::make_unique<SimNode>(SimNode{"v" + std::to_string(i), base_dir_ + "/v" + std::to_string(i),
                                                    crypto::Ed25519PrivateKey::FromSeed(seed).value(), vrf,
                                                    nullptr, nullptr, nullptr});
      const AccountId id = AccountId::Of(node->key);
      genesis_.accounts.push_back(GenesisAccount{id, 1'000'000 * kUnitsPerCess});
      genesis_.validators.push_back(
          GenesisValidator{id, crypto::ecvrf::PublicKeyFromSecret(vrf).value(), kStake});
      net_.Join(node->id);
      nodes_.push_back(std::move(node));
    }
    if (customize_genesis) customize_genesis(genesis_);
    EXPECT_TRUE(genesis_.Validate().ok()) << genesis_.Validate();
  }

  ~SimCluster() {
    for (auto& n : nodes_) Stop(*n);
    std::filesystem::remove_all(base_dir_);
  }

  // Opens (or reopens) node i's store and starts its engine. `configure` may adjust the config.
  void Start(size_t i, const std::function<void(EngineConfig&)>& configure = nullptr) {
    SimNode& n = *nodes_[i];
    state::StateStoreOptions so;
    so.sync = false;
    so.block_cache_bytes = size_t{4} << 20;
    n.store = state::StateStore::Open(n.dir + "/state", so).value();
    n.app = std::make_unique<runtime::ChainApplication>(*n.store);
    ASSERT_TRUE(n.app->InitChain(genesis_).ok());
    EngineConfig config;
    config.validator = true;
    config.account_key = n.key;
    config.vrf_secret_key = n.vrf_sk;
    config.safety_state_path = n.dir + "/voter_safety";
    if (configure) configure(config);
    Network& endpoint = net_.Join(n.id);
    n.engine = Engine::Create(config, *n.app, endpoint).value();
    net_.SetHandler(n.id, n.engine.get());
  }
  void StartAll() {
    for (size_t i = 0; i < nodes_.size(); ++i) Start(i);
  }
  // Stops node i's engine and closes its store (as a crash would: nothing is flushed on purpose).
  void Stop(SimNode& n) {
    net_.SetHandler(n.id, nullptr);
    n.engine.reset();
    n.app.reset();
    n.store.reset();
  }
  void Stop(size_t i) { Stop(*nodes_[i]); }

  // Advances the virtual clock by `ms` in ticks of tick_ms, delivering messages and ticking every
  // running engine; stops early when `until` holds (checked every 100 ms). Returns whether it held.
  bool Run(uint64_t ms, const std::function<bool()>& until = nullptr, uint64_t tick_ms = 20) {
    const uint64_t end = now_ + ms;
    while (now_ < end) {
      now_ += tick_ms;
      net_.DeliverUntil(now_);
      for (auto& n : nodes_) {
        if (n->running() && net_.IsOnline(n->id)) n->engine->Tick(now_);
      }
      if (on_tick_) on_tick_();
      if (until && now_ % 100 == 0 && until()) return true;
    }
    return until ? until() : true;
  }
  // Lets the clock reach genesis.
  void StartClock() { now_ = kGenesisTimeMs - 500; }

  uint64_t MinFinalized(const std::vector<size_t>& which) const {
    uint64_t m = UINT64_MAX;
    for (size_t i : which) m = std::min(m, nodes_[i]->engine->stats().finalized_height);
    return m;
  }
  std::vector<size_t> All() const {
    std::vector<size_t> v(nodes_.size());
    for (size_t i = 0; i < v.size(); ++i) v[i] = i;
    return v;
  }

  // Every pair of running nodes agrees on every finalized height both have (so each finalized
  // chain is a prefix of the other), and their state roots agree there. Returns the heights checked.
  uint64_t ExpectConsistent() const {
    uint64_t checked = 0;
    std::vector<const SimNode*> running;
    for (const auto& n : nodes_) {
      if (n->running()) running.push_back(n.get());
    }
    for (size_t a = 0; a < running.size(); ++a) {
      for (size_t b = a + 1; b < running.size(); ++b) {
        const uint64_t common = std::min(running[a]->engine->stats().finalized_height,
                                         running[b]->engine->stats().finalized_height);
        for (uint64_t h = 1; h <= common; ++h) {
          auto x = running[a]->engine->FinalizedBlock(h);
          auto y = running[b]->engine->FinalizedBlock(h);
          EXPECT_TRUE(x.ok() && y.ok() && x->has_value() && y->has_value())
              << "height " << h << " missing on " << running[a]->id << " or " << running[b]->id;
          if (!(x.ok() && y.ok() && x->has_value() && y->has_value())) return checked;
          EXPECT_EQ((*x)->Hash(), (*y)->Hash()) << "conflicting finalized blocks at " << h;
          EXPECT_EQ((*x)->header.state_root, (*y)->header.state_root) << "state roots differ at " << h;
          ++checked;
        }
        // The committed store roots agree when both stand at the same height.
        if (running[a]->engine->stats().finalized_height == running[b]->engine->stats().finalized_height) {
          EXPECT_EQ(running[a]->store->root(), running[b]->store->root());
        }
      }
    }
    return checked;
  }

  SimNetwork& net() { return net_; }
  SimNode& node(size_t i) { return *nodes_[i]; }
  size_t size() const { return nodes_.size(); }
  const Genesis& genesis() const { return genesis_; }
  uint64_t now() const { return now_; }
  void set_on_tick(std::function<void()> f) { on_tick_ = std::move(f); }

 private:
  SimNetwork net_;
  Genesis genesis_;
  std::string base_dir_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  uint64_t now_ = 0;
  std::function<void()> on_tick_;
};

}  // namespace cess::chain::consensus::testing
