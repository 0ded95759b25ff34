// Codec::Create (backend selection), the kAuto codec and EncodeFile.
#include <algorithm>
#include <mutex>
#include <string>

#include "cess/kernels/erasure.h"
#include "cess/kernels/erasure_cuda.h"
#include "erasure/backends.h"
#include "erasure/common.h"

namespace cess::kernels::erasure {
namespace internal {
namespace {

// kCpu (or kRef in a build without ISA-L), plus kCuda for calls of at least cuda_min_bytes of
// input when a device is visible. The CUDA codec is created on the first call that wants it
// (creating a CUDA context takes a while); if that fails, every call stays on the host codec.
class AutoCodec final : public Codec {
 public:
  AutoCodec(int k, int m, const CodecOptions& options, std::unique_ptr<Codec> host)
      : Codec(k, m), options_(options), host_(std::move(host)) {}

  Backend backend() const override { return Backend::kAuto; }

  Status Encode(std::span<const ByteSpan> data, std::span<const MutableByteSpan> parity) override {
    const size_t len = data.empty() ? 0 : data[0].size();
    return Pick(len * data.size()).Encode(data, parity);
  }
  Status Reconstruct(std::span<const MutableByteSpan> shards, std::span<const int> erased) override {
    const size_t len = shards.empty() ? 0 : shards[0].size();
    return Pick(len * static_cast<size_t>(k())).Reconstruct(shards, erased);
  }
  Result<bool> Verify(std::span<const ByteSpan> shards) override {
    const size_t len = shards.empty() ? 0 : shards[0].size();
    return Pick(len * static_cast<size_t>(k())).Verify(shards);
  }
  Status EncodeBatch(size_t stripes, size_t shard_len, ByteSpan data, MutableByteSpan parity) override {
    return Pick(data.size()).EncodeBatch(stripes, shard_len, data, parity);
  }

 private:
  Codec& Pick(size_t input_bytes) {
    if (input_bytes < options_.cuda_min_bytes || input_bytes == 0) return *host_;
    std::call_once(cuda_once_, [this] {
      if (!CheckBackendAvailable(Backend::kCuda).ok()) return;
      auto made = CudaCodec::Create(k(), m(), options_);
      if (made.ok()) cuda_ = std::move(made).value();
    });
    return cuda_ ? static_cast<Codec&>(*cuda_) : *host_;
  }

  const CodecOptions options_;
  std::unique_ptr<Codec> host_;
  std::once_flag cuda_once_;
  std::unique_ptr<CudaCodec> cuda_;
};

}  // namespace

#ifndef CESS_KERNELS_HAVE_CPU
Result<std::unique_ptr<Codec>> MakeCpuCodec(int, int, const CodecOptions&) {
  return CheckBackendAvailable(Backend::kCpu);
}
#endif

Result<std::unique_ptr<Codec>> MakeAutoCodec(int k, int m, const CodecOptions& options) {
  std::unique_ptr<Codec> host;
  if (CheckBackendAvailable(Backend::kCpu).ok()) {
    CESS_ASSIGN_OR_RETURN(host, MakeCpuCodec(k, m, options));
  } else {
    host = MakeRefCodec(k, m);
  }
  return std::unique_ptr<Codec>(std::make_unique<AutoCodec>(k, m, options, std::move(host)));
}

}  // namespace internal

Result<std::unique_ptr<Codec>> Codec::Create(int k, int m, const CodecOptions& options) {
  CESS_RETURN_IF_ERROR(internal::CheckKM(k, m));
  if (options.cpu_threads < 0) {
    return Status::InvalidArgument("cpu_threads must be >= 0, got " + std::to_string(options.cpu_threads));
  }
  switch (options.backend) {
    case Backend::kRef:
      return internal::MakeRefCodec(k, m);
    case Backend::kCpu:
      return internal::MakeCpuCodec(k, m, options);
    case Backend::kCuda: {
      CESS_ASSIGN_OR_RETURN(std::unique_ptr<CudaCodec> codec, CudaCodec::Create(k, m, options));
      return std::unique_ptr<Codec>(std::move(codec));
    }
    case Backend::kAuto:
      return internal::MakeAutoCodec(k, m, options);
  }
  return Status::InvalidArgument("unknown backend value");
}

Result<std::vector<Bytes>> EncodeFile(Codec& codec, ByteSpan file) {
  const size_t k = static_cast<size_t>(codec.k());
  const size_t m = static_cast<size_t>(codec.m());
  const size_t shard = (file.size() + k - 1) / k;
  std::vector<Bytes> shards(k + m, Bytes(shard, 0));
  for (size_t i = 0; i < k; ++i) {
    const size_t begin = std::min(file.size(), i * shard);
    const size_t end = std::min(file.size(), begin + shard);
    std::copy(file.begin() + static_cast<std::ptrdiff_t>(begin),
              file.begin() + static_cast<std::ptrdiff_t>(end), shards[i].begin());
  }
  std::vector<ByteSpan> data(shards.begin(), shards.begin() + static_cast<std::ptrdiff_t>(k));
  std::vector<MutableByteSpan> parity;
  for (size_t p = 0; p < m; ++p) parity.emplace_back(shards[k + p]);
  CESS_RETURN_IF_ERROR(codec.Encode(data, parity));
  return shards;
}

}  // namespace cess::kernels::erasure
