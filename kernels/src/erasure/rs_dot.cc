#include "erasure/rs_dot.h"

#include <algorithm>
#include <string>

#include "cess/kernels/erasure.h"

namespace cess::kernels::erasure::internal {

Result<std::vector<DotParams>> PlanDot(const DotJob& job) {
  std::vector<DotParams> launches;
  if (job.stripes == 0 || job.len == 0 || job.n_out == 0) return launches;
  const uint64_t vps = (job.len + 15) / 16;
  if (vps > 0xFFFFFFFFu) {
    return Status::InvalidArgument("shard of " + std::to_string(job.len) +
                                   " bytes is too long for one kernel call");
  }
  DotParams base;
  base.in = job.in;
  base.out = job.out;
  base.in_stripe_stride = job.in_stripe_stride;
  base.out_stripe_stride = job.out_stripe_stride;
  std::copy_n(job.in_off, kMaxDataShards, base.in_off);
  std::copy_n(job.out_off, kMaxParityShards, base.out_off);
  base.tables = job.tables;
  base.len = job.len;
  base.k = static_cast<uint32_t>(job.k);
  base.n_out = static_cast<uint32_t>(job.n_out);
  base.groups = static_cast<uint32_t>((job.n_out + 3) / 4);
  base.vps = static_cast<uint32_t>(vps);
  base.div_magic = vps >= 2 ? ~uint64_t{0} / vps + 1 : 0;

  uint64_t misalign = reinterpret_cast<uintptr_t>(job.in) | reinterpret_cast<uintptr_t>(job.out) |
                      job.in_stripe_stride | job.out_stripe_stride;
  for (int j = 0; j < job.k; ++j) misalign |= job.in_off[j];
  for (int o = 0; o < job.n_out; ++o) misalign |= job.out_off[o];
  base.aligned = (misalign & 15) == 0 ? 1 : 0;

  const uint64_t per_launch = std::max<uint64_t>(1, kDotMaxItems / vps);
  const uint64_t per_block = static_cast<uint64_t>(kDotThreads) * kDotItemsPerThread;
  for (uint64_t s0 = 0; s0 < job.stripes; s0 += per_launch) {
    const uint64_t ns = std::min(per_launch, job.stripes - s0);
    DotParams p = base;
    p.in = job.in + s0 * job.in_stripe_stride;
    p.out = job.out + s0 * job.out_stripe_stride;
    const uint64_t items = ns * vps;
    p.items = static_cast<uint32_t>(items);
    p.blocks = static_cast<uint32_t>((items + per_block - 1) / per_block);
    launches.push_back(p);
  }
  return launches;
}

std::vector<uint32_t> PackedNibbleTables(std::span<const uint8_t> rows, int n_out, int k) {
  const uint32_t groups = static_cast<uint32_t>((n_out + 3) / 4);
  const size_t stride = TableStrideWords(groups);
  std::vector<uint32_t> t(static_cast<size_t>(k) * stride, 0);
  for (int j = 0; j < k; ++j) {
    for (uint32_t g = 0; g < groups; ++g) {
      uint32_t* w = t.data() + static_cast<size_t>(j) * stride + g * 32;
      for (int q = 0; q < 4; ++q) {
        const int o = static_cast<int>(4 * g) + q;
        if (o >= n_out) break;
        const uint8_t c = rows[static_cast<size_t>(o) * static_cast<size_t>(k) + static_cast<size_t>(j)];
        for (int n = 0; n < 16; ++n) {
          w[n] |= static_cast<uint32_t>(GfMul(c, static_cast<uint8_t>(n))) << (8 * q);
          w[16 + n] |= static_cast<uint32_t>(GfMul(c, static_cast<uint8_t>(n << 4))) << (8 * q);
        }
      }
    }
  }
  return t;
}

}  // namespace cess::kernels::erasure::internal
