// Storage end to end with real processes (issue 5 §8): a devnet of 4 validators, one cess-enclave
// and 14 miners (12 hold each file, 2 are spares for repair), driven by the real `cess` CLI and
// the node and miner APIs:
//   - put then get is byte-identical for sizes 0, 1, segment−1, segment and 3.5 segments, plain
//     and encrypted, and a byte range across a segment boundary reads right;
//   - bad uploads are refused with a clear error and leave nothing on chain: an unknown region, an
//     account over its quota, a declaration whose FID does not match its segments, a fragment
//     pushed to a miner the chain does not assign it to;
//   - a fragment corrupted on a miner's disk makes that miner's next challenge fail (a recorded
//     miss), the miner opens a restoral order, a spare miner rebuilds the fragment from 4 others
//     and gets it tagged, the file is Active again and reads back byte-identical;
//   - with 8 of the 12 miners of a file killed (SIGKILL), the file still reads back; restarted,
//     those 8 still hold every fragment they acknowledged: with the other 4 killed, the file reads
//     back from them alone.
// Waits are "until X, at most T" polls, never timed assertions.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/types.h"
#include "cess/core/hash.h"
#include "cess/core/keyfile.h"
#include "cess/core/random.h"
#include "cess/storage/pipeline.h"
#include "cessd/node_client.h"
#include "cessd/tx_submitter.h"
#include "common/temp_dir.h"
#include "e2e/e2e_util.h"
#include "node/cli_runner.h"
#include "storage_client/miner_client.h"

namespace cess {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using cess::test_util::TempDir;
using e2e::CessJson;
using e2e::Eventually;
using e2e::PidOf;
namespace file_bank = chain::runtime::file_bank;

constexpr uint64_t kSegment = uint64_t{1} << 20;  // devnet profile

Bytes RandomBytes(size_t n) {
  auto r = crypto::RandomBytes(n);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : Bytes(n);
}

void WriteAll(const std::string& path, ByteSpan data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Stops the devnet whatever happens; on a failure keeps its logs in /tmp/cess-storage-e2e-logs.
struct DevnetGuard {
  std::string dir, scratch;
  ~DevnetGuard() {
    testing::RunCess("devnet down --timeout 5 --dir " + dir, scratch);
    if (::testing::Test::HasFailure()) {
      std::error_code ec;
      fs::remove_all("/tmp/cess-storage-e2e-logs", ec);
      fs::copy(dir + "/logs", "/tmp/cess-storage-e2e-logs", fs::copy_options::recursive, ec);
      std::fprintf(stderr, "devnet logs kept in /tmp/cess-storage-e2e-logs\n");
    }
  }
};

json Stat(const std::string& dir, const std::string& fid, const std::string& scratch) {
  return CessJson("storage stat " + fid + " --dir " + dir, scratch);
}

TEST(StorageE2E, PutGetRepairAndRefusals) {
  TempDir tmp("storage-e2e");
  const std::string dir = tmp.path() + "/dn";
  const std::string scratch = tmp.path();
  DevnetGuard guard{dir, scratch};

  // A challenge every block, so the corrupted miner is audited within seconds.
  json up = CessJson("devnet up --dir " + dir + " --miners 14 --audit-interval 1 --pending-window 20 --timeout 120 --cessd " +
                         CESSD_PATH + " --enclave-bin " + CESS_ENCLAVE_BIN,
                     scratch);
  ASSERT_EQ(up["miners"].size(), 14u) << up.dump();
  std::map<std::string, std::string> miner_name;  // account -> miner<i>
  for (const auto& m : up["miners"]) miner_name[m["account"].get<std::string>()] = m["name"].get<std::string>();
  const std::string node_addr = up["nodes"][0]["address"].get<std::string>();

  // 1. Round trips: 5 sizes × plain / encrypted, uploaded without waiting, then each waited for.
  struct Case {
    std::string path;
    Bytes data;
    bool encrypt;
    std::string fid;
  };
  std::vector<Case> cases;
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, kSegment - 1, kSegment, kSegment * 7 / 2}) {
    for (bool encrypt : {false, true}) {
      Case c;
      c.path = tmp.path() + "/in-" + std::to_string(size) + (encrypt ? "-enc" : "");
      c.data = RandomBytes(size);
      // A 1-byte file whose byte is 0 would be the empty file's content (one zero segment): same
      // FID, so its put would only add an owner. Keep every case distinct.
      if (!c.data.empty() && c.data[0] == 0) c.data[0] = 1;
      c.encrypt = encrypt;
      WriteAll(c.path, c.data);
      // Encrypted files are pushed early (while encoding, before the declaration), plain ones after it.
      json put = CessJson("storage put " + c.path + " --no-wait --dir " + dir + (encrypt ? " --encrypt --early-push" : ""),
                          scratch);
      c.fid = put.value("fid", "");
      ASSERT_EQ(c.fid.size(), 64u) << put.dump();
      EXPECT_EQ(put["miners"].size(), 12u) << put.dump();
      EXPECT_EQ(put.value("early_push", !encrypt), encrypt) << put.dump();
      EXPECT_EQ(put.value("push_retries", 99), 0) << put.dump();
      cases.push_back(std::move(c));
    }
  }
  for (const Case& c : cases) {
    ASSERT_TRUE(Eventually([&] { return Stat(dir, c.fid, scratch).value("state", "") == "active"; }, 120s))
        << c.path << " never became active: " << Stat(dir, c.fid, scratch).dump();
    const std::string out = c.path + ".out";
    CessJson("storage get " + c.fid + " -o " + out + " --dir " + dir, scratch);
    EXPECT_EQ(ReadAll(out), c.data) << c.path;
    EXPECT_FALSE(fs::exists(out + ".part"));
  }
  const Case& big = cases[8];  // 3.5 segments, plain
  ASSERT_FALSE(big.encrypt);
  {
    const uint64_t a = kSegment - 100, b = kSegment + 99;  // across the first segment boundary
    CessJson("storage get " + big.fid + " -o " + tmp.path() + "/range --range " + std::to_string(a) + "-" +
                 std::to_string(b) + " --dir " + dir,
             scratch);
    EXPECT_EQ(ReadAll(tmp.path() + "/range"), Bytes(big.data.begin() + a, big.data.begin() + b + 1));
  }
  json st = Stat(dir, big.fid, scratch);
  EXPECT_EQ(st["fragments"].get<uint64_t>(), 48u);
  EXPECT_EQ(st["tagged"].get<uint64_t>(), 48u);
  EXPECT_TRUE(Stat(dir, cases[9].fid, scratch)["encrypted"].get<bool>());

  // 2. Refusals.
  {  // An unknown region: refused before anything reaches the chain.
    const std::string path = tmp.path() + "/mars-file";
    WriteAll(path, RandomBytes(777));
    auto r = testing::RunCess("storage put " + path + " --region mars --dir " + dir, scratch);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("mars"), std::string::npos) << r.err;
  }
  {  // Over quota: a funded account that bought no space.
    auto key = crypto::Ed25519PrivateKey::Generate();
    ASSERT_TRUE(key.ok());
    const std::string key_path = tmp.path() + "/poor.key";
    ASSERT_TRUE(crypto::SaveEd25519Key(key_path, *key).ok());
    const std::string account = chain::AccountId::Of(*key).ToHex();
    CessJson("tx transfer --dir " + dir + " --to " + account + " --amount 100cess", scratch);
    const std::string path = tmp.path() + "/quota-file";
    const Bytes data = RandomBytes(5000);
    WriteAll(path, data);
    auto r = testing::RunCess("storage put " + path + " --key " + key_path + " --dir " + dir, scratch);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("QuotaExceeded"), std::string::npos) << r.err;
    // Nothing was declared: the FID is unknown to the chain.
    storage::EncodeOptions eo;
    auto manifest = storage::EncodeBytes(data, eo);
    ASSERT_TRUE(manifest.ok());
    auto stat = testing::RunCess("storage stat " + chain::HashToHex(manifest->fid) + " --dir " + dir, scratch);
    EXPECT_NE(stat.exit_code, 0);
    EXPECT_NE(stat.err.find("no file"), std::string::npos) << stat.err;
  }
  auto client = node::NodeClient::Connect(node_addr, 5000);
  ASSERT_TRUE(client.ok());
  {  // A declaration whose FID is not the Merkle root of its segments: BadFid, nothing stored.
    auto faucet = crypto::LoadEd25519Key(dir + "/keys/faucet.ed25519.json");
    ASSERT_TRUE(faucet.ok());
    node::TxSubmitter tx(**client, *faucet);
    const Bytes data = RandomBytes(3000);
    storage::EncodeOptions eo;
    auto manifest = storage::EncodeBytes(data, eo);
    ASSERT_TRUE(manifest.ok());
    file_bank::UploadArgs args;
    args.fid = manifest->fid;
    args.fid[0] ^= 1;
    args.file_size = data.size();
    args.name = "forged";
    for (const auto& s : manifest->segments) args.segments.push_back({s.hash, s.fragment_hashes});
    json miners = CessJson("miner status --dir " + dir, scratch);
    for (size_t i = 0; i < 12; ++i) {
      auto id = chain::AccountId::FromHex(miners["miners"][i]["account"].get<std::string>());
      ASSERT_TRUE(id.ok());
      args.miners.push_back(*id);
    }
    auto out = tx.SubmitAndWait(file_bank::UploadDeclarationCall(args));
    ASSERT_FALSE(out.ok());
    EXPECT_NE(out.status().message().find("BadFid"), std::string::npos) << out.status();
    auto stat = testing::RunCess("storage stat " + chain::HashToHex(args.fid) + " --dir " + dir, scratch);
    EXPECT_NE(stat.exit_code, 0);

    // A fragment pushed to a miner the chain does not name for it.
    auto mc = node::MinerClient::Connect(miners["miners"][0]["endpoint"].get<std::string>());
    ASSERT_TRUE(mc.ok());
    const Bytes frag = RandomBytes(256 << 10);
    auto put = (*mc)->Put(manifest->fid, manifest->segments[0].fragment_hashes[0], frag);
    EXPECT_FALSE(put.ok());

    // An early push for a file that is never declared: kept as pending, then dropped after the
    // devnet's 20 s window. One with a wrong hash is refused outright.
    const Hash256 ghost_fid = crypto::Sha256(frag);
    auto ghost = (*mc)->OpenPush(nullptr);
    ASSERT_TRUE(ghost->Write(crypto::Sha256(frag), frag));
    auto ghost_reply = ghost->Finish(&ghost_fid);
    ASSERT_TRUE(ghost_reply.ok()) << ghost_reply.status();
    EXPECT_TRUE(ghost_reply->pending());
    EXPECT_EQ(ghost_reply->stored(), 1u);
    EXPECT_TRUE((*mc)->Get(crypto::Sha256(frag)).ok());
    auto bad = (*mc)->OpenPush(nullptr);
    bad->Write(crypto::Sha256(RandomBytes(32)), frag);
    EXPECT_EQ(bad->Finish(&ghost_fid).status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Eventually([&] { return (*mc)->Get(crypto::Sha256(frag)).status().code() == StatusCode::kNotFound; },
                           90s))
        << "the undeclared early push was never dropped";
  }

  // 3. Corruption: overwrite every block of one fragment on the miner holding index 0 of `big`.
  st = Stat(dir, big.fid, scratch);
  const std::string victim = st["segments"][0]["fragments"][0]["miner"].get<std::string>();
  const std::string frag_hash = st["segments"][0]["fragments"][0]["hash"].get<std::string>();
  const std::string victim_name = miner_name.at(victim);
  const std::string frag_path =
      dir + "/" + victim_name + "/data/fragments/fragments/" + frag_hash.substr(0, 2) + "/" + frag_hash;
  ASSERT_TRUE(fs::exists(frag_path)) << frag_path;
  auto misses_of = [&](const std::string& account) -> int64_t {
    json all = CessJson("miner status --dir " + dir, scratch);
    for (const auto& m : all["miners"]) {
      if (m["account"] == account) return m.value("misses", int64_t{0});
    }
    return -1;
  };
  const int64_t misses_before = misses_of(victim);
  ASSERT_GE(misses_before, 0);
  {
    std::fstream f(frag_path, std::ios::in | std::ios::out | std::ios::binary);
    for (uint64_t off = 0; off < (256u << 10); off += 4096) {
      f.seekp(static_cast<std::streamoff>(off));
      const char junk[8] = {'c', 'o', 'r', 'r', 'u', 'p', 't', '!'};
      f.write(junk, sizeof(junk));
    }
  }
  // The victim's next challenge fails: a miss is recorded (the first costs 0 %, as in CESS).
  ASSERT_TRUE(Eventually([&] { return misses_of(victim) > misses_before; }, 180s))
      << "no failed proof recorded for " << victim_name;
  // Restoral: another miner holds index 0 of segment 0, tagged, and the file is Active again.
  ASSERT_TRUE(Eventually(
      [&] {
        json s = Stat(dir, big.fid, scratch);
        const auto& f = s["segments"][0]["fragments"][0];
        return s.value("state", "") == "active" && f["miner"] != victim && f["available"].get<bool>() &&
               f["tagged"].get<bool>();
      },
      120s))
      << Stat(dir, big.fid, scratch).dump();
  CessJson("storage get " + big.fid + " -o " + tmp.path() + "/after-repair --dir " + dir, scratch);
  EXPECT_EQ(ReadAll(tmp.path() + "/after-repair"), big.data);

  // 4. Kill 8 of the file's 12 miners: any 4 still serve it.
  st = Stat(dir, big.fid, scratch);
  std::vector<std::string> killed, survivors;
  for (const auto& f : st["segments"][0]["fragments"]) {
    const std::string name = miner_name.at(f["miner"].get<std::string>());
    if (killed.size() < 8) {
      ASSERT_EQ(::kill(PidOf(dir, name), SIGKILL), 0) << name;
      killed.push_back(name);
    } else {
      survivors.push_back(name);
    }
  }
  std::this_thread::sleep_for(500ms);
  CessJson("storage get " + big.fid + " -o " + tmp.path() + "/after-kill --dir " + dir, scratch);
  EXPECT_EQ(ReadAll(tmp.path() + "/after-kill"), big.data);

  // 5. The killed miners restart with every fragment they had acknowledged: with the four
  // survivors killed in turn, the file reads back from the restarted ones alone.
  CessJson("devnet up --dir " + dir + " --timeout 120 --cessd " + CESSD_PATH + " --enclave-bin " + CESS_ENCLAVE_BIN,
           scratch);
  for (const std::string& name : survivors) ASSERT_EQ(::kill(PidOf(dir, name), SIGKILL), 0) << name;
  std::this_thread::sleep_for(500ms);
  CessJson("storage get " + big.fid + " -o " + tmp.path() + "/after-restart --dir " + dir, scratch);
  EXPECT_EQ(ReadAll(tmp.path() + "/after-restart"), big.data);
}

}  // namespace
}  // namespace cess
