// hash_cuda.h and the kCuda Hasher in a build without CUDA: every call reports Unavailable.
#include <memory>
#include <utility>

#include "cess/kernels/hash_cuda.h"
#include "hash/cuda_hasher.h"

namespace cess::kernels::hash {
namespace {
Status NoCuda() { return Status::Unavailable("cuda backend not built (no nvcc at configure time)"); }
}  // namespace

DeviceBuffer::~DeviceBuffer() = default;
DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(other.data_), size_(other.size_), device_(other.device_) {
  other.data_ = nullptr;
  other.size_ = 0;
}
DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  data_ = other.data_;
  size_ = other.size_;
  device_ = other.device_;
  other.data_ = nullptr;
  other.size_ = 0;
  return *this;
}
Result<DeviceBuffer> DeviceBuffer::Allocate(size_t, int) { return NoCuda(); }
Status DeviceBuffer::CopyFromHost(ByteSpan, size_t) { return NoCuda(); }
Status DeviceBuffer::CopyToHost(MutableByteSpan, size_t) const { return NoCuda(); }

struct DeviceHasher::Impl {};
DeviceHasher::DeviceHasher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeviceHasher::~DeviceHasher() = default;
Result<std::unique_ptr<DeviceHasher>> DeviceHasher::Create(int) { return NoCuda(); }
int DeviceHasher::device() const { return 0; }
int DeviceHasher::sm_count() const { return 0; }
Status DeviceHasher::Sha256BatchDevice(const uint8_t*, size_t, size_t, uint8_t*, CudaStream) {
  return NoCuda();
}
Status DeviceHasher::TreeHashDeviceAsync(const uint8_t*, size_t, size_t, uint8_t*, CudaStream) {
  return NoCuda();
}
Result<Hash256> DeviceHasher::TreeHashDevice(const uint8_t*, size_t, size_t, CudaStream) { return NoCuda(); }

Status TreeHashDevice(const uint8_t*, size_t, size_t, Hash256*, CudaStream, int) { return NoCuda(); }
Status Sha256BatchDevice(const uint8_t*, size_t, size_t, uint8_t*, CudaStream, int) { return NoCuda(); }

namespace internal {
Result<std::unique_ptr<Hasher>> CreateCudaHasher(const HasherOptions&) { return NoCuda(); }
}  // namespace internal
}  // namespace cess::kernels::hash
