// kill -9 in the middle of a stream of commits (DESIGN.md §5): a real writer process
// (crash_writer.cc) commits blocks until it is killed with SIGKILL at a random moment; the reopened
// store must hold exactly the blocks 1..H for some H no older than the last one the writer reported,
// with the state, the root and the block records all of that same height, never a mix.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "cess/chain/state/state_store.h"
#include "crash_workload.h"
#include "state_test_util.h"

#ifndef CESS_STATE_CRASH_WRITER
#error "CESS_STATE_CRASH_WRITER must name the crash_writer executable"
#endif

namespace cess::chain::state {
namespace {

using testing::Model;
using testing::ReferenceSmt;
using testing::TempDir;

struct WriterRun {
  uint64_t last_reported = 0;  // the last height the writer said it committed (0: none)
  int status = 0;              // from waitpid
};

// Starts the writer on `dir`, lets it report `commits` commits, waits `delay_us` more and kills it.
WriterRun RunAndKill(const std::string& dir, int commits, int delay_us) {
  WriterRun run;
  int fds[2];
  if (pipe(fds) != 0) {
    ADD_FAILURE() << "pipe failed";
    return run;
  }
  const char* writer = CESS_STATE_CRASH_WRITER;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    char* const argv[] = {const_cast<char*>(writer), const_cast<char*>(dir.c_str()), nullptr};
    execv(writer, argv);
    _exit(127);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    ADD_FAILURE() << "fork failed";
    return run;
  }
  FILE* out = fdopen(fds[0], "r");
  char line[64];
  int seen = 0;
  while (seen < commits && std::fgets(line, sizeof line, out) != nullptr) {
    run.last_reported = std::stoull(line);
    ++seen;
  }
  std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
  kill(pid, SIGKILL);
  waitpid(pid, &run.status, 0);
  // Heights printed before the kill landed.
  while (std::fgets(line, sizeof line, out) != nullptr) run.last_reported = std::stoull(line);
  std::fclose(out);
  return run;
}

TEST(StateStoreCrashTest, SigkillDuringCommitsLeavesOneWholeHeight) {
  TempDir tmp;
  std::string dir = tmp.Sub("db");
  std::mt19937_64 rng(1234);
  Model model;
  uint64_t model_height = 0;
  uint64_t previous = 0;
  for (int round = 0; round < 8; ++round) {
    WriterRun run = RunAndKill(dir, 1 + static_cast<int>(rng() % 15), static_cast<int>(rng() % 4000));
    ASSERT_TRUE(WIFSIGNALED(run.status) && WTERMSIG(run.status) == SIGKILL)
        << "the writer stopped on its own (status " << run.status << ") in round " << round;

    StateStoreOptions options;
    options.verify_full_on_open = true;  // nodes, data and key count all agree
    Result<std::unique_ptr<StateStore>> opened = StateStore::Open(dir, options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    StateStore& store = **opened;
    uint64_t h = store.height();
    // Every commit the writer acknowledged survived; at most the one in flight also landed.
    ASSERT_GE(h, run.last_reported);
    ASSERT_LE(h, run.last_reported + 1);
    ASSERT_GE(h, previous);
    previous = h;

    for (; model_height < h; ++model_height) {
      WriteSet block = testing::CrashBlockWrites(model_height + 1);
      for (const auto& [k, v] : block.entries()) {
        if (v) {
          model[k] = *v;
        } else {
          model.erase(k);
        }
      }
    }
    EXPECT_EQ(ToHex(store.root()), ToHex(ReferenceSmt::Root(model))) << "round " << round << " height " << h;
    EXPECT_EQ(store.num_keys(), model.size());
    Model stored;
    ASSERT_TRUE(store
                    .ScanPrefix({},
                                [&](ByteSpan k, ByteSpan v) {
                                  stored.emplace(Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end()));
                                  return true;
                                })
                    .ok());
    EXPECT_EQ(stored, model);
    // The block records are exactly 1..h.
    uint64_t blocks = 0;
    ASSERT_TRUE(store
                    .ScanAux(testing::kCrashBlocksCf, {},
                             [&](ByteSpan k, ByteSpan v) {
                               AuxWrite want = testing::CrashBlockRecord(++blocks);
                               EXPECT_EQ(Bytes(k.begin(), k.end()), want.key);
                               EXPECT_EQ(Bytes(v.begin(), v.end()), *want.value);
                               return true;
                             })
                    .ok());
    EXPECT_EQ(blocks, h);
  }
  EXPECT_GT(previous, 8u);
}

}  // namespace
}  // namespace cess::chain::state
