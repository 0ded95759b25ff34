// The shape of a stored file (DESIGN.md §3, §4): segment and fragment sizes and the erasure code.
// Values come in as plain numbers from the protocol profile; this library never reads the chain.
#pragma once

#include <cstdint>

#include "cess/core/codec.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::storage {

// Bytes an AES-256-GCM tag adds to each encrypted segment.
inline constexpr uint64_t kSegmentTagSize = 16;
// Upper bounds accepted by Layout::Validate (a sanity bound, not a protocol constant).
inline constexpr uint64_t kMaxSegmentSize = uint64_t{1} << 30;

// How a file is cut and coded. A segment is exactly data_shards fragments of fragment_size bytes;
// erasure coding adds parity_shards more fragments of the same size.
struct Layout {
  uint64_t segment_size = uint64_t{1} << 20;     // devnet: 1 MiB (cess: 32 MiB)
  uint64_t fragment_size = uint64_t{256} << 10;  // devnet: 256 KiB (cess: 8 MiB)
  uint32_t data_shards = 4;                      // k
  uint32_t parity_shards = 8;                    // m

  // The devnet profile's layout: 1 MiB segments, 256 KiB fragments, RS(4, 8).
  static Layout Devnet() { return Layout{}; }
  // The cess profile's layout: 32 MiB segments, 8 MiB fragments, RS(4, 8).
  static Layout Cess() { return Layout{uint64_t{32} << 20, uint64_t{8} << 20, 4, 8}; }

  // OK when the layout is usable: k in [1, 32], m in [1, 16], fragment_size > 0,
  // segment_size == k * fragment_size, kSegmentTagSize < segment_size <= kMaxSegmentSize.
  // Errors: InvalidArgument naming the broken rule.
  Status Validate() const;

  // k + m: how many fragments (and miners) each segment has.
  uint32_t fragment_count() const { return data_shards + parity_shards; }
  // File bytes one segment carries: segment_size, or segment_size - 16 when encrypted (the GCM
  // tag fills the rest, so the stored segment is still exactly segment_size bytes).
  uint64_t PlainBytesPerSegment(bool encrypted) const {
    return encrypted ? segment_size - kSegmentTagSize : segment_size;
  }

  // Canonical encoding: u64 segment_size, u64 fragment_size, u32 k, u32 m.
  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncated input or a layout that fails Validate().
  static Result<Layout> Decode(codec::Reader& r);

  friend bool operator==(const Layout&, const Layout&) = default;
};

}  // namespace cess::storage
