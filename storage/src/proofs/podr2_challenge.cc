// PoDR² challenges and proofs as values: derivation from chain randomness, the canonical codec,
// and the miner's coverage commitment.
#include <algorithm>
#include <set>
#include <string>
#include <string_view>

#include "cess/core/hash.h"
#include "podr2_internal.h"

namespace cess::proofs::podr2 {
namespace {

constexpr std::string_view kChallengeDomain = "cess/podr2/challenge/v1";
constexpr std::string_view kCoverageDomain = "cess/coverage/v1";
// μ is about one block plus a coefficient plus log2(fragments · indices) bits: 1 MiB is far above
// any profile (8 KiB blocks).
constexpr size_t kMaxMuBytes = 1 << 20;

// SHA-256 in counter mode over the challenge parameters: block c is SHA-256(domain ‖ seed ‖ u32
// blocks ‖ u32 count ‖ u32 coefficient_bytes ‖ u64 c).
class ChallengeStream {
 public:
  ChallengeStream(const Hash256& seed, uint32_t blocks, uint32_t count, uint32_t coefficient_bytes) {
    codec::Writer w;
    w.PutFixed(AsBytes(kChallengeDomain));
    w.PutFixed(seed);
    w.PutU32(blocks);
    w.PutU32(count);
    w.PutU32(coefficient_bytes);
    prefix_ = w.Take();
  }

  uint8_t NextByte() {
    if (used_ == block_.size()) {
      codec::Writer w;
      w.PutFixed(prefix_);
      w.PutU64(counter_++);
      block_ = crypto::Sha256(w.data());
      used_ = 0;
    }
    return block_[used_++];
  }
  uint32_t NextU32() {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= static_cast<uint32_t>(NextByte()) << (8 * k);
    return v;
  }

 private:
  Bytes prefix_;
  uint64_t counter_ = 0;
  Hash256 block_{};
  size_t used_ = 32;
};

}  // namespace
}  // namespace cess::proofs::podr2

namespace cess::proofs::internal {

Status ValidateChallenge(const podr2::Challenge& c, StatusCode code) {
  auto fail = [code](const std::string& m) { return Status(code, "podr2 challenge: " + m); };
  if (c.indices.empty()) return fail("no indices");
  if (c.indices.size() != c.coefficients.size()) return fail("indices and coefficients differ in count");
  for (size_t k = 0; k < c.indices.size(); ++k) {
    if (k > 0 && c.indices[k] <= c.indices[k - 1]) return fail("indices are not strictly ascending");
    const Bytes& v = c.coefficients[k];
    if (v.empty() || v.size() > kMaxCoefficientBytes) return fail("coefficient of bad size");
    if (std::all_of(v.begin(), v.end(), [](uint8_t b) { return b == 0; })) return fail("zero coefficient");
  }
  return Status::Ok();
}

}  // namespace cess::proofs::internal

namespace cess::proofs::podr2 {

Result<Challenge> Challenge::Derive(const Hash256& seed, uint32_t blocks, uint32_t count,
                                    uint32_t coefficient_bytes) {
  if (count == 0 || count > blocks) {
    return Status::InvalidArgument("podr2 challenge: count " + std::to_string(count) +
                                   " not in [1, blocks=" + std::to_string(blocks) + "]");
  }
  if (count > internal::kMaxChallengeCount) {
    return Status::InvalidArgument("podr2 challenge: count " + std::to_string(count) + " above the maximum");
  }
  if (coefficient_bytes < 1 || coefficient_bytes > internal::kMaxCoefficientBytes) {
    return Status::InvalidArgument("podr2 challenge: coefficient_bytes must be in [1, 64]");
  }
  ChallengeStream stream(seed, blocks, count, coefficient_bytes);
  // Uniform indices by rejection: accept r < limit, the largest multiple of `blocks` ≤ 2^32.
  const uint64_t limit = ((uint64_t{1} << 32) / blocks) * blocks;
  std::set<uint32_t> chosen;
  while (chosen.size() < count) {
    const uint32_t r = stream.NextU32();
    if (r >= limit) continue;
    chosen.insert(static_cast<uint32_t>(r % blocks));
  }
  Challenge c;
  c.indices.assign(chosen.begin(), chosen.end());
  c.coefficients.reserve(count);
  for (uint32_t k = 0; k < count; ++k) {
    Bytes v(coefficient_bytes);
    do {
      for (uint8_t& b : v) b = stream.NextByte();
    } while (std::all_of(v.begin(), v.end(), [](uint8_t b) { return b == 0; }));
    c.coefficients.push_back(std::move(v));
  }
  return c;
}

void Challenge::Encode(codec::Writer& w) const {
  w.PutVector(indices, [](codec::Writer& wr, uint32_t i) { wr.PutU32(i); });
  w.PutVector(coefficients, [](codec::Writer& wr, const Bytes& v) { wr.PutBytes(v); });
}

Result<Challenge> Challenge::Decode(codec::Reader& r) {
  Challenge c;
  CESS_ASSIGN_OR_RETURN(c.indices, r.ReadVector<uint32_t>([](codec::Reader& rd) { return rd.ReadU32(); }, 4));
  CESS_ASSIGN_OR_RETURN(
      c.coefficients,
      r.ReadVector<Bytes>([](codec::Reader& rd) { return rd.ReadBytes(internal::kMaxCoefficientBytes); }, 4));
  CESS_RETURN_IF_ERROR(internal::ValidateChallenge(c, StatusCode::kCorruption));
  return c;
}

void Proof::Encode(codec::Writer& w) const {
  w.PutBytes(sigma);
  w.PutBytes(mu);
}

Result<Proof> Proof::Decode(codec::Reader& r) {
  Proof p;
  CESS_ASSIGN_OR_RETURN(p.sigma, r.ReadBytes(internal::kMaxModulusBytes));
  CESS_ASSIGN_OR_RETURN(p.mu, r.ReadBytes(kMaxMuBytes));
  if (p.sigma.empty()) return Status::Corruption("podr2 proof: empty sigma");
  if (p.mu.empty() || (p.mu.size() > 1 && p.mu[0] == 0)) {
    return Status::Corruption("podr2 proof: mu is not minimal big-endian");
  }
  return p;
}

Hash256 CoverageCommitment(std::span<const Hash256> names) {
  std::vector<Hash256> sorted(names.begin(), names.end());
  std::sort(sorted.begin(), sorted.end());
  crypto::Sha256Hasher hasher;
  hasher.Update(AsBytes(kCoverageDomain));
  codec::Writer w;
  w.PutU64(sorted.size());
  hasher.Update(w.data());
  for (const Hash256& h : sorted) hasher.Update(h);
  return hasher.Finish();
}

}  // namespace cess::proofs::podr2
