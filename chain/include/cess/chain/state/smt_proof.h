// Inclusion and non-inclusion proofs of the state tree (smt.h), and their verifier. A verifier
// needs only the state root (from a finalized block header): light clients and other nodes check a
// value, or its absence, without holding the state.
#pragma once

#include <optional>
#include <vector>

#include "cess/chain/state/smt.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain::state {

// The path from the root to where a key's walk ends.
//   siblings[d]  the hash of the sibling subtree at depth d + 1 (kEmptyHash for an empty one), for
//                each internal node passed on the way down from the root (d = 0 is the root's).
//   leaf         the leaf where the walk ended: the key's own leaf (inclusion), another key's leaf
//                sitting alone where the key would be (non-inclusion), or nullopt when the walk
//                ended in an empty subtree (non-inclusion).
// Canonical encoding: u32 count, the siblings raw; bool has_leaf; then path and value hash raw.
struct SmtProof {
  std::vector<Hash256> siblings;
  std::optional<SmtLeaf> leaf;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on malformed bytes or more than kPathBits siblings.
  static Result<SmtProof> Decode(codec::Reader& r);
  friend bool operator==(const SmtProof&, const SmtProof&) = default;
};

// The root that `proof` implies for `key_path`, given the leaf hash (or kEmptyHash) it ends in.
// Errors: InvalidArgument when the proof has more than kPathBits siblings.
Result<Hash256> ProofRoot(const Hash256& key_path, const SmtProof& proof);

// Checks that under `root` the state maps `key` to `value` (value present) or holds no `key`
// (value nullopt). OK when the proof shows exactly that. Errors: Corruption when it does not (a
// different value, a leaf of another key for an inclusion claim, a leaf of this key for an
// absence claim, a leaf off the key's path, or a root mismatch); InvalidArgument on an oversized
// proof. Pure; needs nothing but its arguments.
Status VerifyProof(const Hash256& root, ByteSpan key, std::optional<ByteSpan> value, const SmtProof& proof);

// Builds the proof for `key_path` in the tree under `root`. Errors: Corruption / IoError from
// `nodes`.
Result<SmtProof> ProvePath(const SmtNodeSource& nodes, const Hash256& root, const Hash256& key_path);

}  // namespace cess::chain::state
