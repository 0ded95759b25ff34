// The binary Merkle root the chain uses for a block's transactions root and receipts root.
//
// The rule is RFC 6962 §2.1's Merkle Tree Hash over a list of 32-byte item hashes h[0..n):
//   n = 0:   root = SHA-256("")  (kEmptyMerkleRoot, e3b0c442…b855)
//   leaf:    L(h)    = SHA-256(0x00 ‖ h)
//   node:    N(a, b) = SHA-256(0x01 ‖ a ‖ b)
//   n = 1:   root = L(h[0])
//   n > 1:   root = N(root(h[0..k)), root(h[k..n))), k = the largest power of two below n
// Computed level by level this is: hash every leaf, then pair neighbours left to right; an odd node
// at the end of a level is carried up unchanged (never paired with itself). The 0x00/0x01 prefixes
// keep leaves and inner nodes apart, and carrying instead of duplicating means two different lists
// never share a root (unlike Bitcoin's duplicate-last rule, where [a,b,c] and [a,b,c,c] collide).
//
// This differs on purpose from the file ID rule of DESIGN.md §4 (CESS's segment Merkle root, which
// pairs an odd node with itself): that one must match CESS; this one must be unambiguous.
#pragma once

#include <span>

#include "cess/core/bytes.h"

namespace cess::chain {

// SHA-256 of the empty string: the root of an empty list.
inline constexpr Hash256 kEmptyMerkleRoot = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};

// The Merkle root of `items` (each an item hash: a transaction or receipt hash) by the rule above.
// Deterministic; O(n) hashing and O(n) temporary memory.
Hash256 MerkleRoot(std::span<const Hash256> items);

}  // namespace cess::chain
