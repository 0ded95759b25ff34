// Hasher::Create and the host backends: kRef (reference SHA-256), kCpu (OpenSSL EVP) and kAuto.
#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include "cess/kernels/hash.h"
#include "hash/cuda_hasher.h"
#include "hash/parallel.h"
#include "hash/sha256_ref.h"
#include "hash/tree_hash.h"
#ifdef CESS_KERNELS_HAVE_CPU
#include "hash/sha256_cpu.h"
#endif

namespace cess::kernels::hash {
namespace {

using internal::CheckTreeLeafSize;
using internal::ParallelRanges;
using internal::ReduceTree;
using internal::TreeLeaf;
using internal::TreeLeafCount;

// Adjacent digests in a std::vector<Hash256> form one 64-byte node input.
static_assert(sizeof(Hash256) == 32);

// Levels with at least this many nodes are hashed on several threads.
constexpr size_t kParallelMinNodes = 8192;

Status CheckBatchSizes(std::span<const ByteSpan> inputs, std::span<Hash256> out) {
  if (inputs.size() == out.size()) return Status::Ok();
  return Status::InvalidArgument("Sha256Batch: " + std::to_string(inputs.size()) + " inputs but " +
                                 std::to_string(out.size()) + " outputs");
}

// ---- kRef -----------------------------------------------------------------------------------

class RefHasher final : public Hasher {
 public:
  Backend backend() const override { return Backend::kRef; }

  Status Sha256Batch(std::span<const ByteSpan> inputs, std::span<Hash256> out) override {
    CESS_RETURN_IF_ERROR(CheckBatchSizes(inputs, out));
    for (size_t i = 0; i < inputs.size(); ++i) out[i] = internal::Sha256RefDigest(inputs[i]);
    return Status::Ok();
  }

  Result<Hash256> TreeHash(ByteSpan data, size_t leaf_size) override {
    CESS_RETURN_IF_ERROR(CheckTreeLeafSize(leaf_size));
    std::vector<Hash256> leaves(TreeLeafCount(data.size(), leaf_size));
    for (size_t i = 0; i < leaves.size(); ++i) {
      internal::Sha256Ref h;
      h.Update(kTreeLeafPrefix);
      h.Update(TreeLeaf(data, leaf_size, i));
      leaves[i] = h.Finish();
    }
    return ReduceTree(std::move(leaves), [](const Hash256* in, size_t pairs, Hash256* next) {
      for (size_t i = 0; i < pairs; ++i) {
        internal::Sha256Ref h;
        h.Update(kTreeNodePrefix);
        h.Update(in[2 * i]);
        h.Update(in[2 * i + 1]);
        next[i] = h.Finish();
      }
      return Status::Ok();
    });
  }
};

// ---- kCpu -----------------------------------------------------------------------------------

#ifdef CESS_KERNELS_HAVE_CPU
class CpuHasher final : public Hasher {
 public:
  explicit CpuHasher(const HasherOptions& options)
      : threads_(internal::ResolveCpuThreads(options.cpu_threads)),
        parallel_min_bytes_(options.cpu_parallel_min_bytes) {}

  Backend backend() const override { return Backend::kCpu; }

  Status Sha256Batch(std::span<const ByteSpan> inputs, std::span<Hash256> out) override {
    CESS_RETURN_IF_ERROR(CheckBatchSizes(inputs, out));
    auto hash_range = [&](size_t begin, size_t end) {
      return internal::CpuSha256Many({}, inputs.subspan(begin, end - begin), out.data() + begin);
    };
    if (threads_ == 1 || inputs.size() == 1) return hash_range(0, inputs.size());
    // Each message costs at least about one 64-byte block of work.
    auto weight = [&](size_t i) { return std::max<size_t>(inputs[i].size(), 64); };
    size_t total = 0;
    for (size_t i = 0; i < inputs.size(); ++i) total += weight(i);
    if (total < parallel_min_bytes_) return hash_range(0, inputs.size());
    return ParallelRanges(inputs.size(), threads_, weight, hash_range);
  }

  Result<Hash256> TreeHash(ByteSpan data, size_t leaf_size) override {
    CESS_RETURN_IF_ERROR(CheckTreeLeafSize(leaf_size));
    std::vector<Hash256> leaves(TreeLeafCount(data.size(), leaf_size));
    const uint8_t leaf_prefix = kTreeLeafPrefix;
    const int leaf_parts = data.size() >= parallel_min_bytes_ ? threads_ : 1;
    auto hash_leaves = [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        CESS_RETURN_IF_ERROR(
            internal::CpuSha256(ByteSpan(&leaf_prefix, 1), TreeLeaf(data, leaf_size, i), &leaves[i]));
      }
      return Status::Ok();
    };
    CESS_RETURN_IF_ERROR(ParallelRanges(
        leaves.size(), leaf_parts, [](size_t) { return 1; }, hash_leaves));
    return ReduceTree(std::move(leaves), [&](const Hash256* in, size_t pairs, Hash256* next) {
      const int parts = pairs >= kParallelMinNodes ? threads_ : 1;
      return ParallelRanges(
          pairs, parts, [](size_t) { return 1; },
          [&](size_t begin, size_t end) {
            const uint8_t node_prefix = kTreeNodePrefix;
            for (size_t i = begin; i < end; ++i) {
              // The two children are adjacent in `in`: one 64-byte update.
              CESS_RETURN_IF_ERROR(internal::CpuSha256(
                  ByteSpan(&node_prefix, 1), ByteSpan(in[2 * i].data(), 2 * sizeof(Hash256)), &next[i]));
            }
            return Status::Ok();
          });
    });
  }

 private:
  const int threads_;
  const size_t parallel_min_bytes_;
};
#endif  // CESS_KERNELS_HAVE_CPU

// ---- kAuto ----------------------------------------------------------------------------------

// The host backend (kCpu, or kRef without OpenSSL), plus kCuda for large, parallel calls.
class AutoHasher final : public Hasher {
 public:
  AutoHasher(const HasherOptions& options, std::unique_ptr<Hasher> host, std::unique_ptr<Hasher> cuda)
      : options_(options), host_(std::move(host)), cuda_(std::move(cuda)) {}

  Backend backend() const override { return Backend::kAuto; }

  Status Sha256Batch(std::span<const ByteSpan> inputs, std::span<Hash256> out) override {
    if (cuda_ != nullptr && inputs.size() >= options_.cuda_min_messages) {
      size_t total = 0;
      size_t longest = 0;
      for (const ByteSpan& in : inputs) {
        total += in.size();
        longest = std::max(longest, in.size());
      }
      if (total >= options_.cuda_min_bytes && longest <= options_.cuda_max_message_bytes) {
        return cuda_->Sha256Batch(inputs, out);
      }
    }
    return host_->Sha256Batch(inputs, out);
  }

  Result<Hash256> TreeHash(ByteSpan data, size_t leaf_size) override {
    if (cuda_ != nullptr && data.size() >= options_.cuda_min_bytes) return cuda_->TreeHash(data, leaf_size);
    return host_->TreeHash(data, leaf_size);
  }

 private:
  const HasherOptions options_;
  std::unique_ptr<Hasher> host_;
  std::unique_ptr<Hasher> cuda_;  // null when no device is visible
};

Result<std::unique_ptr<Hasher>> CreateHostHasher([[maybe_unused]] const HasherOptions& options) {
#ifdef CESS_KERNELS_HAVE_CPU
  CESS_RETURN_IF_ERROR(internal::CpuSha256Available());
  return std::unique_ptr<Hasher>(std::make_unique<CpuHasher>(options));
#else
  return std::unique_ptr<Hasher>(std::make_unique<RefHasher>());
#endif
}

}  // namespace

Result<std::unique_ptr<Hasher>> Hasher::Create(const HasherOptions& options) {
  if (options.cuda_device < 0) {
    return Status::InvalidArgument("cuda_device " + std::to_string(options.cuda_device) + " is negative");
  }
  if (options.cpu_threads < 0) {
    return Status::InvalidArgument("cpu_threads " + std::to_string(options.cpu_threads) + " is negative");
  }
  CESS_RETURN_IF_ERROR(CheckBackendAvailable(options.backend));
  switch (options.backend) {
    case Backend::kRef:
      return std::unique_ptr<Hasher>(std::make_unique<RefHasher>());
    case Backend::kCpu:
      return CreateHostHasher(options);
    case Backend::kCuda:
      return internal::CreateCudaHasher(options);
    case Backend::kAuto: {
      CESS_ASSIGN_OR_RETURN(std::unique_ptr<Hasher> host, CreateHostHasher(options));
      std::unique_ptr<Hasher> cuda;
      if (CudaDeviceCount() > options.cuda_device) {
        Result<std::unique_ptr<Hasher>> created = internal::CreateCudaHasher(options);
        if (created.ok()) cuda = std::move(created).value();  // no usable GPU: host only
      }
      return std::unique_ptr<Hasher>(std::make_unique<AutoHasher>(options, std::move(host), std::move(cuda)));
    }
  }
  return Status::InvalidArgument("bad backend value");
}

}  // namespace cess::kernels::hash
