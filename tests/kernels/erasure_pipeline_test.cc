// The CUDA backend's host pipeline (erasure/pipeline.h) simulated on the CPU: pieces are cut,
// staged (or "DMA'd" with the 2-D copies of the direct path), run through the emulated kernel
// and copied back, exactly as cuda_codec.cu orders them; the result must equal ref. This checks
// the pipeline's addressing where no GPU exists.
#include <gtest/gtest.h>

#include "cess/kernels/erasure.h"
#include "erasure/common.h"
#include "erasure/gf256.h"
#include "erasure/pipeline.h"
#include "erasure_kernel_emulation.h"
#include "erasure_test_util.h"

namespace cess::kernels::erasure::internal {
namespace {

using testing::MakeCodec;
using testing::RandomBytes;
using testing::RandomPattern;
using testing::Stripe;

void HostCopy2D(const Copy2D& c) {
  for (size_t r = 0; r < c.height; ++r) std::memcpy(c.dst + r * c.dpitch, c.src + r * c.spitch, c.width);
}

// Runs `job` as RunPieces does, with host buffers standing in for pinned and device memory.
void SimulatePipeline(const HostJob& job, const std::vector<uint32_t>& tables, size_t cap, int max_out) {
  const size_t out_cap = OutCapacity(cap, job.n_in, max_out);
  Bytes pinned_in(cap), pinned_out(out_cap), dev_in(cap + 64), dev_out(out_cap + 64);
  // cudaMalloc memory is 256-byte aligned: align the stand-ins to 16 so the fast path is taken.
  auto align16 = [](Bytes& b) { return b.data() + (16 - reinterpret_cast<uintptr_t>(b.data()) % 16) % 16; };
  uint8_t* d_in = align16(dev_in);
  uint8_t* d_out = align16(dev_out);
  for (const Piece& pc : CutPieces(job, cap)) {
    ASSERT_LE(pc.ns * static_cast<uint64_t>(job.n_in) * pc.wp, cap);
    ASSERT_LE(pc.ns * static_cast<uint64_t>(job.n_out) * pc.wp, out_cap);
    ASSERT_EQ(pc.wp % 16, 0u);
    if (job.direct) {
      HostCopy2D(DirectIn(job, pc, d_in));
    } else {
      RunCopies(StageInTasks(job, pc, pinned_in.data()));
      std::memcpy(d_in, pinned_in.data(), pc.ns * static_cast<uint64_t>(job.n_in) * pc.wp);
    }
    const DotJob dj = PieceDot(job, pc, d_in, d_out);
    auto launches = PlanDot(dj);
    ASSERT_TRUE(launches.ok());
    for (const auto& l : *launches) ASSERT_EQ(l.aligned, 1u) << "staged pieces must take the aligned path";
    ASSERT_NO_FATAL_FAILURE(EmulateDot(dj, tables));
    if (job.direct) {
      HostCopy2D(DirectOut(job, pc, d_out));
    } else {
      std::memcpy(pinned_out.data(), d_out, pc.ns * static_cast<uint64_t>(job.n_out) * pc.wp);
      RunCopies(StageOutTasks(job, pc, pinned_out.data()));
    }
  }
}

std::vector<uint32_t> EncodeTables(int k, int m) {
  const auto matrix = RefCauchyMatrix(k, m);
  return PackedNibbleTables(std::span(matrix).subspan(static_cast<size_t>(k * k)), m, k);
}

// CudaCodec::Encode's job: one stripe, absolute addresses.
TEST(PipelineTest, EncodeOneStripeMatchesRef) {
  std::mt19937_64 rng(40);
  for (auto [k, m, len, cap] : std::vector<std::tuple<int, int, size_t, size_t>>{
           {10, 4, 100000, 64 << 10},  // column pieces of one stripe
           {4, 8, 70001, 16 << 10},
           {16, 8, 33, 64 << 10},  // one piece, odd length
           {1, 1, 1, 1 << 10},
           {32, 16, 5000, 32 << 10}}) {
    Stripe s(k, m, len, 7), r(k, m, len);
    s.FillRandom(rng);
    for (int j = 0; j < k; ++j) r.Fill(j, s.copy(j));
    HostJob job;
    for (int j = 0; j < k; ++j) job.in_off[j] = reinterpret_cast<uintptr_t>(s.shard(j));
    for (int p = 0; p < m; ++p) job.out_off[p] = reinterpret_cast<uintptr_t>(s.shard(k + p));
    job.n_in = k;
    job.n_out = m;
    job.stripes = 1;
    job.len = len;
    ASSERT_NO_FATAL_FAILURE(SimulatePipeline(job, EncodeTables(k, m), cap, m));
    auto ref = MakeCodec(k, m, Backend::kRef);
    ASSERT_TRUE(ref->Encode(r.Data(), r.Parity()).ok());
    for (int p = k; p < k + m; ++p) ASSERT_EQ(s.copy(p), r.copy(p)) << k << "+" << m << " len " << len;
  }
}

// CudaCodec::EncodeBatch's job, staged and direct.
TEST(PipelineTest, EncodeBatchStagedAndDirectMatchRef) {
  std::mt19937_64 rng(41);
  for (bool direct : {false, true}) {
    for (auto [k, m, stripes, len, cap] : std::vector<std::tuple<int, int, size_t, size_t, size_t>>{
             {10, 4, 37, 4096, 64 << 10},    // several stripes per piece, rows back to back
             {10, 4, 5, 4099, 64 << 10},     // padded rows
             {4, 8, 3, 50000, 64 << 10},     // column pieces
             {16, 8, 2, 100003, 128 << 10},  // column pieces, odd length
             {3, 2, 1000, 17, 1 << 10}}) {
      const size_t kk = static_cast<size_t>(k);
      const size_t mm = static_cast<size_t>(m);
      const Bytes data = RandomBytes(rng, stripes * kk * len);
      Bytes parity(stripes * mm * len, 0xEE);
      HostJob job;
      job.in_base = reinterpret_cast<uintptr_t>(data.data());
      job.out_base = reinterpret_cast<uintptr_t>(parity.data());
      job.in_stride = kk * len;
      job.out_stride = mm * len;
      for (size_t j = 0; j < kk; ++j) job.in_off[j] = j * len;
      for (size_t p = 0; p < mm; ++p) job.out_off[p] = p * len;
      job.n_in = k;
      job.n_out = m;
      job.stripes = stripes;
      job.len = len;
      job.batch_layout = true;
      job.direct = direct;
      ASSERT_NO_FATAL_FAILURE(SimulatePipeline(job, EncodeTables(k, m), cap, m));
      Bytes want(parity.size());
      auto ref = MakeCodec(k, m, Backend::kRef);
      ASSERT_TRUE(ref->EncodeBatch(stripes, len, data, want).ok());
      ASSERT_EQ(parity, want) << (direct ? "direct " : "staged ") << k << "+" << m << " " << stripes << "x"
                              << len;
    }
  }
}

// CudaCodec::Reconstruct's job: survivors in, erased shards out, absolute addresses.
TEST(PipelineTest, ReconstructMatchesOriginal) {
  std::mt19937_64 rng(42);
  for (auto [k, m, len, cap] : std::vector<std::tuple<int, int, size_t, size_t>>{
           {10, 4, 100001, 64 << 10}, {4, 8, 999, 16 << 10}, {32, 16, 3000, 64 << 10}}) {
    auto ref = MakeCodec(k, m, Backend::kRef);
    Stripe s(k, m, len, 5);
    s.FillRandom(rng);
    ASSERT_TRUE(ref->Encode(s.Data(), s.Parity()).ok());
    const auto original = s.Snapshot();
    for (int t = 0; t < 5; ++t) {
      const auto erased = RandomPattern(rng, k + m, 1 + static_cast<int>(rng() % static_cast<uint64_t>(m)));
      auto plan = MakeDecodePlan(k, m, erased);
      ASSERT_TRUE(plan.ok());
      for (int e : erased) std::fill(s.shard(e), s.shard(e) + len, uint8_t{0});
      auto rows = DecodeRows(RefCauchyMatrix(k, m), k, *plan, &RefInvertMatrix, &GfMul);
      ASSERT_TRUE(rows.ok());
      HostJob job;
      for (int j = 0; j < k; ++j) job.in_off[j] = reinterpret_cast<uintptr_t>(s.shard(plan->survivors[j]));
      for (int o = 0; o < plan->num_erased; ++o)
        job.out_off[o] = reinterpret_cast<uintptr_t>(s.shard(plan->erased[o]));
      job.n_in = k;
      job.n_out = plan->num_erased;
      job.stripes = 1;
      job.len = len;
      ASSERT_NO_FATAL_FAILURE(SimulatePipeline(job, PackedNibbleTables(*rows, plan->num_erased, k), cap, m));
      ASSERT_EQ(s.Snapshot(), original) << k << "+" << m << " pattern " << testing::PatternString(erased);
    }
  }
}

TEST(PipelineTest, ParallelCopiesSplitAcrossTasks) {
  std::mt19937_64 rng(43);
  // Over 4 MiB in all, so RunCopies splits the bytes over threads, across task boundaries.
  std::vector<size_t> sizes = {1, 3 << 20, 17, 0, 2 << 20, 12345, 1 << 20};
  std::vector<Bytes> src, dst;
  std::vector<CopyTask> tasks;
  for (size_t n : sizes) {
    src.push_back(RandomBytes(rng, n));
    dst.emplace_back(n, 0);
  }
  for (size_t i = 0; i < sizes.size(); ++i) tasks.push_back({dst[i].data(), src[i].data(), sizes[i]});
  RunCopies(tasks);
  EXPECT_EQ(dst, src);
}

TEST(PipelineTest, PiecesCoverTheJobOnce) {
  HostJob job;
  job.n_in = 10;
  job.n_out = 4;
  for (auto [stripes, len, cap] : std::vector<std::tuple<uint64_t, uint64_t, size_t>>{
           {1, 1, 1 << 10}, {100, 4096, 1 << 20}, {3, 1000003, 1 << 20}, {7, 16, 160}, {0, 5, 1 << 10}}) {
    job.stripes = stripes;
    job.len = len;
    std::vector<uint64_t> covered(stripes, 0);
    for (const Piece& pc : CutPieces(job, cap)) {
      for (uint64_t s = pc.s0; s < pc.s0 + pc.ns; ++s) covered[s] += pc.w;
      EXPECT_LE(pc.ns * 10 * pc.wp, cap);
    }
    for (uint64_t c : covered) EXPECT_EQ(c, len);
  }
}

}  // namespace
}  // namespace cess::kernels::erasure::internal
