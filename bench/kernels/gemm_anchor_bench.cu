// The anchor of issue 3's GPU goal for Krum and NNM: "≤ 2× a cuBLAS GEMM of the same shape". Times
// the Gram product X·Xᵀ of an n×d float32 matrix (row-major X is a column-major d×n matrix A, so
// the product is Aᵀ·A) with cublasSgemm (FP32) and with cublasDgemm on the widened matrix (FP64,
// the precision of our Gram sums), on device-resident data. Compare with
//   cess_aggregate_kernel_bench --backend cuda --n N --d D --ops gram
// Without a CUDA device it prints "no CUDA device: <reason>" and exits 0.
//
//   cess_gemm_anchor_bench [--n 100] [--d 100000000] [--reps 5]
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

#define CHECK_CUDA(call)                                                      \
  do {                                                                        \
    const cudaError_t e_ = (call);                                            \
    if (e_ != cudaSuccess) {                                                  \
      std::fprintf(stderr, "error: %s: %s\n", #call, cudaGetErrorString(e_)); \
      std::exit(1);                                                           \
    }                                                                         \
  } while (0)
#define CHECK_CUBLAS(call)                                                                \
  do {                                                                                    \
    const cublasStatus_t s_ = (call);                                                     \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                                    \
      std::fprintf(stderr, "error: %s: cuBLAS status %d\n", #call, static_cast<int>(s_)); \
      std::exit(1);                                                                       \
    }                                                                                     \
  } while (0)

__global__ void FillKernel(float* x, size_t count, unsigned seed) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    unsigned h = static_cast<unsigned>(i) * 2654435761u ^ seed;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    x[i] = static_cast<float>(h & 0xffffff) / 16777216.0f - 0.5f;
  }
}

__global__ void WidenKernel(const float* x, double* y, size_t count) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    y[i] = x[i];
  }
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Times `fn` (enqueued on the default stream) `reps` times with CUDA events; seconds.
template <typename Fn>
std::vector<double> Time(int reps, Fn fn) {
  cudaEvent_t a, b;
  CHECK_CUDA(cudaEventCreate(&a));
  CHECK_CUDA(cudaEventCreate(&b));
  fn();  // warm-up
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<double> out;
  for (int r = 0; r < reps; ++r) {
    CHECK_CUDA(cudaEventRecord(a));
    fn();
    CHECK_CUDA(cudaEventRecord(b));
    CHECK_CUDA(cudaEventSynchronize(b));
    float ms = 0;
    CHECK_CUDA(cudaEventElapsedTime(&ms, a, b));
    out.push_back(ms / 1e3);
  }
  CHECK_CUDA(cudaEventDestroy(a));
  CHECK_CUDA(cudaEventDestroy(b));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 100, d = 100000000;
  int reps = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--n")
      n = std::strtoull(argv[i + 1], nullptr, 10);
    else if (flag == "--d")
      d = static_cast<size_t>(std::strtod(argv[i + 1], nullptr));
    else if (flag == "--reps")
      reps = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("no CUDA device: cudaGetDeviceCount found none; nothing run\n");
    return 0;
  }
  cudaDeviceProp prop{};
  CHECK_CUDA(cudaGetDeviceProperties(&prop, 0));
  size_t free_bytes = 0, total = 0;
  CHECK_CUDA(cudaMemGetInfo(&free_bytes, &total));
  const size_t count = n * d;
  const bool fp64 = count * (sizeof(float) + sizeof(double)) + (size_t{1} << 30) < free_bytes;
  std::printf("device %s, %.1f GiB free; n=%zu d=%zu (%.2f GB of float32)%s\n", prop.name,
              free_bytes / 1073741824.0, n, d, count * 4 / 1e9,
              fp64 ? "" : "; FP64 copy does not fit, FP32 only");

  float* x = nullptr;
  float* g32 = nullptr;
  CHECK_CUDA(cudaMalloc(&x, count * sizeof(float)));
  CHECK_CUDA(cudaMalloc(&g32, n * n * sizeof(float)));
  FillKernel<<<1024, 256>>>(x, count, 12345u);
  CHECK_CUDA(cudaGetLastError());
  cublasHandle_t h;
  CHECK_CUBLAS(cublasCreate(&h));
  CHECK_CUBLAS(cublasSetMathMode(h, CUBLAS_PEDANTIC_MATH));  // true FP32, no TF32
  const float one = 1.0f, zero = 0.0f;
  const int ni = static_cast<int>(n), di = static_cast<int>(std::min<size_t>(d, 2147483647));
  // Row-major n×d X = column-major d×n A; X·Xᵀ = Aᵀ·A (n×n). d must fit an int for cuBLAS:
  // larger d is cut into int-sized pieces accumulated with beta = 1.
  auto sgemm = [&] {
    for (size_t off = 0; off < d; off += static_cast<size_t>(di)) {
      const int k = static_cast<int>(std::min<size_t>(di, d - off));
      const float beta = off == 0 ? zero : one;
      CHECK_CUBLAS(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, ni, ni, k, &one, x + off, static_cast<int>(d),
                               x + off, static_cast<int>(d), &beta, g32, ni));
    }
  };
  const auto t32 = Time(reps, sgemm);
  const double flop = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(d);
  std::printf("cublasSgemm X*X^T  median %.4f s  min %.4f s  %.1f TFLOP/s  %.0f GB/s of input\n", Median(t32),
              *std::min_element(t32.begin(), t32.end()), flop / Median(t32) / 1e12,
              count * 4 / Median(t32) / 1e9);
  if (fp64) {
    double* xd = nullptr;
    double* g64 = nullptr;
    CHECK_CUDA(cudaMalloc(&xd, count * sizeof(double)));
    CHECK_CUDA(cudaMalloc(&g64, n * n * sizeof(double)));
    WidenKernel<<<1024, 256>>>(x, xd, count);
    CHECK_CUDA(cudaGetLastError());
    const double oned = 1.0, zerod = 0.0;
    auto dgemm = [&] {
      for (size_t off = 0; off < d; off += static_cast<size_t>(di)) {
        const int k = static_cast<int>(std::min<size_t>(di, d - off));
        const double beta = off == 0 ? zerod : oned;
        CHECK_CUBLAS(cublasDgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, ni, ni, k, &oned, xd + off, static_cast<int>(d),
                                 xd + off, static_cast<int>(d), &beta, g64, ni));
      }
    };
    const auto t64 = Time(reps, dgemm);
    std::printf("cublasDgemm X*X^T  median %.4f s  min %.4f s  %.1f TFLOP/s  (on the widened copy)\n",
                Median(t64), *std::min_element(t64.begin(), t64.end()), flop / Median(t64) / 1e12);
    CHECK_CUDA(cudaFree(xd));
    CHECK_CUDA(cudaFree(g64));
  }
  CHECK_CUBLAS(cublasDestroy(h));
  CHECK_CUDA(cudaFree(x));
  CHECK_CUDA(cudaFree(g32));
  return 0;
}
