// PoDR² proving and verification. Both group the work by challenged index: the prover multiplies
// the tags of all fragments at index i, the verifier the hashes H(name_j, i), both in Montgomery
// form, and one simultaneous multi-exponentiation raises the |I| products to the coefficients.
#include <openssl/bn.h>

#include <string>
#include <vector>

#include "bn_util.h"
#include "fixed_base.h"
#include "podr2_internal.h"

namespace cess::proofs::podr2 {
namespace {

using internal::BnCheck;
using internal::BnPtr;
using internal::MontPtr;
using internal::NewBn;

// Sets `out` to R^k mod N (R the Montgomery radix), so that mont_mul(x, R^k) = x·R^(k−1).
Status MontRadixPower(BIGNUM* out, uint64_t k, const BIGNUM* n, BN_MONT_CTX* mont, BN_CTX* ctx) {
  BnPtr r = NewBn();
  BnPtr kk = NewBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_one(r.get()) == 1, "BN_one"));
  CESS_RETURN_IF_ERROR(BnCheck(BN_to_montgomery(r.get(), r.get(), mont, ctx) == 1, "BN_to_montgomery"));
  CESS_RETURN_IF_ERROR(BnCheck(BN_set_word(kk.get(), k) == 1, "BN_set_word"));
  return BnCheck(BN_mod_exp(out, r.get(), kk.get(), n, ctx) == 1, "BN_mod_exp");
}

// A product of F values taken one at a time with Montgomery multiplications of plain values: the
// running value after the f-th multiplication carries a factor R^(−f); Finish() removes it and
// leaves the product in Montgomery form (·R), ready for MultiExpMont.
class MontProduct {
 public:
  MontProduct() : acc_(NewBn()) {}
  Status Mul(const BIGNUM* x, BN_MONT_CTX* mont, BN_CTX* ctx) {
    if (first_) {
      first_ = false;
      return BnCheck(BN_copy(acc_.get(), x) != nullptr, "BN_copy");
    }
    return BnCheck(BN_mod_mul_montgomery(acc_.get(), acc_.get(), x, mont, ctx) == 1, "BN_mod_mul_montgomery");
  }
  // `radix_fp1` = R^(F+1) mod N for F multiplied values.
  Status Finish(const BIGNUM* radix_fp1, BN_MONT_CTX* mont, BN_CTX* ctx) {
    return BnCheck(BN_mod_mul_montgomery(acc_.get(), acc_.get(), radix_fp1, mont, ctx) == 1,
                   "BN_mod_mul_montgomery");
  }
  const BIGNUM* get() const { return acc_.get(); }

 private:
  BnPtr acc_;
  bool first_ = true;
};

struct VerifyContext {
  BnPtr n;
  BnPtr u;
  BnPtr e;
  BnPtr sigma;
  BnPtr mu;
  std::vector<BnPtr> v;  // coefficients
  internal::BnCtxPtr ctx;
  MontPtr mont;
};

// The checks both verifiers share, and the values they need. Errors: InvalidArgument.
Result<VerifyContext> PrepareVerify(const PublicKey& pk, const Challenge& challenge,
                                    std::span<const Hash256> names, const Proof& proof) {
  CESS_RETURN_IF_ERROR(internal::ValidatePublicKey(pk));
  CESS_RETURN_IF_ERROR(internal::ValidateChallenge(challenge, StatusCode::kInvalidArgument));
  if (names.empty()) return Status::InvalidArgument("podr2 verify: no fragment names");
  if (proof.sigma.size() != pk.n.size()) {
    return Status::InvalidArgument("podr2 verify: sigma is " + std::to_string(proof.sigma.size()) +
                                   " bytes, want " + std::to_string(pk.n.size()));
  }
  if (proof.mu.empty() || (proof.mu.size() > 1 && proof.mu[0] == 0)) {
    return Status::InvalidArgument("podr2 verify: mu is not minimal big-endian");
  }
  VerifyContext vc;
  vc.n = internal::BnFromBytes(pk.n);
  vc.u = internal::BnFromBytes(pk.u);
  vc.sigma = internal::BnFromBytes(proof.sigma);
  vc.mu = internal::BnFromBytes(proof.mu);
  vc.e = NewBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_set_word(vc.e.get(), pk.e) == 1, "BN_set_word"));
  if (BN_cmp(vc.sigma.get(), vc.n.get()) >= 0) return Status::InvalidArgument("podr2 verify: sigma >= N");
  for (const Bytes& c : challenge.coefficients) vc.v.push_back(internal::BnFromBytes(c));
  vc.ctx = internal::NewBnCtx();
  CESS_ASSIGN_OR_RETURN(vc.mont, internal::NewMont(vc.n.get(), vc.ctx.get()));
  return vc;
}

// Compares σ^e with hprod · u^μ mod N. OK or Corruption. `fixed_base`: u^μ from the cached
// per-key table (Verify) rather than a plain exponentiation (VerifyPlain, the oracle).
Status FinishVerify(VerifyContext& vc, const BIGNUM* hprod, bool fixed_base) {
  BIGNUM* n = vc.n.get();
  BN_CTX* ctx = vc.ctx.get();
  BnPtr rhs = NewBn();
  BnPtr lhs = NewBn();
  if (fixed_base) {
    CESS_ASSIGN_OR_RETURN(auto table, internal::FixedBaseTable::Get(n, vc.u.get(), BN_num_bits(vc.mu.get()),
                                                                    vc.mont.get(), ctx));
    CESS_RETURN_IF_ERROR(table->Exp(rhs.get(), vc.mu.get(), vc.mont.get(), ctx));
  } else {
    CESS_RETURN_IF_ERROR(BnCheck(
        BN_mod_exp_mont(rhs.get(), vc.u.get(), vc.mu.get(), n, ctx, vc.mont.get()) == 1, "BN_mod_exp_mont"));
  }
  CESS_RETURN_IF_ERROR(BnCheck(BN_mod_mul(rhs.get(), rhs.get(), hprod, n, ctx) == 1, "BN_mod_mul"));
  CESS_RETURN_IF_ERROR(BnCheck(
      BN_mod_exp_mont(lhs.get(), vc.sigma.get(), vc.e.get(), n, ctx, vc.mont.get()) == 1, "BN_mod_exp_mont"));
  if (BN_cmp(lhs.get(), rhs.get()) != 0) return Status::Corruption("podr2: proof does not verify");
  return Status::Ok();
}

}  // namespace

Result<Proof> Prove(const PublicKey& pk, const Challenge& challenge,
                    std::span<const FragmentSource> fragments) {
  CESS_RETURN_IF_ERROR(internal::ValidatePublicKey(pk));
  CESS_RETURN_IF_ERROR(internal::ValidateChallenge(challenge, StatusCode::kInvalidArgument));
  if (fragments.empty()) return Status::InvalidArgument("podr2 prove: no fragments");
  const size_t len = pk.n.size();
  const size_t count = challenge.indices.size();
  internal::BnCtxPtr ctx = internal::NewBnCtx();
  BnPtr n = internal::BnFromBytes(pk.n);
  CESS_ASSIGN_OR_RETURN(MontPtr mont, internal::NewMont(n.get(), ctx.get()));

  std::vector<MontProduct> tag_products(count);
  std::vector<BnPtr> block_sums;  // Σ_j m_{j,i} per challenged index
  for (size_t k = 0; k < count; ++k) {
    block_sums.push_back(NewBn());
    BN_zero(block_sums.back().get());
  }
  BnPtr t = NewBn();
  BnPtr m = NewBn();
  // Fragment-major, so a miner reads each fragment's challenged blocks together.
  for (size_t j = 0; j < fragments.size(); ++j) {
    const FragmentSource& f = fragments[j];
    for (size_t k = 0; k < count; ++k) {
      const uint32_t i = challenge.indices[k];
      CESS_ASSIGN_OR_RETURN(Bytes tag, f.read_tag(i));
      if (tag.size() != len) {
        return Status::InvalidArgument("podr2 prove: tag " + std::to_string(i) + " of fragment " +
                                       std::to_string(j) + " is " + std::to_string(tag.size()) +
                                       " bytes, want " + std::to_string(len));
      }
      CESS_RETURN_IF_ERROR(internal::BnSetBytes(t.get(), tag));
      CESS_RETURN_IF_ERROR(BnCheck(BN_nnmod(t.get(), t.get(), n.get(), ctx.get()) == 1, "BN_nnmod"));
      CESS_RETURN_IF_ERROR(tag_products[k].Mul(t.get(), mont.get(), ctx.get()));
      CESS_ASSIGN_OR_RETURN(Bytes block, f.read_block(i));
      CESS_RETURN_IF_ERROR(internal::BnSetBytes(m.get(), block));
      CESS_RETURN_IF_ERROR(BnCheck(BN_add(block_sums[k].get(), block_sums[k].get(), m.get()) == 1, "BN_add"));
    }
  }
  BnPtr radix = NewBn();
  CESS_RETURN_IF_ERROR(MontRadixPower(radix.get(), fragments.size() + 1, n.get(), mont.get(), ctx.get()));
  std::vector<const BIGNUM*> bases;
  std::vector<BnPtr> v_owned;
  std::vector<const BIGNUM*> exps;
  BnPtr mu = NewBn();
  BN_zero(mu.get());
  for (size_t k = 0; k < count; ++k) {
    CESS_RETURN_IF_ERROR(tag_products[k].Finish(radix.get(), mont.get(), ctx.get()));
    bases.push_back(tag_products[k].get());
    v_owned.push_back(internal::BnFromBytes(challenge.coefficients[k]));
    exps.push_back(v_owned.back().get());
    CESS_RETURN_IF_ERROR(
        BnCheck(BN_mul(t.get(), v_owned.back().get(), block_sums[k].get(), ctx.get()) == 1, "BN_mul"));
    CESS_RETURN_IF_ERROR(BnCheck(BN_add(mu.get(), mu.get(), t.get()) == 1, "BN_add"));
  }
  BnPtr sigma = NewBn();
  CESS_RETURN_IF_ERROR(internal::MultiExpMont(sigma.get(), bases, exps, mont.get(), ctx.get()));
  Proof proof;
  proof.sigma = internal::BnToBytes(sigma.get(), len);
  proof.mu = internal::BnToMinimalBytes(mu.get());
  return proof;
}

Status Verify(const PublicKey& pk, const Challenge& challenge, std::span<const Hash256> names,
              const Proof& proof) {
  CESS_ASSIGN_OR_RETURN(VerifyContext vc, PrepareVerify(pk, challenge, names, proof));
  BN_CTX* ctx = vc.ctx.get();
  BN_MONT_CTX* mont = vc.mont.get();
  BnPtr radix = NewBn();
  CESS_RETURN_IF_ERROR(MontRadixPower(radix.get(), names.size() + 1, vc.n.get(), mont, ctx));
  const size_t count = challenge.indices.size();
  std::vector<MontProduct> products(count);
  BnPtr h = NewBn();
  for (size_t k = 0; k < count; ++k) {
    for (const Hash256& name : names) {
      CESS_RETURN_IF_ERROR(internal::HashToModulusBn(h.get(), vc.n.get(), name, challenge.indices[k], ctx));
      CESS_RETURN_IF_ERROR(products[k].Mul(h.get(), mont, ctx));
    }
    CESS_RETURN_IF_ERROR(products[k].Finish(radix.get(), mont, ctx));
  }
  std::vector<const BIGNUM*> bases;
  std::vector<const BIGNUM*> exps;
  for (size_t k = 0; k < count; ++k) {
    bases.push_back(products[k].get());
    exps.push_back(vc.v[k].get());
  }
  BnPtr hprod = NewBn();
  CESS_RETURN_IF_ERROR(internal::MultiExpMont(hprod.get(), bases, exps, mont, ctx));
  return FinishVerify(vc, hprod.get(), /*fixed_base=*/true);
}

Status VerifyPlain(const PublicKey& pk, const Challenge& challenge, std::span<const Hash256> names,
                   const Proof& proof) {
  CESS_ASSIGN_OR_RETURN(VerifyContext vc, PrepareVerify(pk, challenge, names, proof));
  BN_CTX* ctx = vc.ctx.get();
  BnPtr acc = NewBn();
  BnPtr h = NewBn();
  CESS_RETURN_IF_ERROR(BnCheck(BN_one(acc.get()) == 1, "BN_one"));
  for (const Hash256& name : names) {
    for (size_t k = 0; k < challenge.indices.size(); ++k) {
      CESS_RETURN_IF_ERROR(internal::HashToModulusBn(h.get(), vc.n.get(), name, challenge.indices[k], ctx));
      CESS_RETURN_IF_ERROR(
          BnCheck(BN_mod_exp_mont(h.get(), h.get(), vc.v[k].get(), vc.n.get(), ctx, vc.mont.get()) == 1,
                  "BN_mod_exp_mont"));
      CESS_RETURN_IF_ERROR(
          BnCheck(BN_mod_mul(acc.get(), acc.get(), h.get(), vc.n.get(), ctx) == 1, "BN_mod_mul"));
    }
  }
  return FinishVerify(vc, acc.get(), /*fixed_base=*/false);
}

}  // namespace cess::proofs::podr2
