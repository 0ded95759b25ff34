// One segment's erasure coding (DESIGN.md §9): stored segment bytes -> SHA-256 -> RS(k, m) through
// cess::kernels::erasure -> k + m fragments and their SHA-256 hashes; and back, from any k
// fragments, with every hash checked.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/kernels/backend.h"
#include "cess/storage/layout.h"
#include "cess/storage/manifest.h"

namespace cess::kernels::erasure {
class Codec;
}
namespace cess::kernels::hash {
class Hasher;
}

namespace cess::storage {

// A fragment handed to decoding: its index (0..k+m-1, data first) and bytes.
struct IndexedFragment {
  uint32_t index = 0;
  ByteSpan bytes;
};

// The output of SegmentCodec::Encode. Fragment j < k is bytes [j·F, (j+1)·F) of the segment;
// fragments k.. are parity. All fragments are views into `parity` or the caller's segment buffer.
struct EncodedSegment {
  SegmentInfo info;
  std::vector<ByteSpan> fragments;  // k + m views; valid while the input segment and `parity` live
  Bytes parity;                     // m * fragment_size bytes backing the parity views
};

// Encodes and decodes single segments. Thread safety: all methods may be called concurrently.
class SegmentCodec {
 public:
  ~SegmentCodec();
  SegmentCodec(const SegmentCodec&) = delete;
  SegmentCodec& operator=(const SegmentCodec&) = delete;

  // Creates a codec for `layout` whose RS and SHA-256 kernels run on `backend`.
  // Errors: InvalidArgument for a bad layout; Unavailable when the backend cannot run here.
  static Result<std::unique_ptr<SegmentCodec>> Create(const Layout& layout,
                                                      kernels::Backend backend = kernels::Backend::kAuto);

  const Layout& layout() const { return layout_; }

  // Encodes one stored segment (exactly segment_size bytes). The returned fragment views point
  // into `segment` and into the result's own parity buffer: keep both alive while using them.
  // Errors: InvalidArgument on a wrong size; kernel errors.
  Result<EncodedSegment> Encode(ByteSpan segment) const;

  // Rebuilds the stored segment bytes from any k fragments of distinct indices (extra fragments
  // are ignored). Each used fragment must be fragment_size bytes and match its hash in `info`,
  // and the rebuilt segment must match info.hash. When all k data fragments are given no RS
  // work is done. Errors: InvalidArgument for fewer than k usable fragments, a bad index, a
  // duplicate or a wrong size, or `info` without k + m fragment hashes; Corruption naming the
  // fragment or the segment whose hash fails. `verify_fragments` = false skips the per-fragment
  // hash checks (for callers that have just checked them); the segment hash is always checked.
  Result<Bytes> Decode(const SegmentInfo& info, std::span<const IndexedFragment> fragments,
                       bool verify_fragments = true) const;

  // Rebuilds fragment `target` from any k other fragments (as Decode), checking the rebuilt
  // fragment against info.fragment_hashes[target]. Errors: as Decode; InvalidArgument for a
  // target out of range.
  Result<Bytes> RebuildFragment(const SegmentInfo& info, uint32_t target,
                                std::span<const IndexedFragment> fragments) const;

  // SHA-256 of each span (in parallel where the backend can). Errors: kernel errors.
  Status HashAll(std::span<const ByteSpan> inputs, std::span<Hash256> out) const;

 private:
  SegmentCodec(const Layout& layout, std::unique_ptr<kernels::erasure::Codec> codec,
               std::unique_ptr<kernels::hash::Hasher> hasher);
  // Checks and places k of the given fragments (data indices preferred) into a shard buffer,
  // then rebuilds what is missing: the data shards, plus shard `target` when target >= 0. The
  // buffer holds k shards when only data shards were needed and given, else k + m.
  Result<Bytes> Restore(const SegmentInfo& info, std::span<const IndexedFragment> fragments, int target,
                        bool verify_fragments) const;

  Layout layout_;
  std::unique_ptr<kernels::erasure::Codec> codec_;
  std::unique_ptr<kernels::hash::Hasher> hasher_;
};

}  // namespace cess::storage
