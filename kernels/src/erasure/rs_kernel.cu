// The CUDA Reed-Solomon kernel: one templated dot-product kernel serves encode and decode (see
// rs_dot.h for the per-thread algorithm). G = ceil(outputs / 4) fixes the accumulator count at
// compile time; kAligned selects 16-byte vector loads and stores.
#include "erasure/cuda_check.h"
#include "erasure/rs_kernel.cuh"

namespace cess::kernels::erasure::internal {
namespace {

// Blocks per SM the register budget aims for: G <= 2 needs 16·G accumulators plus 16 prefetch
// registers, G = 3..4 ~100.
template <int G>
constexpr int kMinBlocks = G <= 2 ? 3 : 2;

template <int G, bool kAligned>
__global__ void __launch_bounds__(kDotThreads, kMinBlocks<G>) DotKernel(const __grid_constant__ DotParams p) {
  extern __shared__ __align__(256) uint4 smem_raw[];
  // Stage this call's nibble tables (k · TableStrideWords(G) words, at most 16 KiB) at a
  // 256-byte aligned shared address; the launch reserves 256 bytes of slack for the alignment.
  const uint32_t raw = static_cast<uint32_t>(__cvta_generic_to_shared(smem_raw));
  const uint32_t base = (raw + 255u) & ~255u;
  uint4* dst = smem_raw + (base - raw) / 16;
  const uint32_t vecs = p.k * TableStrideWords(G) / 4;
  const uint4* src = reinterpret_cast<const uint4*>(p.tables);
  for (uint32_t i = threadIdx.x; i < vecs; i += kDotThreads) dst[i] = src[i];
  __syncthreads();

  const uint64_t first = static_cast<uint64_t>(blockIdx.x) * (kDotThreads * kDotItemsPerThread) + threadIdx.x;
#pragma unroll 1
  for (int it = 0; it < kDotItemsPerThread; ++it) {
    const uint64_t item = first + static_cast<uint64_t>(it) * kDotThreads;
    if (item >= p.items) return;
    DotItem<G, kAligned>(p, nullptr, base, static_cast<uint32_t>(item));
  }
}

template <int G>
void Launch(const DotParams& p, cudaStream_t stream) {
  const size_t smem = static_cast<size_t>(p.k) * TableStrideWords(G) * 4 + 256;
  if (p.aligned) {
    DotKernel<G, true><<<p.blocks, kDotThreads, smem, stream>>>(p);
  } else {
    DotKernel<G, false><<<p.blocks, kDotThreads, smem, stream>>>(p);
  }
}

}  // namespace

Status LaunchDot(const DotJob& job, cudaStream_t stream) {
  CESS_ASSIGN_OR_RETURN(std::vector<DotParams> launches, PlanDot(job));
  for (const DotParams& p : launches) {
    switch (p.groups) {
      case 1:
        Launch<1>(p, stream);
        break;
      case 2:
        Launch<2>(p, stream);
        break;
      case 3:
        Launch<3>(p, stream);
        break;
      case 4:
        Launch<4>(p, stream);
        break;
      default:
        return Status::Internal("RS kernel: unsupported output count " + std::to_string(p.n_out));
    }
    CESS_CUDA_RETURN_IF_ERROR(cudaGetLastError());
  }
  return Status::Ok();
}

}  // namespace cess::kernels::erasure::internal
