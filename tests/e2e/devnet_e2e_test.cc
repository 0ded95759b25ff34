// A 4-validator devnet of real cessd processes, driven by the real `cess` CLI (issue 4 §7):
// it finalizes; the CLI commands work against it; state roots agree on every node at a common
// finalized height; a validator killed with SIGKILL and restarted catches up. Plus cessd's answers
// to bad configs. Waits are "until X, at most T" polls, never timed assertions.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cess/chain/types.h"
#include "cess/core/random.h"
#include "cessd/node_client.h"
#include "e2e/e2e_util.h"
#include "node/cli_runner.h"
#include "common/temp_dir.h"

namespace cess {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

using cess::test_util::TempDir;
using e2e::CessJson;
using e2e::Eventually;
using e2e::PidOf;

uint64_t FinalizedHeight(const node::NodeClient& c) {
  auto st = c.Status();
  return st.ok() ? st->finalized_height() : 0;
}

// Stops the devnet whatever happens to the test.
struct DevnetGuard {
  std::string dir, scratch;
  ~DevnetGuard() { testing::RunCess("devnet down --timeout 5 --dir " + dir, scratch); }
};

TEST(DevnetE2E, FinalizesServesTheCliAgreesOnStateAndRecoversFromKill9) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/devnet";
  const std::string scratch = tmp.path();
  DevnetGuard guard{dir, scratch};

  // 1. Up: four validators, waits for a finalized block.
  json up = CessJson("devnet up --dir " + dir + " --validators 4 --miners 0 --timeout 90 --cessd " + CESSD_PATH, scratch);
  ASSERT_EQ(up["nodes"].size(), 4u) << up.dump();
  ASSERT_GE(up.value("finalized_height", 0), 1) << up.dump();
  std::vector<std::unique_ptr<node::NodeClient>> clients;
  for (const auto& n : up["nodes"]) {
    auto c = node::NodeClient::Connect(n["address"].get<std::string>(), 3000);
    ASSERT_TRUE(c.ok());
    clients.push_back(std::move(c).value());
  }

  // 2. The CLI against it.
  json status = CessJson("chain status --dir " + dir, scratch);
  EXPECT_EQ(status["chain_id"], "cess-devnet");
  EXPECT_EQ(status["validators"].size(), 4u);
  EXPECT_GE(status["finalized_height"].get<uint64_t>(), 1u);
  EXPECT_GE(status["best_height"].get<uint64_t>(), status["finalized_height"].get<uint64_t>());
  for (const auto& v : status["validators"]) EXPECT_GT(v["bonded"].get<uint64_t>(), 0u) << v.dump();

  json dstatus = CessJson("devnet status --dir " + dir, scratch);
  ASSERT_EQ(dstatus["nodes"].size(), 4u);
  for (const auto& n : dstatus["nodes"]) EXPECT_TRUE(n["running"].get<bool>()) << n.dump();

  auto fresh_key = crypto::RandomArray<32>();
  ASSERT_TRUE(fresh_key.ok());
  chain::AccountId dest;
  dest.bytes = *fresh_key;
  json tr = CessJson("tx transfer --dir " + dir + " --to " + dest.ToHex() + " --amount 5cess", scratch);
  EXPECT_TRUE(tr["included"].get<bool>()) << tr.dump();
  json acct = CessJson("chain account " + dest.ToHex() + " --dir " + dir, scratch);
  EXPECT_EQ(acct["free"].get<uint64_t>(), 5'000'000u) << acct.dump();

  const std::string faucet = up["faucet"]["account"].get<std::string>();
  json bond = CessJson("stake bond --dir " + dir + " --amount 100cess", scratch);
  EXPECT_TRUE(bond["included"].get<bool>()) << bond.dump();
  json unbond = CessJson("stake unbond --dir " + dir + " --amount 40cess", scratch);
  EXPECT_TRUE(unbond["included"].get<bool>()) << unbond.dump();
  json fa = CessJson("chain account " + faucet + " --dir " + dir, scratch);
  EXPECT_EQ(fa["bonded"].get<uint64_t>(), 60'000'000u) << fa.dump();
  EXPECT_EQ(fa["unlocking"].get<uint64_t>(), 40'000'000u) << fa.dump();
  EXPECT_EQ(fa["nonce"].get<uint64_t>(), 3u) << fa.dump();

  // A refused transaction is an error with a reason, not a crash.
  auto bad = testing::RunCess("tx transfer --dir " + dir + " --to " + dest.ToHex() + " --amount 1 --fee 1", scratch);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("fee"), std::string::npos) << bad.err;

  // 3. State roots agree at a common finalized height.
  uint64_t common = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        uint64_t lowest = UINT64_MAX;
        for (auto& c : clients) lowest = std::min(lowest, FinalizedHeight(*c));
        common = lowest;
        return lowest >= 3 && lowest != UINT64_MAX;
      },
      60s));
  std::string root0, hash0;
  for (auto& c : clients) {
    auto b = c->GetBlock(common);
    ASSERT_TRUE(b.ok()) << b.status();
    if (root0.empty()) {
      root0 = b->state_root();
      hash0 = b->hash();
    }
    EXPECT_EQ(b->state_root(), root0) << c->address();
    EXPECT_EQ(b->hash(), hash0) << c->address();
  }

  // 4. kill -9 one validator; the other three keep finalizing; a restart catches up.
  const pid_t victim = PidOf(dir, "node3");
  ASSERT_GT(victim, 0);
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  ASSERT_TRUE(Eventually([&] { return ::kill(victim, 0) != 0; }, 10s));
  const uint64_t at_kill = FinalizedHeight(*clients[0]);
  ASSERT_TRUE(Eventually([&] { return FinalizedHeight(*clients[0]) >= at_kill + 3; }, 60s))
      << "three of four validators stopped finalizing";
  const uint64_t before_restart = FinalizedHeight(*clients[0]);

  json again = CessJson("devnet up --dir " + dir + " --timeout 90 --cessd " + CESSD_PATH, scratch);
  EXPECT_FALSE(again["created"].get<bool>());
  ASSERT_TRUE(Eventually([&] { return FinalizedHeight(*clients[3]) >= before_restart + 1; }, 60s))
      << "the restarted validator did not catch up";
  auto b3 = clients[3]->GetBlock(before_restart);
  auto b0 = clients[0]->GetBlock(before_restart);
  ASSERT_TRUE(b3.ok() && b0.ok());
  EXPECT_EQ(b3->hash(), b0->hash());
  EXPECT_EQ(b3->state_root(), b0->state_root());
  auto old = clients[3]->GetBlock(common);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->state_root(), root0);

  // 5. Down.
  json down = CessJson("devnet down --dir " + dir, scratch);
  EXPECT_EQ(down["stopped"].size(), 4u);
  for (const auto& s : down["stopped"]) EXPECT_FALSE(s["killed"].get<bool>()) << "cessd ignored SIGTERM";
}

// Runs cessd with `args`; returns (exit code, stderr).
std::pair<int, std::string> RunCessd(const std::string& args, const std::string& scratch) {
  const std::string err = scratch + "/cessd.err";
  const int rc = std::system((std::string(CESSD_PATH) + " " + args + " >/dev/null 2>" + err).c_str());
  std::ifstream in(err);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, text};
}

TEST(DevnetE2E, CessdRejectsBadConfigsWithAMessage) {
  TempDir tmp;
  const std::string cfg = tmp.path() + "/node.toml";
  auto write = [&](const std::string& text) { std::ofstream(cfg) << text; };

  auto [rc, err] = RunCessd("--config " + tmp.path() + "/missing.toml", tmp.path());
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("does not exist"), std::string::npos) << err;

  write("[chain\ngenesis = 1\n");
  std::tie(rc, err) = RunCessd("--config " + cfg, tmp.path());
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("line 1"), std::string::npos) << err;

  write("[chain]\ngenesis = \"g.json\"\n[node]\ndata_dir = \"d\"\nlisten = \"127.0.0.1:0\"\nroles = [\"validator\"]\n");
  std::tie(rc, err) = RunCessd("--config " + cfg, tmp.path());
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("keys.account"), std::string::npos) << err;

  write("[chain]\ngenesis = \"g.json\"\n[node]\ndata_dir = \"d\"\nlisten = \"127.0.0.1:0\"\nroles = []\n"
        "colour = \"blue\"\n");
  std::tie(rc, err) = RunCessd("--config " + cfg, tmp.path());
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("node.colour"), std::string::npos) << err;

  write("[chain]\ngenesis = \"g.json\"\n[node]\ndata_dir = \"d\"\nlisten = \"127.0.0.1:0\"\nroles = []\n");
  std::tie(rc, err) = RunCessd("--config " + cfg, tmp.path());
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("g.json"), std::string::npos) << err;

  std::ofstream(tmp.path() + "/g.json") << "{ not json";
  std::tie(rc, err) = RunCessd("--config " + cfg, tmp.path());
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("g.json"), std::string::npos) << err;

  std::tie(rc, err) = RunCessd("--bogus", tmp.path());
  EXPECT_EQ(rc, 2);
}

}  // namespace
}  // namespace cess
