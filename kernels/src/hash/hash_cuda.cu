// The cuda hash backend: batched SHA-256 and the tree hash on the GPU (hash_cuda.h for data
// already in GPU memory, and the kCuda Hasher for host buffers, staged through pinned memory).
//
// Work decomposition (see reference/kernels-limits.md §3, §5): SHA-256 of one message is a chain
// of dependent 64-byte compressions, so the only parallelism is across messages. Batches run one
// thread per message; the tree hash runs one thread per leaf (4-16 KiB), and each thread block
// then fuses the Merkle levels of its own subtree in shared memory, so the leaf launch writes one
// node per block instead of one per leaf. A small kernel reduces the block roots (256 nodes per
// block per launch) until one node is left. Every CUDA call and launch is checked; device memory
// is plain cudaMalloc.
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "cess/kernels/backend.h"
#include "cess/kernels/hash.h"
#include "cess/kernels/hash_cuda.h"
#include "hash/cuda_hasher.h"
#include "hash/sha256_device.h"
#include "hash/tree_hash.h"

namespace cess::kernels::hash {
namespace {

using internal::CheckTreeLeafSize;
using internal::TreeLeafCount;

// ---- Error handling -------------------------------------------------------------------------

Status CudaStatus(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return Status::Ok();
  std::string msg = std::string(what) + ": " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")";
  switch (err) {
    case cudaErrorMemoryAllocation:
      return Status::ResourceExhausted(std::move(msg));
    case cudaErrorNoDevice:
    case cudaErrorInvalidDevice:
    case cudaErrorInsufficientDriver:
      return Status::Unavailable(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

#define CESS_CUDA_RETURN_IF_ERROR(expr) CESS_RETURN_IF_ERROR(CudaStatus((expr), #expr))

// Checks the launch just issued (configuration errors; faults inside a kernel surface at the next
// synchronizing call, which is checked too).
Status CheckLaunch(const char* kernel) { return CudaStatus(cudaGetLastError(), kernel); }

// Makes `device` current for the scope and restores the caller's device after.
class ScopedDevice {
 public:
  explicit ScopedDevice(int device) {
    if (cudaGetDevice(&previous_) != cudaSuccess) {
      (void)cudaGetLastError();
      previous_ = -1;
    }
    if (previous_ != device) {
      // (void): nvcc warns that the assignment's Status& result is [[nodiscard]].
      (void)(status_ = CudaStatus(cudaSetDevice(device), "cudaSetDevice"));
    } else {
      previous_ = -1;  // nothing to restore
    }
  }
  ~ScopedDevice() {
    if (previous_ >= 0) (void)cudaSetDevice(previous_);
  }
  ScopedDevice(const ScopedDevice&) = delete;
  ScopedDevice& operator=(const ScopedDevice&) = delete;
  const Status& status() const { return status_; }

 private:
  int previous_ = -1;
  Status status_;
};

// cudaMalloc'd bytes, freed on destruction (on `device`).
class DeviceMem {
 public:
  DeviceMem() = default;
  ~DeviceMem() { Reset(); }
  DeviceMem(const DeviceMem&) = delete;
  DeviceMem& operator=(const DeviceMem&) = delete;

  // Ensures at least `bytes` (growing by at least 1.5x), discarding the old contents. The old
  // memory is freed only after the device is idle, since queued work may still use it.
  Status Reserve(size_t bytes, int device) {
    if (bytes <= size_) return Status::Ok();
    const size_t want = std::max(bytes, size_ + size_ / 2);
    if (ptr_ != nullptr) CESS_CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
    Reset();
    CESS_CUDA_RETURN_IF_ERROR(cudaMalloc(&ptr_, want));
    size_ = want;
    device_ = device;
    return Status::Ok();
  }
  uint8_t* bytes() const { return static_cast<uint8_t*>(ptr_); }

 private:
  void Reset() {
    if (ptr_ != nullptr) {
      ScopedDevice on(device_);
      (void)cudaFree(ptr_);
    }
    ptr_ = nullptr;
    size_ = 0;
  }
  void* ptr_ = nullptr;
  size_t size_ = 0;
  int device_ = 0;
};

// Pinned host bytes from cudaMallocHost.
class PinnedMem {
 public:
  PinnedMem() = default;
  ~PinnedMem() { Reset(); }
  PinnedMem(const PinnedMem&) = delete;
  PinnedMem& operator=(const PinnedMem&) = delete;

  // Ensures at least `bytes`, discarding the old contents. REQUIRES: no queued copy uses it.
  Status Reserve(size_t bytes) {
    if (bytes <= size_) return Status::Ok();
    const size_t want = std::max(bytes, size_ + size_ / 2);
    Reset();
    CESS_CUDA_RETURN_IF_ERROR(cudaMallocHost(&ptr_, want));
    size_ = want;
    return Status::Ok();
  }
  uint8_t* bytes() const { return static_cast<uint8_t*>(ptr_); }

 private:
  void Reset() {
    if (ptr_ != nullptr) (void)cudaFreeHost(ptr_);
    ptr_ = nullptr;
    size_ = 0;
  }
  void* ptr_ = nullptr;
  size_t size_ = 0;
};

// ---- Kernels --------------------------------------------------------------------------------

constexpr int kReduceBlock = 256;     // nodes reduced per block by NodeReduceKernel
constexpr int kBatchBlock = 128;      // threads per block of the batch kernels
constexpr int kStreamLeafBlock = 64;  // leaf-kernel block of the host pipeline

static_assert(kTreeLeafPrefix == 0x00 && kTreeNodePrefix == 0x01, "sha256_device.h hard-codes the prefixes");

__device__ __forceinline__ uint64_t MinU64(uint64_t a, uint64_t b) { return a < b ? a : b; }

using internal::TileRow;

// Reduces the `count` (1 <= count <= blockDim.x) node states in tile rows [0, count) to the
// root of their subtree, left in row 0, level by level (internal::TileLevelStep). Every thread
// of the block must call it with the same count (it synchronizes the block).
__device__ void ReduceTile(TileRow* tile, uint32_t count) {
  __syncthreads();
  while (count > 1) {
    uint32_t h[8];
    const bool write = internal::TileLevelStep(tile, count, threadIdx.x, h);
    __syncthreads();  // every read of this level is done before a row is overwritten
    if (write) {
#pragma unroll
      for (int k = 0; k < 8; ++k) tile[threadIdx.x][k] = h[k];
    }
    __syncthreads();
    count = (count + 1) >> 1;
  }
}

// Threads 0..7 write the subtree root in tile row 0: as digest bytes to `root` when it is the
// whole tree's root, else as state words to row `index` of `states`.
__device__ void WriteTileRoot(const TileRow* tile, bool is_root, uint8_t* root, uint32_t* states,
                              uint64_t index) {
  const uint32_t k = threadIdx.x;
  if (k >= 8) return;
  const uint32_t w = tile[0][k];
  if (is_root) {
    root[4 * k] = static_cast<uint8_t>(w >> 24);
    root[4 * k + 1] = static_cast<uint8_t>(w >> 16);
    root[4 * k + 2] = static_cast<uint8_t>(w >> 8);
    root[4 * k + 3] = static_cast<uint8_t>(w);
  } else {
    states[index * 8 + k] = w;
  }
}

// The leaf level plus the levels inside each block. Block b of this launch hashes leaves
// [b·kBlock, (b+1)·kBlock) of data[0, size) (one thread each: SHA-256(0x00 ‖ leaf)), reduces
// them to their subtree root and writes it as node first_block + b of level log2(kBlock).
// Because kBlock is a power of two and blocks start at multiples of it, a block's subtree is
// exactly the global tree's (pairs never straddle blocks, and a level's count in the block is odd
// exactly when the global count is). total_blocks == 1: the block root is the tree root.
template <int kBlock>
__global__ void __launch_bounds__(kBlock)
    TreeLeafKernel(const uint8_t* __restrict__ data, uint64_t size, uint32_t leaf_size, uint64_t first_block,
                   uint64_t total_blocks, uint32_t* __restrict__ states, uint8_t* __restrict__ root) {
  __shared__ TileRow tile[kBlock];
  const uint64_t n_leaves = size == 0 ? 1 : (size + leaf_size - 1) / leaf_size;
  const uint64_t leaf0 = static_cast<uint64_t>(blockIdx.x) * kBlock;
  const uint64_t leaf = leaf0 + threadIdx.x;
  if (leaf < n_leaves) {
    uint32_t st[8];
    internal::TreeLeafState(data, size, leaf_size, leaf, st);
#pragma unroll
    for (int k = 0; k < 8; ++k) tile[threadIdx.x][k] = st[k];
  }
  const uint32_t count = static_cast<uint32_t>(MinU64(kBlock, n_leaves - leaf0));
  ReduceTile(tile, count);
  WriteTileRoot(tile, total_blocks == 1, root, states, first_block + blockIdx.x);
}

// One step up the upper levels: block b reduces nodes [b·kReduceBlock, ...) of `in` (count
// states) to one node, written to out[b], or, when the launch has a single block, to `root` as
// the tree root.
__global__ void __launch_bounds__(kReduceBlock)
    NodeReduceKernel(const uint32_t* __restrict__ in, uint64_t count, uint32_t* __restrict__ out,
                     uint8_t* __restrict__ root) {
  __shared__ TileRow tile[kReduceBlock];
  const uint64_t first = static_cast<uint64_t>(blockIdx.x) * kReduceBlock;
  const uint64_t i = first + threadIdx.x;
  if (i < count) {
#pragma unroll
    for (int k = 0; k < 8; ++k) tile[threadIdx.x][k] = in[i * 8 + k];
  }
  const uint32_t n = static_cast<uint32_t>(MinU64(kReduceBlock, count - first));
  ReduceTile(tile, n);
  WriteTileRoot(tile, gridDim.x == 1, root, out, blockIdx.x);
}

// Writes the digest of `st` to out[0, 32): two 16-byte stores when out is 16-byte aligned.
__device__ void StoreDigestDevice(const uint32_t st[8], uint8_t* out) {
  if ((reinterpret_cast<uintptr_t>(out) & 15) == 0) {
    uint4* o = reinterpret_cast<uint4*>(out);
    o[0] = make_uint4(internal::Bswap(st[0]), internal::Bswap(st[1]), internal::Bswap(st[2]),
                      internal::Bswap(st[3]));
    o[1] = make_uint4(internal::Bswap(st[4]), internal::Bswap(st[5]), internal::Bswap(st[6]),
                      internal::Bswap(st[7]));
  } else {
    internal::StoreDigest(st, out);
  }
}

// out[32i, 32i + 32) = SHA-256(data[i·msg_len, (i+1)·msg_len)) for i < count.
__global__ void __launch_bounds__(kBatchBlock) BatchKernel(const uint8_t* __restrict__ data, uint64_t msg_len,
                                                           uint64_t count, uint8_t* __restrict__ out) {
  const uint64_t i = static_cast<uint64_t>(blockIdx.x) * kBatchBlock + threadIdx.x;
  if (i >= count) return;
  uint32_t st[8];
  internal::Sha256Message<false>(0, data + i * msg_len, msg_len, data + count * msg_len, st);
  StoreDigestDevice(st, out + 32 * i);
}

// out[32i, 32i + 32) = SHA-256(base[offsets[i], offsets[i] + lens[i])) for i < count; every
// message lies in [base, end).
__global__ void __launch_bounds__(kBatchBlock)
    VarBatchKernel(const uint8_t* __restrict__ base, const uint64_t* __restrict__ offsets,
                   const uint64_t* __restrict__ lens, uint64_t count, const uint8_t* __restrict__ end,
                   uint8_t* __restrict__ out) {
  const uint64_t i = static_cast<uint64_t>(blockIdx.x) * kBatchBlock + threadIdx.x;
  if (i >= count) return;
  uint32_t st[8];
  internal::Sha256Message<false>(0, base + offsets[i], lens[i], end, st);
  StoreDigestDevice(st, out + 32 * i);
}

// ---- Launchers ------------------------------------------------------------------------------

uint64_t CeilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

Status CheckGrid(uint64_t blocks, const char* what) {
  if (blocks <= static_cast<uint64_t>(INT_MAX)) return Status::Ok();
  return Status::InvalidArgument(std::string(what) + ": input too large for one launch");
}

// Leaf-kernel block size: 64 threads (small blocks spread a few thousand leaves over all SMs,
// and 32 resident blocks of 64 still fill an SM), 32 for inputs too small to give every SM a
// 64-thread block.
int PickLeafBlock(uint64_t n_leaves, int sm_count) {
  return n_leaves <= static_cast<uint64_t>(64) * static_cast<uint64_t>(sm_count) ? 32 : 64;
}

Status LaunchTreeLeaves(int block, const uint8_t* data, uint64_t size, uint32_t leaf_size,
                        uint64_t first_block, uint64_t total_blocks, uint32_t* states, uint8_t* root,
                        cudaStream_t stream) {
  const uint64_t grid = CeilDiv(TreeLeafCount(size, leaf_size), static_cast<uint64_t>(block));
  CESS_RETURN_IF_ERROR(CheckGrid(grid, "tree hash"));
  const unsigned g = static_cast<unsigned>(grid);
  switch (block) {
    case 32:
      TreeLeafKernel<32>
          <<<g, 32, 0, stream>>>(data, size, leaf_size, first_block, total_blocks, states, root);
      break;
    case 64:
      TreeLeafKernel<64>
          <<<g, 64, 0, stream>>>(data, size, leaf_size, first_block, total_blocks, states, root);
      break;
    default:
      return Status::Internal("unsupported leaf block size");
  }
  return CheckLaunch("TreeLeafKernel");
}

// Reduces `count` node states in `ping` (scratch for as many in `pong`) to the root, written to
// d_root. REQUIRES: count >= 2.
Status LaunchUpperLevels(uint64_t count, uint32_t* ping, uint32_t* pong, uint8_t* d_root,
                         cudaStream_t stream) {
  while (count > 1) {
    const uint64_t grid = CeilDiv(count, kReduceBlock);
    NodeReduceKernel<<<static_cast<unsigned>(grid), kReduceBlock, 0, stream>>>(ping, count, pong, d_root);
    CESS_RETURN_IF_ERROR(CheckLaunch("NodeReduceKernel"));
    std::swap(ping, pong);
    count = grid;
  }
  return Status::Ok();
}

Status LaunchBatch(const uint8_t* d_data, uint64_t msg_len, uint64_t count, uint8_t* d_out,
                   cudaStream_t stream) {
  if (count == 0) return Status::Ok();
  const uint64_t grid = CeilDiv(count, kBatchBlock);
  CESS_RETURN_IF_ERROR(CheckGrid(grid, "Sha256BatchDevice"));
  BatchKernel<<<static_cast<unsigned>(grid), kBatchBlock, 0, stream>>>(d_data, msg_len, count, d_out);
  return CheckLaunch("BatchKernel");
}

Status CheckDevice(int device) {
  if (!CudaCompiledIn()) return Status::Unavailable("cuda backend not built");
  if (device < 0 || device >= CudaDeviceCount()) {
    return Status::Unavailable("CUDA device " + std::to_string(device) + " not visible (" +
                               std::to_string(CudaDeviceCount()) + " devices)");
  }
  return Status::Ok();
}

}  // namespace

// ---- DeviceBuffer ---------------------------------------------------------------------------

DeviceBuffer::~DeviceBuffer() {
  if (data_ != nullptr) {
    ScopedDevice on(device_);
    (void)cudaFree(data_);
  }
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      device_(other.device_) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    DeviceBuffer old(std::move(*this));
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    device_ = other.device_;
  }
  return *this;
}

Result<DeviceBuffer> DeviceBuffer::Allocate(size_t size, int device) {
  CESS_RETURN_IF_ERROR(CheckDevice(device));
  DeviceBuffer buf;
  buf.device_ = device;
  if (size == 0) return buf;
  ScopedDevice on(device);
  CESS_RETURN_IF_ERROR(on.status());
  void* p = nullptr;
  CESS_CUDA_RETURN_IF_ERROR(cudaMalloc(&p, size));
  buf.data_ = static_cast<uint8_t*>(p);
  buf.size_ = size;
  return buf;
}

Status DeviceBuffer::CopyFromHost(ByteSpan src, size_t offset) {
  if (offset > size_ || src.size() > size_ - offset)
    return Status::OutOfRange("DeviceBuffer::CopyFromHost past the end");
  if (src.empty()) return Status::Ok();
  ScopedDevice on(device_);
  CESS_RETURN_IF_ERROR(on.status());
  CESS_CUDA_RETURN_IF_ERROR(cudaMemcpy(data_ + offset, src.data(), src.size(), cudaMemcpyHostToDevice));
  return Status::Ok();
}

Status DeviceBuffer::CopyToHost(MutableByteSpan dst, size_t offset) const {
  if (offset > size_ || dst.size() > size_ - offset)
    return Status::OutOfRange("DeviceBuffer::CopyToHost past the end");
  if (dst.empty()) return Status::Ok();
  ScopedDevice on(device_);
  CESS_RETURN_IF_ERROR(on.status());
  CESS_CUDA_RETURN_IF_ERROR(cudaMemcpy(dst.data(), data_ + offset, dst.size(), cudaMemcpyDeviceToHost));
  return Status::Ok();
}

// ---- DeviceHasher ---------------------------------------------------------------------------

struct DeviceHasher::Impl {
  int device = 0;
  int sm_count = 1;
  std::mutex mu;
  DeviceMem scratch;  // node states of the upper levels (ping + pong) and, at the end, the root

  // Queues the tree hash of device data with the root written to d_root (nullptr: the 32 bytes
  // at the end of the scratch, returned in *root_slot). REQUIRES: mu held, device current.
  Status TreeHashLocked(const uint8_t* d_data, size_t size, size_t leaf_size, uint8_t* d_root,
                        cudaStream_t stream, uint8_t** root_slot) {
    const uint64_t n_leaves = TreeLeafCount(size, leaf_size);
    const int block = PickLeafBlock(n_leaves, sm_count);
    const uint64_t blocks = CeilDiv(n_leaves, static_cast<uint64_t>(block));
    const size_t states_bytes = blocks > 1 ? 2 * blocks * 32 : 0;
    CESS_RETURN_IF_ERROR(scratch.Reserve(states_bytes + 32, device));
    uint32_t* ping = reinterpret_cast<uint32_t*>(scratch.bytes());
    uint32_t* pong = ping + blocks * 8;
    if (d_root == nullptr) {
      d_root = scratch.bytes() + states_bytes;
      *root_slot = d_root;
    }
    CESS_RETURN_IF_ERROR(LaunchTreeLeaves(block, d_data, size, static_cast<uint32_t>(leaf_size), 0, blocks,
                                          ping, d_root, stream));
    if (blocks > 1) CESS_RETURN_IF_ERROR(LaunchUpperLevels(blocks, ping, pong, d_root, stream));
    return Status::Ok();
  }
};

DeviceHasher::DeviceHasher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeviceHasher::~DeviceHasher() = default;

Result<std::unique_ptr<DeviceHasher>> DeviceHasher::Create(int device) {
  CESS_RETURN_IF_ERROR(CheckDevice(device));
  ScopedDevice on(device);
  CESS_RETURN_IF_ERROR(on.status());
  auto impl = std::make_unique<Impl>();
  impl->device = device;
  CESS_CUDA_RETURN_IF_ERROR(cudaDeviceGetAttribute(&impl->sm_count, cudaDevAttrMultiProcessorCount, device));
  return std::unique_ptr<DeviceHasher>(new DeviceHasher(std::move(impl)));
}

int DeviceHasher::device() const { return impl_->device; }
int DeviceHasher::sm_count() const { return impl_->sm_count; }

Status DeviceHasher::Sha256BatchDevice(const uint8_t* d_data, size_t msg_len, size_t count, uint8_t* d_out,
                                       CudaStream stream) {
  if (count == 0) return Status::Ok();
  if (d_out == nullptr || (d_data == nullptr && msg_len != 0)) {
    return Status::InvalidArgument("Sha256BatchDevice: null device pointer");
  }
  ScopedDevice on(impl_->device);
  CESS_RETURN_IF_ERROR(on.status());
  return LaunchBatch(d_data, msg_len, count, d_out, static_cast<cudaStream_t>(stream));
}

Status DeviceHasher::TreeHashDeviceAsync(const uint8_t* d_data, size_t size, size_t leaf_size,
                                         uint8_t* d_root, CudaStream stream) {
  CESS_RETURN_IF_ERROR(CheckTreeLeafSize(leaf_size));
  if (d_root == nullptr || (d_data == nullptr && size != 0)) {
    return Status::InvalidArgument("TreeHashDeviceAsync: null device pointer");
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  ScopedDevice on(impl_->device);
  CESS_RETURN_IF_ERROR(on.status());
  return impl_->TreeHashLocked(d_data, size, leaf_size, d_root, static_cast<cudaStream_t>(stream), nullptr);
}

Result<Hash256> DeviceHasher::TreeHashDevice(const uint8_t* d_data, size_t size, size_t leaf_size,
                                             CudaStream stream) {
  CESS_RETURN_IF_ERROR(CheckTreeLeafSize(leaf_size));
  if (d_data == nullptr && size != 0) return Status::InvalidArgument("TreeHashDevice: null device pointer");
  std::lock_guard<std::mutex> lock(impl_->mu);
  ScopedDevice on(impl_->device);
  CESS_RETURN_IF_ERROR(on.status());
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  uint8_t* slot = nullptr;
  Status status = impl_->TreeHashLocked(d_data, size, leaf_size, nullptr, s, &slot);
  Hash256 root{};
  if (status.ok()) {
    (void)(status = CudaStatus(cudaMemcpyAsync(root.data(), slot, 32, cudaMemcpyDeviceToHost, s),
                               "cudaMemcpyAsync"));
  }
  // Always wait, so no queued work still uses the scratch when the lock is released.
  Status sync = CudaStatus(cudaStreamSynchronize(s), "cudaStreamSynchronize");
  CESS_RETURN_IF_ERROR(status);
  CESS_RETURN_IF_ERROR(sync);
  return root;
}

namespace {

// Process-wide DeviceHasher per device for the free functions; never destroyed (so no CUDA call
// runs during static destruction, after the runtime may be gone).
Result<DeviceHasher*> SharedDeviceHasher(int device) {
  static std::mutex* mu = new std::mutex;
  static auto* hashers = new std::map<int, std::unique_ptr<DeviceHasher>>;
  std::lock_guard<std::mutex> lock(*mu);
  auto it = hashers->find(device);
  if (it == hashers->end()) {
    CESS_ASSIGN_OR_RETURN(std::unique_ptr<DeviceHasher> h, DeviceHasher::Create(device));
    it = hashers->emplace(device, std::move(h)).first;
  }
  return it->second.get();
}

}  // namespace

Status TreeHashDevice(const uint8_t* d_data, size_t size, size_t leaf_size, Hash256* out, CudaStream stream,
                      int device) {
  if (out == nullptr) return Status::InvalidArgument("TreeHashDevice: null output");
  CESS_ASSIGN_OR_RETURN(DeviceHasher * hasher, SharedDeviceHasher(device));
  CESS_ASSIGN_OR_RETURN(*out, hasher->TreeHashDevice(d_data, size, leaf_size, stream));
  return Status::Ok();
}

Status Sha256BatchDevice(const uint8_t* d_data, size_t msg_len, size_t count, uint8_t* d_out,
                         CudaStream stream, int device) {
  CESS_ASSIGN_OR_RETURN(DeviceHasher * hasher, SharedDeviceHasher(device));
  return hasher->Sha256BatchDevice(d_data, msg_len, count, d_out, stream);
}

// ---- kCuda Hasher (host buffers) ------------------------------------------------------------

namespace {

// Host data goes through two pinned staging slots: while the GPU copies and hashes one chunk,
// the CPU fills the other. Calls are serialized by a mutex (one pipeline per hasher).
class CudaHasher final : public Hasher {
 public:
  CudaHasher(int device, size_t chunk_bytes) : device_(device) {
    constexpr size_t kGranule = size_t{2} << 20;  // a multiple of kStreamLeafBlock · kMaxTreeLeaf
    static_assert(kGranule % (kStreamLeafBlock * kMaxTreeLeaf) == 0);
    chunk_bytes_ = std::max(kGranule, chunk_bytes / kGranule * kGranule);
  }

  ~CudaHasher() override {
    ScopedDevice on(device_);
    if (stream_ != nullptr) (void)cudaStreamSynchronize(stream_);
    for (cudaEvent_t& ev : events_) {
      if (ev != nullptr) (void)cudaEventDestroy(ev);
    }
    if (stream_ != nullptr) (void)cudaStreamDestroy(stream_);
  }

  Status Init() {
    ScopedDevice on(device_);
    CESS_RETURN_IF_ERROR(on.status());
    CESS_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    for (cudaEvent_t& ev : events_) {
      CESS_CUDA_RETURN_IF_ERROR(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
    }
    return Status::Ok();
  }

  Backend backend() const override { return Backend::kCuda; }

  Status Sha256Batch(std::span<const ByteSpan> inputs, std::span<Hash256> out) override {
    if (inputs.size() != out.size()) {
      return Status::InvalidArgument("Sha256Batch: " + std::to_string(inputs.size()) + " inputs but " +
                                     std::to_string(out.size()) + " outputs");
    }
    if (inputs.empty()) return Status::Ok();
    std::lock_guard<std::mutex> lock(mu_);
    ScopedDevice on(device_);
    CESS_RETURN_IF_ERROR(on.status());
    Status status = BatchLocked(inputs, out);
    if (!status.ok()) (void)cudaStreamSynchronize(stream_);  // leave nothing queued on our buffers
    return status;
  }

  Result<Hash256> TreeHash(ByteSpan data, size_t leaf_size) override {
    CESS_RETURN_IF_ERROR(CheckTreeLeafSize(leaf_size));
    std::lock_guard<std::mutex> lock(mu_);
    ScopedDevice on(device_);
    CESS_RETURN_IF_ERROR(on.status());
    Hash256 root{};
    Status status = TreeLocked(data, leaf_size, &root);
    if (!status.ok()) {
      (void)cudaStreamSynchronize(stream_);
      return status;
    }
    return root;
  }

 private:
  static size_t Align16(size_t n) { return (n + 15) & ~size_t{15}; }

  // REQUIRES: mu_ held, device current.
  Status BatchLocked(std::span<const ByteSpan> inputs, std::span<Hash256> out) {
    size_t i = 0;
    while (i < inputs.size()) {
      // A group: messages whose index (16 bytes each) and data (16-byte aligned) fit a chunk;
      // a message bigger than a chunk forms a group of its own.
      size_t j = i;
      size_t data_bytes = 0;
      while (j < inputs.size()) {
        const size_t add = Align16(inputs[j].size());
        if (j > i && 16 * (j + 1 - i) + data_bytes + add > chunk_bytes_) break;
        data_bytes += add;
        ++j;
      }
      const size_t count = j - i;
      const size_t index_bytes = Align16(16 * count);
      const size_t total = index_bytes + data_bytes;
      CESS_RETURN_IF_ERROR(pinned_[0].Reserve(total));
      CESS_RETURN_IF_ERROR(device_in_[0].Reserve(total, device_));
      CESS_RETURN_IF_ERROR(pinned_out_.Reserve(32 * count));
      CESS_RETURN_IF_ERROR(device_out_.Reserve(32 * count, device_));
      // Pack: offsets[count], lens[count], then the messages, each 16-byte aligned.
      uint8_t* pin = pinned_[0].bytes();
      uint64_t* offsets = reinterpret_cast<uint64_t*>(pin);
      uint64_t* lens = offsets + count;
      size_t at = 0;
      for (size_t k = 0; k < count; ++k) {
        const ByteSpan msg = inputs[i + k];
        offsets[k] = at;
        lens[k] = msg.size();
        if (!msg.empty()) std::memcpy(pin + index_bytes + at, msg.data(), msg.size());
        at += Align16(msg.size());
      }
      uint8_t* dev = device_in_[0].bytes();
      CESS_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(dev, pin, total, cudaMemcpyHostToDevice, stream_));
      const uint64_t grid = CeilDiv(count, kBatchBlock);
      CESS_RETURN_IF_ERROR(CheckGrid(grid, "Sha256Batch"));
      VarBatchKernel<<<static_cast<unsigned>(grid), kBatchBlock, 0, stream_>>>(
          dev + index_bytes, reinterpret_cast<const uint64_t*>(dev),
          reinterpret_cast<const uint64_t*>(dev) + count, count, dev + total, device_out_.bytes());
      CESS_RETURN_IF_ERROR(CheckLaunch("VarBatchKernel"));
      CESS_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(pinned_out_.bytes(), device_out_.bytes(), 32 * count,
                                                cudaMemcpyDeviceToHost, stream_));
      CESS_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_));
      std::memcpy(out.data() + i, pinned_out_.bytes(), 32 * count);
      i = j;
    }
    return Status::Ok();
  }

  // REQUIRES: mu_ held, device current.
  Status TreeLocked(ByteSpan data, size_t leaf_size, Hash256* root) {
    const uint64_t n_leaves = TreeLeafCount(data.size(), leaf_size);
    const uint64_t blocks = CeilDiv(n_leaves, kStreamLeafBlock);
    const uint64_t leaves_per_chunk = chunk_bytes_ / leaf_size;  // chunks hold whole blocks of leaves
    const size_t states_bytes = blocks > 1 ? 2 * blocks * 32 : 0;
    CESS_RETURN_IF_ERROR(scratch_.Reserve(states_bytes + 32, device_));
    uint32_t* ping = reinterpret_cast<uint32_t*>(scratch_.bytes());
    uint32_t* pong = ping + blocks * 8;
    uint8_t* d_root = scratch_.bytes() + states_bytes;
    const uint32_t leaf = static_cast<uint32_t>(leaf_size);
    if (data.empty()) {
      CESS_RETURN_IF_ERROR(
          LaunchTreeLeaves(kStreamLeafBlock, nullptr, 0, leaf, 0, blocks, ping, d_root, stream_));
    } else {
      const size_t slot_bytes = std::min(chunk_bytes_, data.size());
      for (int s = 0; s < 2; ++s) {
        CESS_RETURN_IF_ERROR(pinned_[s].Reserve(slot_bytes));
        CESS_RETURN_IF_ERROR(device_in_[s].Reserve(slot_bytes, device_));
      }
      bool queued[2] = {false, false};
      size_t chunk_index = 0;
      for (size_t offset = 0; offset < data.size(); offset += chunk_bytes_, ++chunk_index) {
        const int s = static_cast<int>(chunk_index & 1);
        const size_t n = std::min(chunk_bytes_, data.size() - offset);
        // The slot's previous copy and kernel must be done before it is refilled.
        if (queued[s]) CESS_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(events_[s]));
        std::memcpy(pinned_[s].bytes(), data.data() + offset, n);
        CESS_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(device_in_[s].bytes(), pinned_[s].bytes(), n, cudaMemcpyHostToDevice, stream_));
        const uint64_t first_block = chunk_index * leaves_per_chunk / kStreamLeafBlock;
        CESS_RETURN_IF_ERROR(LaunchTreeLeaves(kStreamLeafBlock, device_in_[s].bytes(), n, leaf, first_block,
                                              blocks, ping, d_root, stream_));
        CESS_CUDA_RETURN_IF_ERROR(cudaEventRecord(events_[s], stream_));
        queued[s] = true;
      }
    }
    if (blocks > 1) CESS_RETURN_IF_ERROR(LaunchUpperLevels(blocks, ping, pong, d_root, stream_));
    CESS_RETURN_IF_ERROR(pinned_out_.Reserve(32));
    CESS_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(pinned_out_.bytes(), d_root, 32, cudaMemcpyDeviceToHost, stream_));
    CESS_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_));
    std::memcpy(root->data(), pinned_out_.bytes(), 32);
    return Status::Ok();
  }

  const int device_;
  size_t chunk_bytes_;
  std::mutex mu_;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t events_[2] = {nullptr, nullptr};
  PinnedMem pinned_[2];
  DeviceMem device_in_[2];
  PinnedMem pinned_out_;
  DeviceMem device_out_;
  DeviceMem scratch_;
};

}  // namespace

namespace internal {

Result<std::unique_ptr<Hasher>> CreateCudaHasher(const HasherOptions& options) {
  CESS_RETURN_IF_ERROR(CheckDevice(options.cuda_device));
  auto hasher = std::make_unique<CudaHasher>(options.cuda_device, options.cuda_chunk_bytes);
  CESS_RETURN_IF_ERROR(hasher->Init());
  return std::unique_ptr<Hasher>(std::move(hasher));
}

}  // namespace internal
}  // namespace cess::kernels::hash
