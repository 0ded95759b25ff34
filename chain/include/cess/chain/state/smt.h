// The sparse Merkle tree that commits the chain state (issue 4 §2): a binary tree over 256-bit
// paths, compressed in the Jellyfish (Diem) way, with batched incremental updates.
//
// Definition (the state root is exactly this function of the set of (key, value) pairs):
//   path(key)   = SHA-256(key), read most significant bit first: bit d of the path is bit (7 - d % 8)
//                 of byte d / 8; bit 0 chooses the root's child (0 = left, 1 = right).
//   value hash  = SHA-256(value)
//   leaf hash   = SHA-256(0x00 ‖ path ‖ value_hash)
//   internal    = SHA-256(0x01 ‖ left ‖ right)
//   empty       = kEmptyHash, 32 zero bytes (never hashed: an empty subtree IS this constant)
//   Root(S, d)  for the set S of leaves whose paths share a prefix of d bits:
//                 S = {}      -> kEmptyHash
//                 S = {leaf}  -> leaf hash (a lone leaf sits at the shallowest level where it is alone)
//                 otherwise   -> internal(Root(S0, d + 1), Root(S1, d + 1)), S0/S1 split on bit d
//   state root  = Root(all pairs, 0)
// So the root depends only on the set of pairs, not on insertion order or batching; deleting the
// last key gives kEmptyHash again. The preimage of every stored node (65 bytes: the tag byte and two
// 32-byte fields) is its stored encoding, so a node is checked by hashing what was read.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain::state {

// The hash of an empty (sub)tree and the root of an empty state: 32 zero bytes.
inline constexpr Hash256 kEmptyHash{};
// Paths are SHA-256 digests: the tree is at most this deep.
inline constexpr size_t kPathBits = 256;
// Domain-separation tags, the first byte of every node preimage.
inline constexpr uint8_t kLeafTag = 0x00;
inline constexpr uint8_t kInternalTag = 0x01;

// SHA-256(key): where `key` lives in the tree.
Hash256 KeyPath(ByteSpan key);
// SHA-256(value): what the leaf commits to.
Hash256 ValueHash(ByteSpan value);
// SHA-256(0x00 ‖ path ‖ value_hash).
Hash256 LeafHash(const Hash256& path, const Hash256& value_hash);
// SHA-256(0x01 ‖ left ‖ right).
Hash256 InternalHash(const Hash256& left, const Hash256& right);
// Bit `depth` of `path`, most significant bit of byte 0 first. REQUIRES: depth < kPathBits.
inline bool PathBit(const Hash256& path, size_t depth) {
  return (path[depth / 8] >> (7 - depth % 8)) & 1;
}

// One stored node. For a leaf, `a` is the key path and `b` the value hash; for an internal node,
// `a` and `b` are the left and right child hashes (kEmptyHash for an empty child).
struct SmtNode {
  enum class Kind : uint8_t { kLeaf = kLeafTag, kInternal = kInternalTag };
  static constexpr size_t kEncodedSize = 65;

  Kind kind = Kind::kLeaf;
  Hash256 a{};
  Hash256 b{};

  static SmtNode Leaf(const Hash256& path, const Hash256& value_hash) { return {Kind::kLeaf, path, value_hash}; }
  static SmtNode Internal(const Hash256& left, const Hash256& right) { return {Kind::kInternal, left, right}; }
  bool is_leaf() const { return kind == Kind::kLeaf; }
  // The node's hash: SHA-256 of Encode().
  Hash256 Hash() const;
  // The 65-byte preimage: tag ‖ a ‖ b. This is also how the node is stored.
  std::array<uint8_t, kEncodedSize> Encode() const;
  // Parses Encode()'s bytes. Errors: Corruption on a wrong size or an unknown tag.
  static Result<SmtNode> Decode(ByteSpan bytes);
  // Parses `bytes` read under the name `hash` and checks SHA-256(bytes) == hash. Errors:
  // Corruption naming the hash when the bytes are malformed or hash to something else.
  static Result<SmtNode> DecodeVerified(const Hash256& hash, ByteSpan bytes);

  friend bool operator==(const SmtNode&, const SmtNode&) = default;
};

// Where the tree's nodes are read from (RocksDB in the state store, a map in tests).
// Implementations must be safe for concurrent Load calls if the tree is read from several threads.
class SmtNodeSource {
 public:
  virtual ~SmtNodeSource() = default;
  // The node whose hash is `hash`. REQUIRES: hash != kEmptyHash. Errors: Corruption when the node
  // is missing or its bytes do not hash to `hash` (a reachable node must always exist); IoError
  // when the storage cannot be read.
  virtual Result<SmtNode> Load(const Hash256& hash) const = 0;
};

// One change to the tree: set the leaf at `path` to `value_hash`, or remove it (nullopt).
struct SmtUpdate {
  Hash256 path{};
  std::optional<Hash256> value_hash;  // nullopt: delete (deleting an absent path changes nothing)
};

// Counters of one batched update, for benchmarks and tests.
struct SmtStats {
  uint64_t hashes = 0;        // node hashes computed for the new tree (leaf and internal)
  uint64_t nodes_loaded = 0;  // nodes read from the source (each also hashed once to verify it)
};

// The outcome of ApplyUpdates: the new root, and what to write to go from the old tree to it.
struct SmtUpdateResult {
  Hash256 root = kEmptyHash;
  // Nodes of the new tree that were (re)built, sorted by hash, without duplicates. Some may already
  // be stored (an unchanged subtree rebuilt); writing them again is harmless.
  std::vector<std::pair<Hash256, SmtNode>> new_nodes;
  // Nodes of the old tree that the new tree no longer references, sorted, none in new_nodes.
  // Deleting them keeps the store holding exactly the nodes reachable from the current root.
  std::vector<Hash256> stale_nodes;
  int64_t leaf_delta = 0;  // leaves added minus leaves removed
  SmtStats stats;
};

// Applies `updates` in one batch to the tree whose root is `root`, reading old nodes from `nodes`.
// Cost: O(changed paths × depth) hashes and node reads; untouched subtrees are not visited.
// `updates` may come in any order (they are sorted here). Errors: InvalidArgument when two updates
// name the same path; Corruption / IoError from `nodes` (then nothing is returned to write).
// Pure: writes nothing; the caller persists new_nodes and removes stale_nodes.
Result<SmtUpdateResult> ApplyUpdates(const SmtNodeSource& nodes, const Hash256& root, std::vector<SmtUpdate> updates);

// The leaf found at the end of a path walk (see SmtProof).
struct SmtLeaf {
  Hash256 path{};
  Hash256 value_hash{};
  friend bool operator==(const SmtLeaf&, const SmtLeaf&) = default;
};

// Walks from `root` towards `path` and calls `visit(depth, node)` for every internal node passed.
// Returns the leaf where the walk ends (its path may differ from `path`), or nullopt when it ends in
// an empty subtree. Errors: Corruption / IoError from `nodes`.
Result<std::optional<SmtLeaf>> WalkPath(const SmtNodeSource& nodes, const Hash256& root, const Hash256& path,
                                        const std::function<void(size_t depth, const SmtNode& node)>& visit);

// What VerifyTree found.
struct SmtTreeInfo {
  uint64_t leaves = 0;  // leaves (keys) in the tree
  uint64_t nodes = 0;   // stored nodes reachable from the root, leaves included
};

// Checks the whole tree under `root`: every node exists and hashes to its name, every leaf lies
// under the prefix of its position, and the tree is in compressed form (no internal node with two
// empty children or with one empty child and a lone leaf). Calls `on_leaf` for each leaf in path
// order. Errors: Corruption naming the first fault; IoError; and any error `on_leaf` returns (the
// walk stops there). O(number of nodes).
Result<SmtTreeInfo> VerifyTree(const SmtNodeSource& nodes, const Hash256& root,
                            const std::function<Status(const SmtLeaf& leaf)>& on_leaf);

}  // namespace cess::chain::state
