// Helpers shared by the chain types tests: deterministic keys, sample values, and codec checks that
// every type must pass (round trip, rejection of every truncation and of trailing bytes).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>

#include "cess/chain/block.h"
#include "cess/chain/receipt.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/chain/vote.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/ed25519.h"

namespace cess::chain::testing {

// The Ed25519 key whose seed is 32 bytes of `i + 1`.
inline crypto::Ed25519PrivateKey TestKey(uint8_t i) {
  crypto::Ed25519Seed seed;
  seed.fill(static_cast<uint8_t>(i + 1));
  return crypto::Ed25519PrivateKey::FromSeed(seed).value();
}

// A hash whose bytes are all `b`.
inline Hash256 FilledHash(uint8_t b) {
  Hash256 h;
  h.fill(b);
  return h;
}

// An unsigned transfer-like transaction.
inline Transaction SampleTx(uint64_t nonce = 7) {
  Transaction tx;
  tx.nonce = nonce;
  tx.fee = 1000;
  tx.call = Call{"balances", "transfer", Bytes{1, 2, 3, 4, 5}};
  return tx;
}

// A transaction signed by TestKey(key) for `chain_id`.
inline Transaction SignedTx(uint8_t key, uint64_t nonce, const std::string& chain_id = "devnet") {
  Transaction tx = SampleTx(nonce);
  EXPECT_TRUE(tx.Sign(TestKey(key), chain_id).ok());
  return tx;
}

// A header with every field set to something distinct (VRF fields are filler, not a real proof).
inline BlockHeader SampleHeader() {
  BlockHeader h;
  h.parent_hash = FilledHash(0x11);
  h.height = 42;
  h.slot = 1234;
  h.epoch = 61;
  h.era = 20;
  h.author = AccountId::Of(TestKey(0));
  h.state_root = FilledHash(0x22);
  h.transactions_root = FilledHash(0x33);
  h.receipts_root = FilledHash(0x44);
  h.vrf_output.fill(0x55);
  h.vrf_proof.fill(0x66);
  return h;
}

inline Receipt SampleReceipt() {
  Receipt rc;
  rc.tx_hash = FilledHash(0x77);
  rc.code = ResultCode::kModuleError;
  rc.module_error = 3;
  rc.fee_charged = 1000;
  rc.events = {Event{"balances", "Withdraw", Bytes{9, 9}}, Event{"system", "Failed", Bytes{}}};
  return rc;
}

inline Vote SampleVote(VoteKind kind = VoteKind::kPrecommit) {
  Vote v;
  v.kind = kind;
  v.round = 3;
  v.set_id = 1;
  v.target_hash = FilledHash(0x88);
  v.target_height = 40;
  return v;
}

// Encode → Decode gives back an equal value, and re-encoding gives the same bytes.
template <codec::Codable T>
void ExpectRoundTrip(const T& value) {
  const Bytes bytes = codec::Encode(value);
  Result<T> back = codec::Decode<T>(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back == value);
  EXPECT_EQ(codec::Encode(*back), bytes);
}

// Every strict prefix of the encoding fails to decode, and so does the encoding plus one byte.
template <codec::Codable T>
void ExpectTruncationAndTrailingRejected(const T& value) {
  const Bytes bytes = codec::Encode(value);
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<T> r = codec::Decode<T>(ByteSpan(bytes.data(), n));
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " of " << bytes.size() << " bytes decoded";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status();
    }
  }
  Bytes longer = bytes;
  longer.push_back(0);
  Result<T> r = codec::Decode<T>(longer);
  EXPECT_FALSE(r.ok()) << "trailing byte accepted";
}

}  // namespace cess::chain::testing
