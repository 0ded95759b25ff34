// Helpers for the chain/state tests: a plain reference for the state root, an in-memory node
// source, temp directories and seeded random bytes.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "cess/chain/state/smt.h"
#include "cess/chain/state/write_set.h"
#include "cess/core/bytes.h"
#include "cess/core/hash.h"
#include "common/temp_dir.h"

namespace cess::chain::state::testing {

// Ordered with BytesLess (bytewise, as RocksDB orders keys).
using Model = std::map<Bytes, Bytes, BytesLess>;

// The reference: the compressed sparse Merkle root written out plainly from its definition in
// smt.h, over the full set of pairs, sharing no code with the tree but SHA-256 itself.
class ReferenceSmt {
 public:
  static Hash256 Root(const Model& pairs) {
    std::vector<std::pair<Hash256, Hash256>> leaves;
    for (const auto& [k, v] : pairs) leaves.emplace_back(crypto::Sha256(k), crypto::Sha256(v));
    return Subtree(leaves, 0);
  }

 private:
  static bool Bit(const Hash256& path, size_t i) { return ((path[i / 8] >> (7 - (i % 8))) & 1) != 0; }

  static Hash256 Subtree(const std::vector<std::pair<Hash256, Hash256>>& leaves, size_t depth) {
    if (leaves.empty()) return Hash256{};  // 32 zero bytes
    if (leaves.size() == 1) {
      Bytes pre = {0x00};
      pre.insert(pre.end(), leaves[0].first.begin(), leaves[0].first.end());
      pre.insert(pre.end(), leaves[0].second.begin(), leaves[0].second.end());
      return crypto::Sha256(pre);
    }
    std::vector<std::pair<Hash256, Hash256>> zero, one;
    for (const auto& l : leaves) (Bit(l.first, depth) ? one : zero).push_back(l);
    Hash256 left = Subtree(zero, depth + 1);
    Hash256 right = Subtree(one, depth + 1);
    Bytes pre = {0x01};
    pre.insert(pre.end(), left.begin(), left.end());
    pre.insert(pre.end(), right.begin(), right.end());
    return crypto::Sha256(pre);
  }
};

// Tree nodes in a map, as the store keeps them: hash -> 65-byte preimage.
class MapNodeSource final : public SmtNodeSource {
 public:
  Result<SmtNode> Load(const Hash256& hash) const override {
    auto it = nodes.find(hash);
    if (it == nodes.end()) return Status::Corruption("node " + ToHex(hash) + " is missing");
    return SmtNode::DecodeVerified(hash, it->second);
  }
  // Persists `r` as the store does: writes the new nodes, removes the stale ones.
  void Apply(const SmtUpdateResult& r) {
    for (const auto& [h, n] : r.new_nodes) {
      auto e = n.Encode();
      nodes[h] = Bytes(e.begin(), e.end());
    }
    for (const Hash256& h : r.stale_nodes) nodes.erase(h);
  }

  std::map<Hash256, Bytes> nodes;
};

using cess::test_util::TempDir;

inline Bytes RandomBytes(std::mt19937_64& rng, size_t n) {
  Bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

inline Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace cess::chain::state::testing
