// Hashing on data already in GPU memory: batched SHA-256 and the tree hash of hash.h, computed by
// our CUDA kernels without copying the data to the host. No CUDA header is needed to use this
// file: device pointers are plain uint8_t*, streams are opaque handles.
//
// In a build without CUDA every call returns Unavailable ("built without CUDA"); with CUDA but
// no device, DeviceHasher::Create and DeviceBuffer::Allocate return Unavailable.
//
// Device pointers must point into memory from cudaMalloc (or DeviceBuffer) on the hasher's
// device, and may have any alignment: inputs are read with aligned 16- or 4-byte loads (16-byte
// aligned inputs take the fastest path), never at or past the end of the input, but possibly
// the up to 3 bytes between the aligned word boundary below the input's start and the start;
// those lie in the same allocation, since cudaMalloc allocations start 256-byte aligned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess::kernels::hash {

// A cudaStream_t passed as an opaque handle; nullptr is the legacy default stream.
using CudaStream = void*;

// Device memory from plain cudaMalloc, freed on destruction. Move-only.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  // Allocates `size` bytes (size 0 gives an empty buffer with a null pointer) on `device`.
  // Errors: Unavailable without CUDA or device; ResourceExhausted when out of memory.
  static Result<DeviceBuffer> Allocate(size_t size, int device = 0);

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  int device() const { return device_; }

  // Copies `src` to [offset, offset + src.size()) of this buffer (synchronous).
  // Errors: OutOfRange when it does not fit; a CUDA failure as Internal.
  Status CopyFromHost(ByteSpan src, size_t offset = 0);
  // Copies [offset, offset + dst.size()) of this buffer to `dst` (synchronous).
  Status CopyToHost(MutableByteSpan dst, size_t offset = 0) const;

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int device_ = 0;
};

// Hashes device-resident data on one GPU. Owns a small device scratch area (for the Merkle
// levels of the tree hash), grown on demand and reused. Thread safety: calls are serialized by an
// internal mutex, so a DeviceHasher may be shared between threads; an async call's scratch stays
// in use until its stream reaches it, so two async tree hashes from one hasher on *different*
// streams must be ordered by the caller (use one hasher per stream for concurrency).
class DeviceHasher {
 public:
  ~DeviceHasher();
  DeviceHasher(const DeviceHasher&) = delete;
  DeviceHasher& operator=(const DeviceHasher&) = delete;

  // Errors: Unavailable without a CUDA build or when `device` is not a visible device.
  static Result<std::unique_ptr<DeviceHasher>> Create(int device = 0);

  int device() const;
  // Streaming multiprocessors of the device (used to size launches).
  int sm_count() const;

  // Hashes `count` messages of `msg_len` bytes each, message i at d_data + i·msg_len; writes
  // SHA-256(message i) to d_out[32·i, 32·i + 32). One GPU thread per message, so use it for many
  // short messages (Merkle nodes, small records), not for a few long ones. Asynchronous on
  // `stream`; returns after the launch. msg_len 0 is allowed (d_data may then be null).
  // Errors: InvalidArgument for a null pointer with nonzero work; a CUDA launch failure.
  Status Sha256BatchDevice(const uint8_t* d_data, size_t msg_len, size_t count, uint8_t* d_out,
                           CudaStream stream = nullptr);

  // Writes the tree hash (hash.h) of d_data[0, size) with leaves of `leaf_size` bytes to
  // d_root[0, 32). Leaf level: one thread per leaf, each block of threads then fuses its
  // subtree's levels in shared memory; a small kernel finishes the upper levels. Asynchronous
  // on `stream`. Errors: InvalidArgument for a bad leaf size or a null pointer; a CUDA failure.
  Status TreeHashDeviceAsync(const uint8_t* d_data, size_t size, size_t leaf_size, uint8_t* d_root,
                             CudaStream stream = nullptr);

  // As TreeHashDeviceAsync, then waits for `stream` and returns the root on the host.
  Result<Hash256> TreeHashDevice(const uint8_t* d_data, size_t size, size_t leaf_size,
                                 CudaStream stream = nullptr);

  struct Impl;

 private:
  explicit DeviceHasher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Convenience forms on a per-device DeviceHasher shared by the process (created on first use).
// Synchronous: *out holds the tree hash when the call returns. Errors as DeviceHasher.
Status TreeHashDevice(const uint8_t* d_data, size_t size, size_t leaf_size, Hash256* out,
                      CudaStream stream = nullptr, int device = 0);
// Asynchronous, as DeviceHasher::Sha256BatchDevice.
Status Sha256BatchDevice(const uint8_t* d_data, size_t msg_len, size_t count, uint8_t* d_out,
                         CudaStream stream = nullptr, int device = 0);

}  // namespace cess::kernels::hash
