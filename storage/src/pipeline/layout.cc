#include "cess/storage/layout.h"

#include <string>

namespace cess::storage {

Status Layout::Validate() const {
  if (data_shards < 1 || data_shards > 32) {
    return Status::InvalidArgument("layout: data_shards must be in [1, 32], got " +
                                   std::to_string(data_shards));
  }
  if (parity_shards < 1 || parity_shards > 16) {
    return Status::InvalidArgument("layout: parity_shards must be in [1, 16], got " +
                                   std::to_string(parity_shards));
  }
  if (fragment_size == 0) return Status::InvalidArgument("layout: fragment_size is 0");
  if (segment_size <= kSegmentTagSize || segment_size > kMaxSegmentSize) {
    return Status::InvalidArgument("layout: segment_size must be in (16, 2^30], got " +
                                   std::to_string(segment_size));
  }
  if (segment_size / data_shards != fragment_size || segment_size % data_shards != 0) {
    return Status::InvalidArgument("layout: segment_size " + std::to_string(segment_size) +
                                   " != data_shards " + std::to_string(data_shards) + " x fragment_size " +
                                   std::to_string(fragment_size));
  }
  return Status::Ok();
}

void Layout::Encode(codec::Writer& w) const {
  w.PutU64(segment_size);
  w.PutU64(fragment_size);
  w.PutU32(data_shards);
  w.PutU32(parity_shards);
}

Result<Layout> Layout::Decode(codec::Reader& r) {
  Layout l;
  CESS_ASSIGN_OR_RETURN(l.segment_size, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(l.fragment_size, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(l.data_shards, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(l.parity_shards, r.ReadU32());
  Status s = l.Validate();
  if (!s.ok()) return Status::Corruption(s.message());
  return l;
}

}  // namespace cess::storage
