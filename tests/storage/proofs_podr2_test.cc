// PoDR² (cess_proofs): tags against CESS's plain algorithm and a direct check of the tag equation,
// honest proofs, forgery attempts, Verify against VerifyPlain, challenge derivation, digests.
#include <openssl/bn.h>

#include <algorithm>
#include <set>

#include "cess/core/hash.h"
#include "cess/storage/proofs/podr2.h"
#include "proofs_test_util.h"

namespace cess::proofs::podr2 {
namespace {

using testing::FreshSeed;
using testing::MakeFragment;
using testing::MemFragment;
using testing::OtherKey1024;
using testing::RandomBytes;
using testing::RandomHash;
using testing::TestKey1024;

struct BnDel {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnDel>;
Bn ToBn(ByteSpan b) { return Bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr)); }

// The tag equation checked directly with OpenSSL (independent of the library): σ^e ≡ H·u^m mod N.
bool TagEquationHolds(const PublicKey& pk, const Hash256& name, uint32_t index, ByteSpan block,
                      ByteSpan tag) {
  BN_CTX* ctx = BN_CTX_new();
  Bn n = ToBn(pk.n), u = ToBn(pk.u), s = ToBn(tag), m = ToBn(block), h = ToBn(HashToModulus(pk, name, index));
  Bn e(BN_new()), lhs(BN_new()), rhs(BN_new());
  BN_set_word(e.get(), pk.e);
  BN_mod_exp(lhs.get(), s.get(), e.get(), n.get(), ctx);
  BN_mod_exp(rhs.get(), u.get(), m.get(), n.get(), ctx);
  BN_mod_mul(rhs.get(), rhs.get(), h.get(), n.get(), ctx);
  const bool ok = BN_cmp(lhs.get(), rhs.get()) == 0;
  BN_CTX_free(ctx);
  return ok;
}

std::vector<FragmentSource> Sources(const std::vector<MemFragment>& frags) {
  std::vector<FragmentSource> out;
  for (const auto& f : frags) out.push_back(f.Source());
  return out;
}

std::vector<Hash256> Names(const std::vector<MemFragment>& frags) {
  std::vector<Hash256> out;
  for (const auto& f : frags) out.push_back(f.name);
  return out;
}

Challenge TestChallenge(std::mt19937_64& rng, uint32_t blocks, uint32_t count, uint32_t coef_bytes = 20) {
  auto c = Challenge::Derive(RandomHash(rng), blocks, count, coef_bytes);
  EXPECT_TRUE(c.ok()) << c.status();
  return std::move(c).value();
}

// ---- keys ----

TEST(Podr2Key, GenerateChecksBitsAndMakesAValidKey) {
  EXPECT_EQ(SecretKey::Generate(256).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SecretKey::Generate(1023).status().code(), StatusCode::kInvalidArgument);
  const PublicKey& pk = TestKey1024().public_key();
  EXPECT_EQ(pk.n.size(), 128u);
  EXPECT_EQ(pk.u.size(), 128u);
  EXPECT_EQ(pk.e, kPublicExponent);
  EXPECT_NE(pk.n.front() & 0x80, 0);  // exactly 1024 bits
  EXPECT_TRUE(PublicKey::Parse(pk.Serialize()).ok());
  EXPECT_NE(TestKey1024().public_key().n, OtherKey1024().public_key().n);
}

TEST(Podr2Key, HashToModulusIsDeterministicReducedAndDomainSeparated) {
  const PublicKey& pk = TestKey1024().public_key();
  std::mt19937_64 rng(FreshSeed());
  const Hash256 name = RandomHash(rng);
  const Bytes h = HashToModulus(pk, name, 7);
  ASSERT_EQ(h.size(), pk.n.size());
  EXPECT_EQ(h, HashToModulus(pk, name, 7));
  EXPECT_NE(h, HashToModulus(pk, name, 8));
  Hash256 other = name;
  other[0] ^= 1;
  EXPECT_NE(h, HashToModulus(pk, other, 7));
  EXPECT_LT(BN_cmp(ToBn(h).get(), ToBn(pk.n).get()), 0);
}

// ---- tags ----

TEST(Podr2Tags, CrtEqualsPlainAndSatisfiesTheTagEquation) {
  const uint64_t seed = FreshSeed();
  SCOPED_TRACE(seed);
  std::mt19937_64 rng(seed);
  const SecretKey& sk = TestKey1024();
  const PublicKey& pk = sk.public_key();
  for (size_t block_size : {1u, 2u, 17u, 128u, 1000u, 4096u}) {
    const uint32_t blocks = 1 + static_cast<uint32_t>(rng() % 4);
    Bytes data = RandomBytes(rng, blocks * block_size);
    if (block_size == 17) std::fill(data.begin(), data.begin() + 17, 0);       // a zero block
    if (block_size == 128) std::fill(data.begin(), data.begin() + 128, 0xFF);  // an all-ones block
    const Hash256 name = RandomHash(rng);
    auto fast = GenerateTags(sk, name, data, blocks);
    auto plain = GenerateTagsPlain(sk, pk.u, name, data, blocks);
    ASSERT_TRUE(fast.ok()) << fast.status();
    ASSERT_TRUE(plain.ok()) << plain.status();
    ASSERT_EQ(fast->size(), blocks);
    EXPECT_EQ(*fast, *plain) << "block_size " << block_size;
    for (uint32_t i = 0; i < blocks; ++i) {
      ASSERT_EQ((*fast)[i].size(), pk.n.size());
      const ByteSpan block(data.data() + i * block_size, block_size);
      EXPECT_TRUE(TagEquationHolds(pk, name, i, block, (*fast)[i])) << "block " << i;
      EXPECT_FALSE(TagEquationHolds(pk, name, i + 1, block, (*fast)[i]));
    }
  }
}

TEST(Podr2Tags, GenerateTagAtMatchesTheFragmentTags) {
  std::mt19937_64 rng(FreshSeed());
  const SecretKey& sk = TestKey1024();
  const MemFragment f = MakeFragment(sk, rng, 8, 100);
  for (uint32_t i = 0; i < 8; ++i) {
    auto t = GenerateTagAt(sk, f.name, i, f.Block(i));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(*t, f.tags[i]);
  }
  EXPECT_NE(*GenerateTagAt(sk, f.name, 1, f.Block(0)), f.tags[0]);
  EXPECT_EQ(GenerateTagAt(sk, f.name, 0, ByteSpan()).status().code(), StatusCode::kInvalidArgument);
}

TEST(Podr2Tags, PlainWithAnotherUDiffers) {
  std::mt19937_64 rng(FreshSeed());
  const SecretKey& sk = TestKey1024();
  const Bytes data = RandomBytes(rng, 64);
  Bytes u2 = sk.public_key().u;
  u2.back() ^= 2;
  auto a = GenerateTags(sk, Hash256{}, data, 2);
  auto b = GenerateTagsPlain(sk, u2, Hash256{}, data, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE((*a)[0], (*b)[0]);
}

TEST(Podr2Tags, CrtEqualsPlain2048) {
  auto key = SecretKey::Generate(2048);
  ASSERT_TRUE(key.ok()) << key.status();
  const SecretKey& sk = **key;
  ASSERT_EQ(sk.public_key().n.size(), kModulusBytes);
  std::mt19937_64 rng(FreshSeed());
  const Bytes data = RandomBytes(rng, 2 * 2048);
  const Hash256 name = RandomHash(rng);
  auto fast = GenerateTags(sk, name, data, 2);
  auto plain = GenerateTagsPlain(sk, sk.public_key().u, name, data, 2);
  ASSERT_TRUE(fast.ok() && plain.ok());
  EXPECT_EQ(*fast, *plain);
  EXPECT_EQ((*fast)[0].size(), kModulusBytes);
  EXPECT_TRUE(TagEquationHolds(sk.public_key(), name, 1, ByteSpan(data).subspan(2048), (*fast)[1]));
}

TEST(Podr2Tags, RejectsBadShapesAndBadU) {
  const SecretKey& sk = TestKey1024();
  const Bytes data(100, 1);
  EXPECT_EQ(GenerateTags(sk, Hash256{}, data, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateTags(sk, Hash256{}, data, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateTags(sk, Hash256{}, ByteSpan(), 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateTagsPlain(sk, sk.public_key().u, Hash256{}, data, 3).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateTagsPlain(sk, Bytes{1}, Hash256{}, data, 4).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateTagsPlain(sk, sk.public_key().n, Hash256{}, data, 4).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Podr2Tags, TagDigestCoversNameCountAndEveryByte) {
  std::mt19937_64 rng(FreshSeed());
  const Hash256 name = RandomHash(rng);
  std::vector<Bytes> tags = {RandomBytes(rng, 128), RandomBytes(rng, 128), RandomBytes(rng, 128)};
  const Hash256 d = TagDigest(name, tags);
  EXPECT_EQ(d, TagDigest(name, tags));
  Hash256 name2 = name;
  name2[31] ^= 0x80;
  EXPECT_NE(d, TagDigest(name2, tags));
  auto t2 = tags;
  t2[1][rng() % 128] ^= 1;
  EXPECT_NE(d, TagDigest(name, t2));
  EXPECT_NE(d, TagDigest(name, std::span<const Bytes>(tags).first(2)));
  std::swap(t2[0], t2[2]);
  EXPECT_NE(d, TagDigest(name, t2));
}

// ---- challenges ----

TEST(Podr2Challenge, DeriveIsDeterministicDistinctSortedNonZero) {
  std::mt19937_64 rng(FreshSeed());
  for (int round = 0; round < 20; ++round) {
    const Hash256 seed = RandomHash(rng);
    const uint32_t blocks = 1 + static_cast<uint32_t>(rng() % 2000);
    const uint32_t count = 1 + static_cast<uint32_t>(rng() % std::min<uint32_t>(blocks, 64));
    const uint32_t cb = 1 + static_cast<uint32_t>(rng() % 64);
    auto c = Challenge::Derive(seed, blocks, count, cb);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(*c, *Challenge::Derive(seed, blocks, count, cb));
    ASSERT_EQ(c->indices.size(), count);
    ASSERT_EQ(c->coefficients.size(), count);
    for (size_t k = 0; k < count; ++k) {
      EXPECT_LT(c->indices[k], blocks);
      if (k > 0) {
        EXPECT_LT(c->indices[k - 1], c->indices[k]);
      }
      EXPECT_EQ(c->coefficients[k].size(), cb);
      EXPECT_TRUE(
          std::any_of(c->coefficients[k].begin(), c->coefficients[k].end(), [](uint8_t b) { return b; }));
    }
    Hash256 seed2 = seed;
    seed2[0] ^= 1;
    EXPECT_NE(c->coefficients, Challenge::Derive(seed2, blocks, count, cb)->coefficients);
  }
}

TEST(Podr2Challenge, DeriveCoversAllBlocksWhenCountEqualsBlocks) {
  auto c = Challenge::Derive(Hash256{}, 50, 50, 1);  // 1-byte coefficients exercise zero rejection
  ASSERT_TRUE(c.ok());
  for (uint32_t i = 0; i < 50; ++i) EXPECT_EQ(c->indices[i], i);
  for (const auto& v : c->coefficients) EXPECT_NE(v[0], 0);
}

TEST(Podr2Challenge, CessProfileShape) {
  auto c = Challenge::Derive(Hash256{1}, 1024, 47, 20);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->indices.size(), 47u);
  EXPECT_EQ(c->coefficients[0].size(), 20u);
}

TEST(Podr2Challenge, DeriveRejectsBadCounts) {
  EXPECT_EQ(Challenge::Derive(Hash256{}, 10, 0, 20).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Challenge::Derive(Hash256{}, 10, 11, 20).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Challenge::Derive(Hash256{}, 0, 1, 20).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Challenge::Derive(Hash256{}, 10, 5, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Challenge::Derive(Hash256{}, 10, 5, 65).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Challenge::Derive(Hash256{}, 10, 5, 64).ok());
}

// ---- proofs ----

class Podr2ProofTest : public ::testing::TestWithParam<int> {};

TEST_P(Podr2ProofTest, HonestProofVerifiesBothWays) {
  const uint64_t seed = FreshSeed();
  SCOPED_TRACE(seed);
  std::mt19937_64 rng(seed);
  const SecretKey& sk = TestKey1024();
  const int fragments = GetParam();
  std::vector<MemFragment> frags;
  for (int j = 0; j < fragments; ++j) frags.push_back(MakeFragment(sk, rng, 16, 64));
  const Challenge c = TestChallenge(rng, 16, 5);
  auto proof = Prove(sk.public_key(), c, Sources(frags));
  ASSERT_TRUE(proof.ok()) << proof.status();
  EXPECT_EQ(proof->sigma.size(), sk.public_key().n.size());
  EXPECT_TRUE(Verify(sk.public_key(), c, Names(frags), *proof).ok());
  EXPECT_TRUE(VerifyPlain(sk.public_key(), c, Names(frags), *proof).ok());
}

INSTANTIATE_TEST_SUITE_P(Fragments, Podr2ProofTest, ::testing::Values(1, 3, 50));

TEST(Podr2Proof, MuIsTheUnreducedWeightedSum) {
  std::mt19937_64 rng(FreshSeed());
  const SecretKey& sk = TestKey1024();
  std::vector<MemFragment> frags = {MakeFragment(sk, rng, 4, 3), MakeFragment(sk, rng, 4, 3)};
  Challenge c;
  c.indices = {1, 3};
  c.coefficients = {Bytes{2}, Bytes{0x01, 0x00}};  // 2 and 256
  auto proof = Prove(sk.public_key(), c, Sources(frags));
  ASSERT_TRUE(proof.ok());
  BN_CTX* ctx = BN_CTX_new();
  Bn want(BN_new()), t(BN_new());
  BN_zero(want.get());
  for (const auto& f : frags) {
    Bn m1 = ToBn(f.Block(1)), m3 = ToBn(f.Block(3));
    BN_mul_word(m1.get(), 2);
    BN_mul_word(m3.get(), 256);
    BN_add(want.get(), want.get(), m1.get());
    BN_add(want.get(), want.get(), m3.get());
  }
  BN_CTX_free(ctx);
  EXPECT_EQ(BN_cmp(ToBn(proof->mu).get(), want.get()), 0);
  EXPECT_TRUE(proof->mu.size() == 1 || proof->mu[0] != 0);
}

class Podr2ForgeryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = FreshSeed();
    std::mt19937_64 rng(seed_);
    for (int j = 0; j < 4; ++j) frags_.push_back(MakeFragment(sk(), rng, 16, 48));
    challenge_ = TestChallenge(rng, 16, 6);
    other_challenge_ = TestChallenge(rng, 16, 6);
    auto p = Prove(pk(), challenge_, Sources(frags_));
    ASSERT_TRUE(p.ok()) << p.status();
    proof_ = *p;
    ASSERT_TRUE(Verify(pk(), challenge_, Names(frags_), proof_).ok());
  }
  const SecretKey& sk() const { return TestKey1024(); }
  const PublicKey& pk() const { return sk().public_key(); }
  // Expects both verifiers to reject with Corruption.
  void ExpectRejected(const Challenge& c, const std::vector<Hash256>& names, const Proof& p) {
    SCOPED_TRACE(seed_);
    EXPECT_EQ(Verify(pk(), c, names, p).code(), StatusCode::kCorruption);
    EXPECT_EQ(VerifyPlain(pk(), c, names, p).code(), StatusCode::kCorruption);
  }
  Proof ProveWith(const std::vector<FragmentSource>& sources, const Challenge& c) {
    auto p = Prove(pk(), c, sources);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *p : Proof{};
  }

  uint64_t seed_ = 0;
  std::vector<MemFragment> frags_;
  Challenge challenge_, other_challenge_;
  Proof proof_;
};

TEST_F(Podr2ForgeryTest, WrongBlockData) {
  auto sources = Sources(frags_);
  const uint32_t target = challenge_.indices[2];
  sources[1].read_block = [this, target](uint32_t i) -> Result<Bytes> {
    Bytes b = frags_[1].Block(i);
    if (i == target) b[b.size() / 2] ^= 0x10;
    return b;
  };
  ExpectRejected(challenge_, Names(frags_), ProveWith(sources, challenge_));
}

TEST_F(Podr2ForgeryTest, TagOfAnotherIndex) {
  auto sources = Sources(frags_);
  const uint32_t target = challenge_.indices[0];
  sources[2].read_tag = [this, target](uint32_t i) -> Result<Bytes> {
    return frags_[2].tags[i == target ? (i + 1) % 16 : i];
  };
  ExpectRejected(challenge_, Names(frags_), ProveWith(sources, challenge_));
}

TEST_F(Podr2ForgeryTest, ReusedProofForAnotherChallenge) {
  ASSERT_NE(challenge_, other_challenge_);
  ExpectRejected(other_challenge_, Names(frags_), proof_);
  // Same indices, other coefficients.
  Challenge c = challenge_;
  c.coefficients[0][0] ^= 1;
  ExpectRejected(c, Names(frags_), proof_);
}

TEST_F(Podr2ForgeryTest, MuOffByOne) {
  for (int delta : {-1, 1}) {
    Bn mu = ToBn(proof_.mu);
    if (delta > 0) {
      BN_add_word(mu.get(), 1);
    } else {
      BN_sub_word(mu.get(), 1);
    }
    Proof p = proof_;
    p.mu.assign(static_cast<size_t>(BN_num_bytes(mu.get())), 0);
    BN_bn2bin(mu.get(), p.mu.data());
    ExpectRejected(challenge_, Names(frags_), p);
  }
}

TEST_F(Podr2ForgeryTest, SigmaReplaced) {
  std::mt19937_64 rng(seed_ + 1);
  Proof p = proof_;
  p.sigma = frags_[0].tags[0];  // a real tag, not the aggregate
  ExpectRejected(challenge_, Names(frags_), p);
  p = proof_;
  p.sigma.back() ^= 1;
  ExpectRejected(challenge_, Names(frags_), p);
}

TEST_F(Podr2ForgeryTest, NamesDroppedAddedOrChanged) {
  auto names = Names(frags_);
  // Reordering is fine: σ and μ are symmetric in the fragments, so the proof is over the set.
  std::reverse(names.begin(), names.end());
  EXPECT_TRUE(Verify(pk(), challenge_, names, proof_).ok());
  EXPECT_TRUE(VerifyPlain(pk(), challenge_, names, proof_).ok());
  names = Names(frags_);
  names.pop_back();
  ExpectRejected(challenge_, names, proof_);
  names = Names(frags_);
  names.push_back(names[0]);
  ExpectRejected(challenge_, names, proof_);
  names = Names(frags_);
  names[1][5] ^= 0x01;
  ExpectRejected(challenge_, names, proof_);
}

TEST_F(Podr2ForgeryTest, DroppedFragmentInTheProof) {
  auto sources = Sources(frags_);
  sources.pop_back();
  ExpectRejected(challenge_, Names(frags_), ProveWith(sources, challenge_));
}

TEST_F(Podr2ForgeryTest, TagsFromAnotherKey) {
  std::mt19937_64 rng(seed_ + 2);
  std::vector<MemFragment> foreign = frags_;
  for (auto& f : foreign) {
    auto tags = GenerateTags(OtherKey1024(), f.name, f.data, f.blocks);
    ASSERT_TRUE(tags.ok());
    f.tags = *tags;
  }
  // Sizes match (both 1024-bit) so Prove runs; the result must not verify under our key.
  ExpectRejected(challenge_, Names(frags_), ProveWith(Sources(foreign), challenge_));
}

TEST(Podr2Proof, VerifyEqualsVerifyPlainOnRandomCases) {
  const uint64_t seed = FreshSeed();
  SCOPED_TRACE(seed);
  std::mt19937_64 rng(seed);
  const SecretKey& sk = TestKey1024();
  for (int round = 0; round < 12; ++round) {
    const uint32_t blocks = 2 + static_cast<uint32_t>(rng() % 10);
    const int fragments = 1 + static_cast<int>(rng() % 5);
    std::vector<MemFragment> frags;
    for (int j = 0; j < fragments; ++j) frags.push_back(MakeFragment(sk, rng, blocks, 1 + rng() % 40));
    const Challenge c = TestChallenge(rng, blocks, 1 + static_cast<uint32_t>(rng() % blocks),
                                      1 + static_cast<uint32_t>(rng() % 32));
    auto proof = Prove(sk.public_key(), c, Sources(frags));
    ASSERT_TRUE(proof.ok());
    if (rng() % 2 == 0) proof->sigma[rng() % proof->sigma.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    if (proof->sigma[0] >= sk.public_key().n[0]) proof->sigma[0] = 0;  // keep σ < N
    const Status a = Verify(sk.public_key(), c, Names(frags), *proof);
    const Status b = VerifyPlain(sk.public_key(), c, Names(frags), *proof);
    EXPECT_EQ(a.code(), b.code()) << a << " vs " << b;
  }
}

TEST(Podr2Proof, MalformedInputsAreInvalidArgument) {
  std::mt19937_64 rng(FreshSeed());
  const SecretKey& sk = TestKey1024();
  const PublicKey& pk = sk.public_key();
  std::vector<MemFragment> frags = {MakeFragment(sk, rng, 4, 8)};
  const Challenge c = TestChallenge(rng, 4, 2);
  auto proof = Prove(pk, c, Sources(frags));
  ASSERT_TRUE(proof.ok());
  const auto names = Names(frags);
  auto code = [&](const Challenge& cc, std::span<const Hash256> nn, const Proof& p) {
    const StatusCode a = Verify(pk, cc, nn, p).code();
    EXPECT_EQ(a, VerifyPlain(pk, cc, nn, p).code());
    return a;
  };
  EXPECT_EQ(code(c, {}, *proof), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Challenge{}, names, *proof), StatusCode::kInvalidArgument);
  Challenge unsorted = c;
  std::swap(unsorted.indices[0], unsorted.indices[1]);
  EXPECT_EQ(code(unsorted, names, *proof), StatusCode::kInvalidArgument);
  Challenge zero = c;
  zero.coefficients[0].assign(20, 0);
  EXPECT_EQ(code(zero, names, *proof), StatusCode::kInvalidArgument);
  Proof p = *proof;
  p.sigma.pop_back();
  EXPECT_EQ(code(c, names, p), StatusCode::kInvalidArgument);
  p = *proof;
  p.sigma = pk.n;  // σ = N
  EXPECT_EQ(code(c, names, p), StatusCode::kInvalidArgument);
  p = *proof;
  p.mu.clear();
  EXPECT_EQ(code(c, names, p), StatusCode::kInvalidArgument);
  p = *proof;
  p.mu.insert(p.mu.begin(), 0);
  EXPECT_EQ(code(c, names, p), StatusCode::kInvalidArgument);
  PublicKey bad = pk;
  bad.u = bad.n;
  EXPECT_EQ(Verify(bad, c, names, *proof).code(), StatusCode::kInvalidArgument);

  // Prove: empty challenge / fragments, a short tag, a failing reader.
  EXPECT_EQ(Prove(pk, Challenge{}, Sources(frags)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Prove(pk, c, {}).status().code(), StatusCode::kInvalidArgument);
  auto sources = Sources(frags);
  sources[0].read_tag = [](uint32_t) -> Result<Bytes> { return Bytes(10, 1); };
  EXPECT_EQ(Prove(pk, c, sources).status().code(), StatusCode::kInvalidArgument);
  sources = Sources(frags);
  sources[0].read_block = [](uint32_t) -> Result<Bytes> { return Status::IoError("disk gone"); };
  EXPECT_EQ(Prove(pk, c, sources).status().code(), StatusCode::kIoError);
}

// ---- coverage ----

TEST(Podr2Coverage, OrderIndependentAndSensitive) {
  std::mt19937_64 rng(FreshSeed());
  std::vector<Hash256> names;
  for (int i = 0; i < 20; ++i) names.push_back(RandomHash(rng));
  const Hash256 c = CoverageCommitment(names);
  auto shuffled = names;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  EXPECT_EQ(c, CoverageCommitment(shuffled));
  auto fewer = names;
  fewer.erase(fewer.begin() + 7);
  EXPECT_NE(c, CoverageCommitment(fewer));
  auto more = names;
  more.push_back(RandomHash(rng));
  EXPECT_NE(c, CoverageCommitment(more));
  auto dup = names;
  dup.push_back(names[3]);
  EXPECT_NE(c, CoverageCommitment(dup));
  auto changed = names;
  changed[11][0] ^= 1;
  EXPECT_NE(c, CoverageCommitment(changed));
  EXPECT_NE(CoverageCommitment({}), c);
}

}  // namespace
}  // namespace cess::proofs::podr2
