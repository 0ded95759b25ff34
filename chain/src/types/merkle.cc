#include "cess/chain/merkle.h"

#include <algorithm>
#include <vector>

#include "cess/core/hash.h"

namespace cess::chain {
namespace {

Hash256 Leaf(const Hash256& item) {
  uint8_t buf[1 + 32];
  buf[0] = 0x00;
  std::copy(item.begin(), item.end(), buf + 1);
  return crypto::Sha256(ByteSpan(buf, sizeof(buf)));
}

Hash256 Node(const Hash256& left, const Hash256& right) {
  uint8_t buf[1 + 64];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 33);
  return crypto::Sha256(ByteSpan(buf, sizeof(buf)));
}

}  // namespace

Hash256 MerkleRoot(std::span<const Hash256> items) {
  if (items.empty()) return kEmptyMerkleRoot;
  std::vector<Hash256> level;
  level.reserve(items.size());
  for (const Hash256& item : items) level.push_back(Leaf(item));
  while (level.size() > 1) {
    size_t out = 0;
    for (size_t i = 0; i + 1 < level.size(); i += 2) level[out++] = Node(level[i], level[i + 1]);
    if (level.size() % 2 == 1) level[out++] = level.back();  // an odd node is carried up unchanged
    level.resize(out);
  }
  return level[0];
}

}  // namespace cess::chain
