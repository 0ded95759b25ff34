// PoDR²: CESS's publicly verifiable RSA-2048 proof of data possession (DESIGN.md §9;
// ../shared/reference/cess-real-implementation.md §2), with our improvements:
//   - tags computed with CRT and exponents reduced mod p−1 / q−1 (GenerateTags) instead of a full
//     2048-bit exponentiation of a 64 Ki-bit exponent (GenerateTagsPlain, CESS's algorithm);
//   - one `u` per network key (PublicKey::u) instead of one per fragment, so a challenge over many
//     fragments verifies with one exponentiation of u by the aggregated μ (Verify);
//   - every tag set carries the enclave's Ed25519 signature over its digest (TagDigest), and the
//     chain checks all of them (CESS checks 4.9%);
//   - the miner's coverage commitment is a real hash of its fragment set (CoverageCommitment).
//
// The scheme. Key: RSA modulus N = p·q (2048 bits), e = 65537, d = e⁻¹ mod φ(N), and a public
// u ∈ Z_N*. A fragment named `name` (its 32-byte SHA-256) is cut into `blocks` equal blocks
// m_0..m_{b−1} (each read as a big-endian unsigned integer). Block i's tag is
//   σ_i = (H(name, i) · u^{m_i})^d mod N,
// where H(name, i) is the full-domain hash: SHA-256 in counter mode ("cess/podr2/h/v1" ‖ name ‖
// u32 i ‖ u32 counter), 256 bytes, reduced mod N. A challenge names distinct block indices I and
// a coefficient v_i (coefficient_bytes big-endian bytes, non-zero) per index; the same challenge
// applies to every fragment the miner holds. The proof over fragments j = 1..F is
//   σ = Π_j Π_{i∈I} σ_{j,i}^{v_i} mod N,   μ = Σ_j Σ_{i∈I} v_i · m_{j,i}  (not reduced),
// and it verifies when σ^e ≡ Π_{i∈I} (Π_j H(name_j, i))^{v_i} · u^{μ} (mod N).
//
// Everything here is deterministic given its inputs except key generation. Thread safety: all
// functions are pure; SecretKey and PublicKey are immutable values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::proofs::podr2 {

inline constexpr size_t kModulusBytes = 256;  // RSA-2048
inline constexpr uint32_t kPublicExponent = 65537;

// The public key every verifier holds: N, e and the network's u. Canonical encoding: bytes N
// (256, big-endian) ‖ u32 e ‖ bytes u (256, big-endian).
struct PublicKey {
  Bytes n;  // 256 bytes, big-endian
  uint32_t e = kPublicExponent;
  Bytes u;  // 256 bytes, big-endian, 1 < u < N

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on bad bytes; InvalidArgument when a field is out of range.
  static Result<PublicKey> Decode(codec::Reader& r);
  Bytes Serialize() const;
  static Result<PublicKey> Parse(ByteSpan bytes);
  // SHA-256 of Serialize(): the key's identity on chain.
  Hash256 Fingerprint() const;
  bool operator==(const PublicKey&) const = default;
};

// The secret key (held by the enclave only). Opaque; serializes for sealing.
class SecretKey {
 public:
  ~SecretKey();
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;

  // A fresh key: `bits`-bit modulus (2048 in every profile; tests may use 1024 for speed), e =
  // 65537, and a random u. Errors: InvalidArgument when bits < 512 or odd; Internal on an OpenSSL
  // failure.
  static Result<std::unique_ptr<SecretKey>> Generate(int bits = 2048);
  // Serialize / Parse: p, q and u (the rest is derived). Parse checks p·q, that e is invertible
  // and u in range. Errors: Corruption / InvalidArgument on bad bytes.
  Bytes Serialize() const;
  static Result<std::unique_ptr<SecretKey>> Parse(ByteSpan bytes);

  const PublicKey& public_key() const;

  // The key's internals, for cess_proofs' own sources (Impl is defined only there).
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit SecretKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The full-domain hash H(name, i) mod N as a 256-byte big-endian value (exposed for tests).
Bytes HashToModulus(const PublicKey& pk, const Hash256& name, uint32_t index);

// The tags of one fragment, fast path: CRT and reduced exponents. `fragment` is cut into `blocks`
// equal blocks. Returns `blocks` tags of kModulusBytes bytes each (big-endian, left-padded).
// Errors: InvalidArgument when blocks == 0 or fragment.size() is not a non-zero multiple of blocks.
Result<std::vector<Bytes>> GenerateTags(const SecretKey& sk, const Hash256& name, ByteSpan fragment,
                                        uint32_t blocks);
// The tag of one block: what GenerateTags returns at `index` for a fragment whose block `index` is
// `block` (for re-tagging one block, and for benchmarks that need tags of challenged blocks only).
// Errors: InvalidArgument when block is empty.
Result<Bytes> GenerateTagAt(const SecretKey& sk, const Hash256& name, uint32_t index, ByteSpan block);

// CESS's algorithm, for the benchmark and as the oracle: σ_i = (H · u^{m_i})^d mod N with plain
// exponentiations mod N and the full m_i as exponent, with a caller-chosen u (CESS draws one per
// fragment). With u == sk.public_key().u the output equals GenerateTags byte for byte.
// Errors: as GenerateTags; InvalidArgument when u is not in (1, N).
Result<std::vector<Bytes>> GenerateTagsPlain(const SecretKey& sk, ByteSpan u, const Hash256& name,
                                             ByteSpan fragment, uint32_t blocks);

// SHA-256 over "cess/podr2/tags/v1" ‖ name ‖ u32 count ‖ tags: what the enclave signs for a tag set
// and what the chain checks.
Hash256 TagDigest(const Hash256& name, std::span<const Bytes> tags);

// A challenge: distinct block indices (ascending) and one non-zero coefficient per index.
struct Challenge {
  std::vector<uint32_t> indices;
  std::vector<Bytes> coefficients;  // each coefficient_bytes long, big-endian, non-zero

  // Derives `count` distinct indices in [0, blocks) and their coefficients from `seed` (chain
  // randomness) by SHA-256 in counter mode: the same seed gives the same challenge everywhere.
  // Errors: InvalidArgument when count == 0, count > blocks or coefficient_bytes ∉ [1, 64].
  static Result<Challenge> Derive(const Hash256& seed, uint32_t blocks, uint32_t count, uint32_t coefficient_bytes);

  void Encode(codec::Writer& w) const;
  static Result<Challenge> Decode(codec::Reader& r);
  bool operator==(const Challenge&) const = default;
};

// A proof: σ (kModulusBytes, big-endian) and μ (big-endian, minimal length, at least 1 byte).
// Canonical encoding: bytes sigma ‖ bytes mu.
struct Proof {
  Bytes sigma;
  Bytes mu;

  void Encode(codec::Writer& w) const;
  static Result<Proof> Decode(codec::Reader& r);
  bool operator==(const Proof&) const = default;
};

// What the prover reads for one fragment: its name and, per challenged block index, that block's
// bytes and its tag. Called only for indices of the challenge.
struct FragmentSource {
  Hash256 name{};
  std::function<Result<Bytes>(uint32_t index)> read_block;  // block bytes (fragment_size / blocks)
  std::function<Result<Bytes>(uint32_t index)> read_tag;    // kModulusBytes
};

// The miner's proof over `fragments` (in the order the verifier will list their names).
// Errors: InvalidArgument on an empty challenge or a tag of the wrong size; what a reader returns.
Result<Proof> Prove(const PublicKey& pk, const Challenge& challenge, std::span<const FragmentSource> fragments);

// Aggregated verification over the fragments named `names` (same order as proven): one
// exponentiation of u by μ, one of σ by e, and one multi-exponentiation of |I| per-index products
// of H. Returns OK when the proof verifies; Corruption when it does not; InvalidArgument on
// malformed inputs (wrong sizes, σ ≥ N, empty names or challenge).
Status Verify(const PublicKey& pk, const Challenge& challenge, std::span<const Hash256> names, const Proof& proof);

// The plain per-term verification (CESS's batch_verify shape: Π_j Π_i H(name_j,i)^{v_i} computed
// term by term), the oracle for Verify in tests. Same results as Verify.
Status VerifyPlain(const PublicKey& pk, const Challenge& challenge, std::span<const Hash256> names,
                   const Proof& proof);

// The coverage commitment of a miner's fragment set: SHA-256 over "cess/coverage/v1" ‖ u64 count ‖
// the 32-byte names sorted ascending (duplicates kept). Order-independent; any added, removed or
// changed name changes it.
Hash256 CoverageCommitment(std::span<const Hash256> names);

}  // namespace cess::proofs::podr2
