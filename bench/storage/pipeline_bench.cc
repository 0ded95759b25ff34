// Times the storage pipeline (DESIGN.md §9) on one machine:
//   encode   segment + (AES-256-GCM) + SHA-256 + RS(4,8) + 12 fragment hashes, fragments dropped
//   decode   every segment from its 4 data fragments (no RS work) and from 4 parity fragments
//            (full RS reconstruction), hashes checked, decrypted
//   upload   encode + push every fragment to 12 FragmentStores in temp folders (one pusher
//            thread per miner), durable: "batched" puts each miner's fragments in one
//            FragmentBatch committed at the end (the miner's PutFragments path: fsync per file,
//            once per folder, one index write); "per-fragment" makes each Put durable on its own
//            (PutFragment). Again with stores opened with sync = false (kill -9 safe, not
//            power-loss safe)
//   download Retriever::ReadFile over the same stores through LocalFetcher
//
//   cess_storage_pipeline_bench [--size-mib 64] [--reps 5] [--backend auto|cpu|ref|cuda]
//                               [--store-reps 3] [--dir /tmp]   (--store-reps 0 skips the stores)
// Prints, per case, the median, min and max seconds and the MB/s (file bytes / median time).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cess/core/hash.h"
#include "cess/storage/fragment_store.h"
#include "cess/storage/local_fetcher.h"
#include "cess/storage/pipeline.h"
#include "cess/storage/retrieval.h"

namespace st = cess::storage;
using cess::Bytes;
using cess::ByteSpan;
using cess::Status;

namespace {

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "error in %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

double CpuNow() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU seconds (all threads of the process) of the last Seconds() call.
double g_last_cpu = 0;

double Seconds(const std::function<void()>& fn) {
  const double c0 = CpuNow();
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  g_last_cpu = CpuNow() - c0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Wall-clock median/min/max and MB/s; `cpu` holds the process CPU seconds of each repetition
// (a figure that other load on a shared machine disturbs less).
void Report(const char* name, std::vector<double> t, std::vector<double> cpu, uint64_t bytes) {
  std::sort(t.begin(), t.end());
  std::sort(cpu.begin(), cpu.end());
  const double med = t[t.size() / 2];
  const double cmed = cpu[cpu.size() / 2];
  std::printf(
      "%-30s median %7.4f s  min %7.4f  max %7.4f  %7.1f MB/s  | cpu %7.4f s  %7.1f MB/cpu-s  (n=%zu)\n",
      name, med, t.front(), t.back(), static_cast<double>(bytes) / med / 1e6, cmed,
      static_cast<double>(bytes) / cmed / 1e6, t.size());
  std::fflush(stdout);
}

// One pusher thread per miner with a small bounded queue, so fragments of segment i are stored
// while segment i + 1 is encoded.
class Pushers {
 public:
  // `batched`: each miner's fragments go into one FragmentBatch, committed by Drain (the miner's
  // PutFragments path); otherwise one durable Put per fragment (the PutFragment path).
  Pushers(std::vector<st::FragmentStore*> stores, bool batched)
      : stores_(std::move(stores)), batched_(batched), queues_(stores_.size()), batches_(stores_.size()) {
    for (size_t i = 0; i < stores_.size(); ++i) threads_.emplace_back([this, i] { Loop(i); });
  }
  ~Pushers() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  Status Push(size_t miner, const cess::Hash256& fid, const cess::Hash256& hash, ByteSpan bytes) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return queues_[miner].size() < 4 || !error_.ok(); });
    if (!error_.ok()) return error_;
    queues_[miner].push_back(Item{hash, Bytes(bytes.begin(), bytes.end())});
    fid_ = fid;
    cv_.notify_all();
    return Status::Ok();
  }
  // Waits until every queued fragment is acknowledged (batches: committed, in parallel).
  Status Drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] {
      return busy_ == 0 && std::all_of(queues_.begin(), queues_.end(), [](auto& q) { return q.empty(); });
    });
    if (!error_.ok() || !batched_) return error_;
    std::vector<Status> results(batches_.size());
    std::vector<std::thread> commits;
    for (size_t i = 0; i < batches_.size(); ++i) {
      if (!batches_[i]) continue;
      commits.emplace_back([&, i] { results[i] = batches_[i]->Commit(fid_).status(); });
    }
    for (auto& t : commits) t.join();
    for (auto& b : batches_) b.reset();
    for (const Status& r : results) {
      if (!r.ok()) return r;
    }
    return Status::Ok();
  }

 private:
  void Loop(size_t i) {
    for (;;) {
      Item item;
      cess::Hash256 fid;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !queues_[i].empty(); });
        if (queues_[i].empty()) return;
        item = std::move(queues_[i].front());
        queues_[i].pop_front();
        fid = fid_;
        ++busy_;
      }
      cv_.notify_all();
      Status s;
      if (batched_) {
        if (!batches_[i]) batches_[i] = stores_[i]->BeginBatch();
        s = batches_[i]->Add(item.hash, item.bytes);
      } else {
        s = stores_[i]->Put(fid, item.hash, item.bytes);
      }
      {
        std::lock_guard lock(mu_);
        --busy_;
        if (!s.ok() && error_.ok()) error_ = s;
      }
      cv_.notify_all();
    }
  }

  std::vector<st::FragmentStore*> stores_;
  bool batched_;
  std::mutex mu_;
  std::condition_variable cv_;
  struct Item {
    cess::Hash256 hash{};
    Bytes bytes;
  };
  std::vector<std::deque<Item>> queues_;
  std::vector<std::unique_ptr<st::FragmentBatch>> batches_;  // per miner; touched only by its thread and Drain
  std::vector<std::thread> threads_;
  cess::Hash256 fid_{};
  int busy_ = 0;
  bool stop_ = false;
  Status error_;
};

}  // namespace

int main(int argc, char** argv) {
  uint64_t size_mib = 64;
  int reps = 5;
  int store_reps = 3;
  std::string backend_name = "auto";
  std::string base_dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--size-mib")
      size_mib = std::strtoull(v, nullptr, 10);
    else if (flag == "--reps")
      reps = std::atoi(v);
    else if (flag == "--store-reps")
      store_reps = std::atoi(v);
    else if (flag == "--backend")
      backend_name = v;
    else if (flag == "--dir")
      base_dir = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  auto backend = cess::kernels::ParseBackend(backend_name);
  Check(backend.status(), "--backend");
  const st::Layout layout = st::Layout::Devnet();
  auto codec_r = st::SegmentCodec::Create(layout, *backend);
  Check(codec_r.status(), "codec");
  const st::SegmentCodec& codec = **codec_r;
  const uint64_t size = size_mib << 20;
  Bytes file(size);
  {
    std::mt19937_64 rng(1);
    for (size_t i = 0; i + 8 <= file.size(); i += 8) {
      const uint64_t r = rng();
      std::memcpy(file.data() + i, &r, 8);
    }
  }
  const Bytes key(32, 0x33);
  std::printf(
      "# file %llu MiB, devnet layout (1 MiB segments, 256 KiB fragments, RS 4+8), backend %s, "
      "hardware threads %u\n",
      static_cast<unsigned long long>(size_mib), backend_name.c_str(), std::thread::hardware_concurrency());

  for (bool enc : {false, true}) {
    const char* tag = enc ? "encrypted" : "plain";
    st::EncodeOptions opt;
    opt.layout = layout;
    opt.codec = &codec;
    if (enc) opt.master_key = key;
    // Encode, fragments dropped (the sink only touches them).
    std::vector<double> t, tc;
    st::FileManifest manifest;
    for (int r = 0; r < reps; ++r) {
      t.push_back(Seconds([&] {
        auto m = st::EncodeBytes(file, opt);
        Check(m.status(), "encode");
        manifest = std::move(m).value();
      }));
      tc.push_back(g_last_cpu);
    }
    Report((std::string("encode ") + tag).c_str(), t, tc, size);
    // Keep the fragments for decoding.
    std::vector<std::vector<Bytes>> frags(manifest.segments.size());
    opt.sink = [&](uint32_t s, uint32_t, ByteSpan b) {
      frags[s].emplace_back(b.begin(), b.end());
      return Status::Ok();
    };
    auto m = st::EncodeBytes(file, opt);
    Check(m.status(), "encode");
    manifest = *m;
    for (auto [label, first] : {std::pair<const char*, uint32_t>{"data", 0}, {"parity", 4}}) {
      t.clear();
      tc.clear();
      for (int r = 0; r < reps; ++r) {
        uint64_t out_bytes = 0;
        t.push_back(Seconds([&] {
          for (uint32_t s = 0; s < manifest.segments.size(); ++s) {
            std::vector<st::IndexedFragment> use;
            for (uint32_t j = first; j < first + 4; ++j) use.push_back({j, frags[s][j]});
            auto plain = st::DecodeSegment(codec, manifest, s, use, enc ? ByteSpan(key) : ByteSpan());
            Check(plain.status(), "decode");
            out_bytes += plain->size();
          }
        }));
        tc.push_back(g_last_cpu);
        if (out_bytes != size) Check(Status::Internal("decoded size differs"), "decode");
      }
      Report((std::string("decode ") + tag + " (" + label + ")").c_str(), t, tc, size);
    }
  }

  if (store_reps <= 0) return 0;
  // Upload to and download from 12 local miners, with durable (fsynced) stores and, to show what
  // the disk's sync latency costs, with stores that skip fsync.
  struct StoreCase {
    bool sync, enc, batched;
  };
  for (const StoreCase& c : {StoreCase{true, false, true}, StoreCase{true, false, false}, StoreCase{true, true, true},
                             StoreCase{false, false, true}, StoreCase{false, true, true}}) {
    {
      const bool sync = c.sync, enc = c.enc;
      const std::string tag = std::string(enc ? "encrypted" : "plain") + (sync ? "" : " nosync") +
                              (c.batched ? " batched" : " per-fragment");
      std::vector<double> up, down, upc, downc;
      for (int r = 0; r < store_reps; ++r) {
        const std::string dir =
            base_dir + "/cess-pipeline-bench-" + std::to_string(::getpid()) + "-" + std::to_string(r);
        std::vector<std::unique_ptr<st::FragmentStore>> stores;
        std::vector<st::FragmentStore*> raw;
        std::vector<st::MinerRef> miners(12);
        st::LocalFetcher fetcher;
        for (int i = 0; i < 12; ++i) {
          st::FragmentStoreOptions sopt;
          sopt.sync = sync;
          auto s = st::FragmentStore::Open(dir + "-m" + std::to_string(i), uint64_t{1} << 34, sopt);
          Check(s.status(), "open store");
          stores.push_back(std::move(s).value());
          raw.push_back(stores.back().get());
          miners[i].id.fill(static_cast<uint8_t>(i + 1));
          fetcher.AddMiner(miners[i].id, raw.back());
        }
        st::FileManifest manifest;
        {
          Pushers pushers(raw, c.batched);
          st::EncodeOptions opt;
          opt.layout = layout;
          opt.codec = &codec;
          if (enc) opt.master_key = key;
          cess::Hash256 upload_id{};
          upload_id.fill(0xaa);
          opt.hashed_sink = [&](uint32_t, uint32_t f, const cess::Hash256& h, ByteSpan b) {
            return pushers.Push(f, upload_id, h, b);
          };
          up.push_back(Seconds([&] {
            auto m = st::EncodeBytes(file, opt);
            Check(m.status(), "upload encode");
            Check(pushers.Drain(), "upload push");
            manifest = std::move(m).value();
          }));
          upc.push_back(g_last_cpu);
        }
        {
          st::RetrieverOptions ropt;
          ropt.backend = *backend;
          auto retriever = st::Retriever::Create(layout, ropt);
          Check(retriever.status(), "retriever");
          const auto locs = st::LocationsByIndex(manifest, miners);
          Bytes out;
          out.reserve(size);
          down.push_back(Seconds([&] {
            Check((*retriever)
                      ->ReadFile(manifest, locs, fetcher, enc ? ByteSpan(key) : ByteSpan(),
                                 [&](ByteSpan b) {
                                   out.insert(out.end(), b.begin(), b.end());
                                   return Status::Ok();
                                 }),
                  "download");
          }));
          downc.push_back(g_last_cpu);
          if (out != file) Check(Status::Internal("downloaded bytes differ"), "download");
        }
        stores.clear();
        for (int i = 0; i < 12; ++i) std::filesystem::remove_all(dir + "-m" + std::to_string(i));
      }
      Report((std::string("upload 12 miners ") + tag).c_str(), up, upc, size);
      Report((std::string("download 12 miners ") + tag).c_str(), down, downc, size);
    }
  }
  return 0;
}
