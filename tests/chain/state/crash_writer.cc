// The crash test's writer: opens the store in argv[1] and commits the blocks of crash_workload.h
// after the last committed one, forever, printing each committed height on stdout (a line per
// block, flushed). The test kills it with SIGKILL at a random moment.
#include <cstdio>

#include "crash_workload.h"

int main(int argc, char** argv) {
  using namespace cess::chain::state;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  auto store = StateStore::Open(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  uint64_t height = (*store)->has_committed() ? (*store)->height() + 1 : 1;
  for (;; ++height) {
    AuxWrite record = testing::CrashBlockRecord(height);
    cess::Status s = (*store)->Commit(testing::CrashBlockWrites(height), height, {&record, 1});
    if (!s.ok()) {
      std::fprintf(stderr, "commit %llu: %s\n", static_cast<unsigned long long>(height), s.ToString().c_str());
      return 1;
    }
    std::printf("%llu\n", static_cast<unsigned long long>(height));
    std::fflush(stdout);
  }
}
