// The miner's fragment store: durability rules, references, capacity, tags, recovery of every
// kind of leftover, a model-based random test, concurrency, and a kill -9 crash test.
#include "cess/storage/fragment_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "cess/core/hash.h"
#include "common/temp_dir.h"

namespace cess::storage {
namespace {

namespace fs = std::filesystem;

Bytes Data(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

Hash256 Fid(uint8_t v) {
  Hash256 h{};
  h.fill(v);
  return h;
}

std::unique_ptr<FragmentStore> MustOpen(const std::string& dir, uint64_t cap = uint64_t{1} << 30) {
  auto s = FragmentStore::Open(dir, cap);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Every file under fragments/, relative names.
std::set<std::string> FilesOnDisk(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir + "/fragments")) {
    if (e.is_regular_file()) out.insert(e.path().filename().string());
  }
  return out;
}

// The store's invariants: index and files agree, sizes and hashes match, Stats add up.
void ExpectConsistent(const FragmentStore& store) {
  auto list = store.List();
  ASSERT_TRUE(list.ok()) << list.status();
  uint64_t used = 0;
  std::set<std::string> want;
  for (const FragmentInfo& info : *list) {
    auto bytes = store.Get(info.hash, /*verify=*/true);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(bytes->size(), info.size);
    EXPECT_FALSE(info.fids.empty());
    EXPECT_TRUE(std::is_sorted(info.fids.begin(), info.fids.end()));
    used += info.size;
    want.insert(ToHex(info.hash));
    if (info.has_tags) want.insert(ToHex(info.hash) + ".tags");
  }
  EXPECT_EQ(FilesOnDisk(store.dir()), want);
  const FragmentStoreStats st = store.Stats();
  EXPECT_EQ(st.used_bytes, used);
  EXPECT_EQ(st.fragment_count, list->size());
}

TEST(FragmentStoreTest, PutGetReadBlockDelete) {
  test_util::TempDir dir("fstore");
  auto store = MustOpen(dir.path());
  const Bytes a = Data(5000, 1);
  const Hash256 ha = crypto::Sha256(a);
  ASSERT_TRUE(store->Put(Fid(1), ha, a).ok());
  EXPECT_TRUE(fs::exists(dir.path() + "/fragments/" + ToHex(ha).substr(0, 2) + "/" + ToHex(ha)));
  EXPECT_EQ(*store->Get(ha), a);
  EXPECT_EQ(*store->ReadBlock(ha, 100, 50), Bytes(a.begin() + 100, a.begin() + 150));
  EXPECT_EQ(store->ReadBlock(ha, 4990, 11).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(store->ReadBlock(ha, 5000, 0)->size(), 0u);
  EXPECT_EQ(store->Stats().used_bytes, 5000u);
  // A wrong hash writes nothing.
  Hash256 wrong = ha;
  wrong[0] ^= 1;
  EXPECT_EQ(store->Put(Fid(1), wrong, a).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Get(wrong).status().code(), StatusCode::kNotFound);
  // A second file referencing the same fragment adds a reference only.
  ASSERT_TRUE(store->Put(Fid(2), ha, a).ok());
  ASSERT_TRUE(store->Put(Fid(2), ha, a).ok());
  EXPECT_EQ(store->Info(ha)->fids, (std::vector<Hash256>{Fid(1), Fid(2)}));
  EXPECT_EQ(store->Stats().used_bytes, 5000u);
  EXPECT_EQ(store->Stats().fragment_count, 1u);
  EXPECT_EQ(store->Delete(Fid(3), ha).code(), StatusCode::kNotFound);
  ASSERT_TRUE(store->Delete(Fid(1), ha).ok());
  EXPECT_TRUE(store->Get(ha).ok());
  ASSERT_TRUE(store->Delete(Fid(2), ha).ok());
  EXPECT_EQ(store->Get(ha).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Stats().used_bytes, 0u);
  EXPECT_EQ(store->Delete(Fid(2), ha).code(), StatusCode::kNotFound);
  ExpectConsistent(*store);
}

TEST(FragmentStoreTest, CapacityIsEnforced) {
  test_util::TempDir dir("fstore");
  auto store = MustOpen(dir.path(), 10000);
  const Bytes a = Data(6000, 1), b = Data(6000, 2), c = Data(4000, 3);
  ASSERT_TRUE(store->Put(Fid(1), crypto::Sha256(a), a).ok());
  EXPECT_EQ(store->Put(Fid(1), crypto::Sha256(b), b).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(store->Get(crypto::Sha256(b)).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store->Put(Fid(1), crypto::Sha256(c), c).ok());  // exactly full
  EXPECT_EQ(store->Stats().used_bytes, 10000u);
  ASSERT_TRUE(store->Put(Fid(9), crypto::Sha256(c), c).ok());  // a reference needs no room
  ASSERT_TRUE(store->Delete(Fid(1), crypto::Sha256(a)).ok());
  ASSERT_TRUE(store->Put(Fid(1), crypto::Sha256(b), b).ok());
  ExpectConsistent(*store);
}

TEST(FragmentStoreTest, TagsAndCorruptionDetection) {
  test_util::TempDir dir("fstore");
  auto store = MustOpen(dir.path());
  const Bytes a = Data(3000, 4);
  const Hash256 ha = crypto::Sha256(a);
  EXPECT_EQ(store->PutTags(ha, Data(10, 1)).code(), StatusCode::kNotFound);
  ASSERT_TRUE(store->Put(Fid(1), ha, a).ok());
  EXPECT_EQ(store->GetTags(ha).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store->PutTags(ha, Data(10, 1)).ok());
  ASSERT_TRUE(store->PutTags(ha, Data(20, 2)).ok());
  EXPECT_EQ(*store->GetTags(ha), Data(20, 2));
  EXPECT_TRUE(store->Info(ha)->has_tags);
  ExpectConsistent(*store);
  // Flip a bit on disk: a verified Get reports Corruption, an unverified one returns the bytes.
  const std::string path = dir.path() + "/fragments/" + ToHex(ha).substr(0, 2) + "/" + ToHex(ha);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(77);
    f.put(static_cast<char>(a[77] ^ 0x10));
  }
  EXPECT_EQ(store->Get(ha).status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(store->Get(ha, /*verify=*/false).ok());
}

TEST(FragmentStoreTest, OpenRecoversFromLeftovers) {
  test_util::TempDir dir("fstore");
  const Bytes a = Data(1000, 1), b = Data(2000, 2), c = Data(3000, 3);
  const Hash256 ha = crypto::Sha256(a), hb = crypto::Sha256(b), hc = crypto::Sha256(c);
  auto path = [&](const Hash256& h) {
    return dir.path() + "/fragments/" + ToHex(h).substr(0, 2) + "/" + ToHex(h);
  };
  {
    auto store = MustOpen(dir.path());
    ASSERT_TRUE(store->Put(Fid(1), ha, a).ok());
    ASSERT_TRUE(store->Put(Fid(1), hb, b).ok());
    ASSERT_TRUE(store->Put(Fid(1), hc, c).ok());
    ASSERT_TRUE(store->PutTags(ha, Data(5, 5)).ok());
    ASSERT_TRUE(store->PutTags(hc, Data(5, 5)).ok());
  }
  // b's file vanished; c's file was truncated; a's tags vanished; a temp file and an orphan
  // fragment (and orphan tags) appeared, as after crashes at various points.
  fs::remove(path(hb));
  fs::resize_file(path(hc), 10);
  fs::remove(path(ha) + ".tags");
  const Bytes d = Data(400, 4);
  const Hash256 hd = crypto::Sha256(d);
  fs::create_directories(fs::path(path(hd)).parent_path());
  { std::ofstream(path(hd), std::ios::binary) << "orphan"; }
  { std::ofstream(path(hd) + ".tags", std::ios::binary) << "orphan"; }
  { std::ofstream(path(ha) + ".tmp.123.456", std::ios::binary) << "partial"; }
  auto store = MustOpen(dir.path());
  EXPECT_EQ(*store->Get(ha), a);
  EXPECT_FALSE(store->Info(ha)->has_tags);
  EXPECT_EQ(store->Info(hb).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Info(hc).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(path(hd)));
  EXPECT_FALSE(fs::exists(path(hd) + ".tags"));
  EXPECT_FALSE(fs::exists(path(ha) + ".tmp.123.456"));
  EXPECT_FALSE(fs::exists(path(hc)));
  EXPECT_EQ(store->Stats().used_bytes, 1000u);
  ExpectConsistent(*store);
  // The lost fragments can be stored again.
  ASSERT_TRUE(store->Put(Fid(1), hb, b).ok());
  ExpectConsistent(*store);
}

TEST(FragmentStoreTest, RandomOperationsMatchAModel) {
  test_util::TempDir dir("fstore");
  const uint64_t cap = 60000;
  auto store = MustOpen(dir.path(), cap);
  std::mt19937_64 rng(77);
  std::vector<Bytes> pool;
  for (int i = 0; i < 12; ++i) pool.push_back(Data(1000 + rng() % 9000, 100 + i));
  std::map<Hash256, std::set<Hash256>> model;  // fragment -> fids
  auto used = [&] {
    uint64_t u = 0;
    for (const auto& [h, f] : model) {
      for (const Bytes& p : pool)
        if (crypto::Sha256(p) == h) u += p.size();
    }
    return u;
  };
  for (int step = 0; step < 150; ++step) {
    const Bytes& frag = pool[rng() % pool.size()];
    const Hash256 h = crypto::Sha256(frag);
    const Hash256 fid = Fid(static_cast<uint8_t>(rng() % 3));
    if (rng() % 3 != 0) {
      const bool fits = model.count(h) != 0 || used() + frag.size() <= cap;
      const Status s = store->Put(fid, h, frag);
      if (fits) {
        ASSERT_TRUE(s.ok()) << s;
        model[h].insert(fid);
      } else {
        ASSERT_EQ(s.code(), StatusCode::kResourceExhausted);
      }
    } else {
      const bool has = model.count(h) != 0 && model[h].count(fid) != 0;
      const Status s = store->Delete(fid, h);
      ASSERT_EQ(s.ok(), has) << s;
      if (has) {
        model[h].erase(fid);
        if (model[h].empty()) model.erase(h);
      }
    }
    if (step % 50 == 49) {  // reopening changes nothing
      store.reset();
      store = MustOpen(dir.path(), cap);
      ASSERT_NE(store, nullptr);
    }
    ASSERT_EQ(store->Stats().used_bytes, used());
    ASSERT_EQ(store->Stats().fragment_count, model.size());
  }
  auto list = store->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), model.size());
  for (const FragmentInfo& info : *list) {
    EXPECT_EQ(std::set<Hash256>(info.fids.begin(), info.fids.end()), model[info.hash]);
  }
  ExpectConsistent(*store);
}

TEST(FragmentStoreTest, ConcurrentPutsAndDeletes) {
  test_util::TempDir dir("fstore");
  auto store = MustOpen(dir.path());
  std::vector<Bytes> frags;
  for (int i = 0; i < 24; ++i) frags.push_back(Data(2000 + i, 300 + i));
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Every thread stores every fragment under its own FID; half the threads then drop theirs.
      for (const Bytes& f : frags) {
        if (!store->Put(Fid(static_cast<uint8_t>(t)), crypto::Sha256(f), f).ok()) ++errors;
      }
      if (t % 2 == 1) {
        for (const Bytes& f : frags) {
          if (!store->Delete(Fid(static_cast<uint8_t>(t)), crypto::Sha256(f)).ok()) ++errors;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  for (const Bytes& f : frags) {
    auto info = store->Info(crypto::Sha256(f));
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->fids, (std::vector<Hash256>{Fid(0), Fid(2)}));
  }
  ExpectConsistent(*store);
}

// The fragment the crash child stores as its i-th Put (so the parent can recompute it).
Bytes CrashFragment(uint64_t round, uint32_t i) { return Data(512 + (i * 7919) % 30000, round * 100000 + i); }

// A child process stores fragments (one Put each, or group commits of 1-5 when `batched`) and
// reports each acknowledged one through a pipe; it is killed at a random moment, four times.
void RunKill9Test(bool batched) {
  test_util::TempDir dir("fstore-crash");
  std::mt19937_64 rng(std::random_device{}());
  std::set<uint32_t> acked_all;
  std::map<uint32_t, uint64_t> round_of;
  for (uint64_t round = 0; round < 4; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto s = FragmentStore::Open(dir.path(), uint64_t{1} << 32);
      if (!s.ok()) ::_exit(3);
      for (uint32_t i = round * 100000;;) {
        const uint32_t count = batched ? 1 + i % 5 : 1;
        auto batch = (*s)->BeginBatch();
        for (uint32_t b = i; b < i + count; ++b) {
          const Bytes f = CrashFragment(round, b);
          if (batched) {
            if (!batch->Add(crypto::Sha256(f), f).ok()) ::_exit(4);
          } else if (!(*s)->Put(Fid(static_cast<uint8_t>(b % 5)), crypto::Sha256(f), f).ok()) {
            ::_exit(4);
          }
        }
        if (batched && !batch->Commit(Fid(static_cast<uint8_t>(i % 5))).ok()) ::_exit(7);
        for (uint32_t b = i; b < i + count; ++b) {
          if (b % 3 == 0) {
            // Also exercise tags.
            if (!(*s)->PutTags(crypto::Sha256(CrashFragment(round, b)), Data(64, b)).ok()) ::_exit(5);
          }
          if (::write(fds[1], &b, sizeof(b)) != sizeof(b)) ::_exit(6);
        }
        i += count;
      }
    }
    ::close(fds[1]);
    // Let it acknowledge a random number of fragments, then kill it at a random moment.
    const int want = 5 + static_cast<int>(rng() % 40);
    std::vector<uint32_t> acked;
    uint32_t v = 0;
    while (static_cast<int>(acked.size()) < want && ::read(fds[0], &v, sizeof(v)) == sizeof(v))
      acked.push_back(v);
    ::usleep(static_cast<useconds_t>(rng() % 3000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
    while (::read(fds[0], &v, sizeof(v)) == sizeof(v)) acked.push_back(v);  // drained after the kill
    ::close(fds[0]);
    ASSERT_GE(acked.size(), 5u);
    for (uint32_t i : acked) {
      acked_all.insert(i);
      round_of[i] = round;
    }
    // Reopen: every acknowledged fragment (of every round so far) is there, byte for byte.
    auto store = MustOpen(dir.path(), uint64_t{1} << 32);
    ASSERT_NE(store, nullptr);
    for (uint32_t i : acked_all) {
      const Bytes f = CrashFragment(round_of[i], i);
      auto got = store->Get(crypto::Sha256(f), /*verify=*/true);
      ASSERT_TRUE(got.ok()) << "round " << round << " fragment " << i << ": " << got.status();
      ASSERT_EQ(*got, f);
      if (i % 3 == 0) {
        EXPECT_EQ(*store->GetTags(crypto::Sha256(f)), Data(64, i));
      }
    }
    ExpectConsistent(*store);
  }
}

TEST(FragmentStoreTest, AcknowledgedFragmentsSurviveKill9) { RunKill9Test(/*batched=*/false); }

TEST(FragmentStoreTest, AcknowledgedBatchesSurviveKill9) { RunKill9Test(/*batched=*/true); }

TEST(FragmentStoreTest, BatchCommitsEverythingAtOnce) {
  test_util::TempDir dir("fstore-batch");
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  const Bytes known = Data(1000, 99);
  ASSERT_TRUE(store->Put(Fid(1), crypto::Sha256(known), known).ok());
  std::vector<Bytes> frags;
  for (int i = 0; i < 6; ++i) frags.push_back(Data(1000 + i, 100 + i));
  auto batch = store->BeginBatch();
  for (const Bytes& f : frags) ASSERT_TRUE(batch->Add(crypto::Sha256(f), f).ok());
  ASSERT_TRUE(batch->Add(crypto::Sha256(frags[2]), frags[2]).ok());  // the same fragment twice
  ASSERT_TRUE(batch->Add(crypto::Sha256(known), known).ok());        // one the store already holds
  EXPECT_EQ(batch->size(), 7u);
  // Not visible before the commit.
  for (const Bytes& f : frags) EXPECT_EQ(store->Info(crypto::Sha256(f)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Stats().fragment_count, 1u);
  auto existed = batch->Commit(Fid(2));
  ASSERT_TRUE(existed.ok()) << existed.status();
  EXPECT_EQ(*existed, (std::vector<bool>{false, false, false, false, false, false, true}));
  for (const Bytes& f : frags) {
    auto info = store->Info(crypto::Sha256(f));
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->fids, std::vector<Hash256>{Fid(2)});
    EXPECT_EQ(*store->Get(crypto::Sha256(f)), f);
  }
  EXPECT_EQ(store->Info(crypto::Sha256(known))->fids, (std::vector<Hash256>{Fid(1), Fid(2)}));
  EXPECT_EQ(store->Stats().fragment_count, 7u);
  EXPECT_EQ(batch->Commit(Fid(2)).status().code(), StatusCode::kFailedPrecondition);
  ExpectConsistent(*store);
}

TEST(FragmentStoreTest, UncommittedBatchLeavesNothing) {
  test_util::TempDir dir("fstore-batch-abort");
  const uint64_t cap = 3000;
  auto store = MustOpen(dir.path(), cap);
  ASSERT_NE(store, nullptr);
  {
    auto batch = store->BeginBatch();
    const Bytes a = Data(1000, 1), b = Data(1000, 2), c = Data(1000, 3), d = Data(1000, 4);
    ASSERT_TRUE(batch->Add(crypto::Sha256(a), a).ok());
    EXPECT_EQ(batch->Add(crypto::Sha256(a), b).code(), StatusCode::kInvalidArgument);  // wrong hash: refused
    ASSERT_TRUE(batch->Add(crypto::Sha256(b), b).ok());                                 // the batch goes on
    ASSERT_TRUE(batch->Add(crypto::Sha256(c), c).ok());
    EXPECT_EQ(batch->Add(crypto::Sha256(d), d).code(), StatusCode::kResourceExhausted);  // over capacity
    EXPECT_EQ(batch->size(), 3u);
    // A Put competing for the reserved room is refused too.
    EXPECT_EQ(store->Put(Fid(1), crypto::Sha256(d), d).code(), StatusCode::kResourceExhausted);
  }  // dropped without Commit
  EXPECT_TRUE(FilesOnDisk(store->dir()).empty());
  EXPECT_EQ(store->Stats().used_bytes, 0u);
  // The reservation is released: the whole capacity can be used again.
  for (int i = 0; i < 3; ++i) {
    const Bytes f = Data(1000, 10 + i);
    ASSERT_TRUE(store->Put(Fid(1), crypto::Sha256(f), f).ok());
  }
  ExpectConsistent(*store);
}

}  // namespace
}  // namespace cess::storage
