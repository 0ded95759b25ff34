// The compressed sparse Merkle tree: hashing, node encoding, batched updates, walks and checks.
#include "cess/chain/state/smt.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "cess/core/hash.h"

namespace cess::chain::state {

Hash256 KeyPath(ByteSpan key) { return crypto::Sha256(key); }

Hash256 ValueHash(ByteSpan value) { return crypto::Sha256(value); }

namespace {

Hash256 HashNode(uint8_t tag, const Hash256& a, const Hash256& b) {
  std::array<uint8_t, SmtNode::kEncodedSize> buf;
  buf[0] = tag;
  std::memcpy(buf.data() + 1, a.data(), 32);
  std::memcpy(buf.data() + 33, b.data(), 32);
  return crypto::Sha256(buf);
}

// True when the first `bits` bits of `x` and `y` are equal.
bool SharesPrefix(const Hash256& x, const Hash256& y, size_t bits) {
  size_t full = bits / 8;
  if (std::memcmp(x.data(), y.data(), full) != 0) return false;
  size_t rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (x[full] & mask) == (y[full] & mask);
}

void SetPathBit(Hash256& path, size_t depth, bool bit) {
  uint8_t mask = static_cast<uint8_t>(1u << (7 - depth % 8));
  if (bit) {
    path[depth / 8] |= mask;
  } else {
    path[depth / 8] &= static_cast<uint8_t>(~mask);
  }
}

bool PathLess(const Hash256& x, const Hash256& y) { return std::memcmp(x.data(), y.data(), 32) < 0; }

// A subtree during an update: its hash and, where known, what kind of node is at its top.
struct Sub {
  enum class Kind : uint8_t { kEmpty, kLeaf, kInternal, kUnknown };
  Hash256 hash = kEmptyHash;
  Kind kind = Kind::kEmpty;

  static Sub Empty() { return {}; }
};

// One batched update. Collects the nodes it builds and the old nodes it replaces.
class Updater {
 public:
  explicit Updater(const SmtNodeSource& nodes) : nodes_(nodes) {}

  // The subtree at `depth` that results from applying `ups` (sorted, all under the subtree's
  // prefix) to `node`.
  Result<Sub> Update(const Sub& node, size_t depth, std::span<const SmtUpdate> ups) {
    if (ups.empty()) return node;
    if (node.kind == Sub::Kind::kEmpty) {
      std::vector<SmtLeaf> puts;
      for (const SmtUpdate& u : ups) {
        if (u.value_hash) puts.push_back({u.path, *u.value_hash});
      }
      result_.leaf_delta += static_cast<int64_t>(puts.size());
      return Build(depth, puts);
    }
    CESS_ASSIGN_OR_RETURN(SmtNode loaded, Load(node.hash));
    stale_.push_back(node.hash);
    if (loaded.is_leaf()) return MergeIntoLeaf(SmtLeaf{loaded.a, loaded.b}, depth, ups);
    if (depth >= kPathBits) return Status::Corruption("smt: internal node below the maximum depth");
    auto split = std::partition_point(ups.begin(), ups.end(),
                                      [depth](const SmtUpdate& u) { return !PathBit(u.path, depth); });
    size_t n_left = static_cast<size_t>(split - ups.begin());
    CESS_ASSIGN_OR_RETURN(Sub left, Update(Child(loaded.a), depth + 1, ups.first(n_left)));
    CESS_ASSIGN_OR_RETURN(Sub right, Update(Child(loaded.b), depth + 1, ups.subspan(n_left)));
    return Join(left, right);
  }

  // Builds the subtree at `depth` holding exactly `leaves` (sorted by path, under its prefix).
  Result<Sub> Build(size_t depth, std::span<const SmtLeaf> leaves) {
    if (leaves.empty()) return Sub::Empty();
    if (leaves.size() == 1) {
      SmtNode leaf = SmtNode::Leaf(leaves[0].path, leaves[0].value_hash);
      return Emit(leaf);
    }
    if (depth >= kPathBits) return Status::InvalidArgument("smt: two updates with the same path");
    auto split = std::partition_point(leaves.begin(), leaves.end(),
                                      [depth](const SmtLeaf& l) { return !PathBit(l.path, depth); });
    size_t n_left = static_cast<size_t>(split - leaves.begin());
    CESS_ASSIGN_OR_RETURN(Sub left, Build(depth + 1, leaves.first(n_left)));
    CESS_ASSIGN_OR_RETURN(Sub right, Build(depth + 1, leaves.subspan(n_left)));
    return Join(left, right);
  }

  SmtUpdateResult Finish(const Sub& root) && {
    result_.root = root.hash;
    auto by_hash = [](const auto& x, const auto& y) { return PathLess(x.first, y.first); };
    std::sort(result_.new_nodes.begin(), result_.new_nodes.end(), by_hash);
    result_.new_nodes.erase(std::unique(result_.new_nodes.begin(), result_.new_nodes.end(),
                                        [](const auto& x, const auto& y) { return x.first == y.first; }),
                            result_.new_nodes.end());
    std::sort(stale_.begin(), stale_.end(), PathLess);
    stale_.erase(std::unique(stale_.begin(), stale_.end()), stale_.end());
    // A node that is both replaced and rebuilt (a leaf that moved up, an unchanged node rebuilt)
    // stays stored.
    for (const Hash256& h : stale_) {
      auto it = std::lower_bound(result_.new_nodes.begin(), result_.new_nodes.end(), h,
                                 [](const auto& e, const Hash256& key) { return PathLess(e.first, key); });
      if (it == result_.new_nodes.end() || it->first != h) result_.stale_nodes.push_back(h);
    }
    return std::move(result_);
  }

 private:
  static Sub Child(const Hash256& hash) {
    return hash == kEmptyHash ? Sub::Empty() : Sub{hash, Sub::Kind::kUnknown};
  }

  Result<SmtNode> Load(const Hash256& hash) {
    ++result_.stats.nodes_loaded;
    return nodes_.Load(hash);
  }

  // Resolves kUnknown by reading the node.
  Result<Sub::Kind> KindOf(const Sub& s) {
    if (s.kind != Sub::Kind::kUnknown) return s.kind;
    CESS_ASSIGN_OR_RETURN(SmtNode n, Load(s.hash));
    return n.is_leaf() ? Sub::Kind::kLeaf : Sub::Kind::kInternal;
  }

  // The parent of `left` and `right` in compressed form: two empty children give an empty subtree,
  // and a lone leaf beside an empty subtree moves up in place of the parent.
  Result<Sub> Join(const Sub& left, const Sub& right) {
    bool le = left.kind == Sub::Kind::kEmpty;
    bool re = right.kind == Sub::Kind::kEmpty;
    if (le && re) return Sub::Empty();
    if (le || re) {
      const Sub& other = le ? right : left;
      CESS_ASSIGN_OR_RETURN(Sub::Kind kind, KindOf(other));
      if (kind == Sub::Kind::kLeaf) return Sub{other.hash, kind};
    }
    return Emit(SmtNode::Internal(left.hash, right.hash));
  }

  Sub Emit(const SmtNode& node) {
    Hash256 h = node.Hash();
    ++result_.stats.hashes;
    result_.new_nodes.emplace_back(h, node);
    return Sub{h, node.is_leaf() ? Sub::Kind::kLeaf : Sub::Kind::kInternal};
  }

  // Applies `ups` to a subtree that holds only `existing`.
  Result<Sub> MergeIntoLeaf(const SmtLeaf& existing, size_t depth, std::span<const SmtUpdate> ups) {
    std::vector<SmtLeaf> leaves;
    leaves.reserve(ups.size() + 1);
    bool existing_placed = false;
    for (const SmtUpdate& u : ups) {
      if (!existing_placed && !PathLess(u.path, existing.path)) {
        existing_placed = true;
        if (u.path == existing.path) {
          if (u.value_hash) {
            leaves.push_back({u.path, *u.value_hash});
          } else {
            --result_.leaf_delta;
          }
          continue;
        }
        leaves.push_back(existing);
      }
      if (u.value_hash) {
        leaves.push_back({u.path, *u.value_hash});
        ++result_.leaf_delta;
      }
    }
    if (!existing_placed) leaves.push_back(existing);
    return Build(depth, leaves);
  }

  const SmtNodeSource& nodes_;
  SmtUpdateResult result_;
  std::vector<Hash256> stale_;
};

// VerifyTree's recursion: checks the subtree `hash` at `depth` whose position is the first `depth`
// bits of `prefix`, and returns what kind of subtree it is.
class TreeChecker {
 public:
  TreeChecker(const SmtNodeSource& nodes, const std::function<Status(const SmtLeaf&)>& on_leaf)
      : nodes_(nodes), on_leaf_(on_leaf) {}

  Result<Sub::Kind> Check(const Hash256& hash, size_t depth, Hash256& prefix) {
    if (hash == kEmptyHash) return Sub::Kind::kEmpty;
    CESS_ASSIGN_OR_RETURN(SmtNode node, nodes_.Load(hash));
    if (node.is_leaf()) {
      if (!SharesPrefix(node.a, prefix, depth)) {
        return Status::Corruption("smt: leaf " + ToHex(hash) + " lies outside its subtree at depth " +
                                  std::to_string(depth));
      }
      CESS_RETURN_IF_ERROR(on_leaf_(SmtLeaf{node.a, node.b}));
      ++info_.leaves;
      ++info_.nodes;
      return Sub::Kind::kLeaf;
    }
    if (depth >= kPathBits) return Status::Corruption("smt: internal node below the maximum depth");
    ++info_.nodes;
    SetPathBit(prefix, depth, false);
    CESS_ASSIGN_OR_RETURN(Sub::Kind left, Check(node.a, depth + 1, prefix));
    SetPathBit(prefix, depth, true);
    CESS_ASSIGN_OR_RETURN(Sub::Kind right, Check(node.b, depth + 1, prefix));
    SetPathBit(prefix, depth, false);
    bool le = left == Sub::Kind::kEmpty;
    bool re = right == Sub::Kind::kEmpty;
    if ((le && re) || (le && right == Sub::Kind::kLeaf) || (re && left == Sub::Kind::kLeaf)) {
      return Status::Corruption("smt: internal node " + ToHex(hash) + " is not in compressed form");
    }
    return Sub::Kind::kInternal;
  }

  const SmtTreeInfo& info() const { return info_; }

 private:
  const SmtNodeSource& nodes_;
  const std::function<Status(const SmtLeaf&)>& on_leaf_;
  SmtTreeInfo info_;
};

}  // namespace

Hash256 LeafHash(const Hash256& path, const Hash256& value_hash) { return HashNode(kLeafTag, path, value_hash); }

Hash256 InternalHash(const Hash256& left, const Hash256& right) { return HashNode(kInternalTag, left, right); }

Hash256 SmtNode::Hash() const { return HashNode(static_cast<uint8_t>(kind), a, b); }

std::array<uint8_t, SmtNode::kEncodedSize> SmtNode::Encode() const {
  std::array<uint8_t, kEncodedSize> out;
  out[0] = static_cast<uint8_t>(kind);
  std::memcpy(out.data() + 1, a.data(), 32);
  std::memcpy(out.data() + 33, b.data(), 32);
  return out;
}

Result<SmtNode> SmtNode::Decode(ByteSpan bytes) {
  if (bytes.size() != kEncodedSize) {
    return Status::Corruption("smt: node of " + std::to_string(bytes.size()) + " bytes, want 65");
  }
  if (bytes[0] != kLeafTag && bytes[0] != kInternalTag) {
    return Status::Corruption("smt: unknown node tag " + std::to_string(bytes[0]));
  }
  SmtNode n;
  n.kind = static_cast<Kind>(bytes[0]);
  std::memcpy(n.a.data(), bytes.data() + 1, 32);
  std::memcpy(n.b.data(), bytes.data() + 33, 32);
  return n;
}

Result<SmtNode> SmtNode::DecodeVerified(const Hash256& hash, ByteSpan bytes) {
  Result<SmtNode> n = Decode(bytes);
  if (!n.ok()) return n.status().WithContext("node " + ToHex(hash));
  if (crypto::Sha256(bytes) != hash) return Status::Corruption("smt: node " + ToHex(hash) + " fails its hash");
  return n;
}

Result<SmtUpdateResult> ApplyUpdates(const SmtNodeSource& nodes, const Hash256& root,
                                     std::vector<SmtUpdate> updates) {
  std::sort(updates.begin(), updates.end(),
            [](const SmtUpdate& x, const SmtUpdate& y) { return PathLess(x.path, y.path); });
  for (size_t i = 1; i < updates.size(); ++i) {
    if (updates[i].path == updates[i - 1].path) {
      return Status::InvalidArgument("smt: two updates with the path " + ToHex(updates[i].path));
    }
  }
  Updater updater(nodes);
  Sub old_root = root == kEmptyHash ? Sub::Empty() : Sub{root, Sub::Kind::kUnknown};
  CESS_ASSIGN_OR_RETURN(Sub new_root, updater.Update(old_root, 0, updates));
  return std::move(updater).Finish(new_root);
}

Result<std::optional<SmtLeaf>> WalkPath(const SmtNodeSource& nodes, const Hash256& root, const Hash256& path,
                                        const std::function<void(size_t depth, const SmtNode& node)>& visit) {
  Hash256 cur = root;
  for (size_t depth = 0;; ++depth) {
    if (cur == kEmptyHash) return std::optional<SmtLeaf>();
    CESS_ASSIGN_OR_RETURN(SmtNode node, nodes.Load(cur));
    if (node.is_leaf()) return std::optional<SmtLeaf>(SmtLeaf{node.a, node.b});
    if (depth >= kPathBits) return Status::Corruption("smt: internal node below the maximum depth");
    visit(depth, node);
    cur = PathBit(path, depth) ? node.b : node.a;
  }
}

Result<SmtTreeInfo> VerifyTree(const SmtNodeSource& nodes, const Hash256& root,
                            const std::function<Status(const SmtLeaf& leaf)>& on_leaf) {
  TreeChecker checker(nodes, on_leaf);
  Hash256 prefix{};
  CESS_ASSIGN_OR_RETURN(Sub::Kind kind, checker.Check(root, 0, prefix));
  (void)kind;
  return checker.info();
}

}  // namespace cess::chain::state
