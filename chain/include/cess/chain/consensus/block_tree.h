// The executed blocks above the last finalized (committed) block, and fork choice (DESIGN.md §8).
//
// The tree's root is the committed head; every other block in it was executed by the application
// and descends from the root. Fork choice: the best head is the highest block among those that
// descend from `anchor` (the root, or a block the finality gadget prefers: see engine.h), ties
// broken by the lower block hash.
//
// Thread safety: none; the engine guards it with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "cess/chain/block.h"
#include "cess/chain/types.h"

namespace cess::chain::consensus {

class BlockTree {
 public:
  // Starts over with `root` (the committed head) as the only block.
  void Reset(const BlockHeader& root);

  const BlockHeader& root() const { return root_; }
  const Hash256& root_hash() const { return root_hash_; }

  // True for the root and every block inserted and not pruned.
  bool Contains(const Hash256& hash) const { return hash == root_hash_ || blocks_.count(hash) != 0; }
  // The block `hash`; nullptr for the root (it has no body here) and unknown hashes.
  const Block* Get(const Hash256& hash) const;
  // The header of the root or of a block in the tree; nullptr when unknown.
  const BlockHeader* Header(const Hash256& hash) const;

  // Adds an executed block. Returns false (and changes nothing) when it is already present or its
  // parent is not in the tree. REQUIRES: the block was executed by the application.
  bool Insert(const Block& block);

  // True when `ancestor` is `descendant` or one of its ancestors, both in the tree.
  bool IsAncestor(const Hash256& ancestor, const Hash256& descendant) const;
  // The ancestor of `hash` at `height` (itself at its own height); nullopt when unknown or height
  // is outside root height .. its height.
  std::optional<Hash256> AncestorAt(const Hash256& hash, uint64_t height) const;
  // The blocks from the root (exclusive) to `hash` (inclusive), in height order; empty for the root
  // and unknown hashes.
  std::vector<const Block*> PathFromRoot(const Hash256& hash) const;

  // The best head among the blocks descending from `anchor` (inclusive): the highest, then the
  // lower hash. The root's hash when `anchor` is unknown.
  Hash256 BestDescendant(const Hash256& anchor) const;
  // BestDescendant(root).
  Hash256 Best() const { return BestDescendant(root_hash_); }

  // Makes `hash` (in the tree) the root and drops every block that does not descend from it.
  // Returns the number of blocks dropped (the new root's ancestors included). No-op when unknown.
  size_t SetRoot(const Hash256& hash);

  // Every block in the tree except the root, unordered.
  std::vector<const Block*> All() const;
  // Blocks in the tree, the root excluded.
  size_t size() const { return blocks_.size(); }

 private:
  struct Node {
    Block block;
    std::vector<Hash256> children;
  };
  const std::vector<Hash256>* ChildrenOf(const Hash256& hash) const;

  BlockHeader root_;
  Hash256 root_hash_{};
  std::vector<Hash256> root_children_;
  std::unordered_map<Hash256, Node, Hash256Hasher> blocks_;
};

}  // namespace cess::chain::consensus
