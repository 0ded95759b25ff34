// The cuda backend of cess/kernels/aggregate.h. Compiled with --fmad=false (sources.cmake): every
// float and double operation rounds exactly as on the host, and each kernel performs the
// operations of the contract in aggregate.h in the same order as ref.cc and cpu.cc. No atomics.
//
//  * Selection: one thread per coordinate; the thread's m values sit in a column of dynamic
//    shared memory (layout [row][thread], conflict-free) and are sorted there by the same Batcher
//    network as SortingNetwork(), enumerated by the same loops.
//  * Combinations, subset means, scaling: one thread per coordinate, rows in the given order.
//  * Gram: block = one 8×8 tile of row pairs × one super-chunk; thread = (pair, lane). Lane l sums
//    its coordinates c ≡ l (mod 8) of each chunk in increasing order from shared-memory
//    sub-chunks; the 8 lane sums of a pair are combined in lane order by warp shuffles; chunk
//    sums are added in order into the super-chunk sum Q(g). A second kernel adds Q(0), Q(1), ...
//  * Norms and distances to a point: block = (row, super-chunk), thread = (chunk, lane).
#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <vector>

#include "aggregate/internal.h"

namespace cess::kernels::aggregate::internal::cuda {
namespace {

constexpr int kGramTile = 8;                         // rows per side of a Gram tile
constexpr int kGramThreads = kGramTile * kGramTile * static_cast<int>(kSumLanes);  // 512
constexpr int kGramSub = 512;                        // coordinates per shared-memory sub-chunk
constexpr int kNormThreads = static_cast<int>(kSumSuperChunk * kSumLanes);  // 512
constexpr int kElementwiseThreads = 256;
static_assert(kSumChunk % kGramSub == 0 && kGramSub % kSumLanes == 0, "sub-chunks must tile chunks");
static_assert(kSumLanes == 8, "the shuffles below combine 8 lanes");

Status CudaError(const char* what, cudaError_t err) {
  std::string msg = std::string("aggregate cuda: ") + what + ": " + cudaGetErrorString(err);
  if (err == cudaErrorMemoryAllocation) return Status::ResourceExhausted(msg);
  return Status::Internal(msg);
}

#define CESS_CUDA_TRY(expr)                                   \
  do {                                                        \
    const cudaError_t cess_err_ = (expr);                     \
    if (cess_err_ != cudaSuccess) return CudaError(#expr, cess_err_); \
  } while (0)

// Checks the launch just made.
#define CESS_CUDA_LAUNCHED(name) CESS_CUDA_TRY(cudaGetLastError())

// Device memory owned by one object; freed on destruction.
template <typename T>
class DeviceArray {
 public:
  DeviceArray() = default;
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() {
    if (ptr_ != nullptr) (void)cudaFree(ptr_);
  }

  Status Allocate(size_t count) {
    count_ = count;
    if (count == 0) return Status::Ok();
    CESS_CUDA_TRY(cudaMalloc(reinterpret_cast<void**>(&ptr_), count * sizeof(T)));
    return Status::Ok();
  }
  Status Upload(const T* host, size_t count) {
    CESS_RETURN_IF_ERROR(Allocate(count));
    if (count == 0) return Status::Ok();
    CESS_CUDA_TRY(cudaMemcpy(ptr_, host, count * sizeof(T), cudaMemcpyHostToDevice));
    return Status::Ok();
  }
  Status Download(T* host, size_t count) const {
    if (count == 0) return Status::Ok();
    CESS_CUDA_TRY(cudaMemcpy(host, ptr_, count * sizeof(T), cudaMemcpyDeviceToHost));
    return Status::Ok();
  }
  T* get() const { return ptr_; }

 private:
  T* ptr_ = nullptr;
  size_t count_ = 0;
};

class CudaInput final : public Input {
 public:
  explicit CudaInput(const MatrixView& host) : Input(host, Backend::kCuda) {}
  DeviceArray<float>& device() { return device_; }
  const float* data() const { return device_.get(); }

 private:
  DeviceArray<float> device_;
};

const CudaInput& AsCuda(const Input& x) { return static_cast<const CudaInput&>(x); }

unsigned Blocks(size_t items, int threads) {
  return static_cast<unsigned>((items + static_cast<size_t>(threads) - 1) / static_cast<size_t>(threads));
}

__device__ __forceinline__ size_t MinZ(size_t a, size_t b) { return a < b ? a : b; }

// ---------------------------------------------------------------------------------------------
// Selection.

__device__ __forceinline__ void CompareExchange(float* a, float* b) {
  const float va = *a;
  const float vb = *b;
  const bool swap = vb < va;
  *a = swap ? vb : va;
  *b = swap ? va : vb;
}

__device__ __forceinline__ float MedianOf(const float* v, int st, int m) {
  if (m % 2 == 1) return v[(m / 2) * st];
  return (v[(m / 2 - 1) * st] + v[(m / 2) * st]) * 0.5f;
}

__global__ void SelectKernel(const float* __restrict__ x, size_t cols, const uint32_t* __restrict__ rows, int m,
                             int op, int param, float* __restrict__ out) {
  extern __shared__ float smem[];
  const size_t c = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  const int st = static_cast<int>(blockDim.x);
  float* v = smem + threadIdx.x;
  for (int r = 0; r < m; ++r) v[r * st] = x[static_cast<size_t>(rows[r]) * cols + c] + 0.0f;

  // Batcher's odd-even merge sort on the next power of two, comparators past m dropped; the same
  // loops, in the same order, as SortingNetwork() in dispatch.cc.
  int n2 = 1;
  while (n2 < m) n2 <<= 1;
  for (int p = 1, lp = 0; p < n2; p <<= 1, ++lp) {
    for (int k = p; k >= 1; k >>= 1) {
      for (int j = k & (p - 1); j + k < n2; j += 2 * k) {
        const int lim = min(k, n2 - j - k);
        for (int i = 0; i < lim; ++i) {
          const int a = i + j;
          const int b = a + k;
          if ((a >> (lp + 1)) == (b >> (lp + 1)) && b < m) CompareExchange(&v[a * st], &v[b * st]);
        }
      }
    }
  }

  float result;
  if (op == 0) {
    result = MedianOf(v, st, m);
  } else if (op == 1) {
    float sum = 0.0f;
    for (int r = param; r < m - param; ++r) sum = sum + v[r * st];
    result = sum / static_cast<float>(m - 2 * param);
  } else {
    const float med = MedianOf(v, st, m);
    int lo = 0;
    int hi = m;
    while (hi - lo > param) {
      const float dl = fabsf(v[lo * st] - med);
      const float dr = fabsf(v[(hi - 1) * st] - med);
      if (dl > dr) {
        ++lo;
      } else {
        --hi;
      }
    }
    float sum = 0.0f;
    for (int r = lo; r < hi; ++r) sum = sum + v[r * st];
    result = sum / static_cast<float>(param);
  }
  out[c] = result;
}

// ---------------------------------------------------------------------------------------------
// Row combinations.

__global__ void CombineKernel(const float* __restrict__ x, size_t cols, const uint32_t* __restrict__ rows, int m,
                              const float* __restrict__ weights, const float* __restrict__ center, float divisor,
                              float* __restrict__ out) {
  const size_t c = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  float sum = 0.0f;
  for (int k = 0; k < m; ++k) {
    float t = x[static_cast<size_t>(rows[k]) * cols + c];
    if (center != nullptr) t = t - center[c];
    if (weights != nullptr) t = weights[k] * t;
    sum = sum + t;
  }
  out[c] = divisor != 0.0f ? sum / divisor : sum;
}

__global__ void SubsetMeansKernel(const float* __restrict__ x, size_t cols, const uint32_t* __restrict__ offsets,
                                  const uint32_t* __restrict__ members, float* __restrict__ out) {
  const size_t c = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const size_t g = blockIdx.y;
  if (c >= cols) return;
  const uint32_t begin = offsets[g];
  const uint32_t end = offsets[g + 1];
  float sum = 0.0f;
  for (uint32_t k = begin; k < end; ++k) sum = sum + x[static_cast<size_t>(members[k]) * cols + c];
  out[g * cols + c] = sum / static_cast<float>(end - begin);
}

__global__ void ScaleRowsKernel(const float* __restrict__ x, size_t rows, size_t cols,
                                const float* __restrict__ scales, float* __restrict__ out) {
  const size_t total = rows * cols;
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t e = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += stride) {
    out[e] = x[e] * scales[e / cols];
  }
}

// ---------------------------------------------------------------------------------------------
// Long double sums.

// Adds the 8 lane values of each aligned group of 8 threads in lane order: ((((0+s0)+s1)+...)+s7).
__device__ __forceinline__ double SumLanes(double s) {
  double p = 0.0;
#pragma unroll
  for (int l = 0; l < 8; ++l) p = p + __shfl_sync(0xffffffffu, s, l, 8);
  return p;
}

// grid = (tiles, super-chunks); tiles[2t], tiles[2t+1] = first rows I <= J of tile t.
__global__ void __launch_bounds__(kGramThreads)
GramPartialKernel(const float* __restrict__ x, size_t n, size_t cols, const uint32_t* __restrict__ tiles,
                  double* __restrict__ q_out) {
  // Rows padded by 8 floats: the 4 pairs of a warp read 4 different j rows at the same column
  // offsets, which then fall in 4 different groups of 8 banks.
  __shared__ float sub[2 * kGramTile][kGramSub + 8];
  const int tid = static_cast<int>(threadIdx.x);
  const int lane = tid & 7;
  const int pair = tid >> 3;
  const int a = pair / kGramTile;
  const int b = pair % kGramTile;
  const size_t I = tiles[2 * blockIdx.x];
  const size_t J = tiles[2 * blockIdx.x + 1];
  const size_t g = blockIdx.y;
  const size_t chunks = (cols + kSumChunk - 1) / kSumChunk;
  const size_t b_end = MinZ(chunks, (g + 1) * kSumSuperChunk);
  double q = 0.0;
  for (size_t ch = g * kSumSuperChunk; ch < b_end; ++ch) {
    double s = 0.0;
    const size_t c_begin = ch * kSumChunk;
    for (size_t c0 = c_begin; c0 < c_begin + kSumChunk && c0 < cols; c0 += kGramSub) {
      __syncthreads();
      for (int e = tid; e < 2 * kGramTile * kGramSub; e += kGramThreads) {
        const int rr = e / kGramSub;
        const int cc = e % kGramSub;
        size_t row = rr < kGramTile ? I + rr : J + (rr - kGramTile);
        if (row >= n) row = n - 1;
        const size_t col = c0 + cc;
        sub[rr][cc] = col < cols ? x[row * cols + col] : 0.0f;
      }
      __syncthreads();
      // Coordinates past the end were loaded as 0: their terms are +0, which leaves s unchanged.
      for (int cc = lane; cc < kGramSub; cc += 8) {
        s = s + static_cast<double>(sub[a][cc]) * static_cast<double>(sub[kGramTile + b][cc]);
      }
    }
    q = q + SumLanes(s);
  }
  const size_t i = I + a;
  const size_t j = J + b;
  if (lane == 0 && i < n && j < n && i <= j) q_out[g * n * n + i * n + j] = q;
}

// out[e] = q[0][e] + q[1][e] + ... in order.
__global__ void SumSlicesKernel(const double* __restrict__ q, size_t slices, size_t entries, double* __restrict__ out) {
  const size_t e = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= entries) return;
  double total = 0.0;
  for (size_t g = 0; g < slices; ++g) total = total + q[g * entries + e];
  out[e] = total;
}

// grid = (rows, super-chunks); thread = (chunk within the super-chunk, lane). point may be null.
__global__ void __launch_bounds__(kNormThreads)
RowLongSumKernel(const float* __restrict__ x, size_t n, size_t cols, const float* __restrict__ point,
                 double* __restrict__ q_out) {
  __shared__ double chunk_sums[kSumSuperChunk];
  const int tid = static_cast<int>(threadIdx.x);
  const int lane = tid & 7;
  const size_t local = static_cast<size_t>(tid >> 3);
  const size_t i = blockIdx.x;
  const size_t g = blockIdx.y;
  const size_t chunks = (cols + kSumChunk - 1) / kSumChunk;
  const size_t ch = g * kSumSuperChunk + local;
  double s = 0.0;
  if (ch < chunks) {
    const float* row = x + i * cols;
    const size_t end = MinZ(cols, (ch + 1) * kSumChunk);
    for (size_t c = ch * kSumChunk + static_cast<size_t>(lane); c < end; c += 8) {
      double v = static_cast<double>(row[c]);
      if (point != nullptr) v = v - static_cast<double>(point[c]);
      s = s + v * v;
    }
  }
  const double p = SumLanes(s);
  if (lane == 0) chunk_sums[local] = p;
  __syncthreads();
  if (tid == 0) {
    const size_t count = MinZ(kSumSuperChunk, chunks - g * kSumSuperChunk);
    double q = 0.0;
    for (size_t k = 0; k < count; ++k) q = q + chunk_sums[k];
    q_out[g * n + i] = q;
  }
}

Status RowLongSums(const CudaInput& x, const float* point_host, double* out) {
  const size_t n = x.rows();
  const size_t cols = x.cols();
  const size_t supers = NumSuperChunks(cols);
  if (supers == 0) {
    std::fill(out, out + n, 0.0);
    return Status::Ok();
  }
  DeviceArray<float> point;
  if (point_host != nullptr) CESS_RETURN_IF_ERROR(point.Upload(point_host, cols));
  DeviceArray<double> q;
  CESS_RETURN_IF_ERROR(q.Allocate(supers * n));
  DeviceArray<double> total;
  CESS_RETURN_IF_ERROR(total.Allocate(n));
  RowLongSumKernel<<<dim3(static_cast<unsigned>(n), static_cast<unsigned>(supers)), kNormThreads>>>(
      x.data(), n, cols, point_host != nullptr ? point.get() : nullptr, q.get());
  CESS_CUDA_LAUNCHED("RowLongSumKernel");
  SumSlicesKernel<<<Blocks(n, kElementwiseThreads), kElementwiseThreads>>>(q.get(), supers, n, total.get());
  CESS_CUDA_LAUNCHED("SumSlicesKernel");
  return total.Download(out, n);
}

}  // namespace

Result<std::unique_ptr<Input>> Prepare(const MatrixView& host) {
  auto input = std::make_unique<CudaInput>(host);
  CESS_RETURN_IF_ERROR(input->device().Upload(host.data, host.size()));
  return std::unique_ptr<Input>(std::move(input));
}

Status Select(const Input& in, const uint32_t* rows_host, size_t m, SelectOp op, size_t param, float* out_host) {
  const CudaInput& x = AsCuda(in);
  const size_t cols = x.cols();
  if (m > static_cast<size_t>(INT32_MAX / 2)) return Status::Unimplemented("aggregate cuda: too many rows");
  int device = 0;
  CESS_CUDA_TRY(cudaGetDevice(&device));
  int optin = 0;
  CESS_CUDA_TRY(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  // The widest block (multiple of 32) whose m columns fit the default 48 KiB; above that, opt in.
  constexpr size_t kDefaultSmem = 48 * 1024;
  int threads = 256;
  while (threads > 32 && m * sizeof(float) * static_cast<size_t>(threads) > kDefaultSmem) threads /= 2;
  const size_t smem = m * sizeof(float) * static_cast<size_t>(threads);
  if (smem > static_cast<size_t>(optin)) {
    return Status::Unimplemented("aggregate cuda: coordinate selection over " + std::to_string(m) +
                                 " rows needs more shared memory than this device has");
  }
  if (smem > kDefaultSmem) {
    CESS_CUDA_TRY(cudaFuncSetAttribute(SelectKernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(smem)));
  }
  DeviceArray<uint32_t> rows;
  CESS_RETURN_IF_ERROR(rows.Upload(rows_host, m));
  DeviceArray<float> out;
  CESS_RETURN_IF_ERROR(out.Allocate(cols));
  SelectKernel<<<Blocks(cols, threads), threads, smem>>>(x.data(), cols, rows.get(), static_cast<int>(m),
                                                         static_cast<int>(op), static_cast<int>(param), out.get());
  CESS_CUDA_LAUNCHED("SelectKernel");
  return out.Download(out_host, cols);
}

Status Combine(const Input& in, const uint32_t* rows_host, size_t m, const float* weights_host,
               const float* center_host, float divisor, float* out_host) {
  const CudaInput& x = AsCuda(in);
  const size_t cols = x.cols();
  if (m > static_cast<size_t>(INT32_MAX)) return Status::Unimplemented("aggregate cuda: too many rows");
  DeviceArray<uint32_t> rows;
  CESS_RETURN_IF_ERROR(rows.Upload(rows_host, m));
  DeviceArray<float> weights;
  if (weights_host != nullptr) CESS_RETURN_IF_ERROR(weights.Upload(weights_host, m));
  DeviceArray<float> center;
  if (center_host != nullptr) CESS_RETURN_IF_ERROR(center.Upload(center_host, cols));
  DeviceArray<float> out;
  CESS_RETURN_IF_ERROR(out.Allocate(cols));
  CombineKernel<<<Blocks(cols, kElementwiseThreads), kElementwiseThreads>>>(
      x.data(), cols, rows.get(), static_cast<int>(m), weights_host != nullptr ? weights.get() : nullptr,
      center_host != nullptr ? center.get() : nullptr, divisor, out.get());
  CESS_CUDA_LAUNCHED("CombineKernel");
  return out.Download(out_host, cols);
}

Status SubsetMeans(const Input& in, const uint32_t* offsets_host, size_t groups, const uint32_t* members_host,
                   size_t num_members, float* out_host) {
  const CudaInput& x = AsCuda(in);
  const size_t cols = x.cols();
  DeviceArray<uint32_t> offsets;
  CESS_RETURN_IF_ERROR(offsets.Upload(offsets_host, groups + 1));
  DeviceArray<uint32_t> members;
  CESS_RETURN_IF_ERROR(members.Upload(members_host, num_members));
  DeviceArray<float> out;
  CESS_RETURN_IF_ERROR(out.Allocate(groups * cols));
  constexpr size_t kMaxGridY = 65535;
  for (size_t g0 = 0; g0 < groups; g0 += kMaxGridY) {
    const size_t count = std::min(kMaxGridY, groups - g0);
    SubsetMeansKernel<<<dim3(Blocks(cols, kElementwiseThreads), static_cast<unsigned>(count)),
                        kElementwiseThreads>>>(x.data(), cols, offsets.get() + g0, members.get(),
                                               out.get() + g0 * cols);
    CESS_CUDA_LAUNCHED("SubsetMeansKernel");
  }
  return out.Download(out_host, groups * cols);
}

Status ScaleRows(const Input& in, const float* scales_host, float* out_host) {
  const CudaInput& x = AsCuda(in);
  const size_t total = x.rows() * x.cols();
  DeviceArray<float> scales;
  CESS_RETURN_IF_ERROR(scales.Upload(scales_host, x.rows()));
  DeviceArray<float> out;
  CESS_RETURN_IF_ERROR(out.Allocate(total));
  const unsigned blocks = static_cast<unsigned>(std::min<size_t>(Blocks(total, kElementwiseThreads), 65535u * 16u));
  ScaleRowsKernel<<<blocks, kElementwiseThreads>>>(x.data(), x.rows(), x.cols(), scales.get(), out.get());
  CESS_CUDA_LAUNCHED("ScaleRowsKernel");
  return out.Download(out_host, total);
}

Status Gram(const Input& in, double* out_host) {
  const CudaInput& x = AsCuda(in);
  const size_t n = x.rows();
  const size_t cols = x.cols();
  const size_t supers = NumSuperChunks(cols);
  if (supers == 0) {
    std::fill(out_host, out_host + n * n, 0.0);
    return Status::Ok();
  }
  std::vector<uint32_t> tiles_host;
  for (size_t ti = 0; ti < n; ti += kGramTile) {
    for (size_t tj = ti; tj < n; tj += kGramTile) {
      tiles_host.push_back(static_cast<uint32_t>(ti));
      tiles_host.push_back(static_cast<uint32_t>(tj));
    }
  }
  const size_t tiles = tiles_host.size() / 2;
  if (supers > 65535) return Status::Unimplemented("aggregate cuda: too many columns for one Gram launch");
  DeviceArray<uint32_t> tile_list;
  CESS_RETURN_IF_ERROR(tile_list.Upload(tiles_host.data(), tiles_host.size()));
  DeviceArray<double> q;
  CESS_RETURN_IF_ERROR(q.Allocate(supers * n * n));
  CESS_CUDA_TRY(cudaMemset(q.get(), 0, supers * n * n * sizeof(double)));
  DeviceArray<double> total;
  CESS_RETURN_IF_ERROR(total.Allocate(n * n));
  GramPartialKernel<<<dim3(static_cast<unsigned>(tiles), static_cast<unsigned>(supers)), kGramThreads>>>(
      x.data(), n, cols, tile_list.get(), q.get());
  CESS_CUDA_LAUNCHED("GramPartialKernel");
  SumSlicesKernel<<<Blocks(n * n, kElementwiseThreads), kElementwiseThreads>>>(q.get(), supers, n * n, total.get());
  CESS_CUDA_LAUNCHED("SumSlicesKernel");
  CESS_RETURN_IF_ERROR(total.Download(out_host, n * n));
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) out_host[i * n + j] = out_host[j * n + i];
  }
  return Status::Ok();
}

Status RowSqNorms(const Input& in, double* out) { return RowLongSums(AsCuda(in), nullptr, out); }

Status SqDistancesTo(const Input& in, const float* point, double* out) { return RowLongSums(AsCuda(in), point, out); }

}  // namespace cess::kernels::aggregate::internal::cuda
