#include "erasure/pipeline.h"

#include <algorithm>
#include <cstring>
#include <thread>

namespace cess::kernels::erasure::internal {
namespace {
uint64_t RoundUp16(uint64_t x) { return (x + 15) & ~uint64_t{15}; }
}  // namespace

std::vector<Piece> CutPieces(const HostJob& job, size_t cap) {
  std::vector<Piece> pieces;
  if (job.stripes == 0 || job.len == 0 || job.n_out == 0) return pieces;
  const uint64_t n_in = static_cast<uint64_t>(job.n_in);
  const uint64_t wp_full = RoundUp16(job.len);
  if (n_in * wp_full <= cap) {
    const uint64_t per = cap / (n_in * wp_full);
    for (uint64_t s0 = 0; s0 < job.stripes; s0 += per) {
      pieces.push_back({s0, std::min(per, job.stripes - s0), 0, job.len, wp_full});
    }
  } else {
    const uint64_t wmax = (cap / n_in) & ~uint64_t{15};
    for (uint64_t s = 0; s < job.stripes; ++s) {
      for (uint64_t c0 = 0; c0 < job.len; c0 += wmax) {
        const uint64_t w = std::min(wmax, job.len - c0);
        pieces.push_back({s, 1, c0, w, RoundUp16(w)});
      }
    }
  }
  return pieces;
}

size_t OutCapacity(size_t cap, int n_in, int max_out) {
  // A piece holds ns·wp <= cap / n_in bytes per row set, so ns·max_out·wp <= cap·max_out/n_in.
  return (cap / static_cast<size_t>(n_in) + 16) * static_cast<size_t>(max_out);
}

std::vector<CopyTask> StageInTasks(const HostJob& job, const Piece& pc, uint8_t* staging) {
  const uint64_t n_in = static_cast<uint64_t>(job.n_in);
  if (job.batch_layout && pc.whole_rows() && pc.w == job.len) {  // rows back to back on both sides
    return {{staging, reinterpret_cast<const uint8_t*>(job.in_base + pc.s0 * job.in_stride),
             pc.ns * n_in * pc.w}};
  }
  std::vector<CopyTask> tasks;
  tasks.reserve(pc.ns * n_in);
  for (uint64_t s = 0; s < pc.ns; ++s) {
    for (uint64_t i = 0; i < n_in; ++i) {
      const auto* src =
          reinterpret_cast<const uint8_t*>(job.in_base + (pc.s0 + s) * job.in_stride + job.in_off[i] + pc.c0);
      tasks.push_back({staging + (s * n_in + i) * pc.wp, src, pc.w});
    }
  }
  return tasks;
}

std::vector<CopyTask> StageOutTasks(const HostJob& job, const Piece& pc, const uint8_t* staging) {
  const uint64_t n_out = static_cast<uint64_t>(job.n_out);
  if (job.batch_layout && pc.whole_rows() && pc.w == job.len) {
    return {
        {reinterpret_cast<uint8_t*>(job.out_base + pc.s0 * job.out_stride), staging, pc.ns * n_out * pc.w}};
  }
  std::vector<CopyTask> tasks;
  tasks.reserve(pc.ns * n_out);
  for (uint64_t s = 0; s < pc.ns; ++s) {
    for (uint64_t o = 0; o < n_out; ++o) {
      auto* dst =
          reinterpret_cast<uint8_t*>(job.out_base + (pc.s0 + s) * job.out_stride + job.out_off[o] + pc.c0);
      tasks.push_back({dst, staging + (s * n_out + o) * pc.wp, pc.w});
    }
  }
  return tasks;
}

void RunCopies(const std::vector<CopyTask>& tasks) {
  size_t total = 0;
  for (const CopyTask& t : tasks) total += t.n;
  constexpr size_t kParallelMin = size_t{4} << 20;
  const size_t threads = std::min<size_t>(4, std::max(1u, std::thread::hardware_concurrency()));
  if (total < kParallelMin || threads < 2) {
    for (const CopyTask& t : tasks) {
      if (t.n != 0) std::memcpy(t.dst, t.src, t.n);
    }
    return;
  }
  // Cut the byte range [0, total) into `threads` parts; each worker copies its part of every
  // task that overlaps it.
  auto work = [&tasks](size_t lo, size_t hi) {
    size_t pos = 0;
    for (const CopyTask& t : tasks) {
      const size_t a = std::max(lo, pos);
      const size_t b = std::min(hi, pos + t.n);
      if (a < b) std::memcpy(t.dst + (a - pos), t.src + (a - pos), b - a);
      pos += t.n;
      if (pos >= hi) break;
    }
  };
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < threads; ++i)
    helpers.emplace_back(work, total * i / threads, total * (i + 1) / threads);
  work(0, total / threads);
  for (auto& h : helpers) h.join();
}

Copy2D DirectIn(const HostJob& job, const Piece& pc, uint8_t* d_in) {
  const auto* src = reinterpret_cast<const uint8_t*>(job.in_base + pc.s0 * job.in_stride + pc.c0);
  return {d_in, pc.wp, src, job.len, pc.w, pc.ns * static_cast<uint64_t>(job.n_in)};
}

Copy2D DirectOut(const HostJob& job, const Piece& pc, const uint8_t* d_out) {
  auto* dst = reinterpret_cast<uint8_t*>(job.out_base + pc.s0 * job.out_stride + pc.c0);
  return {dst, job.len, d_out, pc.wp, pc.w, pc.ns * static_cast<uint64_t>(job.n_out)};
}

DotJob PieceDot(const HostJob& job, const Piece& pc, const uint8_t* d_in, uint8_t* d_out) {
  const uint64_t n_in = static_cast<uint64_t>(job.n_in);
  const uint64_t n_out = static_cast<uint64_t>(job.n_out);
  DotJob dj;
  dj.in = d_in;
  dj.out = d_out;
  dj.in_stripe_stride = n_in * pc.wp;
  dj.out_stripe_stride = n_out * pc.wp;
  for (uint64_t i = 0; i < n_in; ++i) dj.in_off[i] = i * pc.wp;
  for (uint64_t o = 0; o < n_out; ++o) dj.out_off[o] = o * pc.wp;
  dj.tables = job.d_tables;
  dj.k = job.n_in;
  dj.n_out = job.n_out;
  dj.stripes = pc.ns;
  dj.len = pc.w;
  return dj;
}

}  // namespace cess::kernels::erasure::internal
