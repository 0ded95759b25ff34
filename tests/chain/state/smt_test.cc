// The sparse Merkle tree against a plain reference: roots over random batches, order and batching
// independence, the empty root, the cost of an update, proofs and their tampering, corrupt nodes.
#include "cess/chain/state/smt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "cess/chain/state/smt_proof.h"
#include "cess/chain/state/write_set.h"
#include "cess/core/codec.h"
#include "cess/core/hash.h"
#include "state_test_util.h"

namespace cess::chain::state {
namespace {

using testing::MapNodeSource;
using testing::Model;
using testing::RandomBytes;
using testing::ReferenceSmt;
using testing::Str;
using Batch = WriteSet::Map;

// A tree in a MapNodeSource with a model of its pairs beside it.
struct Tree {
  MapNodeSource nodes;
  Hash256 root = kEmptyHash;
  Model model;
  int64_t leaves = 0;

  // Applies a batch of (key, value or delete) writes to the tree and the model.
  SmtUpdateResult Apply(const Batch& batch) {
    std::vector<SmtUpdate> ups;
    for (const auto& [k, v] : batch) {
      ups.push_back({KeyPath(k), v ? std::optional<Hash256>(ValueHash(*v)) : std::nullopt});
      if (v) {
        model[k] = *v;
      } else {
        model.erase(k);
      }
    }
    Result<SmtUpdateResult> r = ApplyUpdates(nodes, root, ups);
    EXPECT_TRUE(r.ok()) << r.status();
    nodes.Apply(*r);
    root = r->root;
    leaves += r->leaf_delta;
    return *r;
  }

  // Checks the tree against the reference and its own invariants.
  void Check() {
    ASSERT_EQ(ToHex(root), ToHex(ReferenceSmt::Root(model)));
    std::vector<Hash256> paths;
    Result<SmtTreeInfo> info = VerifyTree(nodes, root, [&](const SmtLeaf& leaf) {
      paths.push_back(leaf.path);
      return Status::Ok();
    });
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->leaves, model.size());
    EXPECT_EQ(static_cast<uint64_t>(leaves), model.size());
    // Exactly the reachable nodes are stored: stale nodes were all removed.
    EXPECT_EQ(info->nodes, nodes.nodes.size());
    EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
  }
};

Bytes KeyN(int n) { return Str("key/" + std::to_string(n)); }

TEST(SmtTest, EmptyAndSingleLeafRootsFollowTheDefinition) {
  MapNodeSource nodes;
  Result<SmtUpdateResult> empty = ApplyUpdates(nodes, kEmptyHash, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->root, Hash256{});

  Bytes key = Str("alice"), value = Str("100");
  Result<SmtUpdateResult> one = ApplyUpdates(nodes, kEmptyHash, {{KeyPath(key), ValueHash(value)}});
  ASSERT_TRUE(one.ok());
  Bytes pre = {0x00};
  Hash256 kp = crypto::Sha256(key), vh = crypto::Sha256(value);
  pre.insert(pre.end(), kp.begin(), kp.end());
  pre.insert(pre.end(), vh.begin(), vh.end());
  EXPECT_EQ(one->root, crypto::Sha256(pre));
  EXPECT_EQ(one->leaf_delta, 1);
}

TEST(SmtTest, TwoLeavesSplittingAtTheFirstBitHangUnderTheRoot) {
  // Find two keys whose paths differ in bit 0, and two that share it.
  Bytes a = KeyN(0), b, c;
  for (int i = 1; b.empty() || c.empty(); ++i) {
    bool differs = PathBit(KeyPath(KeyN(i)), 0) != PathBit(KeyPath(a), 0);
    if (differs && b.empty()) b = KeyN(i);
    if (!differs && c.empty()) c = KeyN(i);
  }
  Tree t;
  t.Apply({{a, Str("x")}, {b, Str("y")}});
  Hash256 la = LeafHash(KeyPath(a), ValueHash(Str("x")));
  Hash256 lb = LeafHash(KeyPath(b), ValueHash(Str("y")));
  Hash256 expected = PathBit(KeyPath(a), 0) ? InternalHash(lb, la) : InternalHash(la, lb);
  EXPECT_EQ(t.root, expected);
  t.Check();
  // A key sharing bit 0 with `a` pushes `a` down; removing it brings `a` back up.
  t.Apply({{c, Str("z")}});
  t.Check();
  t.Apply({{c, std::nullopt}});
  EXPECT_EQ(t.root, expected);
  t.Check();
}

TEST(SmtTest, RandomBatchesMatchTheReference) {
  std::mt19937_64 rng(20240601);
  Tree t;
  // A universe small enough for overwrites and deletes of absent keys to be frequent.
  const int kUniverse = 400;
  for (int batch = 0; batch < 300; ++batch) {
    Batch writes;
    size_t n = batch == 0 ? 300 : 1 + rng() % 40;
    for (size_t i = 0; i < n; ++i) {
      Bytes k = KeyN(static_cast<int>(rng() % kUniverse));
      if (rng() % 10 < 6) {
        writes[k] = RandomBytes(rng, rng() % 40);  // empty values included
      } else {
        writes[k] = std::nullopt;
      }
    }
    t.Apply(writes);
    ASSERT_NO_FATAL_FAILURE(t.Check()) << "after batch " << batch;
  }
  EXPECT_GT(t.model.size(), 50u);
}

TEST(SmtTest, RootIsIndependentOfOrderAndBatching) {
  std::mt19937_64 rng(7);
  Model final_pairs;
  for (int i = 0; i < 500; ++i) final_pairs[KeyN(i)] = RandomBytes(rng, 8);

  Tree one_batch;
  Batch all(final_pairs.begin(), final_pairs.end());
  one_batch.Apply(all);

  // One key at a time in a shuffled order.
  Tree single;
  std::vector<Bytes> keys;
  for (const auto& [k, v] : final_pairs) keys.push_back(k);
  std::shuffle(keys.begin(), keys.end(), rng);
  for (const Bytes& k : keys) single.Apply({{k, final_pairs[k]}});

  // Random batches with detours: extra keys inserted then removed, values overwritten later.
  Tree detours;
  std::shuffle(keys.begin(), keys.end(), rng);
  size_t pos = 0;
  int extra = 10000;
  std::vector<Bytes> extras;
  while (pos < keys.size()) {
    Batch w;
    for (size_t n = 1 + rng() % 60; n > 0 && pos < keys.size(); --n, ++pos) {
      w[keys[pos]] = rng() % 4 == 0 ? RandomBytes(rng, 5) : final_pairs[keys[pos]];
    }
    extras.push_back(KeyN(extra++));
    w[extras.back()] = Str("temporary");
    detours.Apply(w);
  }
  Batch fix(final_pairs.begin(), final_pairs.end());
  for (const Bytes& e : extras) fix[e] = std::nullopt;
  detours.Apply(fix);

  EXPECT_EQ(one_batch.root, single.root);
  EXPECT_EQ(one_batch.root, detours.root);
  EXPECT_EQ(one_batch.root, ReferenceSmt::Root(final_pairs));
  EXPECT_EQ(one_batch.nodes.nodes, detours.nodes.nodes);
  detours.Check();
}

TEST(SmtTest, DeletingEverythingReturnsToTheEmptyRoot) {
  std::mt19937_64 rng(11);
  Tree t;
  Batch w;
  for (int i = 0; i < 600; ++i) w[KeyN(i)] = RandomBytes(rng, 16);
  t.Apply(w);
  std::vector<int> order(600);
  for (int i = 0; i < 600; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  for (size_t pos = 0; pos < order.size();) {
    Batch d;
    for (size_t n = 1 + rng() % 50; n > 0 && pos < order.size(); --n) d[KeyN(order[pos++])] = std::nullopt;
    t.Apply(d);
    ASSERT_NO_FATAL_FAILURE(t.Check());
  }
  EXPECT_EQ(t.root, kEmptyHash);
  EXPECT_TRUE(t.nodes.nodes.empty());
  EXPECT_EQ(t.leaves, 0);
}

TEST(SmtTest, DuplicatePathsAreRejected) {
  MapNodeSource nodes;
  Hash256 p = KeyPath(Str("k"));
  Result<SmtUpdateResult> r = ApplyUpdates(nodes, kEmptyHash, {{p, ValueHash(Str("a"))}, {p, std::nullopt}});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

// The update touches only the changed path: one leaf plus one internal node per level, and one
// node read per level, independent of the tree's size.
TEST(SmtTest, UpdateCostIsTheDepthOfThePath) {
  std::mt19937_64 rng(3);
  Tree t;
  Batch w;
  const int kKeys = 4096;
  for (int i = 0; i < kKeys; ++i) w[KeyN(i)] = RandomBytes(rng, 8);
  t.Apply(w);
  size_t max_depth = 0;
  for (int trial = 0; trial < 200; ++trial) {
    Bytes k = KeyN(static_cast<int>(rng() % kKeys));
    Result<SmtProof> proof = ProvePath(t.nodes, t.root, KeyPath(k));
    ASSERT_TRUE(proof.ok());
    size_t depth = proof->siblings.size();
    max_depth = std::max(max_depth, depth);
    SmtUpdateResult r = t.Apply({{k, RandomBytes(rng, 8)}});
    EXPECT_EQ(r.stats.hashes, depth + 1);
    EXPECT_EQ(r.stats.nodes_loaded, depth + 1);
    EXPECT_EQ(r.new_nodes.size(), depth + 1);
    EXPECT_EQ(r.stale_nodes.size(), depth + 1);
  }
  // Depth grows like log2(n) (12 here) plus a few levels, far from the number of keys.
  EXPECT_LT(max_depth, 40u);
  t.Check();

  // A batch of k changes costs at most k × (depth + 1) hashes, less where paths share the top.
  Batch batch;
  for (int i = 0; i < 256; ++i) batch[KeyN(static_cast<int>(rng() % kKeys))] = RandomBytes(rng, 8);
  SmtUpdateResult r = t.Apply(batch);
  EXPECT_LE(r.stats.hashes, batch.size() * (max_depth + 1));
  EXPECT_LT(r.stats.hashes, batch.size() * 12);
}

class SmtProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(5);
    Batch w;
    for (int i = 0; i < 300; ++i) w[KeyN(i)] = RandomBytes(rng, 1 + rng() % 20);
    tree_.Apply(w);
  }
  SmtProof Prove(const Bytes& key) {
    Result<SmtProof> p = ProvePath(tree_.nodes, tree_.root, KeyPath(key));
    EXPECT_TRUE(p.ok()) << p.status();
    return *p;
  }
  Tree tree_;
};

TEST_F(SmtProofTest, InclusionProofsVerifyAndTamperingFails) {
  for (const auto& [key, value] : tree_.model) {
    SmtProof p = Prove(key);
    ASSERT_TRUE(VerifyProof(tree_.root, key, ByteSpan(value), p).ok());
    // Round trip through the canonical encoding.
    Result<SmtProof> decoded = codec::Decode<SmtProof>(codec::Encode(p));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, p);

    Bytes other_value = value;
    other_value.push_back(1);
    EXPECT_FALSE(VerifyProof(tree_.root, key, ByteSpan(other_value), p).ok());
    EXPECT_FALSE(VerifyProof(tree_.root, key, std::nullopt, p).ok());  // claims absence of a present key
    EXPECT_FALSE(VerifyProof(tree_.root, Str("not-a-key"), ByteSpan(value), p).ok());
    Hash256 bad_root = tree_.root;
    bad_root[31] ^= 1;
    EXPECT_FALSE(VerifyProof(bad_root, key, ByteSpan(value), p).ok());
    for (size_t i = 0; i < p.siblings.size(); ++i) {
      SmtProof q = p;
      q.siblings[i][i % 32] ^= 0x80;
      EXPECT_FALSE(VerifyProof(tree_.root, key, ByteSpan(value), q).ok()) << "sibling " << i;
    }
    SmtProof shorter = p;
    if (!shorter.siblings.empty()) {
      shorter.siblings.pop_back();
      EXPECT_FALSE(VerifyProof(tree_.root, key, ByteSpan(value), shorter).ok());
    }
    SmtProof longer = p;
    longer.siblings.push_back(kEmptyHash);
    EXPECT_FALSE(VerifyProof(tree_.root, key, ByteSpan(value), longer).ok());
  }
}

TEST_F(SmtProofTest, NonInclusionProofsVerifyAndTamperingFails) {
  int ending_in_leaf = 0, ending_empty = 0;
  for (int i = 1000; i < 1400; ++i) {
    Bytes key = KeyN(i);
    SmtProof p = Prove(key);
    (p.leaf ? ending_in_leaf : ending_empty)++;
    ASSERT_TRUE(VerifyProof(tree_.root, key, std::nullopt, p).ok());
    EXPECT_FALSE(VerifyProof(tree_.root, key, ByteSpan(Str("v")), p).ok());  // claims presence
    Hash256 bad_root = tree_.root;
    bad_root[0] ^= 1;
    EXPECT_FALSE(VerifyProof(bad_root, key, std::nullopt, p).ok());
    if (!p.siblings.empty()) {
      SmtProof q = p;
      q.siblings.back()[5] ^= 1;
      EXPECT_FALSE(VerifyProof(tree_.root, key, std::nullopt, q).ok());
    }
    if (p.leaf) {
      // The neighbour's leaf with another value hash, or moved off the key's path.
      SmtProof q = p;
      q.leaf->value_hash[0] ^= 1;
      EXPECT_FALSE(VerifyProof(tree_.root, key, std::nullopt, q).ok());
      SmtProof r = p;
      r.leaf->path = KeyPath(key);  // pretend the leaf is the key's own
      EXPECT_FALSE(VerifyProof(tree_.root, key, std::nullopt, r).ok());
    }
  }
  // Both shapes of absence occur in a tree of 300 keys.
  EXPECT_GT(ending_in_leaf, 0);
  EXPECT_GT(ending_empty, 0);
}

TEST_F(SmtProofTest, AProofForOneKeyDoesNotProveAnother) {
  // A valid non-inclusion proof for key A (ending in B's leaf) must not pass as a proof for a key
  // that is off that path.
  for (int i = 1000; i < 1100; ++i) {
    SmtProof p = Prove(KeyN(i));
    for (int j = 1100; j < 1110; ++j) {
      Bytes other = KeyN(j);
      bool same_prefix = true;
      for (size_t d = 0; d < p.siblings.size(); ++d) {
        same_prefix = same_prefix && PathBit(KeyPath(other), d) == PathBit(KeyPath(KeyN(i)), d);
      }
      if (!same_prefix) {
        EXPECT_FALSE(VerifyProof(tree_.root, other, std::nullopt, p).ok());
      }
    }
  }
}

TEST(SmtProofEmptyTreeTest, AbsenceFromTheEmptyTree) {
  MapNodeSource nodes;
  Result<SmtProof> p = ProvePath(nodes, kEmptyHash, KeyPath(Str("x")));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->siblings.empty());
  EXPECT_FALSE(p->leaf.has_value());
  EXPECT_TRUE(VerifyProof(kEmptyHash, Str("x"), std::nullopt, *p).ok());
  EXPECT_FALSE(VerifyProof(kEmptyHash, Str("x"), ByteSpan(Str("")), *p).ok());
}

TEST(SmtProofCodecTest, OversizedAndTruncatedProofsAreRejected) {
  codec::Writer w;
  w.PutCount(257);
  for (int i = 0; i < 257; ++i) w.PutFixed(Hash256{});
  w.PutBool(false);
  EXPECT_EQ(codec::Decode<SmtProof>(w.data()).status().code(), StatusCode::kCorruption);
  SmtProof p;
  p.siblings.resize(2);
  p.leaf = SmtLeaf{};
  Bytes enc = codec::Encode(p);
  enc.pop_back();
  EXPECT_EQ(codec::Decode<SmtProof>(enc).status().code(), StatusCode::kCorruption);
  SmtProof huge;
  huge.siblings.resize(kPathBits + 1);
  EXPECT_FALSE(VerifyProof(kEmptyHash, Str("x"), std::nullopt, huge).ok());
}

TEST(SmtCorruptionTest, MissingOrAlteredNodesAreCorruptionNotACrash) {
  std::mt19937_64 rng(9);
  Tree t;
  Batch w;
  for (int i = 0; i < 200; ++i) w[KeyN(i)] = RandomBytes(rng, 8);
  t.Apply(w);

  // Every node, in turn: alter one byte, then remove it. Reads that pass it must report
  // Corruption; the full check always does.
  std::vector<Hash256> all;
  for (const auto& [h, b] : t.nodes.nodes) all.push_back(h);
  std::vector<SmtUpdate> touch_all;
  for (const auto& [k, v] : t.model) touch_all.push_back({KeyPath(k), ValueHash(Str("new"))});
  for (size_t i = 0; i < all.size(); i += 7) {
    Bytes saved = t.nodes.nodes[all[i]];
    for (int mode = 0; mode < 3; ++mode) {
      if (mode == 0) t.nodes.nodes[all[i]][1 + i % 64] ^= 0x01;  // a flipped bit
      if (mode == 1) t.nodes.nodes[all[i]].resize(10);            // truncated
      if (mode == 2) t.nodes.nodes.erase(all[i]);                 // missing
      auto ok_leaf = [](const SmtLeaf&) { return Status::Ok(); };
      EXPECT_EQ(VerifyTree(t.nodes, t.root, ok_leaf).status().code(), StatusCode::kCorruption);
      EXPECT_EQ(ApplyUpdates(t.nodes, t.root, touch_all).status().code(), StatusCode::kCorruption);
      t.nodes.nodes[all[i]] = saved;
    }
  }
  t.Check();
}

TEST(SmtCorruptionTest, VerifyTreeRejectsANonCompressedOrMisplacedTree) {
  MapNodeSource nodes;
  auto put = [&](const SmtNode& n) {
    auto e = n.Encode();
    nodes.nodes[n.Hash()] = Bytes(e.begin(), e.end());
    return n.Hash();
  };
  auto ok_leaf = [](const SmtLeaf&) { return Status::Ok(); };
  Hash256 path = KeyPath(Str("a"));
  Hash256 leaf = put(SmtNode::Leaf(path, ValueHash(Str("1"))));
  // A lone leaf under an internal node with an empty sibling: not compressed.
  Hash256 parent = PathBit(path, 0) ? put(SmtNode::Internal(kEmptyHash, leaf)) : put(SmtNode::Internal(leaf, kEmptyHash));
  EXPECT_EQ(VerifyTree(nodes, parent, ok_leaf).status().code(), StatusCode::kCorruption);
  // Two leaves on the wrong sides of the root.
  Bytes b = KeyN(0);
  for (int i = 1; PathBit(KeyPath(b), 0) == PathBit(path, 0); ++i) b = KeyN(i);
  Hash256 other = put(SmtNode::Leaf(KeyPath(b), ValueHash(Str("2"))));
  Hash256 right = PathBit(path, 0) ? put(SmtNode::Internal(other, leaf)) : put(SmtNode::Internal(leaf, other));
  EXPECT_TRUE(VerifyTree(nodes, right, ok_leaf).ok());
  Hash256 wrong = PathBit(path, 0) ? put(SmtNode::Internal(leaf, other)) : put(SmtNode::Internal(other, leaf));
  EXPECT_EQ(VerifyTree(nodes, wrong, ok_leaf).status().code(), StatusCode::kCorruption);
  // Two empty children.
  Hash256 hollow = put(SmtNode::Internal(kEmptyHash, kEmptyHash));
  EXPECT_EQ(VerifyTree(nodes, hollow, ok_leaf).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace cess::chain::state
