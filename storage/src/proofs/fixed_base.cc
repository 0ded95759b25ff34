#include "fixed_base.h"

#include <algorithm>
#include <list>
#include <mutex>
#include <utility>

namespace cess::proofs::internal {
namespace {

constexpr size_t kCacheEntries = 4;

struct CacheEntry {
  Bytes key;  // n ‖ u, big-endian, each length-prefixed by its byte count
  std::shared_ptr<const FixedBaseTable> table;
};

std::mutex g_mu;
std::list<CacheEntry> g_cache;  // most recently used first; guarded by g_mu

Bytes CacheKey(const BIGNUM* n, const BIGNUM* u) {
  const size_t nl = static_cast<size_t>(BN_num_bytes(n));
  const size_t ul = static_cast<size_t>(BN_num_bytes(u));
  Bytes key(8 + nl + ul);
  for (int i = 0; i < 4; ++i) {
    key[i] = static_cast<uint8_t>(nl >> (8 * i));
    key[4 + i] = static_cast<uint8_t>(ul >> (8 * i));
  }
  BN_bn2bin(n, key.data() + 8);
  BN_bn2bin(u, key.data() + 8 + nl);
  return key;
}

}  // namespace

Result<std::shared_ptr<const FixedBaseTable>> FixedBaseTable::Get(const BIGNUM* n, const BIGNUM* u,
                                                                  int exp_bits, BN_MONT_CTX* mont,
                                                                  BN_CTX* ctx) {
  const Bytes key = CacheKey(n, u);
  std::lock_guard<std::mutex> lock(g_mu);
  for (auto it = g_cache.begin(); it != g_cache.end(); ++it) {
    if (it->key == key && it->table->covered_bits() >= exp_bits) {
      g_cache.splice(g_cache.begin(), g_cache, it);
      return g_cache.front().table;
    }
  }
  // Build (or rebuild longer, with headroom so slightly larger μ do not rebuild again).
  auto table = std::make_shared<FixedBaseTable>();
  const int digits = (exp_bits + exp_bits / 8 + kDigitBits - 1) / kDigitBits + 1;
  table->powers_.reserve(static_cast<size_t>(digits));
  BnPtr p = NewBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_nnmod(p.get(), u, n, ctx) == 1, "BN_nnmod"));
  CESS_RETURN_IF_ERROR(BnCheck(BN_to_montgomery(p.get(), p.get(), mont, ctx) == 1, "BN_to_montgomery"));
  for (int k = 0; k < digits; ++k) {
    BnPtr next = NewBn();
    CESS_RETURN_IF_ERROR(BnCheck(BN_copy(next.get(), p.get()) != nullptr, "BN_copy"));
    table->powers_.push_back(std::move(p));
    for (int s = 0; s < kDigitBits; ++s) {
      CESS_RETURN_IF_ERROR(BnCheck(BN_mod_mul_montgomery(next.get(), next.get(), next.get(), mont, ctx) == 1,
                                   "BN_mod_mul_montgomery"));
    }
    p = std::move(next);
  }
  g_cache.remove_if([&key](const CacheEntry& e) { return e.key == key; });
  g_cache.push_front(CacheEntry{key, table});
  while (g_cache.size() > kCacheEntries) g_cache.pop_back();
  return std::shared_ptr<const FixedBaseTable>(std::move(table));
}

Status FixedBaseTable::Exp(BIGNUM* r, const BIGNUM* e, BN_MONT_CTX* mont, BN_CTX* ctx) const {
  const int bits = BN_num_bits(e);
  if (bits > covered_bits()) return Status::Internal("fixed-base table too short for the exponent");
  constexpr int kMaxDigit = (1 << kDigitBits) - 1;
  // Bucket the table entries by their digit of e.
  std::vector<std::vector<const BIGNUM*>> by_digit(kMaxDigit + 1);
  const int digits = (bits + kDigitBits - 1) / kDigitBits;
  for (int k = 0; k < digits; ++k) {
    int d = 0;
    for (int s = kDigitBits - 1; s >= 0; --s) d = (d << 1) | BN_is_bit_set(e, k * kDigitBits + s);
    if (d != 0) by_digit[static_cast<size_t>(d)].push_back(powers_[static_cast<size_t>(k)].get());
  }
  // Yao: A_j = Π_{digit ≥ j} T_k, result = Π_j A_j, so T_k is counted digit_k times.
  BnPtr a = NewBn();
  BnPtr acc = NewBn();
  bool a_one = true;
  bool acc_one = true;
  for (int j = kMaxDigit; j >= 1; --j) {
    for (const BIGNUM* t : by_digit[static_cast<size_t>(j)]) {
      if (a_one) {
        CESS_RETURN_IF_ERROR(BnCheck(BN_copy(a.get(), t) != nullptr, "BN_copy"));
        a_one = false;
      } else {
        CESS_RETURN_IF_ERROR(
            BnCheck(BN_mod_mul_montgomery(a.get(), a.get(), t, mont, ctx) == 1, "BN_mod_mul_montgomery"));
      }
    }
    if (a_one) continue;
    if (acc_one) {
      CESS_RETURN_IF_ERROR(BnCheck(BN_copy(acc.get(), a.get()) != nullptr, "BN_copy"));
      acc_one = false;
    } else {
      CESS_RETURN_IF_ERROR(BnCheck(BN_mod_mul_montgomery(acc.get(), acc.get(), a.get(), mont, ctx) == 1,
                                   "BN_mod_mul_montgomery"));
    }
  }
  if (acc_one) return BnCheck(BN_one(r) == 1, "BN_one");  // e == 0
  return BnCheck(BN_from_montgomery(r, acc.get(), mont, ctx) == 1, "BN_from_montgomery");
}

}  // namespace cess::proofs::internal
