// End-to-end tests of `cess fl aggregate` and `cess fl simulate` through the real binary.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace cess {
namespace {

namespace fs = std::filesystem;
using testing::RunCess;

// A .npy writer written here, independently of the library's.
void WriteNpy(const std::string& path, const std::vector<float>& values, size_t rows, size_t cols,
              const std::string& descr = "<f4") {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  f.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  f.put(static_cast<char>(len & 0xff));
  f.put(static_cast<char>(len >> 8));
  f << header;
  if (descr == "<f8") {
    for (float v : values) {
      const double d = v;
      f.write(reinterpret_cast<const char*>(&d), 8);
    }
  } else {
    f.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * 4));
  }
}

// Reads the float32 payload of a 1-D .npy file.
std::vector<float> ReadNpyPayload(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  if (bytes.size() < 10) return {};
  const size_t header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
  const size_t start = 10 + header_len;
  std::vector<float> out((bytes.size() - start) / 4);
  std::memcpy(out.data(), bytes.data() + start, out.size() * 4);
  return out;
}

bool HaveFashionMnist() { return fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"); }

class CliFlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = ::testing::TempDir() + "/cess_cli_fl_XXXXXX";
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = t;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(CliFlTest, AggregateMatchesHandComputedRules) {
  // 5 updates of 3 coordinates; row 4 is an outlier.
  const std::vector<float> m = {1,    10,    -2,  //
                                2,    20,    -4,  //
                                3,    30,    -6,  //
                                4,    40,    -8,  //
                                1000, -1000, 1000};
  const std::string in = dir_ + "/u.npy";
  WriteNpy(in, m, 5, 3);
  struct Case {
    std::string rule;
    std::vector<float> expect;
  };
  const std::vector<Case> cases = {
      {"mean", {202, -180, 196}},
      {"cwmed", {3, 20, -4}},
      {"cwtm", {3, 20, -4}},  // f=1: the mean of the 3 middle values
      {"krum", {2, 20, -4}},  // the most central row
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rule);
    const std::string out = dir_ + "/r_" + c.rule + ".npy";
    auto r = RunCess("fl aggregate --rule '" + c.rule + "' --f 1 --in " + in + " --out " + out, dir_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("aggregated"), std::string::npos);
    const std::vector<float> got = ReadNpyPayload(out);
    ASSERT_EQ(got.size(), 3u);
    for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(got[k], c.expect[k], 1e-4) << k;
  }
}

TEST_F(CliFlTest, AggregateErrors) {
  const std::string in = dir_ + "/u.npy";
  WriteNpy(in, {1, 2, 3, 4, 5, 6}, 3, 2);
  const std::string out = dir_ + "/r.npy";
  auto missing = RunCess("fl aggregate --rule mean --f 0 --in " + dir_ + "/nope.npy --out " + out, dir_);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.npy"), std::string::npos) << missing.err;

  auto bad_rule = RunCess("fl aggregate --rule medain --f 0 --in " + in + " --out " + out, dir_);
  EXPECT_EQ(bad_rule.exit_code, 1);
  EXPECT_NE(bad_rule.err.find("medain"), std::string::npos) << bad_rule.err;

  auto too_few = RunCess("fl aggregate --rule cwmed --f 2 --in " + in + " --out " + out, dir_);
  EXPECT_EQ(too_few.exit_code, 1);
  EXPECT_NE(too_few.err.find("2f"), std::string::npos) << too_few.err;

  WriteNpy(dir_ + "/nan.npy", {1, 2, std::numeric_limits<float>::quiet_NaN(), 4, 5, 6}, 3, 2);
  auto nan = RunCess("fl aggregate --rule mean --f 0 --in " + dir_ + "/nan.npy --out " + out, dir_);
  EXPECT_EQ(nan.exit_code, 1);
  EXPECT_NE(nan.err.find("nan"), std::string::npos) << nan.err;

  WriteNpy(dir_ + "/f8.npy", {1, 2, 3, 4}, 2, 2, "<f8");
  auto f8 = RunCess("fl aggregate --rule mean --f 0 --in " + dir_ + "/f8.npy --out " + out, dir_);
  EXPECT_EQ(f8.exit_code, 1);
  EXPECT_NE(f8.err.find("<f8"), std::string::npos) << f8.err;

  EXPECT_FALSE(fs::exists(out));  // nothing written by a failed run
  auto no_f = RunCess("fl aggregate --rule mean --in " + in + " --out " + out, dir_);
  EXPECT_NE(no_f.exit_code, 0);
}

TEST_F(CliFlTest, SimulateJsonSummary) {
  if (!HaveFashionMnist()) GTEST_SKIP() << "Fashion-MNIST not installed (scripts/setup.sh installs it)";
  auto r = RunCess(
      "fl simulate --train-subset 600 --test-subset 200 --partition iid --model mlp:8 -n 4 -f 1 "
      "--attack signflip --rule 'mean,cwmed' --rounds 2 --eval-every 1 --json",
      dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["rules"].size(), 2u);
  EXPECT_EQ(j["rules"][1]["rule"], "cwmed");
  for (const auto& rule : j["rules"]) {
    EXPECT_GE(rule["final_accuracy"].get<double>(), 0.0);
    EXPECT_LE(rule["final_accuracy"].get<double>(), 1.0);
    EXPECT_EQ(rule["rounds_completed"], 2);
  }
  EXPECT_EQ(j["setup"]["train_examples"], 600);
}

TEST_F(CliFlTest, SimulateConfigFileFlagsOverrideAndOutputs) {
  if (!HaveFashionMnist()) GTEST_SKIP() << "Fashion-MNIST not installed (scripts/setup.sh installs it)";
  const std::string cfg = dir_ + "/job.yaml";
  std::ofstream(cfg) << "train_subset: 600\ntest_subset: 200\npartition: iid\nmodel: mlp:8\n"
                        "clients: 4\nbyzantine: 1\nattack: gaussian:sigma=10\nrules: [mean, \"nnm|cwtm\"]\n"
                        "rounds: 5\neval_every: 1\n";
  const std::string out = dir_ + "/run";
  auto r = RunCess("fl simulate --config " + cfg + " --rounds 1 --out " + out, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[nnm|cwtm] round     1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("final test accuracy after 1 rounds"), std::string::npos) << r.out;
  std::ifstream js(out + "/summary.json");
  const auto j = nlohmann::json::parse(js);
  EXPECT_EQ(j["config"]["rounds"], 1);  // the flag won over the file
  EXPECT_EQ(j["config"]["attack"], "gaussian:sigma=10");
  for (const char* f : {"evaluations.csv", "accuracy.png", "model-0.cessflt", "model-1.cessflt"}) {
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  }
}

TEST_F(CliFlTest, SimulateErrors) {
  auto byz = RunCess("fl simulate -n 4 -f 4", dir_);
  EXPECT_EQ(byz.exit_code, 1);
  EXPECT_NE(byz.err.find("byzantine"), std::string::npos) << byz.err;

  auto rule = RunCess("fl simulate --rule mean,nosuchrule", dir_);
  EXPECT_EQ(rule.exit_code, 1);
  EXPECT_NE(rule.err.find("nosuchrule"), std::string::npos) << rule.err;

  const std::string cfg = dir_ + "/bad.yaml";
  std::ofstream(cfg) << "rounds: 3\nlearning_rate: 0.1\n";
  auto key = RunCess("fl simulate --config " + cfg, dir_);
  EXPECT_EQ(key.exit_code, 1);
  EXPECT_NE(key.err.find("learning_rate"), std::string::npos) << key.err;

  auto missing = RunCess("fl simulate --dataset fashion-mnist:/nonexistent --rounds 1", dir_);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("dataset-fashion-mnist"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace cess
