// Shared parts of the chain decoder fuzz targets (run by run_fuzzers.sh under `make test-slow`).
//
// Each target decodes the input as its types and checks, for every input:
//   - decoding never crashes, leaks or hits undefined behaviour (ASan + UBSan abort the run);
//   - whatever decodes re-encodes to exactly the input (an encoding has exactly one decoding);
//   - verifying what decoded (signatures, roots, rules) returns a Status and never crashes.
// With CESS_FUZZ_WRITE_SEEDS=<dir> in the environment a target writes valid encodings of its types
// into <dir> and exits, so the fuzzer starts from well-formed inputs instead of from nothing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "cess/chain/block.h"
#include "cess/chain/evidence.h"
#include "cess/chain/receipt.h"
#include "cess/chain/transaction.h"
#include "cess/chain/vote.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/ed25519.h"

namespace cess::chain::fuzz {

inline constexpr std::string_view kChain = "fuzz";

// Aborts (a finding) when `cond` is false.
inline void Check(bool cond, const char* what) {
  if (!cond) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
  }
}

// Decodes `data` as T; when it decodes, checks the canonical round trip and returns true.
template <codec::Codable T>
bool DecodeCanonical(ByteSpan data, T* out) {
  Result<T> r = codec::Decode<T>(data);
  if (!r.ok()) return false;
  const Bytes again = codec::Encode(*r);
  Check(again.size() == data.size() && std::equal(again.begin(), again.end(), data.begin()),
        "decode then encode does not give back the input");
  *out = std::move(r).value();
  return true;
}

inline crypto::Ed25519PrivateKey Key(uint8_t i) {
  crypto::Ed25519Seed seed;
  seed.fill(static_cast<uint8_t>(i + 1));
  return crypto::Ed25519PrivateKey::FromSeed(seed).value();
}

inline Transaction SeedTx(uint8_t key, uint64_t nonce, size_t args) {
  Transaction tx;
  tx.nonce = nonce;
  tx.fee = 1000 + nonce;
  tx.call = Call{"balances", "transfer", Bytes(args, static_cast<uint8_t>(nonce))};
  Check(tx.Sign(Key(key), kChain).ok(), "sign seed tx");
  return tx;
}

inline BlockHeader SeedHeader(uint64_t slot) {
  BlockHeader h;
  h.parent_hash.fill(1);
  h.height = slot / 2;
  h.slot = slot;
  h.epoch = slot / 20;
  h.era = slot / 60;
  h.state_root.fill(2);
  return h;
}

inline SignedVote SeedVote(uint8_t key, VoteKind kind, uint8_t target) {
  Vote v;
  v.kind = kind;
  v.round = 1;
  v.set_id = 1;
  v.target_hash.fill(target);
  v.target_height = 10;
  return SignedVote::Sign(v, Key(key), kChain).value();
}

inline VoterSet SeedVoters() {
  VoterSet vs;
  vs.set_id = 1;
  for (uint8_t i = 0; i < 4; ++i) vs.voters.push_back(AccountId::Of(Key(i)));
  return vs;
}

// Writes `bytes` to <dir>/<name>.
inline void WriteSeed(const std::string& dir, const std::string& name, const Bytes& bytes) {
  std::ofstream f(dir + "/" + name, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  Check(f.good(), "write seed");
}

// The seed directory when the target runs in seed-writing mode, else empty.
inline std::string SeedDir() {
  const char* dir = std::getenv("CESS_FUZZ_WRITE_SEEDS");
  return dir ? std::string(dir) : std::string();
}

}  // namespace cess::chain::fuzz

// Defines LLVMFuzzerInitialize for a target that declares cess::chain::fuzz::WriteSeeds(dir):
// with CESS_FUZZ_WRITE_SEEDS set (run_fuzzers.sh), it writes the target's seed inputs there and
// exits; otherwise fuzzing starts as usual.
#define CESS_FUZZ_SEED_INITIALIZER()                                 \
  extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {     \
    const std::string dir = cess::chain::fuzz::SeedDir();            \
    if (!dir.empty()) {                                              \
      cess::chain::fuzz::WriteSeeds(dir);                            \
      std::exit(0);                                                  \
    }                                                                \
    return 0;                                                        \
  }
