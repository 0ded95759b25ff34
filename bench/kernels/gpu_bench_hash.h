// The hash part of cess_gpu_bench (bench/kernels/gpu_bench.cu), implemented with the hash kernels
// in bench/kernels/gpu_bench_hash.cu.
#pragma once

namespace cess::bench {

// On CUDA device `device`: first checks the GPU tree hash and batched SHA-256 against the CPU
// backends on random data (exits the process with status 1 on a mismatch or a CUDA error), then
// prints the device-resident tree SHA-256 throughput (GB/s, 4/8/16 KiB leaves, 256 MiB-1 GiB
// batches) against the 0.5 TB/s goal, and batched SHA-256 of 64- and 32-byte messages
// (hashes/s) against hashcat's H100 SHA-256 rate (16.2 G/s). Ends with one JSON line
// ("hash_gpu_bench": {...}).
void RunHashGpuBench(int device);

}  // namespace cess::bench
