// PoDR² tags: the full-domain hash, tag generation (CRT fast path and CESS's plain algorithm) and
// the tag-set digest the enclave signs.
#include <openssl/bn.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "bn_util.h"
#include "cess/core/codec.h"
#include "cess/core/hash.h"
#include "podr2_internal.h"
#include "secret_key_impl.h"

namespace cess::proofs {
namespace {

constexpr std::string_view kHashDomain = "cess/podr2/h/v1";
constexpr std::string_view kTagsDomain = "cess/podr2/tags/v1";
constexpr size_t kHashOutputBytes = 256;

Status CheckFragment(ByteSpan fragment, uint32_t blocks) {
  if (blocks == 0) return Status::InvalidArgument("podr2: blocks must be > 0");
  if (fragment.empty() || fragment.size() % blocks != 0) {
    return Status::InvalidArgument("podr2: fragment of " + std::to_string(fragment.size()) +
                                   " bytes is not a non-zero multiple of " + std::to_string(blocks) +
                                   " blocks");
  }
  return Status::Ok();
}

void PutLe32(uint8_t* out, uint32_t v) {
  for (int k = 0; k < 4; ++k) out[k] = static_cast<uint8_t>(v >> (8 * k));
}

}  // namespace
}  // namespace cess::proofs

namespace cess::proofs::internal {

Status HashToModulusBn(BIGNUM* out, const BIGNUM* n, const Hash256& name, uint32_t index, BN_CTX* ctx) {
  uint8_t input[kHashDomain.size() + 32 + 4 + 4];
  std::copy(kHashDomain.begin(), kHashDomain.end(), input);
  std::copy(name.begin(), name.end(), input + kHashDomain.size());
  PutLe32(input + kHashDomain.size() + 32, index);
  uint8_t wide[kHashOutputBytes];
  for (uint32_t c = 0; c < kHashOutputBytes / 32; ++c) {
    PutLe32(input + kHashDomain.size() + 36, c);
    const Hash256 h = crypto::Sha256(ByteSpan(input, sizeof(input)));
    std::copy(h.begin(), h.end(), wide + 32 * c);
  }
  CESS_RETURN_IF_ERROR(BnSetBytes(out, ByteSpan(wide, sizeof(wide))));
  return BnCheck(BN_nnmod(out, out, n, ctx) == 1, "BN_nnmod");
}

}  // namespace cess::proofs::internal

namespace cess::proofs::podr2 {

using internal::BnCheck;
using internal::BnPtr;
using internal::NewBn;
using internal::NewSecretBn;
using internal::SecretBnPtr;

Bytes HashToModulus(const PublicKey& pk, const Hash256& name, uint32_t index) {
  if (pk.n.empty()) return {};
  BnPtr n = internal::BnFromBytes(pk.n);
  if (BN_is_zero(n.get())) return {};
  internal::BnCtxPtr ctx = internal::NewBnCtx();
  BnPtr h = NewBn();
  if (!internal::HashToModulusBn(h.get(), n.get(), name, index, ctx.get()).ok()) return {};
  return internal::BnToBytes(h.get(), pk.n.size());
}

namespace {

// Tags blocks with the CRT fast path; holds the temporaries so a fragment reuses them.
class CrtTagger {
 public:
  explicit CrtTagger(const SecretKey& sk)
      : k_(sk.impl()),
        ctx_(internal::NewBnCtx()),
        h_(NewBn()),
        m_(NewBn()),
        sigma_(NewBn()),
        exp_(NewSecretBn()),
        a_(NewSecretBn()),
        b_(NewSecretBn()),
        sp_(NewSecretBn()),
        sq_(NewSecretBn()),
        t_(NewSecretBn()) {}

  // The tag of `block` at `index` of fragment `name`, |N| bytes.
  Result<Bytes> Tag(const Hash256& name, uint32_t index, ByteSpan block) {
    CESS_RETURN_IF_ERROR(internal::HashToModulusBn(h_.get(), k_.n.get(), name, index, ctx_.get()));
    CESS_RETURN_IF_ERROR(internal::BnSetBytes(m_.get(), block));
    CESS_RETURN_IF_ERROR(
        Half(sp_.get(), k_.p.get(), k_.p1.get(), k_.u_p.get(), k_.dp.get(), k_.mont_p.get()));
    CESS_RETURN_IF_ERROR(
        Half(sq_.get(), k_.q.get(), k_.q1.get(), k_.u_q.get(), k_.dq.get(), k_.mont_q.get()));
    // Garner: σ = σ_q + q · ((σ_p − σ_q) · q⁻¹ mod p).
    BN_CTX* ctx = ctx_.get();
    CESS_RETURN_IF_ERROR(
        BnCheck(BN_mod_sub(t_.get(), sp_.get(), sq_.get(), k_.p.get(), ctx) == 1, "BN_mod_sub"));
    CESS_RETURN_IF_ERROR(
        BnCheck(BN_mod_mul(t_.get(), t_.get(), k_.qinv.get(), k_.p.get(), ctx) == 1, "BN_mod_mul"));
    CESS_RETURN_IF_ERROR(BnCheck(BN_mul(t_.get(), t_.get(), k_.q.get(), ctx) == 1, "BN_mul"));
    CESS_RETURN_IF_ERROR(BnCheck(BN_add(sigma_.get(), t_.get(), sq_.get()) == 1, "BN_add"));
    return internal::BnToBytes(sigma_.get(), k_.pk.n.size());
  }

 private:
  // σ mod r for one prime r: ((H mod r) · u_r^(m mod (r−1)))^(d mod (r−1)) mod r.
  Status Half(BIGNUM* out, const BIGNUM* r, const BIGNUM* r1, const BIGNUM* u_r, const BIGNUM* d_r,
              BN_MONT_CTX* mont) {
    BN_CTX* ctx = ctx_.get();
    CESS_RETURN_IF_ERROR(BnCheck(BN_mod(exp_.get(), m_.get(), r1, ctx) == 1, "BN_mod"));
    CESS_RETURN_IF_ERROR(BnCheck(BN_mod_exp_mont_consttime(b_.get(), u_r, exp_.get(), r, ctx, mont) == 1,
                                 "BN_mod_exp_mont_consttime"));
    CESS_RETURN_IF_ERROR(BnCheck(BN_mod(a_.get(), h_.get(), r, ctx) == 1, "BN_mod"));
    CESS_RETURN_IF_ERROR(BnCheck(BN_mod_mul(a_.get(), a_.get(), b_.get(), r, ctx) == 1, "BN_mod_mul"));
    return BnCheck(BN_mod_exp_mont_consttime(out, a_.get(), d_r, r, ctx, mont) == 1,
                   "BN_mod_exp_mont_consttime");
  }

  const SecretKey::Impl& k_;
  internal::BnCtxPtr ctx_;
  BnPtr h_, m_, sigma_;
  SecretBnPtr exp_, a_, b_, sp_, sq_, t_;
};

}  // namespace

Result<std::vector<Bytes>> GenerateTags(const SecretKey& sk, const Hash256& name, ByteSpan fragment,
                                        uint32_t blocks) {
  CESS_RETURN_IF_ERROR(CheckFragment(fragment, blocks));
  const size_t block_size = fragment.size() / blocks;
  CrtTagger tagger(sk);
  std::vector<Bytes> tags;
  tags.reserve(blocks);
  for (uint32_t i = 0; i < blocks; ++i) {
    CESS_ASSIGN_OR_RETURN(Bytes tag, tagger.Tag(name, i, fragment.subspan(i * block_size, block_size)));
    tags.push_back(std::move(tag));
  }
  return tags;
}

Result<Bytes> GenerateTagAt(const SecretKey& sk, const Hash256& name, uint32_t index, ByteSpan block) {
  if (block.empty()) return Status::InvalidArgument("podr2: empty block");
  CrtTagger tagger(sk);
  return tagger.Tag(name, index, block);
}

Result<std::vector<Bytes>> GenerateTagsPlain(const SecretKey& sk, ByteSpan u, const Hash256& name,
                                             ByteSpan fragment, uint32_t blocks) {
  CESS_RETURN_IF_ERROR(CheckFragment(fragment, blocks));
  const SecretKey::Impl& k = sk.impl();
  BnPtr u_bn = internal::BnFromBytes(u);
  if (BN_cmp(u_bn.get(), BN_value_one()) <= 0 || BN_cmp(u_bn.get(), k.n.get()) >= 0) {
    return Status::InvalidArgument("podr2: u is not in (1, N)");
  }
  const size_t block_size = fragment.size() / blocks;
  const size_t len = k.pk.n.size();
  internal::BnCtxPtr ctx = internal::NewBnCtx();
  BnPtr h = NewBn();
  BnPtr m = NewBn();
  BnPtr um = NewBn();
  SecretBnPtr base = NewSecretBn();
  SecretBnPtr sigma = NewSecretBn();
  std::vector<Bytes> tags;
  tags.reserve(blocks);
  for (uint32_t i = 0; i < blocks; ++i) {
    CESS_RETURN_IF_ERROR(internal::HashToModulusBn(h.get(), k.n.get(), name, i, ctx.get()));
    CESS_RETURN_IF_ERROR(internal::BnSetBytes(m.get(), fragment.subspan(i * block_size, block_size)));
    CESS_RETURN_IF_ERROR(
        BnCheck(BN_mod_exp_mont(um.get(), u_bn.get(), m.get(), k.n.get(), ctx.get(), k.mont_n.get()) == 1,
                "BN_mod_exp_mont"));
    CESS_RETURN_IF_ERROR(
        BnCheck(BN_mod_mul(base.get(), um.get(), h.get(), k.n.get(), ctx.get()) == 1, "BN_mod_mul"));
    CESS_RETURN_IF_ERROR(BnCheck(BN_mod_exp_mont_consttime(sigma.get(), base.get(), k.d.get(), k.n.get(),
                                                           ctx.get(), k.mont_n.get()) == 1,
                                 "BN_mod_exp_mont_consttime"));
    tags.push_back(internal::BnToBytes(sigma.get(), len));
  }
  return tags;
}

Hash256 TagDigest(const Hash256& name, std::span<const Bytes> tags) {
  crypto::Sha256Hasher hasher;
  hasher.Update(AsBytes(kTagsDomain));
  hasher.Update(name);
  uint8_t count[4];
  PutLe32(count, static_cast<uint32_t>(tags.size()));
  hasher.Update(ByteSpan(count, 4));
  for (const Bytes& t : tags) hasher.Update(t);
  return hasher.Finish();
}

}  // namespace cess::proofs::podr2
