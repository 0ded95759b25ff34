// The CUDA backend: device-resident calls straight onto the kernel, and the host-memory Codec
// calls as a pipeline over chunks with pinned staging buffers and several streams.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cess/kernels/erasure_cuda.h"
#include "erasure/common.h"
#include "erasure/cuda_check.h"
#include "erasure/decode_cache.h"
#include "erasure/gf256.h"
#include "erasure/pipeline.h"
#include "erasure/rs_kernel.cuh"

namespace cess::kernels::erasure {
namespace internal {
namespace {

// Makes `device` current for the scope, restoring the previous one afterwards.
class DeviceGuard {
 public:
  DeviceGuard() = default;
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;
  ~DeviceGuard() {
    if (switched_) (void)cudaSetDevice(prev_);
  }
  Status Enter(int device) {
    CESS_CUDA_RETURN_IF_ERROR(cudaGetDevice(&prev_));
    if (prev_ != device) {
      CESS_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
      switched_ = true;
    }
    return Status::Ok();
  }

 private:
  int prev_ = 0;
  bool switched_ = false;
};

// Decode tables of one erasure pattern, in device memory of `device`.
struct DeviceDecodeEntry {
  DecodePlan plan;
  int device = 0;
  uint32_t* d_tables = nullptr;

  DeviceDecodeEntry() = default;
  DeviceDecodeEntry(const DeviceDecodeEntry&) = delete;
  DeviceDecodeEntry& operator=(const DeviceDecodeEntry&) = delete;
  ~DeviceDecodeEntry() {
    if (d_tables != nullptr) {
      DeviceGuard guard;
      if (guard.Enter(device).ok()) (void)cudaFree(d_tables);
    }
  }
};

// Copies `t` into new device memory (synchronously). REQUIRES: the right device is current.
Result<uint32_t*> UploadTables(const std::vector<uint32_t>& t) {
  void* d = nullptr;
  CESS_CUDA_RETURN_IF_ERROR(cudaMalloc(&d, t.size() * sizeof(uint32_t)));
  const cudaError_t err = cudaMemcpy(d, t.data(), t.size() * sizeof(uint32_t), cudaMemcpyHostToDevice);
  if (err != cudaSuccess) {
    (void)cudaFree(d);
    return CudaStatus(err, "cudaMemcpy(tables)");
  }
  return static_cast<uint32_t*>(d);
}

// True when [p, p + n) lies in page-locked (or registered) host memory; checks both ends.
bool IsPinned(const void* p, size_t n) {
  if (p == nullptr || n == 0) return false;
  for (const void* q : {p, static_cast<const void*>(static_cast<const uint8_t*>(p) + n - 1)}) {
    cudaPointerAttributes attr{};
    if (cudaPointerGetAttributes(&attr, q) != cudaSuccess) {
      (void)cudaGetLastError();
      return false;
    }
    if (attr.type != cudaMemoryTypeHost) return false;
  }
  return true;
}

// Enqueues a 2-D copy (1-D when the rows are back to back).
Status Enqueue2D(const Copy2D& c, cudaMemcpyKind kind, cudaStream_t stream) {
  if (c.dpitch == c.width && c.spitch == c.width) {
    CESS_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(c.dst, c.src, c.width * c.height, kind, stream));
  } else {
    CESS_CUDA_RETURN_IF_ERROR(
        cudaMemcpy2DAsync(c.dst, c.dpitch, c.src, c.spitch, c.width, c.height, kind, stream));
  }
  return Status::Ok();
}

// Pinned staging and device buffers of one pipeline slot, used by one stream.
struct Slot {
  cudaStream_t stream = nullptr;
  cudaEvent_t done = nullptr;  // recorded after the slot's last D2H
  uint8_t* h_in = nullptr;     // pinned
  uint8_t* h_out = nullptr;    // pinned
  uint8_t* d_in = nullptr;
  uint8_t* d_out = nullptr;
  bool busy = false;  // a staged piece awaits its copy-out
  Piece piece;
};

}  // namespace
}  // namespace internal

using internal::DecodePlan;
using internal::DeviceDecodeEntry;
using internal::DeviceGuard;
using internal::HostJob;
using internal::Piece;
using internal::Slot;

struct CudaCodec::Impl {
  int k = 0;
  int m = 0;
  int device = 0;
  CodecOptions options;
  std::vector<uint8_t> matrix;
  uint32_t* d_encode_tables = nullptr;
  internal::DecodeCache<DeviceDecodeEntry> cache;

  std::mutex pipe_mu;
  std::vector<Slot> slots;  // guarded by pipe_mu; empty until the first host call
  size_t in_cap = 0;
  size_t out_cap = 0;

  explicit Impl(size_t cache_entries) : cache(cache_entries) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ~Impl() {
    DeviceGuard guard;
    if (!guard.Enter(device).ok()) return;
    for (Slot& s : slots) FreeSlot(s);
    if (d_encode_tables != nullptr) (void)cudaFree(d_encode_tables);
  }

  // Returns the cached decode tables for `plan`, building and uploading them on a miss.
  Result<std::shared_ptr<const DeviceDecodeEntry>> Decoder(const DecodePlan& plan) {
    return cache.GetOrCreate(plan.mask, [&]() -> Result<std::shared_ptr<const DeviceDecodeEntry>> {
      CESS_ASSIGN_OR_RETURN(std::vector<uint8_t> rows,
                            internal::DecodeRows(matrix, k, plan, &internal::RefInvertMatrix, &GfMul));
      auto entry = std::make_shared<DeviceDecodeEntry>();
      entry->plan = plan;
      entry->device = device;
      DeviceGuard guard;
      CESS_RETURN_IF_ERROR(guard.Enter(device));
      CESS_ASSIGN_OR_RETURN(entry->d_tables,
                            internal::UploadTables(internal::PackedNibbleTables(rows, plan.num_erased, k)));
      return std::shared_ptr<const DeviceDecodeEntry>(std::move(entry));
    });
  }

  // Allocates the slots on first use. REQUIRES: pipe_mu held, device current.
  Status EnsurePipeline() {
    if (!slots.empty()) return Status::Ok();
    in_cap = options.cuda_chunk_bytes;
    out_cap = internal::OutCapacity(in_cap, k, m);
    slots.resize(static_cast<size_t>(options.cuda_streams));
    for (Slot& s : slots) {
      const Status st = MakeSlot(s);
      if (!st.ok()) {
        for (Slot& t : slots) FreeSlot(t);
        slots.clear();
        return st;
      }
    }
    return Status::Ok();
  }

  Status MakeSlot(Slot& s) const {
    void* p = nullptr;
    CESS_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
    CESS_CUDA_RETURN_IF_ERROR(cudaEventCreateWithFlags(&s.done, cudaEventDisableTiming));
    CESS_CUDA_RETURN_IF_ERROR(cudaHostAlloc(&p, in_cap, cudaHostAllocDefault));
    s.h_in = static_cast<uint8_t*>(p);
    CESS_CUDA_RETURN_IF_ERROR(cudaHostAlloc(&p, out_cap, cudaHostAllocDefault));
    s.h_out = static_cast<uint8_t*>(p);
    CESS_CUDA_RETURN_IF_ERROR(cudaMalloc(&p, in_cap));
    s.d_in = static_cast<uint8_t*>(p);
    CESS_CUDA_RETURN_IF_ERROR(cudaMalloc(&p, out_cap));
    s.d_out = static_cast<uint8_t*>(p);
    return Status::Ok();
  }

  // Frees what MakeSlot made, after the slot's stream has drained. REQUIRES: device current.
  static void FreeSlot(Slot& s) {
    if (s.stream != nullptr) (void)cudaStreamSynchronize(s.stream);
    if (s.done != nullptr) (void)cudaEventDestroy(s.done);
    if (s.stream != nullptr) (void)cudaStreamDestroy(s.stream);
    if (s.h_in != nullptr) (void)cudaFreeHost(s.h_in);
    if (s.h_out != nullptr) (void)cudaFreeHost(s.h_out);
    if (s.d_in != nullptr) (void)cudaFree(s.d_in);
    if (s.d_out != nullptr) (void)cudaFree(s.d_out);
    s = Slot{};
  }

  // Enqueues H2D, kernel and D2H of one piece on the slot's stream, then records `done`.
  static Status Enqueue(const HostJob& job, const Piece& pc, Slot& slot) {
    const uint64_t n_in = static_cast<uint64_t>(job.n_in);
    const uint64_t n_out = static_cast<uint64_t>(job.n_out);
    if (job.direct) {
      CESS_RETURN_IF_ERROR(
          internal::Enqueue2D(internal::DirectIn(job, pc, slot.d_in), cudaMemcpyHostToDevice, slot.stream));
    } else {
      CESS_CUDA_RETURN_IF_ERROR(
          cudaMemcpyAsync(slot.d_in, slot.h_in, pc.ns * n_in * pc.wp, cudaMemcpyHostToDevice, slot.stream));
    }
    CESS_RETURN_IF_ERROR(
        internal::LaunchDot(internal::PieceDot(job, pc, slot.d_in, slot.d_out), slot.stream));
    if (job.direct) {
      CESS_RETURN_IF_ERROR(
          internal::Enqueue2D(internal::DirectOut(job, pc, slot.d_out), cudaMemcpyDeviceToHost, slot.stream));
    } else {
      CESS_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(slot.h_out, slot.d_out, pc.ns * n_out * pc.wp,
                                                cudaMemcpyDeviceToHost, slot.stream));
    }
    CESS_CUDA_RETURN_IF_ERROR(cudaEventRecord(slot.done, slot.stream));
    return Status::Ok();
  }

  // Runs a host-memory job through the slots. Serialized by pipe_mu.
  Status RunPipeline(const HostJob& job) {
    if (job.stripes == 0 || job.len == 0 || job.n_out == 0) return Status::Ok();
    std::lock_guard<std::mutex> lock(pipe_mu);
    DeviceGuard guard;
    CESS_RETURN_IF_ERROR(guard.Enter(device));
    CESS_RETURN_IF_ERROR(EnsurePipeline());
    const std::vector<Piece> pieces = internal::CutPieces(job, in_cap);
    Status st = RunPieces(job, pieces);
    if (!st.ok()) {
      // Leave no work in flight that still reads or writes the caller's buffers.
      for (Slot& s : slots) {
        (void)cudaStreamSynchronize(s.stream);
        s.busy = false;
      }
      return st;
    }
    return Status::Ok();
  }

  Status RunPieces(const HostJob& job, const std::vector<Piece>& pieces) {
    const size_t ns = slots.size();
    size_t next = 0;  // slot of the next piece; pieces go round-robin
    for (const Piece& pc : pieces) {
      Slot& slot = slots[next];
      next = (next + 1) % ns;
      if (!job.direct) {
        if (slot.busy) {
          CESS_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(slot.done));
          internal::RunCopies(internal::StageOutTasks(job, slot.piece, slot.h_out));
          slot.busy = false;
        }
        internal::RunCopies(internal::StageInTasks(job, pc, slot.h_in));
      }
      CESS_RETURN_IF_ERROR(Enqueue(job, pc, slot));
      slot.piece = pc;
      slot.busy = !job.direct;
    }
    // Drain in issue order.
    for (size_t i = 0; i < ns; ++i) {
      Slot& slot = slots[(next + i) % ns];
      CESS_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(slot.stream));
      if (slot.busy) {
        internal::RunCopies(internal::StageOutTasks(job, slot.piece, slot.h_out));
        slot.busy = false;
      }
    }
    return Status::Ok();
  }
};

CudaCodec::CudaCodec(int k, int m, std::unique_ptr<Impl> impl) : Codec(k, m), impl_(std::move(impl)) {}
CudaCodec::~CudaCodec() = default;

int CudaCodec::device() const { return impl_->device; }

Result<std::unique_ptr<CudaCodec>> CudaCodec::Create(int k, int m, const CodecOptions& options) {
  CESS_RETURN_IF_ERROR(internal::CheckKM(k, m));
  if (options.cuda_streams < 2 || options.cuda_streams > 16) {
    return Status::InvalidArgument("cuda_streams must be in [2, 16], got " +
                                   std::to_string(options.cuda_streams));
  }
  if (options.cuda_chunk_bytes < (size_t{64} << 10) || options.cuda_chunk_bytes > (size_t{1} << 32)) {
    return Status::InvalidArgument("cuda_chunk_bytes must be in [64 KiB, 4 GiB], got " +
                                   std::to_string(options.cuda_chunk_bytes));
  }
  CESS_RETURN_IF_ERROR(CheckBackendAvailable(Backend::kCuda));
  if (options.cuda_device < 0 || options.cuda_device >= CudaDeviceCount()) {
    return Status::Unavailable("CUDA device " + std::to_string(options.cuda_device) + " not visible (" +
                               std::to_string(CudaDeviceCount()) + " devices)");
  }
  auto impl = std::make_unique<Impl>(options.decode_cache_entries);
  impl->k = k;
  impl->m = m;
  impl->device = options.cuda_device;
  impl->options = options;
  impl->matrix = internal::RefCauchyMatrix(k, m);
  DeviceGuard guard;
  CESS_RETURN_IF_ERROR(guard.Enter(impl->device));
  const std::span<const uint8_t> parity_rows(impl->matrix.data() + static_cast<size_t>(k * k),
                                             static_cast<size_t>(m * k));
  CESS_ASSIGN_OR_RETURN(impl->d_encode_tables,
                        internal::UploadTables(internal::PackedNibbleTables(parity_rows, m, k)));
  return std::unique_ptr<CudaCodec>(new CudaCodec(k, m, std::move(impl)));
}

Status CudaCodec::EncodeDevice(size_t stripes, size_t shard_len, const uint8_t* d_data, uint8_t* d_parity,
                               CudaStream stream) {
  const size_t kk = static_cast<size_t>(k());
  const size_t mm = static_cast<size_t>(m());
  size_t per = 0;
  size_t total = 0;
  if (__builtin_mul_overflow(stripes, shard_len, &per) || __builtin_mul_overflow(per, kk + mm, &total)) {
    return Status::InvalidArgument("EncodeDevice: stripes x shard_len overflows");
  }
  if (per == 0) return Status::Ok();
  if (d_data == nullptr || d_parity == nullptr)
    return Status::InvalidArgument("EncodeDevice: null device pointer");
  DeviceGuard guard;
  CESS_RETURN_IF_ERROR(guard.Enter(impl_->device));
  internal::DotJob job;
  job.in = d_data;
  job.out = d_parity;
  job.in_stripe_stride = kk * shard_len;
  job.out_stripe_stride = mm * shard_len;
  for (size_t j = 0; j < kk; ++j) job.in_off[j] = j * shard_len;
  for (size_t p = 0; p < mm; ++p) job.out_off[p] = p * shard_len;
  job.tables = impl_->d_encode_tables;
  job.k = k();
  job.n_out = m();
  job.stripes = stripes;
  job.len = shard_len;
  return internal::LaunchDot(job, static_cast<cudaStream_t>(stream));
}

Status CudaCodec::ReconstructDevice(size_t stripes, size_t shard_len, uint8_t* d_shards,
                                    std::span<const int> erased, CudaStream stream) {
  CESS_ASSIGN_OR_RETURN(DecodePlan plan, internal::MakeDecodePlan(k(), m(), erased));
  const size_t n = static_cast<size_t>(k() + m());
  size_t per = 0;
  size_t total = 0;
  if (__builtin_mul_overflow(stripes, shard_len, &per) || __builtin_mul_overflow(per, n, &total)) {
    return Status::InvalidArgument("ReconstructDevice: stripes x shard_len overflows");
  }
  if (per == 0 || plan.num_erased == 0) return Status::Ok();
  if (d_shards == nullptr) return Status::InvalidArgument("ReconstructDevice: null device pointer");
  CESS_ASSIGN_OR_RETURN(std::shared_ptr<const DeviceDecodeEntry> entry, impl_->Decoder(plan));
  DeviceGuard guard;
  CESS_RETURN_IF_ERROR(guard.Enter(impl_->device));
  internal::DotJob job;
  job.in = d_shards;
  job.out = d_shards;
  job.in_stripe_stride = n * shard_len;
  job.out_stripe_stride = n * shard_len;
  for (int j = 0; j < k(); ++j) job.in_off[j] = static_cast<uint64_t>(plan.survivors[j]) * shard_len;
  for (int o = 0; o < plan.num_erased; ++o)
    job.out_off[o] = static_cast<uint64_t>(plan.erased[o]) * shard_len;
  job.tables = entry->d_tables;
  job.k = k();
  job.n_out = plan.num_erased;
  job.stripes = stripes;
  job.len = shard_len;
  // The entry (and its device tables) may be evicted once we return: cudaFree synchronizes
  // with the device, so the kernel enqueued here finishes before the tables go away.
  return internal::LaunchDot(job, static_cast<cudaStream_t>(stream));
}

Status CudaCodec::Encode(std::span<const ByteSpan> data, std::span<const MutableByteSpan> parity) {
  CESS_ASSIGN_OR_RETURN(size_t len, internal::CheckEncodeArgs(k(), m(), data, parity));
  HostJob job;
  for (int j = 0; j < k(); ++j)
    job.in_off[j] = reinterpret_cast<uintptr_t>(data[static_cast<size_t>(j)].data());
  for (int p = 0; p < m(); ++p)
    job.out_off[p] = reinterpret_cast<uintptr_t>(parity[static_cast<size_t>(p)].data());
  job.n_in = k();
  job.n_out = m();
  job.d_tables = impl_->d_encode_tables;
  job.stripes = 1;
  job.len = len;
  return impl_->RunPipeline(job);
}

Status CudaCodec::Reconstruct(std::span<const MutableByteSpan> shards, std::span<const int> erased) {
  CESS_ASSIGN_OR_RETURN(size_t len, internal::CheckShards(k(), m(), shards));
  CESS_ASSIGN_OR_RETURN(DecodePlan plan, internal::MakeDecodePlan(k(), m(), erased));
  if (plan.num_erased == 0 || len == 0) return Status::Ok();
  CESS_ASSIGN_OR_RETURN(std::shared_ptr<const DeviceDecodeEntry> entry, impl_->Decoder(plan));
  HostJob job;
  for (int j = 0; j < k(); ++j) {
    job.in_off[j] = reinterpret_cast<uintptr_t>(shards[static_cast<size_t>(plan.survivors[j])].data());
  }
  for (int o = 0; o < plan.num_erased; ++o) {
    job.out_off[o] = reinterpret_cast<uintptr_t>(shards[static_cast<size_t>(plan.erased[o])].data());
  }
  job.n_in = k();
  job.n_out = plan.num_erased;
  job.d_tables = entry->d_tables;
  job.stripes = 1;
  job.len = len;
  return impl_->RunPipeline(job);
}

Result<bool> CudaCodec::Verify(std::span<const ByteSpan> shards) {
  CESS_ASSIGN_OR_RETURN(size_t len, internal::CheckShards(k(), m(), shards));
  if (len == 0) return true;
  std::vector<uint8_t> parity(len * static_cast<size_t>(m()));
  HostJob job;
  for (int j = 0; j < k(); ++j)
    job.in_off[j] = reinterpret_cast<uintptr_t>(shards[static_cast<size_t>(j)].data());
  for (int p = 0; p < m(); ++p) {
    job.out_off[p] = reinterpret_cast<uintptr_t>(parity.data() + static_cast<size_t>(p) * len);
  }
  job.n_in = k();
  job.n_out = m();
  job.d_tables = impl_->d_encode_tables;
  job.stripes = 1;
  job.len = len;
  CESS_RETURN_IF_ERROR(impl_->RunPipeline(job));
  for (int p = 0; p < m(); ++p) {
    if (std::memcmp(parity.data() + static_cast<size_t>(p) * len, shards[static_cast<size_t>(k() + p)].data(),
                    len) != 0) {
      return false;
    }
  }
  return true;
}

Status CudaCodec::EncodeBatch(size_t stripes, size_t shard_len, ByteSpan data, MutableByteSpan parity) {
  CESS_RETURN_IF_ERROR(internal::CheckBatchArgs(k(), m(), stripes, shard_len, data.size(), parity.size()));
  if (stripes == 0 || shard_len == 0) return Status::Ok();
  HostJob job;
  job.in_base = reinterpret_cast<uintptr_t>(data.data());
  job.out_base = reinterpret_cast<uintptr_t>(parity.data());
  job.in_stride = static_cast<uint64_t>(k()) * shard_len;
  job.out_stride = static_cast<uint64_t>(m()) * shard_len;
  for (int j = 0; j < k(); ++j) job.in_off[j] = static_cast<uint64_t>(j) * shard_len;
  for (int p = 0; p < m(); ++p) job.out_off[p] = static_cast<uint64_t>(p) * shard_len;
  job.n_in = k();
  job.n_out = m();
  job.d_tables = impl_->d_encode_tables;
  job.stripes = stripes;
  job.len = shard_len;
  job.batch_layout = true;
  {
    DeviceGuard guard;
    CESS_RETURN_IF_ERROR(guard.Enter(impl_->device));
    job.direct =
        internal::IsPinned(data.data(), data.size()) && internal::IsPinned(parity.data(), parity.size());
  }
  return impl_->RunPipeline(job);
}

// ---- helpers without CUDA types in their interface ---------------------------------------------

Status SynchronizeCudaStream(int device, CudaStream stream) {
  DeviceGuard guard;
  CESS_RETURN_IF_ERROR(guard.Enter(device));
  CESS_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)));
  return Status::Ok();
}

Result<CudaDeviceBuffer> CudaDeviceBuffer::Allocate(int device, size_t bytes) {
  CESS_RETURN_IF_ERROR(CheckBackendAvailable(Backend::kCuda));
  if (device < 0 || device >= CudaDeviceCount()) {
    return Status::Unavailable("CUDA device " + std::to_string(device) + " not visible");
  }
  CudaDeviceBuffer buf;
  buf.device_ = device;
  if (bytes == 0) return buf;
  DeviceGuard guard;
  CESS_RETURN_IF_ERROR(guard.Enter(device));
  void* p = nullptr;
  CESS_CUDA_RETURN_IF_ERROR(cudaMalloc(&p, bytes));
  buf.data_ = static_cast<uint8_t*>(p);
  buf.size_ = bytes;
  return buf;
}

CudaDeviceBuffer::CudaDeviceBuffer(CudaDeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      device_(other.device_) {}

CudaDeviceBuffer& CudaDeviceBuffer::operator=(CudaDeviceBuffer&& other) noexcept {
  if (this != &other) {
    CudaDeviceBuffer old(std::move(*this));
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    device_ = other.device_;
  }
  return *this;
}

CudaDeviceBuffer::~CudaDeviceBuffer() {
  if (data_ == nullptr) return;
  DeviceGuard guard;
  if (guard.Enter(device_).ok()) (void)cudaFree(data_);
}

Status CudaDeviceBuffer::CopyFromHost(size_t offset, ByteSpan src) {
  if (offset > size_ || src.size() > size_ - offset)
    return Status::OutOfRange("CopyFromHost past the buffer end");
  if (src.empty()) return Status::Ok();
  DeviceGuard guard;
  CESS_RETURN_IF_ERROR(guard.Enter(device_));
  CESS_CUDA_RETURN_IF_ERROR(cudaMemcpy(data_ + offset, src.data(), src.size(), cudaMemcpyHostToDevice));
  return Status::Ok();
}

Status CudaDeviceBuffer::CopyToHost(size_t offset, MutableByteSpan dst) const {
  if (offset > size_ || dst.size() > size_ - offset)
    return Status::OutOfRange("CopyToHost past the buffer end");
  if (dst.empty()) return Status::Ok();
  DeviceGuard guard;
  CESS_RETURN_IF_ERROR(guard.Enter(device_));
  CESS_CUDA_RETURN_IF_ERROR(cudaMemcpy(dst.data(), data_ + offset, dst.size(), cudaMemcpyDeviceToHost));
  return Status::Ok();
}

Status CudaDeviceBuffer::Fill(uint8_t value) {
  if (size_ == 0) return Status::Ok();
  DeviceGuard guard;
  CESS_RETURN_IF_ERROR(guard.Enter(device_));
  CESS_CUDA_RETURN_IF_ERROR(cudaMemset(data_, value, size_));
  return Status::Ok();
}

Result<CudaPinnedBuffer> CudaPinnedBuffer::Allocate(size_t bytes) {
  CESS_RETURN_IF_ERROR(CheckBackendAvailable(Backend::kCuda));
  CudaPinnedBuffer buf;
  if (bytes == 0) return buf;
  void* p = nullptr;
  CESS_CUDA_RETURN_IF_ERROR(cudaHostAlloc(&p, bytes, cudaHostAllocDefault));
  buf.data_ = static_cast<uint8_t*>(p);
  buf.size_ = bytes;
  return buf;
}

CudaPinnedBuffer::CudaPinnedBuffer(CudaPinnedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

CudaPinnedBuffer& CudaPinnedBuffer::operator=(CudaPinnedBuffer&& other) noexcept {
  if (this != &other) {
    CudaPinnedBuffer old(std::move(*this));
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

CudaPinnedBuffer::~CudaPinnedBuffer() {
  if (data_ != nullptr) (void)cudaFreeHost(data_);
}

}  // namespace cess::kernels::erasure
