// Chain types: ids and hex, the Merkle rule, transactions (codec, limits, domain-separated
// signatures) and receipts.
#include "cess/chain/types.h"

#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <span>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cess/chain/merkle.h"
#include "cess/chain/receipt.h"
#include "cess/chain/transaction.h"
#include "cess/core/hash.h"
#include "types_test_util.h"

namespace cess::chain {
namespace {

using testing::ExpectRoundTrip;
using testing::ExpectTruncationAndTrailingRejected;
using testing::FilledHash;
using testing::SampleReceipt;
using testing::SampleTx;
using testing::SignedTx;
using testing::TestKey;

// ---- ids and hex ----

TEST(AccountIdTest, HexRoundTripAndErrors) {
  const AccountId id = AccountId::Of(TestKey(0));
  const std::string hex = id.ToHex();
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex, ToHex(TestKey(0).public_key()));
  EXPECT_EQ(AccountId::FromHex(hex).value(), id);
  EXPECT_EQ(AccountId::FromHex("0x" + hex).value(), id);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(AccountId::FromHex(upper).value(), id);
  EXPECT_EQ(AccountId::FromHex(hex.substr(2)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AccountId::FromHex(hex + "00").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AccountId::FromHex("zz" + hex.substr(2)).status().code(), StatusCode::kInvalidArgument);
  std::ostringstream os;
  os << id;
  EXPECT_EQ(os.str(), hex);
}

TEST(AccountIdTest, ZeroOrderAndHashing) {
  EXPECT_TRUE(AccountId().IsZero());
  EXPECT_FALSE(AccountId::Of(TestKey(0)).IsZero());
  AccountId a, b;
  b.bytes[0] = 1;
  EXPECT_LT(a, b);
  std::unordered_map<AccountId, int> m;
  m[a] = 1;
  m[b] = 2;
  EXPECT_EQ(m.at(a), 1);
  EXPECT_EQ(m.at(b), 2);
  ExpectRoundTrip(AccountId::Of(TestKey(3)));
  ExpectTruncationAndTrailingRejected(AccountId::Of(TestKey(3)));
}

TEST(HashHexTest, RoundTripAndErrors) {
  const Hash256 h = crypto::Sha256(AsBytes("abc"));
  EXPECT_EQ(HashToHex(h), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashFromHex(HashToHex(h)).value(), h);
  EXPECT_EQ(HashFromHex("ba78").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Hash256Hasher()(h), Hash256Hasher()(crypto::Sha256(AsBytes("abc"))));
}

TEST(NamesTest, ValidNames) {
  EXPECT_TRUE(IsValidName("balances", 32));
  EXPECT_TRUE(IsValidName("Transfer_2", 32));
  EXPECT_FALSE(IsValidName("", 32));
  EXPECT_FALSE(IsValidName("has space", 32));
  EXPECT_FALSE(IsValidName("dash-name", 32));
  EXPECT_FALSE(IsValidName("caf\xc3\xa9", 32));
  EXPECT_TRUE(IsValidName(std::string(32, 'a'), 32));
  EXPECT_FALSE(IsValidName(std::string(33, 'a'), 32));
}

TEST(SigningBytesTest, LayoutAndChainIdLimits) {
  const Bytes body = {0xAA};
  // "cess/tx/v1" and "devnet", each u32-length-prefixed, then the body raw.
  EXPECT_EQ(ToHex(SigningBytes(kTransactionDomain, "devnet", body).value()),
            "0a000000" + ToHex(AsBytes("cess/tx/v1")) + "06000000" + ToHex(AsBytes("devnet")) + "aa");
  EXPECT_EQ(SigningBytes(kTransactionDomain, "", body).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningBytes(kTransactionDomain, std::string(kMaxChainIdBytes + 1, 'c'), body).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(SigningBytes(kTransactionDomain, std::string(kMaxChainIdBytes, 'c'), body).ok());
}

// ---- Merkle ----

// RFC 6962 §2.1 written recursively, as an independent oracle for the level-by-level code.
Hash256 RecursiveRoot(std::span<const Hash256> items) {
  if (items.empty()) return crypto::Sha256({});
  if (items.size() == 1) {
    Bytes b = {0x00};
    b.insert(b.end(), items[0].begin(), items[0].end());
    return crypto::Sha256(b);
  }
  size_t k = 1;
  while (k * 2 < items.size()) k *= 2;
  const Hash256 l = RecursiveRoot(items.subspan(0, k));
  const Hash256 r = RecursiveRoot(items.subspan(k));
  Bytes b = {0x01};
  b.insert(b.end(), l.begin(), l.end());
  b.insert(b.end(), r.begin(), r.end());
  return crypto::Sha256(b);
}

TEST(MerkleTest, HandComputedSmallCases) {
  const std::vector<Hash256> items = {crypto::Sha256(AsBytes("a")), crypto::Sha256(AsBytes("b")),
                                      crypto::Sha256(AsBytes("c"))};
  // Hex from an independent computation (Python hashlib) of the rule in merkle.h.
  EXPECT_EQ(HashToHex(MerkleRoot({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(MerkleRoot({}), crypto::Sha256({}));
  EXPECT_EQ(HashToHex(MerkleRoot(std::span(items).first(1))),
            "a23bd5b06da9048238a65b3f1d9d0b9e15fae3dde262688e6489aa4c763d1820");
  EXPECT_EQ(HashToHex(MerkleRoot(std::span(items).first(2))),
            "ad5ca6cddc0b27c6a83e332bf28011769236e6c6a1f786ebf7b5267b37a5bd22");
  EXPECT_EQ(HashToHex(MerkleRoot(items)), "cac3d448d4e20a2ad5eae1f500e63c2a7f9217cd14572ba7fd22e26dc1ec2648");
}

TEST(MerkleTest, MatchesRecursiveDefinitionAndNeverDuplicates) {
  std::vector<Hash256> items;
  for (int n = 0; n <= 33; ++n) {
    EXPECT_EQ(MerkleRoot(items), RecursiveRoot(items)) << n << " items";
    items.push_back(crypto::Sha256(AsBytes(std::to_string(n))));
  }
  // [a, b, c] and [a, b, c, c] differ (the duplicate-last rule would make them equal).
  std::vector<Hash256> three(items.begin(), items.begin() + 3);
  std::vector<Hash256> four = three;
  four.push_back(three.back());
  EXPECT_NE(MerkleRoot(three), MerkleRoot(four));
  // Order matters.
  std::vector<Hash256> swapped = three;
  std::swap(swapped[0], swapped[1]);
  EXPECT_NE(MerkleRoot(three), MerkleRoot(swapped));
}

// ---- transactions ----

TEST(CallTest, ExactEncoding) {
  const Call c{"balances", "transfer", Bytes{1, 2, 3}};
  EXPECT_EQ(ToHex(codec::Encode(c)), "08000000" + ToHex(AsBytes("balances")) + "08000000" +
                                         ToHex(AsBytes("transfer")) + "03000000010203");
}

TEST(CallTest, LimitsOnValidateAndDecode) {
  EXPECT_TRUE((Call{"m", "f", {}}.Validate().ok()));
  EXPECT_EQ((Call{"", "f", {}}.Validate().code()), StatusCode::kInvalidArgument);
  EXPECT_EQ((Call{"m", "", {}}.Validate().code()), StatusCode::kInvalidArgument);
  EXPECT_EQ((Call{std::string(kMaxModuleNameBytes + 1, 'm'), "f", {}}.Validate().code()),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((Call{"m", std::string(kMaxFunctionNameBytes + 1, 'f'), {}}.Validate().code()),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((Call{"m", "f", Bytes(kMaxCallArgsBytes + 1)}.Validate().code()), StatusCode::kInvalidArgument);
  const Call max{std::string(kMaxModuleNameBytes, 'm'), std::string(kMaxFunctionNameBytes, 'f'),
                 Bytes(kMaxCallArgsBytes, 7)};
  ASSERT_TRUE(max.Validate().ok());
  ExpectRoundTrip(max);

  // The decoder refuses what Validate refuses, even when the bytes are all there.
  auto encode_raw = [](const std::string& m, const std::string& f, const Bytes& a) {
    codec::Writer w;
    w.PutString(m);
    w.PutString(f);
    w.PutBytes(a);
    return w.Take();
  };
  EXPECT_FALSE(codec::Decode<Call>(encode_raw(std::string(kMaxModuleNameBytes + 1, 'm'), "f", {})).ok());
  EXPECT_FALSE(codec::Decode<Call>(encode_raw("m", std::string(kMaxFunctionNameBytes + 1, 'f'), {})).ok());
  EXPECT_FALSE(codec::Decode<Call>(encode_raw("m", "f", Bytes(kMaxCallArgsBytes + 1))).ok());
  EXPECT_FALSE(codec::Decode<Call>(encode_raw("bad name", "f", {})).ok());
  EXPECT_FALSE(codec::Decode<Call>(encode_raw("m", "", {})).ok());
}

TEST(TransactionTest, RoundTripTruncationAndSize) {
  const Transaction tx = SignedTx(1, 5);
  ExpectRoundTrip(tx);
  ExpectTruncationAndTrailingRejected(tx);
  EXPECT_EQ(codec::Encode(tx).size(), tx.EncodedSize());
  Transaction minimal;
  minimal.call = Call{"m", "f", {}};
  EXPECT_EQ(codec::Encode(minimal).size(), kMinTransactionBytes);
  ExpectRoundTrip(minimal);
}

TEST(TransactionTest, HostileArgsLengthIsRefusedWithoutAllocating) {
  Transaction tx = SampleTx();
  tx.call.args.clear();
  Bytes bytes = codec::Encode(tx);
  // The args length prefix sits 4 bytes before the 64-byte signature; claim 4 GiB.
  const size_t at = bytes.size() - 64 - 4;
  bytes[at] = bytes[at + 1] = bytes[at + 2] = bytes[at + 3] = 0xFF;
  auto r = codec::Decode<Transaction>(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
}

TEST(TransactionTest, SignSetsSignerAndVerifies) {
  Transaction tx = SampleTx();
  ASSERT_TRUE(tx.Sign(TestKey(2), "devnet").ok());
  EXPECT_EQ(tx.signer, AccountId::Of(TestKey(2)));
  EXPECT_TRUE(tx.Verify("devnet").ok());
  // Deterministic: signing again gives the same signature and hash.
  Transaction again = SampleTx();
  ASSERT_TRUE(again.Sign(TestKey(2), "devnet").ok());
  EXPECT_EQ(again.signature, tx.signature);
  EXPECT_EQ(again.Hash(), tx.Hash());
  // The hash covers the signature.
  EXPECT_EQ(tx.Hash(), crypto::Sha256(codec::Encode(tx)));
  // The signing bytes are the domain payload over the unsigned part.
  EXPECT_EQ(tx.SigningBytes("devnet").value(), codec::SigningPayload("tx", "devnet", tx.UnsignedBytes()));
}

TEST(TransactionTest, SignRefusesBadCallOrChainAndLeavesTxUnchanged) {
  Transaction tx = SampleTx();
  tx.call.module = "no such name!";
  const Transaction before = tx;
  EXPECT_EQ(tx.Sign(TestKey(0), "devnet").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tx, before);
  Transaction ok = SampleTx();
  const Transaction ok_before = ok;
  EXPECT_EQ(ok.Sign(TestKey(0), "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ok, ok_before);
}

TEST(TransactionTest, SignatureIsBoundToChainId) {
  const Transaction tx = SignedTx(1, 0, "a");
  EXPECT_TRUE(tx.Verify("a").ok());
  EXPECT_EQ(tx.Verify("b").code(), StatusCode::kCorruption);
  EXPECT_EQ(tx.Verify("").code(), StatusCode::kInvalidArgument);
}

TEST(TransactionTest, SignatureIsBoundToTheTxDomain) {
  const Transaction tx = SignedTx(1, 0);
  const Bytes body = tx.UnsignedBytes();
  EXPECT_TRUE(VerifyDomain(tx.signer, kTransactionDomain, "devnet", body, tx.signature).ok());
  EXPECT_FALSE(VerifyDomain(tx.signer, kVoteDomain, "devnet", body, tx.signature).ok());
  EXPECT_FALSE(VerifyDomain(tx.signer, kBlockDomain, "devnet", body, tx.signature).ok());
  // A signature over the same bytes in another domain does not verify as a transaction.
  Transaction forged = tx;
  forged.signature = SignDomain(TestKey(1), kVoteDomain, "devnet", body).value();
  EXPECT_EQ(forged.Verify("devnet").code(), StatusCode::kCorruption);
  // Nor does a bare signature over the unsigned bytes (no domain at all).
  forged.signature = TestKey(1).Sign(body).value();
  EXPECT_EQ(forged.Verify("devnet").code(), StatusCode::kCorruption);
}

TEST(TransactionTest, EveryTamperedFieldFailsVerification) {
  const Transaction tx = SignedTx(1, 9);
  std::vector<std::pair<std::string, std::function<void(Transaction&)>>> tampers = {
      {"signer", [](Transaction& t) { t.signer = AccountId::Of(TestKey(2)); }},
      {"nonce", [](Transaction& t) { t.nonce++; }},
      {"fee", [](Transaction& t) { t.fee--; }},
      {"module", [](Transaction& t) { t.call.module = "staking"; }},
      {"function", [](Transaction& t) { t.call.function = "transfer_all"; }},
      {"args", [](Transaction& t) { t.call.args.back() ^= 1; }},
      {"args length", [](Transaction& t) { t.call.args.push_back(0); }},
      {"signature", [](Transaction& t) { t.signature[10] ^= 0x40; }},
  };
  for (auto& [name, tamper] : tampers) {
    Transaction t = tx;
    tamper(t);
    EXPECT_FALSE(t.Verify("devnet").ok()) << name;
    EXPECT_NE(t.Hash(), tx.Hash()) << name;
  }
}

// ---- receipts and events ----

TEST(ResultCodeTest, NamesAreStable) {
  EXPECT_EQ(ResultCodeName(ResultCode::kOk), "ok");
  EXPECT_EQ(ResultCodeName(ResultCode::kBadSignature), "bad_signature");
  EXPECT_EQ(ResultCodeName(ResultCode::kBadNonce), "bad_nonce");
  EXPECT_EQ(ResultCodeName(ResultCode::kInsufficientFunds), "insufficient_funds");
  EXPECT_EQ(ResultCodeName(ResultCode::kModuleError), "module_error");
  EXPECT_EQ(ResultCodeName(static_cast<ResultCode>(200)), "unknown");
  // The numbers are part of the encoding.
  EXPECT_EQ(static_cast<int>(ResultCode::kModuleError), 8);
  EXPECT_EQ(static_cast<int>(ResultCode::kResourceLimit), 10);
}

TEST(ReceiptTest, RoundTripTruncationAndHash) {
  const Receipt rc = SampleReceipt();
  ASSERT_TRUE(rc.Validate().ok());
  ExpectRoundTrip(rc);
  ExpectTruncationAndTrailingRejected(rc);
  ExpectRoundTrip(Receipt{});
  ExpectTruncationAndTrailingRejected(Receipt{});
  EXPECT_EQ(rc.Hash(), crypto::Sha256(codec::Encode(rc)));
  Receipt other = rc;
  other.fee_charged++;
  EXPECT_NE(other.Hash(), rc.Hash());
  ExpectRoundTrip(rc.events[0]);
  ExpectTruncationAndTrailingRejected(rc.events[0]);
}

TEST(ReceiptTest, RefusesNonCanonicalCodes) {
  Receipt rc = SampleReceipt();
  Bytes bytes = codec::Encode(rc);
  const size_t code_at = 32;
  bytes[code_at] = kMaxResultCode + 1;
  EXPECT_EQ(codec::Decode<Receipt>(bytes).status().code(), StatusCode::kCorruption);
  // A module error number with a code other than kModuleError.
  bytes[code_at] = static_cast<uint8_t>(ResultCode::kBadNonce);
  EXPECT_EQ(codec::Decode<Receipt>(bytes).status().code(), StatusCode::kCorruption);
  rc.code = ResultCode::kBadNonce;
  EXPECT_EQ(rc.Validate().code(), StatusCode::kInvalidArgument);
  rc.module_error = 0;
  EXPECT_TRUE(rc.Validate().ok());
  ExpectRoundTrip(rc);
}

TEST(ReceiptTest, EventLimits) {
  Receipt rc;
  rc.events.assign(kMaxEventsPerReceipt, Event{"m", "e", {}});
  ASSERT_TRUE(rc.Validate().ok());
  ExpectRoundTrip(rc);
  rc.events.push_back(Event{"m", "e", {}});
  EXPECT_EQ(rc.Validate().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(codec::Decode<Receipt>(codec::Encode(rc)).status().code(), StatusCode::kCorruption);

  EXPECT_EQ((Event{"m", "e", Bytes(kMaxEventDataBytes + 1)}.Validate().code()), StatusCode::kInvalidArgument);
  EXPECT_EQ((Event{"m", std::string(kMaxEventNameBytes + 1, 'e'), {}}.Validate().code()),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((Event{"m", "e e", {}}.Validate().code()), StatusCode::kInvalidArgument);
  codec::Writer w;
  w.PutString("m");
  w.PutString("e");
  w.PutBytes(Bytes(kMaxEventDataBytes + 1));
  EXPECT_EQ(codec::Decode<Event>(w.data()).status().code(), StatusCode::kCorruption);

  // A hostile event count is refused before allocating.
  codec::Writer h;
  Receipt{}.Encode(h);
  Bytes bytes = h.Take();
  bytes[bytes.size() - 4] = bytes[bytes.size() - 3] = bytes[bytes.size() - 2] = bytes[bytes.size() - 1] = 0xFF;
  EXPECT_EQ(codec::Decode<Receipt>(bytes).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace cess::chain
