// Public entry points of cess/kernels/aggregate.h: argument checks, then the chosen backend.
#include <algorithm>
#include <atomic>
#include <numeric>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "aggregate/internal.h"
#include "cess/kernels/aggregate.h"

namespace cess::kernels::aggregate {
namespace {

using internal::SelectOp;

// A host-resident input (kRef or kCpu): just the view.
class HostInput final : public Input {
 public:
  HostInput(MatrixView host, Backend backend) : Input(host, backend) {}
};

std::string Num(size_t v) { return std::to_string(v); }

Status CheckOutSize(size_t got, size_t want, const char* what) {
  if (got != want) {
    return Status::InvalidArgument(std::string(what) + " has " + Num(got) + " entries, expected " + Num(want));
  }
  return Status::Ok();
}

// Checks the row list against x and returns it, or all rows when it is empty.
Result<std::vector<uint32_t>> ResolveRows(const Input& x, std::span<const uint32_t> rows) {
  std::vector<uint32_t> out;
  if (rows.empty()) {
    out.resize(x.rows());
    std::iota(out.begin(), out.end(), uint32_t{0});
    return out;
  }
  for (uint32_t r : rows) {
    if (r >= x.rows()) {
      return Status::InvalidArgument("row index " + Num(r) + " out of range (matrix has " + Num(x.rows()) + " rows)");
    }
  }
  out.assign(rows.begin(), rows.end());
  return out;
}

Status RunSelect(const Input& x, std::span<const uint32_t> rows, SelectOp op, size_t param, std::span<float> out) {
  CESS_RETURN_IF_ERROR(CheckOutSize(out.size(), x.cols(), "output"));
  CESS_ASSIGN_OR_RETURN(std::vector<uint32_t> list, ResolveRows(x, rows));
  const size_t m = list.size();
  if (m == 0) return Status::InvalidArgument("coordinate selection over zero rows");
  if (op == SelectOp::kTrimmedMean && 2 * param >= m) {
    return Status::InvalidArgument("trimmed mean drops 2*" + Num(param) + " of " + Num(m) + " values: nothing left");
  }
  if (op == SelectOp::kMeanAroundMedian && (param == 0 || param > m)) {
    return Status::InvalidArgument("mean around median keeps " + Num(param) + " of " + Num(m) + " values");
  }
  if (x.cols() == 0) return Status::Ok();
  switch (x.backend()) {
    case Backend::kRef:
      internal::ref::Select(x.host(), list.data(), m, op, param, out.data());
      return Status::Ok();
    case Backend::kCpu:
      internal::cpu::Select(x.host(), list.data(), m, op, param, out.data());
      return Status::Ok();
    case Backend::kCuda:
      return internal::cuda::Select(x, list.data(), m, op, param, out.data());
    case Backend::kAuto:
      break;
  }
  return Status::Internal("input has no concrete backend");
}

}  // namespace

Result<std::unique_ptr<Input>> Prepare(MatrixView host, Backend backend) {
  if (host.data == nullptr && host.size() != 0) {
    return Status::InvalidArgument("matrix view has a null data pointer and " + Num(host.rows) + "x" +
                                   Num(host.cols) + " shape");
  }
  if (host.cols != 0 && host.rows > static_cast<size_t>(UINT32_MAX)) {
    return Status::InvalidArgument("more than 2^32-1 rows");
  }
  if (backend == Backend::kAuto) {
    backend = (host.size() >= kAutoCudaMinElements && CheckBackendAvailable(Backend::kCuda).ok()) ? Backend::kCuda
                                                                                                 : Backend::kCpu;
  }
  switch (backend) {
    case Backend::kRef:
    case Backend::kCpu:
      return std::unique_ptr<Input>(new HostInput(host, backend));
    case Backend::kCuda:
      CESS_RETURN_IF_ERROR(CheckBackendAvailable(Backend::kCuda));
      return internal::cuda::Prepare(host);
    case Backend::kAuto:
      break;
  }
  return Status::InvalidArgument("bad backend value");
}

Status CoordinateMedian(const Input& x, std::span<const uint32_t> rows, std::span<float> out) {
  return RunSelect(x, rows, SelectOp::kMedian, 0, out);
}

Status CoordinateTrimmedMean(const Input& x, std::span<const uint32_t> rows, size_t trim, std::span<float> out) {
  return RunSelect(x, rows, SelectOp::kTrimmedMean, trim, out);
}

Status CoordinateMeanAroundMedian(const Input& x, std::span<const uint32_t> rows, size_t keep,
                                  std::span<float> out) {
  return RunSelect(x, rows, SelectOp::kMeanAroundMedian, keep, out);
}

Status CombineRows(const Input& x, const Combination& c, std::span<float> out) {
  CESS_RETURN_IF_ERROR(CheckOutSize(out.size(), x.cols(), "output"));
  CESS_ASSIGN_OR_RETURN(std::vector<uint32_t> list, ResolveRows(x, c.rows));
  if (!c.weights.empty() && c.weights.size() != list.size()) {
    return Status::InvalidArgument("combination has " + Num(c.weights.size()) + " weights for " + Num(list.size()) +
                                   " rows");
  }
  if (x.cols() == 0) return Status::Ok();
  const float* w = c.weights.empty() ? nullptr : c.weights.data();
  switch (x.backend()) {
    case Backend::kRef:
      internal::ref::Combine(x.host(), list.data(), list.size(), w, c.center, c.divisor, out.data());
      return Status::Ok();
    case Backend::kCpu:
      internal::cpu::Combine(x.host(), list.data(), list.size(), w, c.center, c.divisor, out.data());
      return Status::Ok();
    case Backend::kCuda:
      return internal::cuda::Combine(x, list.data(), list.size(), w, c.center, c.divisor, out.data());
    case Backend::kAuto:
      break;
  }
  return Status::Internal("input has no concrete backend");
}

Status SubsetMeans(const Input& x, std::span<const uint32_t> offsets, std::span<const uint32_t> members,
                   std::span<float> out) {
  if (offsets.empty() || offsets.front() != 0 || offsets.back() != members.size()) {
    return Status::InvalidArgument("subset offsets must run from 0 to the member count " + Num(members.size()));
  }
  const size_t groups = offsets.size() - 1;
  for (size_t g = 0; g < groups; ++g) {
    if (offsets[g + 1] <= offsets[g]) {
      return Status::InvalidArgument("subset " + Num(g) + " is empty or offsets decrease");
    }
  }
  for (uint32_t r : members) {
    if (r >= x.rows()) {
      return Status::InvalidArgument("subset member " + Num(r) + " out of range (matrix has " + Num(x.rows()) +
                                     " rows)");
    }
  }
  CESS_RETURN_IF_ERROR(CheckOutSize(out.size(), groups * x.cols(), "output"));
  if (x.cols() == 0 || groups == 0) return Status::Ok();
  switch (x.backend()) {
    case Backend::kRef:
      internal::ref::SubsetMeans(x.host(), offsets.data(), groups, members.data(), out.data());
      return Status::Ok();
    case Backend::kCpu:
      internal::cpu::SubsetMeans(x.host(), offsets.data(), groups, members.data(), out.data());
      return Status::Ok();
    case Backend::kCuda:
      return internal::cuda::SubsetMeans(x, offsets.data(), groups, members.data(), members.size(), out.data());
    case Backend::kAuto:
      break;
  }
  return Status::Internal("input has no concrete backend");
}

Status ScaleRows(const Input& x, std::span<const float> scales, std::span<float> out) {
  CESS_RETURN_IF_ERROR(CheckOutSize(scales.size(), x.rows(), "scales"));
  CESS_RETURN_IF_ERROR(CheckOutSize(out.size(), x.rows() * x.cols(), "output"));
  if (out.empty()) return Status::Ok();
  switch (x.backend()) {
    case Backend::kRef:
      internal::ref::ScaleRows(x.host(), scales.data(), out.data());
      return Status::Ok();
    case Backend::kCpu:
      internal::cpu::ScaleRows(x.host(), scales.data(), out.data());
      return Status::Ok();
    case Backend::kCuda:
      return internal::cuda::ScaleRows(x, scales.data(), out.data());
    case Backend::kAuto:
      break;
  }
  return Status::Internal("input has no concrete backend");
}

Status Gram(const Input& x, std::span<double> out) {
  CESS_RETURN_IF_ERROR(CheckOutSize(out.size(), x.rows() * x.rows(), "output"));
  if (out.empty()) return Status::Ok();
  switch (x.backend()) {
    case Backend::kRef:
      internal::ref::Gram(x.host(), out.data());
      return Status::Ok();
    case Backend::kCpu:
      internal::cpu::Gram(x.host(), out.data());
      return Status::Ok();
    case Backend::kCuda:
      return internal::cuda::Gram(x, out.data());
    case Backend::kAuto:
      break;
  }
  return Status::Internal("input has no concrete backend");
}

Status RowSqNorms(const Input& x, std::span<double> out) {
  CESS_RETURN_IF_ERROR(CheckOutSize(out.size(), x.rows(), "output"));
  if (out.empty()) return Status::Ok();
  switch (x.backend()) {
    case Backend::kRef:
      internal::ref::RowSqNorms(x.host(), out.data());
      return Status::Ok();
    case Backend::kCpu:
      internal::cpu::RowSqNorms(x.host(), out.data());
      return Status::Ok();
    case Backend::kCuda:
      return internal::cuda::RowSqNorms(x, out.data());
    case Backend::kAuto:
      break;
  }
  return Status::Internal("input has no concrete backend");
}

Status SqDistancesTo(const Input& x, std::span<const float> point, std::span<double> out) {
  CESS_RETURN_IF_ERROR(CheckOutSize(point.size(), x.cols(), "point"));
  CESS_RETURN_IF_ERROR(CheckOutSize(out.size(), x.rows(), "output"));
  if (out.empty()) return Status::Ok();
  switch (x.backend()) {
    case Backend::kRef:
      internal::ref::SqDistancesTo(x.host(), point.data(), out.data());
      return Status::Ok();
    case Backend::kCpu:
      internal::cpu::SqDistancesTo(x.host(), point.data(), out.data());
      return Status::Ok();
    case Backend::kCuda:
      return internal::cuda::SqDistancesTo(x, point.data(), out.data());
    case Backend::kAuto:
      break;
  }
  return Status::Internal("input has no concrete backend");
}

void SqDistancesFromGram(std::span<const double> gram, size_t n, std::span<double> out) {
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i == j) {
        out[i * n + j] = 0.0;
        continue;
      }
      const double v = (gram[i * n + i] + gram[j * n + j]) - 2.0 * gram[i * n + j];
      out[i * n + j] = v > 0.0 ? v : 0.0;
    }
  }
}

Status PairwiseSqDistances(const Input& x, std::span<double> out) {
  const size_t n = x.rows();
  CESS_RETURN_IF_ERROR(CheckOutSize(out.size(), n * n, "output"));
  std::vector<double> gram(n * n);
  CESS_RETURN_IF_ERROR(Gram(x, gram));
  SqDistancesFromGram(gram, n, out);
  return Status::Ok();
}

// --- Threads.

namespace {
std::atomic<int> g_cpu_threads{0};
}  // namespace

void SetCpuThreads(int threads) { g_cpu_threads.store(threads < 0 ? 0 : threads, std::memory_order_relaxed); }

int CpuThreads() {
  const int set = g_cpu_threads.load(std::memory_order_relaxed);
  if (set > 0) return set;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

namespace internal {

void ParallelFor(size_t tasks, const std::function<void(size_t)>& fn) {
  const size_t threads = std::min<size_t>(static_cast<size_t>(CpuThreads()), tasks);
  if (threads <= 1) {
    for (size_t t = 0; t < tasks; ++t) fn(t);
    return;
  }
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) fn(t);
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t i = 1; i < threads; ++i) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // run with the threads we have; the calling thread takes the rest
    }
  }
  worker();
  for (std::thread& t : pool) t.join();
}

std::vector<uint32_t> SortingNetwork(size_t m) {
  std::vector<uint32_t> net;
  if (m < 2) return net;
  size_t n2 = 1;
  while (n2 < m) n2 <<= 1;
  for (size_t p = 1; p < n2; p <<= 1) {
    for (size_t k = p; k >= 1; k >>= 1) {
      for (size_t j = k % p; j + k < n2; j += 2 * k) {
        const size_t lim = std::min(k, n2 - j - k);
        for (size_t i = 0; i < lim; ++i) {
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) {
            const size_t a = i + j;
            const size_t b = i + j + k;
            if (b < m) {
              net.push_back(static_cast<uint32_t>(a));
              net.push_back(static_cast<uint32_t>(b));
            }
          }
        }
      }
    }
  }
  return net;
}

}  // namespace internal
}  // namespace cess::kernels::aggregate
