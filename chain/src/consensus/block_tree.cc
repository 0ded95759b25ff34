#include "cess/chain/consensus/block_tree.h"

#include <algorithm>
#include <utility>

namespace cess::chain::consensus {

void BlockTree::Reset(const BlockHeader& root) {
  root_ = root;
  root_hash_ = root.Hash();
  root_children_.clear();
  blocks_.clear();
}

const Block* BlockTree::Get(const Hash256& hash) const {
  auto it = blocks_.find(hash);
  return it == blocks_.end() ? nullptr : &it->second.block;
}

const BlockHeader* BlockTree::Header(const Hash256& hash) const {
  if (hash == root_hash_) return &root_;
  const Block* b = Get(hash);
  return b ? &b->header : nullptr;
}

const std::vector<Hash256>* BlockTree::ChildrenOf(const Hash256& hash) const {
  if (hash == root_hash_) return &root_children_;
  auto it = blocks_.find(hash);
  return it == blocks_.end() ? nullptr : &it->second.children;
}

bool BlockTree::Insert(const Block& block) {
  const Hash256 hash = block.Hash();
  if (Contains(hash)) return false;
  const Hash256& parent = block.header.parent_hash;
  if (parent == root_hash_) {
    root_children_.push_back(hash);
  } else {
    auto it = blocks_.find(parent);
    if (it == blocks_.end()) return false;
    it->second.children.push_back(hash);
  }
  blocks_.emplace(hash, Node{block, {}});
  return true;
}

bool BlockTree::IsAncestor(const Hash256& ancestor, const Hash256& descendant) const {
  const BlockHeader* a = Header(ancestor);
  if (a == nullptr) return false;
  std::optional<Hash256> at = AncestorAt(descendant, a->height);
  return at.has_value() && *at == ancestor;
}

std::optional<Hash256> BlockTree::AncestorAt(const Hash256& hash, uint64_t height) const {
  const BlockHeader* h = Header(hash);
  if (h == nullptr || height > h->height || height < root_.height) return std::nullopt;
  Hash256 cur = hash;
  while (true) {
    const BlockHeader* ch = Header(cur);
    if (ch == nullptr) return std::nullopt;
    if (ch->height == height) return cur;
    cur = ch->parent_hash;
  }
}

std::vector<const Block*> BlockTree::PathFromRoot(const Hash256& hash) const {
  std::vector<const Block*> path;
  Hash256 cur = hash;
  while (cur != root_hash_) {
    const Block* b = Get(cur);
    if (b == nullptr) return {};
    path.push_back(b);
    cur = b->header.parent_hash;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

Hash256 BlockTree::BestDescendant(const Hash256& anchor) const {
  const BlockHeader* a = Header(anchor);
  if (a == nullptr) return root_hash_;
  Hash256 best = anchor;
  uint64_t best_height = a->height;
  std::vector<Hash256> stack{anchor};
  while (!stack.empty()) {
    Hash256 cur = stack.back();
    stack.pop_back();
    const BlockHeader* h = Header(cur);
    if (h->height > best_height || (h->height == best_height && cur < best)) {
      best = cur;
      best_height = h->height;
    }
    for (const Hash256& c : *ChildrenOf(cur)) stack.push_back(c);
  }
  return best;
}

size_t BlockTree::SetRoot(const Hash256& hash) {
  if (hash == root_hash_ || blocks_.count(hash) == 0) return 0;
  // Keep the new root's subtree; drop everything else.
  std::unordered_map<Hash256, Node, Hash256Hasher> kept;
  Node root_node = std::move(blocks_.at(hash));
  std::vector<Hash256> stack = root_node.children;
  while (!stack.empty()) {
    Hash256 cur = stack.back();
    stack.pop_back();
    auto it = blocks_.find(cur);
    for (const Hash256& c : it->second.children) stack.push_back(c);
    kept.emplace(cur, std::move(it->second));
  }
  const size_t dropped = blocks_.size() - kept.size();
  root_ = root_node.block.header;
  root_hash_ = hash;
  root_children_ = std::move(root_node.children);
  blocks_ = std::move(kept);
  return dropped;
}

std::vector<const Block*> BlockTree::All() const {
  std::vector<const Block*> out;
  out.reserve(blocks_.size());
  for (const auto& [h, node] : blocks_) out.push_back(&node.block);
  return out;
}

}  // namespace cess::chain::consensus
