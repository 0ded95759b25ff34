// Retrieval and repair over 12 real FragmentStores behind the in-process fetcher: whole files,
// ranges, lost miners, corrupt fragments on disk, failing and slow fetchers, rebuilds.
#include "cess/storage/retrieval.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "cess/core/hash.h"
#include "cess/storage/fragment_store.h"
#include "cess/storage/local_fetcher.h"
#include "cess/storage/pipeline.h"
#include "common/temp_dir.h"

namespace cess::storage {
namespace {

constexpr uint64_t kSeg = uint64_t{1} << 20;

Bytes Data(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// Wraps a fetcher: fails, blocks until released (a miner slower than any timeout of the test),
// or counts fetches per fragment index.
class TestFetcher final : public FragmentFetcher {
 public:
  explicit TestFetcher(FragmentFetcher& inner) : inner_(inner) {}
  ~TestFetcher() override { Release(); }
  Result<Bytes> Fetch(const FragmentLocation& loc) override {
    ++calls[loc.index];
    if (fail_index[loc.index]) return Status::Unavailable("injected failure");
    if (block_index[loc.index]) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return released_; });
    }
    return inner_.Fetch(loc);
  }
  // Lets every blocked fetch go on.
  void Release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  std::atomic<int> calls[12] = {};
  std::atomic<bool> fail_index[12] = {};
  std::atomic<bool> block_index[12] = {};

 private:
  FragmentFetcher& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

// 12 miners, one fragment index each (as CESS places them).
class RetrievalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 12; ++i) {
      FragmentStoreOptions sopt;
      sopt.precreate_folders = false;  // 12 short-lived stores per test
      auto s = FragmentStore::Open(dir_.Sub("miner" + std::to_string(i)), uint64_t{1} << 30, sopt);
      ASSERT_TRUE(s.ok()) << s.status();
      stores_.push_back(std::move(s).value());
      MinerRef m;
      m.id.fill(static_cast<uint8_t>(i + 1));
      m.endpoint = "local:" + std::to_string(i);
      miners_.push_back(m);
      local_.AddMiner(m.id, stores_.back().get());
    }
    RetrieverOptions opt;
    opt.hedge_after = std::chrono::milliseconds(50);
    auto r = Retriever::Create(Layout::Devnet(), opt);
    ASSERT_TRUE(r.ok());
    retriever_ = std::move(r).value();
  }

  // Encodes `data` and pushes fragment j of every segment to miner j.
  FileManifest Upload(const Bytes& data, ByteSpan key) {
    EncodeOptions opt;
    opt.master_key = key;
    opt.codec = &retriever_->codec();
    Hash256 pending{};  // the FID is known only at the end; use a per-upload placeholder
    pending.fill(0xee);
    opt.hashed_sink = [&](uint32_t, uint32_t f, const Hash256& h, ByteSpan bytes) {
      return stores_[f]->Put(pending, h, bytes);
    };
    auto m = EncodeBytes(data, opt);
    EXPECT_TRUE(m.ok()) << m.status();
    return *m;
  }

  Result<Bytes> ReadAll(const FileManifest& m, FragmentFetcher& f, ByteSpan key,
                        std::vector<FetchFailure>* fails) {
    Bytes out;
    auto locs = LocationsByIndex(m, miners_);
    CESS_RETURN_IF_ERROR(retriever_->ReadFile(
        m, locs, f, key,
        [&](ByteSpan b) {
          out.insert(out.end(), b.begin(), b.end());
          return Status::Ok();
        },
        fails));
    return out;
  }

  std::string FragmentPath(int miner, const Hash256& h) {
    return dir_.Sub("miner" + std::to_string(miner)) + "/fragments/" + ToHex(h).substr(0, 2) + "/" + ToHex(h);
  }

  test_util::TempDir dir_{"retrieval"};
  std::vector<std::unique_ptr<FragmentStore>> stores_;
  std::vector<MinerRef> miners_;
  LocalFetcher local_;
  std::unique_ptr<Retriever> retriever_;
};

TEST_F(RetrievalTest, RoundTripsWholeFilesAndRanges) {
  const Bytes key(32, 0x42);
  for (bool enc : {false, true}) {
    for (uint64_t size : {uint64_t{0}, uint64_t{1}, kSeg - 1, kSeg, kSeg * 7 / 2}) {
      SCOPED_TRACE(std::to_string(size) + (enc ? " encrypted" : " plain"));
      const Bytes data = Data(size, size * 3 + enc);
      const ByteSpan k = enc ? ByteSpan(key) : ByteSpan();
      const FileManifest m = Upload(data, k);
      auto back = ReadAll(m, local_, k, nullptr);
      ASSERT_TRUE(back.ok()) << back.status();
      ASSERT_EQ(*back, data);
      // Ranges at segment edges (P differs when encrypted).
      const uint64_t p = m.PlainBytesPerSegment();
      const auto locs = LocationsByIndex(m, miners_);
      for (auto [off, len] : std::vector<std::pair<uint64_t, uint64_t>>{
               {0, 1}, {p - 1, 2}, {p, 10}, {p - 5, p + 10}, {size / 2, 3000}, {size, 10}, {0, UINT64_MAX}}) {
        if (off > size) continue;
        Bytes got;
        Status s = retriever_->ReadRange(m, off, len, locs, local_, k, [&](ByteSpan b) {
          got.insert(got.end(), b.begin(), b.end());
          return Status::Ok();
        });
        ASSERT_TRUE(s.ok()) << s;
        const uint64_t end = off + std::min(len, size - off);
        ASSERT_EQ(got, Bytes(data.begin() + static_cast<std::ptrdiff_t>(off),
                             data.begin() + static_cast<std::ptrdiff_t>(end)))
            << off << "+" << len;
      }
      EXPECT_EQ(retriever_->ReadRange(m, size + 1, 1, locs, local_, k, [](ByteSpan) { return Status::Ok(); })
                    .code(),
                StatusCode::kOutOfRange);
    }
  }
}

TEST_F(RetrievalTest, EightMinersGoneStillDecodes) {
  const Bytes data = Data(kSeg * 3, 5);
  const FileManifest m = Upload(data, {});
  // Remove a fresh random 8 of the 12 miners.
  std::mt19937_64 rng(std::random_device{}());
  std::vector<int> idx = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  std::shuffle(idx.begin(), idx.end(), rng);
  for (int i = 0; i < 8; ++i) local_.RemoveMiner(miners_[idx[i]].id);
  std::vector<FetchFailure> fails;
  auto back = ReadAll(m, local_, {}, &fails);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, data);
  for (const FetchFailure& f : fails) EXPECT_EQ(f.status.code(), StatusCode::kUnavailable);
  // A ninth gone: the file is unavailable, and the error says why.
  local_.RemoveMiner(miners_[idx[8]].id);
  auto none = ReadAll(m, local_, {}, nullptr);
  EXPECT_EQ(none.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(none.status().message().find("only 3 of 4"), std::string::npos) << none.status();
}

TEST_F(RetrievalTest, CorruptFragmentIsSkippedAndReported) {
  const Bytes data = Data(kSeg * 2, 6);
  const FileManifest m = Upload(data, {});
  // Corrupt fragment 1 of segment 1 on miner 1's disk.
  const Hash256 h = m.segments[1].fragment_hashes[1];
  {
    std::fstream f(FragmentPath(1, h), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('\x7f');
    f.seekp(1001);
    f.put('\x01');
  }
  // Four in flight, no hedging: the corrupt fragment must be seen (and replaced by fragment 4)
  // before four good ones are in, so its report cannot race the end of the call.
  RetrieverOptions opt;
  opt.max_in_flight = 4;
  opt.hedge_after = std::chrono::milliseconds(0);
  auto r = Retriever::Create(Layout::Devnet(), opt);
  ASSERT_TRUE(r.ok());
  std::vector<FetchFailure> fails;
  Bytes back;
  Status s = (*r)->ReadFile(
      m, LocationsByIndex(m, miners_), local_, {},
      [&](ByteSpan b) {
        back.insert(back.end(), b.begin(), b.end());
        return Status::Ok();
      },
      &fails);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(back, data);
  ASSERT_EQ(fails.size(), 1u);
  EXPECT_EQ(fails[0].segment, 1u);
  EXPECT_EQ(fails[0].location.index, 1u);
  EXPECT_EQ(fails[0].location.miner, miners_[1].id);
  EXPECT_EQ(fails[0].status.code(), StatusCode::kCorruption);
}

TEST_F(RetrievalTest, WrongKeyFailsWithCorruption) {
  const Bytes key(32, 1), wrong(32, 2);
  const FileManifest m = Upload(Data(kSeg, 7), key);
  auto r = ReadAll(m, local_, wrong, nullptr);
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("segment 0"), std::string::npos);
}

TEST_F(RetrievalTest, FailingFetchersAreReplacedAndReported) {
  const Bytes data = Data(kSeg / 2, 8);
  const FileManifest m = Upload(data, {});
  // Four in flight, no hedging: each failure starts exactly one more location, so the four
  // failures are all seen before the fourth good fragment (1, 3, 6, 7) arrives.
  RetrieverOptions opt;
  opt.max_in_flight = 4;
  opt.hedge_after = std::chrono::milliseconds(0);
  auto r = Retriever::Create(Layout::Devnet(), opt);
  ASSERT_TRUE(r.ok());
  TestFetcher f(local_);
  for (int i : {0, 2, 4, 5}) f.fail_index[i] = true;
  std::vector<FetchFailure> fails;
  Bytes back;
  Status s = (*r)->ReadFile(
      m, LocationsByIndex(m, miners_), f, {},
      [&](ByteSpan b) {
        back.insert(back.end(), b.begin(), b.end());
        return Status::Ok();
      },
      &fails);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(back, data);
  std::set<uint32_t> failed;
  for (const auto& x : fails) {
    failed.insert(x.location.index);
    EXPECT_EQ(x.status.code(), StatusCode::kUnavailable);
    EXPECT_EQ(x.location.miner, miners_[x.location.index].id);
  }
  EXPECT_EQ(failed, (std::set<uint32_t>{0, 2, 4, 5}));
  for (int i = 8; i < 12; ++i) EXPECT_EQ(f.calls[i].load(), 0) << i;  // never needed
}

TEST_F(RetrievalTest, FastestFirstDoesNotWaitForSlowMiners) {
  const Bytes data = Data(kSeg, 9);
  const FileManifest m = Upload(data, {});
  // Two data miners hang until released: the read completes from the other fetches in flight
  // while they still hang, so it cannot have waited for them.
  TestFetcher f(local_);
  f.block_index[1] = true;
  f.block_index[3] = true;
  auto back = ReadAll(m, f, {}, nullptr);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, data);
  EXPECT_EQ(f.calls[1].load(), 1);
  EXPECT_EQ(f.calls[3].load(), 1);
  f.Release();
  // Hedging: with only 4 in flight and one hanging, another location is started after
  // hedge_after, and the segment completes.
  RetrieverOptions opt;
  opt.max_in_flight = 4;
  opt.hedge_after = std::chrono::milliseconds(20);
  auto r = Retriever::Create(Layout::Devnet(), opt);
  ASSERT_TRUE(r.ok());
  TestFetcher g(local_);
  g.block_index[2] = true;
  auto seg = (*r)->RetrieveSegment(m, 0, LocationsByIndex(m, miners_)[0], g, {});
  ASSERT_TRUE(seg.ok()) << seg.status();
  EXPECT_EQ(*seg, data);
  EXPECT_EQ(g.calls[4].load(), 1);
  g.Release();
  r->reset();  // waits for the released fetch before `g` goes out of scope
}

TEST_F(RetrievalTest, DeadlineExceeded) {
  const FileManifest m = Upload(Data(1000, 10), {});
  RetrieverOptions opt;
  opt.segment_timeout = std::chrono::milliseconds(100);
  opt.hedge_after = std::chrono::milliseconds(0);
  auto r = Retriever::Create(Layout::Devnet(), opt);
  ASSERT_TRUE(r.ok());
  TestFetcher f(local_);
  for (auto& b : f.block_index) b = true;
  auto seg = (*r)->RetrieveSegment(m, 0, LocationsByIndex(m, miners_)[0], f, {});
  EXPECT_EQ(seg.status().code(), StatusCode::kDeadlineExceeded);
  f.Release();
  r->reset();
}

TEST_F(RetrievalTest, RebuildFragmentRepairsALostOne) {
  const Bytes data = Data(kSeg * 2, 11);
  const FileManifest m = Upload(data, {});
  const auto locs = LocationsByIndex(m, miners_);
  for (uint32_t target : {0u, 3u, 7u, 11u}) {
    // The target's miner is gone, and so are 7 more: rebuild from the 4 left.
    LocalFetcher partial;
    std::vector<int> keep;
    for (int i = 0; i < 12 && keep.size() < 4; ++i) {
      if (static_cast<uint32_t>(i) != target && (i * 5 + static_cast<int>(target)) % 3 != 0)
        keep.push_back(i);
    }
    for (int i = 0; keep.size() < 4; ++i) {
      if (static_cast<uint32_t>(i) != target && std::find(keep.begin(), keep.end(), i) == keep.end())
        keep.push_back(i);
    }
    for (int i : keep) partial.AddMiner(miners_[i].id, stores_[i].get());
    for (uint32_t s = 0; s < m.segments.size(); ++s) {
      auto rebuilt = retriever_->RebuildFragment(m.segments[s], s, target, locs[s], partial);
      ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
      EXPECT_EQ(crypto::Sha256(*rebuilt), m.segments[s].fragment_hashes[target]);
      EXPECT_EQ(*rebuilt, *stores_[target]->Get(m.segments[s].fragment_hashes[target]));
      // A new miner takes it over: its store accepts it (the hash is checked again there).
      test_util::TempDir nd("newminer");
      FragmentStoreOptions sopt;
      sopt.precreate_folders = false;
      auto ns = FragmentStore::Open(nd.path(), uint64_t{1} << 30, sopt);
      ASSERT_TRUE(ns.ok());
      EXPECT_TRUE((*ns)->Put(m.fid, m.segments[s].fragment_hashes[target], *rebuilt).ok());
    }
  }
  EXPECT_EQ(retriever_->RebuildFragment(m.segments[0], 0, 12, locs[0], local_).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cess::storage
