// Internal: the host side of the tree hash (hash.h), shared by the ref and cpu backends.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/kernels/hash.h"

namespace cess::kernels::hash::internal {

// InvalidArgument unless leaf_size is a power of two in [kMinTreeLeaf, kMaxTreeLeaf].
inline Status CheckTreeLeafSize(size_t leaf_size) {
  if (IsValidTreeLeafSize(leaf_size)) return Status::Ok();
  return Status::InvalidArgument("tree hash leaf size " + std::to_string(leaf_size) +
                                 " is not a power of two in [4096, 16384]");
}

// Number of leaves of `size` bytes of data: max(1, ceil(size / leaf_size)).
inline size_t TreeLeafCount(size_t size, size_t leaf_size) {
  return size == 0 ? 1 : (size + leaf_size - 1) / leaf_size;
}

// The data of leaf i (the last may be short; empty data has one empty leaf).
inline ByteSpan TreeLeaf(ByteSpan data, size_t leaf_size, size_t i) {
  const size_t begin = i * leaf_size;
  if (begin >= data.size()) return {};
  return data.subspan(begin, std::min(leaf_size, data.size() - begin));
}

// Reduces a level of digests to the tree root: node = SHA-256(0x01 ‖ left ‖ right) on pairs
// (0,1), (2,3), ...; an odd last node is carried up unchanged.
// `hash_nodes(in, pairs, out)` must set out[i] = SHA-256(0x01 ‖ in[2i] ‖ in[2i+1]) for i < pairs
// (it may run them in parallel). REQUIRES: !level.empty().
template <typename HashNodesFn>
Result<Hash256> ReduceTree(std::vector<Hash256> level, HashNodesFn&& hash_nodes) {
  std::vector<Hash256> next;
  while (level.size() > 1) {
    const size_t pairs = level.size() / 2;
    next.resize((level.size() + 1) / 2);
    CESS_RETURN_IF_ERROR(hash_nodes(level.data(), pairs, next.data()));
    if (level.size() % 2 == 1) next.back() = level.back();
    level.swap(next);
  }
  return level[0];
}

}  // namespace cess::kernels::hash::internal
