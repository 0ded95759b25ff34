// Picks the widest inner-loop variant this CPU runs (CPUID, once).
#include <atomic>
#include <vector>

#include "aggregate/simd.h"

namespace cess::kernels::aggregate::internal::simd {

namespace base {
extern const Kernels kKernels;
}
#ifdef CESS_AGG_X86_SIMD
namespace avx2 {
extern const Kernels kKernels;
}
namespace avx512 {
extern const Kernels kKernels;
}
#endif

namespace {

std::vector<const Kernels*> Detect() {
  std::vector<const Kernels*> out;
#ifdef CESS_AGG_X86_SIMD
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
    out.push_back(&avx512::kKernels);
  }
  if (__builtin_cpu_supports("avx2")) out.push_back(&avx2::kKernels);
#endif
  out.push_back(&base::kKernels);
  return out;
}

const std::vector<const Kernels*>& All() {
  static const std::vector<const Kernels*> all = Detect();
  return all;
}

std::atomic<const Kernels*> g_forced{nullptr};

}  // namespace

const Kernels& Best() {
  const Kernels* forced = g_forced.load(std::memory_order_relaxed);
  return forced != nullptr ? *forced : *All().front();
}
void Force(const Kernels* kernels) { g_forced.store(kernels, std::memory_order_relaxed); }
int NumAvailable() { return static_cast<int>(All().size()); }
const Kernels& Available(int i) { return *All()[static_cast<size_t>(i)]; }

}  // namespace cess::kernels::aggregate::internal::simd
