// Proofs of (non-)inclusion in the state tree and their verifier.
#include "cess/chain/state/smt_proof.h"

#include <cstring>
#include <string>

namespace cess::chain::state {

namespace {

bool SharesPrefix(const Hash256& x, const Hash256& y, size_t bits) {
  for (size_t d = 0; d < bits; ++d) {
    if (PathBit(x, d) != PathBit(y, d)) return false;
  }
  return true;
}

}  // namespace

void SmtProof::Encode(codec::Writer& w) const {
  w.PutCount(siblings.size());
  for (const Hash256& s : siblings) w.PutFixed(s);
  w.PutBool(leaf.has_value());
  if (leaf) {
    w.PutFixed(leaf->path);
    w.PutFixed(leaf->value_hash);
  }
}

Result<SmtProof> SmtProof::Decode(codec::Reader& r) {
  SmtProof p;
  CESS_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(32));
  if (n > kPathBits) return Status::Corruption("smt proof: " + std::to_string(n) + " siblings");
  p.siblings.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    CESS_ASSIGN_OR_RETURN(Hash256 s, r.ReadArray<32>());
    p.siblings.push_back(s);
  }
  CESS_ASSIGN_OR_RETURN(bool has_leaf, r.ReadBool());
  if (has_leaf) {
    SmtLeaf leaf;
    CESS_ASSIGN_OR_RETURN(leaf.path, r.ReadArray<32>());
    CESS_ASSIGN_OR_RETURN(leaf.value_hash, r.ReadArray<32>());
    p.leaf = leaf;
  }
  return p;
}

Result<Hash256> ProofRoot(const Hash256& key_path, const SmtProof& proof) {
  if (proof.siblings.size() > kPathBits) {
    return Status::InvalidArgument("smt proof: " + std::to_string(proof.siblings.size()) + " siblings");
  }
  Hash256 cur = proof.leaf ? LeafHash(proof.leaf->path, proof.leaf->value_hash) : kEmptyHash;
  for (size_t i = proof.siblings.size(); i-- > 0;) {
    cur = PathBit(key_path, i) ? InternalHash(proof.siblings[i], cur) : InternalHash(cur, proof.siblings[i]);
  }
  return cur;
}

Status VerifyProof(const Hash256& root, ByteSpan key, std::optional<ByteSpan> value, const SmtProof& proof) {
  Hash256 path = KeyPath(key);
  if (value) {
    if (!proof.leaf || proof.leaf->path != path) {
      return Status::Corruption("smt proof: no leaf for the key in an inclusion proof");
    }
    if (proof.leaf->value_hash != ValueHash(*value)) {
      return Status::Corruption("smt proof: the leaf commits to a different value");
    }
  } else if (proof.leaf) {
    if (proof.leaf->path == path) return Status::Corruption("smt proof: the key is present");
    // Another key's leaf proves absence only where it stands alone on the key's own path.
    if (!SharesPrefix(proof.leaf->path, path, proof.siblings.size())) {
      return Status::Corruption("smt proof: the leaf lies off the key's path");
    }
  }
  CESS_ASSIGN_OR_RETURN(Hash256 computed, ProofRoot(path, proof));
  if (computed != root) return Status::Corruption("smt proof: root mismatch");
  return Status::Ok();
}

Result<SmtProof> ProvePath(const SmtNodeSource& nodes, const Hash256& root, const Hash256& key_path) {
  SmtProof proof;
  auto record_sibling = [&](size_t depth, const SmtNode& node) {
    proof.siblings.push_back(PathBit(key_path, depth) ? node.a : node.b);
  };
  CESS_ASSIGN_OR_RETURN(proof.leaf, WalkPath(nodes, root, key_path, record_sibling));
  return proof;
}

}  // namespace cess::chain::state
