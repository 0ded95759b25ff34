// The CUDA backend of the Reed-Solomon codec (erasure.h), with calls on data already in GPU
// memory. No CUDA header is needed to use it: device pointers are plain uint8_t*, a stream is an
// opaque CudaStream (a cudaStream_t cast to void*).
//
// In a build without CUDA, or on a machine without a device, every Create/Allocate returns
// Unavailable ("cuda backend not built ..." / "no CUDA device visible").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/kernels/erasure.h"

namespace cess::kernels::erasure {

// A cudaStream_t passed through as an opaque pointer; nullptr is the legacy default stream.
using CudaStream = void*;

// Waits until all work enqueued on `stream` (of the current thread's device) has finished.
// Errors: Internal with the CUDA error of any failed work, Unavailable without CUDA.
Status SynchronizeCudaStream(int device, CudaStream stream);

// Device memory from plain cudaMalloc, freed on destruction. Move-only. Lets code without CUDA
// headers (tests, tools) stage data for the *Device calls.
class CudaDeviceBuffer {
 public:
  // Allocates `bytes` (0 allowed: data() is then null) on `device`. Errors: Unavailable without
  // CUDA or device; ResourceExhausted when cudaMalloc fails.
  static Result<CudaDeviceBuffer> Allocate(int device, size_t bytes);

  CudaDeviceBuffer() = default;
  CudaDeviceBuffer(CudaDeviceBuffer&& other) noexcept;
  CudaDeviceBuffer& operator=(CudaDeviceBuffer&& other) noexcept;
  ~CudaDeviceBuffer();

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  int device() const { return device_; }

  // Synchronous copies between host memory and [offset, offset + len) of this buffer.
  // Errors: OutOfRange when the range exceeds size(); Internal on a CUDA error.
  Status CopyFromHost(size_t offset, ByteSpan src);
  Status CopyToHost(size_t offset, MutableByteSpan dst) const;
  // Sets every byte to `value`. Errors: Internal on a CUDA error.
  Status Fill(uint8_t value);

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int device_ = 0;
};

// Page-locked host memory (cudaHostAlloc), freed on destruction. Move-only. Host calls of a
// CudaCodec whose buffers lie in pinned memory skip the staging copy (direct DMA).
class CudaPinnedBuffer {
 public:
  // Allocates `bytes` (0 allowed). Errors: Unavailable without CUDA or device;
  // ResourceExhausted when the allocation fails.
  static Result<CudaPinnedBuffer> Allocate(size_t bytes);

  CudaPinnedBuffer() = default;
  CudaPinnedBuffer(CudaPinnedBuffer&& other) noexcept;
  CudaPinnedBuffer& operator=(CudaPinnedBuffer&& other) noexcept;
  ~CudaPinnedBuffer();

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  MutableByteSpan span() const { return {data_, size_}; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// RS(k, m) on one CUDA device. Byte-identical to the kRef backend.
//
// The host-memory calls (the Codec interface) run a pipeline: chunks of stripes (or of columns
// of one large stripe) are copied into pinned staging buffers, sent to the device, encoded and
// sent back on CodecOptions::cuda_streams streams so that transfers in both directions and the
// kernel overlap. When EncodeBatch's buffers are already pinned, the staging copy is skipped.
// Host-memory calls on one codec are serialized by an internal mutex.
//
// The *Device calls take device pointers of the codec's device, enqueue on `stream` and return
// without waiting; a kernel failure surfaces at the caller's next synchronization (e.g.
// SynchronizeCudaStream). They are thread-safe.
class CudaCodec : public Codec {
 public:
  // Creates a coder on options.cuda_device (options.backend is ignored). Errors:
  // InvalidArgument for k ∉ [1,32], m ∉ [1,16] or a bad option; Unavailable without CUDA or
  // without that device; Internal or ResourceExhausted when a CUDA call fails.
  static Result<std::unique_ptr<CudaCodec>> Create(int k, int m, const CodecOptions& options = {});

  ~CudaCodec() override;

  int device() const;
  Backend backend() const override { return Backend::kCuda; }

  // Encodes `stripes` stripes already on the device: `d_data` holds stripes × k shards of
  // `shard_len` bytes (stripe-major, then shard), `d_parity` receives stripes × m shards in the
  // same layout. Any alignment and length work; 16-byte aligned pointers with shard_len a
  // multiple of 16 take the fast path. REQUIRES: the two ranges do not overlap.
  // Errors: InvalidArgument on null pointers with non-zero sizes; Internal on a launch error.
  Status EncodeDevice(size_t stripes, size_t shard_len, const uint8_t* d_data, uint8_t* d_parity,
                      CudaStream stream = nullptr);

  // Rebuilds in place the shards listed in `erased` of `stripes` stripes on the device:
  // `d_shards` holds stripes × (k+m) shards of `shard_len` bytes (data first). Reads the first k
  // shards not erased of every stripe. An empty `erased` is a no-op. The decode matrix for the
  // pattern is computed on the host and uploaded once (cached; the upload is synchronous).
  // Errors: InvalidArgument as Codec::Reconstruct; Internal on a CUDA error.
  Status ReconstructDevice(size_t stripes, size_t shard_len, uint8_t* d_shards, std::span<const int> erased,
                           CudaStream stream = nullptr);

  // Codec, over host memory (see above).
  Status Encode(std::span<const ByteSpan> data, std::span<const MutableByteSpan> parity) override;
  Status Reconstruct(std::span<const MutableByteSpan> shards, std::span<const int> erased) override;
  Result<bool> Verify(std::span<const ByteSpan> shards) override;
  Status EncodeBatch(size_t stripes, size_t shard_len, ByteSpan data, MutableByteSpan parity) override;

  struct Impl;

 private:
  CudaCodec(int k, int m, std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cess::kernels::erasure
