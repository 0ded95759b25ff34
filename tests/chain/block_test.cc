// Block headers and blocks: codec, seals and their domain, roots, limits, and the slot VRF.
#include "cess/chain/block.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cess/chain/merkle.h"
#include "cess/core/ecvrf.h"
#include "cess/core/hash.h"
#include "cess/core/random.h"
#include "types_test_util.h"

namespace cess::chain {
namespace {

using testing::ExpectRoundTrip;
using testing::ExpectTruncationAndTrailingRejected;
using testing::FilledHash;
using testing::SampleHeader;
using testing::SampleReceipt;
using testing::SignedTx;
using testing::TestKey;

Block SampleBlock(size_t n_tx = 3) {
  Block b;
  b.header = SampleHeader();
  for (size_t i = 0; i < n_tx; ++i) b.transactions.push_back(SignedTx(static_cast<uint8_t>(i % 3 + 1), i));
  b.header.transactions_root = b.ComputeTransactionsRoot();
  EXPECT_TRUE(b.Seal(TestKey(0), "devnet").ok());
  return b;
}

TEST(BlockHeaderTest, RoundTripTruncationSizeAndHash) {
  const BlockHeader h = SampleHeader();
  ExpectRoundTrip(h);
  ExpectTruncationAndTrailingRejected(h);
  ExpectRoundTrip(BlockHeader{});
  const Bytes bytes = codec::Encode(h);
  EXPECT_EQ(bytes.size(), kBlockHeaderBytes);
  EXPECT_EQ(kBlockHeaderBytes, 305u);
  EXPECT_EQ(h.Hash(), crypto::Sha256(bytes));
  // Field order: the parent hash first, the VRF proof last.
  EXPECT_EQ(ToHex(ByteSpan(bytes).first(32)), HashToHex(h.parent_hash));
  EXPECT_EQ(ToHex(ByteSpan(bytes).subspan(32, 8)), "2a00000000000000");  // height 42, little-endian
  EXPECT_EQ(ToHex(ByteSpan(bytes).last(81)), ToHex(h.vrf_proof));
}

TEST(BlockHeaderTest, EveryFieldChangesTheHash) {
  const BlockHeader h = SampleHeader();
  std::vector<std::pair<std::string, std::function<void(BlockHeader&)>>> tampers = {
      {"parent_hash", [](BlockHeader& x) { x.parent_hash[0] ^= 1; }},
      {"height", [](BlockHeader& x) { x.height++; }},
      {"slot", [](BlockHeader& x) { x.slot++; }},
      {"epoch", [](BlockHeader& x) { x.epoch++; }},
      {"era", [](BlockHeader& x) { x.era++; }},
      {"author", [](BlockHeader& x) { x.author.bytes[31] ^= 1; }},
      {"state_root", [](BlockHeader& x) { x.state_root[5] ^= 1; }},
      {"transactions_root", [](BlockHeader& x) { x.transactions_root[5] ^= 1; }},
      {"receipts_root", [](BlockHeader& x) { x.receipts_root[5] ^= 1; }},
      {"vrf_output", [](BlockHeader& x) { x.vrf_output[0] ^= 1; }},
      {"vrf_proof", [](BlockHeader& x) { x.vrf_proof[80] ^= 1; }},
  };
  SealedHeader sealed{h, {}};
  ASSERT_TRUE(sealed.Seal(TestKey(0), "devnet").ok());
  ASSERT_TRUE(sealed.VerifySeal("devnet").ok());
  for (auto& [name, tamper] : tampers) {
    SealedHeader t = sealed;
    tamper(t.header);
    EXPECT_NE(t.Hash(), sealed.Hash()) << name;
    EXPECT_FALSE(t.VerifySeal("devnet").ok()) << name;
  }
}

TEST(SealedHeaderTest, RoundTripAndSeal) {
  SealedHeader sh{SampleHeader(), {}};
  ASSERT_TRUE(sh.Seal(TestKey(4), "devnet").ok());
  EXPECT_EQ(sh.header.author, AccountId::Of(TestKey(4)));
  EXPECT_TRUE(sh.VerifySeal("devnet").ok());
  ExpectRoundTrip(sh);
  ExpectTruncationAndTrailingRejected(sh);
  EXPECT_EQ(SealSigningBytes(sh.Hash(), "devnet").value(),
            codec::SigningPayload("block", "devnet", sh.Hash()));
}

TEST(BlockTest, RoundTripAndTruncation) {
  const Block b = SampleBlock();
  ExpectRoundTrip(b);
  ExpectTruncationAndTrailingRejected(b);
  const Block empty = SampleBlock(0);
  ExpectRoundTrip(empty);
  ExpectTruncationAndTrailingRejected(empty);
  EXPECT_EQ(empty.header.transactions_root, kEmptyMerkleRoot);
  EXPECT_EQ(b.Hash(), b.header.Hash());
  EXPECT_EQ(b.Sealed().seal, b.seal);
}

TEST(BlockTest, TransactionsAndReceiptsRoots) {
  const Block b = SampleBlock(3);
  std::vector<Hash256> hashes;
  for (const Transaction& tx : b.transactions) hashes.push_back(tx.Hash());
  EXPECT_EQ(b.ComputeTransactionsRoot(), MerkleRoot(hashes));
  EXPECT_EQ(TransactionsRoot(b.transactions), MerkleRoot(hashes));
  std::vector<Receipt> receipts = {SampleReceipt(), Receipt{}};
  EXPECT_EQ(ReceiptsRoot(receipts), MerkleRoot(std::vector<Hash256>{receipts[0].Hash(), receipts[1].Hash()}));
  EXPECT_EQ(ReceiptsRoot({}), kEmptyMerkleRoot);
}

TEST(BlockTest, SealAndIntegrity) {
  Block b = SampleBlock();
  EXPECT_EQ(b.header.author, AccountId::Of(TestKey(0)));
  EXPECT_TRUE(b.VerifySeal("devnet").ok());
  EXPECT_TRUE(b.CheckIntegrity("devnet").ok()) << b.CheckIntegrity("devnet");

  // A transaction added, removed, reordered or changed breaks the root.
  Block t = b;
  t.transactions.push_back(SignedTx(1, 99));
  EXPECT_EQ(t.CheckIntegrity("devnet").code(), StatusCode::kCorruption);
  t = b;
  t.transactions.pop_back();
  EXPECT_EQ(t.CheckIntegrity("devnet").code(), StatusCode::kCorruption);
  t = b;
  std::swap(t.transactions[0], t.transactions[1]);
  EXPECT_EQ(t.CheckIntegrity("devnet").code(), StatusCode::kCorruption);
  t = b;
  t.transactions[2].fee++;
  EXPECT_EQ(t.CheckIntegrity("devnet").code(), StatusCode::kCorruption);
  // A bad seal.
  t = b;
  t.seal[0] ^= 1;
  EXPECT_EQ(t.CheckIntegrity("devnet").code(), StatusCode::kCorruption);
  // Another author's claim.
  t = b;
  t.header.author = AccountId::Of(TestKey(1));
  EXPECT_EQ(t.VerifySeal("devnet").code(), StatusCode::kCorruption);
}

TEST(BlockTest, SealIsBoundToChainAndDomain) {
  const Block b = SampleBlock();
  EXPECT_EQ(b.VerifySeal("cess").code(), StatusCode::kCorruption);
  const Hash256 hash = b.Hash();
  // The same key signing the same header hash as a transaction or a vote is not a seal.
  for (std::string_view other : {kTransactionDomain, kVoteDomain}) {
    Block forged = b;
    forged.seal = SignDomain(TestKey(0), other, "devnet", hash).value();
    EXPECT_EQ(forged.VerifySeal("devnet").code(), StatusCode::kCorruption) << other;
  }
  // And a seal does not verify as a transaction or vote signature over the same bytes.
  EXPECT_TRUE(VerifyDomain(b.header.author, kBlockDomain, "devnet", hash, b.seal).ok());
  EXPECT_FALSE(VerifyDomain(b.header.author, kTransactionDomain, "devnet", hash, b.seal).ok());
  EXPECT_FALSE(VerifyDomain(b.header.author, kVoteDomain, "devnet", hash, b.seal).ok());
}

TEST(BlockTest, HostileCountsAreRefused) {
  const Block b = SampleBlock(0);
  Bytes bytes = codec::Encode(b);
  // The transaction count follows the header; claim 2^32 - 1 transactions.
  for (int i = 0; i < 4; ++i) bytes[kBlockHeaderBytes + i] = 0xFF;
  EXPECT_EQ(codec::Decode<Block>(bytes).status().code(), StatusCode::kCorruption);

  // More than kMaxBlockTransactions, with the bytes all present, is refused too.
  codec::Writer w;
  b.header.Encode(w);
  w.PutCount(kMaxBlockTransactions + 1);
  Transaction tiny;
  tiny.call = Call{"m", "f", {}};
  for (size_t i = 0; i < kMaxBlockTransactions + 1; ++i) tiny.Encode(w);
  w.PutFixed(b.seal);
  auto r = codec::Decode<Block>(w.data());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("exceed"), std::string::npos) << r.status();
}

TEST(BlockTest, TooManyBytesAreRefused) {
  // 33 transactions of 1 MiB args: within the count limit, above kMaxBlockBytes.
  Block b;
  Transaction big;
  big.call = Call{"m", "f", Bytes(kMaxCallArgsBytes, 1)};
  b.transactions.assign(kMaxBlockBytes / kMaxCallArgsBytes + 1, big);
  b.header.transactions_root = b.ComputeTransactionsRoot();
  ASSERT_TRUE(b.Seal(TestKey(0), "devnet").ok());
  EXPECT_EQ(b.CheckIntegrity("devnet").code(), StatusCode::kCorruption);
  EXPECT_EQ(codec::Decode<Block>(codec::Encode(b)).status().code(), StatusCode::kCorruption);
}

// ---- slot VRF ----

struct VrfKeys {
  crypto::ecvrf::SecretKey sk;
  crypto::ecvrf::PublicKey pk;
};

VrfKeys MakeVrfKeys(uint64_t seed) {
  crypto::DeterministicRng rng(seed);
  VrfKeys k;
  k.sk = crypto::ecvrf::GenerateSecretKey(rng).value();
  k.pk = crypto::ecvrf::PublicKeyFromSecret(k.sk).value();
  return k;
}

TEST(SlotVrfTest, InputLayout) {
  const Bytes alpha = SlotVrfInput(FilledHash(0xAB), 5);
  codec::Writer w;
  w.PutString("cess/slot-vrf/v1");
  w.PutFixed(FilledHash(0xAB));
  w.PutU64(5);
  EXPECT_EQ(alpha, w.data());
  EXPECT_NE(SlotVrfInput(FilledHash(0xAB), 6), alpha);
}

TEST(SlotVrfTest, HeaderVrfVerifiesWithCoreEcvrf) {
  const VrfKeys keys = MakeVrfKeys(1);
  const Hash256 randomness = FilledHash(0x5A);
  BlockHeader h = SampleHeader();
  ASSERT_TRUE(h.ProveVrf(keys.sk, randomness).ok());
  EXPECT_TRUE(h.VerifyVrf(keys.pk, randomness).ok());
  // Core's ECVRF, called directly, agrees on the proof and output.
  auto beta = crypto::ecvrf::Verify(keys.pk, SlotVrfInput(randomness, h.slot), h.vrf_proof);
  ASSERT_TRUE(beta.ok()) << beta.status();
  EXPECT_EQ(*beta, h.vrf_output);
  // The VRF survives the header codec and sealing.
  SealedHeader sh{h, {}};
  ASSERT_TRUE(sh.Seal(TestKey(0), "devnet").ok());
  auto back = codec::Decode<SealedHeader>(codec::Encode(sh));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->header.VerifyVrf(keys.pk, randomness).ok());
  // Deterministic.
  BlockHeader again = SampleHeader();
  ASSERT_TRUE(again.ProveVrf(keys.sk, randomness).ok());
  EXPECT_EQ(again.vrf_proof, h.vrf_proof);
}

TEST(SlotVrfTest, RejectsWrongKeyInputOrOutput) {
  const VrfKeys keys = MakeVrfKeys(1);
  const VrfKeys other = MakeVrfKeys(2);
  const Hash256 randomness = FilledHash(0x5A);
  BlockHeader h = SampleHeader();
  ASSERT_TRUE(h.ProveVrf(keys.sk, randomness).ok());
  EXPECT_EQ(h.VerifyVrf(other.pk, randomness).code(), StatusCode::kCorruption);
  EXPECT_EQ(h.VerifyVrf(keys.pk, FilledHash(0x5B)).code(), StatusCode::kCorruption);
  BlockHeader t = h;
  t.slot++;
  EXPECT_EQ(t.VerifyVrf(keys.pk, randomness).code(), StatusCode::kCorruption);
  t = h;
  t.vrf_output[0] ^= 1;
  EXPECT_EQ(t.VerifyVrf(keys.pk, randomness).code(), StatusCode::kCorruption);
  t = h;
  t.vrf_proof[40] ^= 1;
  EXPECT_EQ(t.VerifyVrf(keys.pk, randomness).code(), StatusCode::kCorruption);
  crypto::ecvrf::PublicKey bad_pk{};
  EXPECT_EQ(h.VerifyVrf(bad_pk, randomness).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cess::chain
