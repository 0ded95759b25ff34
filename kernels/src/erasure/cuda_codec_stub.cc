// The CUDA backend in a build without CUDA: every entry point reports Unavailable.
#include "cess/kernels/erasure_cuda.h"

namespace cess::kernels::erasure {
namespace {
Status NotBuilt() { return CheckBackendAvailable(Backend::kCuda); }
}  // namespace

struct CudaCodec::Impl {};

CudaCodec::CudaCodec(int k, int m, std::unique_ptr<Impl> impl) : Codec(k, m), impl_(std::move(impl)) {}
CudaCodec::~CudaCodec() = default;
int CudaCodec::device() const { return -1; }

Result<std::unique_ptr<CudaCodec>> CudaCodec::Create(int, int, const CodecOptions&) { return NotBuilt(); }
Status CudaCodec::EncodeDevice(size_t, size_t, const uint8_t*, uint8_t*, CudaStream) { return NotBuilt(); }
Status CudaCodec::ReconstructDevice(size_t, size_t, uint8_t*, std::span<const int>, CudaStream) {
  return NotBuilt();
}
Status CudaCodec::Encode(std::span<const ByteSpan>, std::span<const MutableByteSpan>) { return NotBuilt(); }
Status CudaCodec::Reconstruct(std::span<const MutableByteSpan>, std::span<const int>) { return NotBuilt(); }
Result<bool> CudaCodec::Verify(std::span<const ByteSpan>) { return NotBuilt(); }
Status CudaCodec::EncodeBatch(size_t, size_t, ByteSpan, MutableByteSpan) { return NotBuilt(); }

Status SynchronizeCudaStream(int, CudaStream) { return NotBuilt(); }

Result<CudaDeviceBuffer> CudaDeviceBuffer::Allocate(int, size_t) { return NotBuilt(); }
CudaDeviceBuffer::CudaDeviceBuffer(CudaDeviceBuffer&& other) noexcept
    : data_(other.data_), size_(other.size_), device_(other.device_) {
  other.data_ = nullptr;
  other.size_ = 0;
}
CudaDeviceBuffer& CudaDeviceBuffer::operator=(CudaDeviceBuffer&& other) noexcept {
  data_ = other.data_;
  size_ = other.size_;
  device_ = other.device_;
  other.data_ = nullptr;
  other.size_ = 0;
  return *this;
}
CudaDeviceBuffer::~CudaDeviceBuffer() = default;
Status CudaDeviceBuffer::CopyFromHost(size_t, ByteSpan) { return NotBuilt(); }
Status CudaDeviceBuffer::CopyToHost(size_t, MutableByteSpan) const { return NotBuilt(); }
Status CudaDeviceBuffer::Fill(uint8_t) { return NotBuilt(); }

Result<CudaPinnedBuffer> CudaPinnedBuffer::Allocate(size_t) { return NotBuilt(); }
CudaPinnedBuffer::CudaPinnedBuffer(CudaPinnedBuffer&& other) noexcept
    : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}
CudaPinnedBuffer& CudaPinnedBuffer::operator=(CudaPinnedBuffer&& other) noexcept {
  data_ = other.data_;
  size_ = other.size_;
  other.data_ = nullptr;
  other.size_ = 0;
  return *this;
}
CudaPinnedBuffer::~CudaPinnedBuffer() = default;

}  // namespace cess::kernels::erasure
