// Deterministic test accounts of a devnet: `cess devnet up --bench-accounts K` funds them in
// genesis and the load generator (bench/chain/tx_load) signs with them. Their secrets are public
// knowledge (derived from a fixed label), so they exist only on devnets, never on a real chain.
#pragma once

#include <cstdint>

#include "cess/core/codec.h"
#include "cess/core/ed25519.h"
#include "cess/core/hash.h"
#include "cess/core/result.h"

namespace cess::node {

// Key i: the Ed25519 key whose seed is SHA-256("cess/devnet-bench-key/v1" ‖ u64 i).
inline Result<crypto::Ed25519PrivateKey> DevnetBenchKey(uint64_t i) {
  codec::Writer w;
  w.PutString("cess/devnet-bench-key/v1");
  w.PutU64(i);
  const Hash256 seed = crypto::Sha256(w.Take());
  return crypto::Ed25519PrivateKey::FromSeed(seed);
}

}  // namespace cess::node
