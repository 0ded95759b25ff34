// The tree SHA-256 part of cess_gpu_bench, implemented with the hash kernels.
#pragma once

namespace cess::bench {

// Prints tree SHA-256 throughput (GB/s) on `device`.
void RunHashGpuBench(int device);

}  // namespace cess::bench
