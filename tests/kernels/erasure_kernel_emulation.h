// Runs the CUDA kernel's per-thread code (erasure/rs_dot.h) on the CPU, block by block and
// thread by thread in the kernel's own item order, so tests check the kernel logic without a GPU.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "erasure/rs_dot.h"

namespace cess::kernels::erasure::internal {

template <int G>
inline void RunItems(const DotParams& p, const uint8_t* host) {
  // The kernel's mapping: block b, thread t, round it → item b·(T·I) + it·T + t.
  for (uint32_t b = 0; b < p.blocks; ++b) {
    for (int it = 0; it < kDotItemsPerThread; ++it) {
      for (int t = 0; t < kDotThreads; ++t) {
        const uint64_t item = static_cast<uint64_t>(b) * (kDotThreads * kDotItemsPerThread) +
                              static_cast<uint64_t>(it) * kDotThreads + static_cast<uint64_t>(t);
        if (item >= p.items) continue;
        if (p.aligned) {
          DotItem<G, true>(p, host, 0, static_cast<uint32_t>(item));
        } else {
          DotItem<G, false>(p, host, 0, static_cast<uint32_t>(item));
        }
      }
    }
  }
}

// Everything a launch of the real kernel would do, on the CPU.
inline void EmulateDot(const DotJob& job, const std::vector<uint32_t>& tables) {
  auto launches = PlanDot(job);
  ASSERT_TRUE(launches.ok()) << launches.status();
  const auto* host = reinterpret_cast<const uint8_t*>(tables.data());
  for (const DotParams& p : *launches) {
    switch (p.groups) {
      case 1:
        RunItems<1>(p, host);
        break;
      case 2:
        RunItems<2>(p, host);
        break;
      case 3:
        RunItems<3>(p, host);
        break;
      case 4:
        RunItems<4>(p, host);
        break;
      default:
        FAIL() << "groups " << p.groups;
    }
  }
}

}  // namespace cess::kernels::erasure::internal
