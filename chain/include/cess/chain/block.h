// Block headers and blocks (issue 4 §1, DESIGN.md §8).
//
// Canonical encoding (core/codec):
//   BlockHeader   parent_hash (32) ‖ height (u64) ‖ slot (u64) ‖ epoch (u64) ‖ era (u64) ‖
//                 author (32) ‖ state_root (32) ‖ transactions_root (32) ‖ receipts_root (32) ‖
//                 vrf_output (32) ‖ vrf_proof (81)                                  = 305 bytes
//   SealedHeader  header ‖ seal (64)
//   Block         header ‖ transactions (vector<Transaction>) ‖ seal (64)
// The block hash is the header hash, SHA-256 of the header's encoding; the seal is not part of it.
// The seal is the author's Ed25519 signature over
//   codec::SigningPayload("block", chain_id, header hash)        ("cess/block/v1" ‖ chain_id ‖ hash).
// transactions_root is MerkleRoot (merkle.h) over the transaction hashes in block order;
// receipts_root is MerkleRoot over the hashes of the receipts of those transactions, in the same order.
//
// Slot VRF: the author proves ECVRF-P256-SHA256-TAI (core/ecvrf.h) with its VRF key over
//   alpha = SlotVrfInput(epoch randomness, slot) = string "cess/slot-vrf/v1" ‖ randomness (32) ‖ slot (u64)
// and puts the proof (81 bytes) and its output beta (32 bytes) in the header. The VRF key is a P-256
// key the validator registers next to its Ed25519 account; the header names only the account.
//
// Limits, enforced when decoding: at most kMaxBlockTransactions transactions and kMaxBlockBytes in
// all; each transaction within its own limits (transaction.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "cess/chain/receipt.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/ecvrf.h"
#include "cess/core/ed25519.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain {

inline constexpr size_t kMaxBlockTransactions = size_t{1} << 16;
inline constexpr size_t kMaxBlockBytes = size_t{32} << 20;
inline constexpr size_t kBlockHeaderBytes = 32 + 4 * 8 + 32 * 4 + crypto::ecvrf::kOutputSize +
                                            crypto::ecvrf::kProofSize;

// The VRF input for `slot` in an epoch with randomness `epoch_randomness` (see above).
Bytes SlotVrfInput(const Hash256& epoch_randomness, uint64_t slot);

// The header of a block: everything the block hash covers.
struct BlockHeader {
  Hash256 parent_hash{};        // hash of the parent header; zero for genesis
  uint64_t height = 0;          // genesis is 0; a child is parent + 1
  uint64_t slot = 0;            // the slot the block was authored in
  uint64_t epoch = 0;           // slot / slots_per_epoch
  uint64_t era = 0;             // epoch / epochs_per_era
  AccountId author;             // the elected validator for the slot; zero for genesis
  Hash256 state_root{};         // the state after applying this block
  Hash256 transactions_root{};  // MerkleRoot of the transaction hashes
  Hash256 receipts_root{};      // MerkleRoot of the receipt hashes
  crypto::ecvrf::Output vrf_output{};  // beta of vrf_proof
  crypto::ecvrf::Proof vrf_proof{};    // the author's proof over SlotVrfInput(epoch randomness, slot)

  // SHA-256 of the encoding: the block hash.
  Hash256 Hash() const;

  // Proves the slot VRF with `vrf_secret_key` and sets vrf_proof and vrf_output.
  // Errors: InvalidArgument on a bad secret key; Internal on an OpenSSL failure.
  Status ProveVrf(const crypto::ecvrf::SecretKey& vrf_secret_key, const Hash256& epoch_randomness);
  // Checks vrf_proof under `vrf_public_key` for SlotVrfInput(epoch_randomness, slot) and that
  // vrf_output is its beta. Errors: InvalidArgument on a malformed public key; Corruption when the
  // proof does not verify or the output does not match.
  Status VerifyVrf(const crypto::ecvrf::PublicKey& vrf_public_key, const Hash256& epoch_randomness) const;

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation.
  static Result<BlockHeader> Decode(codec::Reader& r);

  bool operator==(const BlockHeader&) const = default;
};

// The seal's signing bytes for a header hash. Errors: InvalidArgument on a bad chain id.
Result<Bytes> SealSigningBytes(const Hash256& header_hash, std::string_view chain_id);

// A header with its author's seal: what block announcements and block equivocation evidence carry.
struct SealedHeader {
  BlockHeader header;
  Signature seal{};

  // Sets header.author to the key's account, then seal to its signature over the header hash.
  // Errors: InvalidArgument on a bad chain id; Internal on an OpenSSL failure. Unchanged on error.
  Status Seal(const crypto::Ed25519PrivateKey& key, std::string_view chain_id);
  // Checks that seal is header.author's signature over the header hash for `chain_id`.
  // Errors: InvalidArgument on a bad chain id; Corruption when it does not verify.
  Status VerifySeal(std::string_view chain_id) const;
  Hash256 Hash() const { return header.Hash(); }

  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation.
  static Result<SealedHeader> Decode(codec::Reader& r);

  bool operator==(const SealedHeader&) const = default;
};

// A block: header, transactions, and the author's seal over the header hash.
struct Block {
  BlockHeader header;
  std::vector<Transaction> transactions;
  Signature seal{};

  // The block hash (the header hash).
  Hash256 Hash() const { return header.Hash(); }
  // MerkleRoot of the transaction hashes, to compare with header.transactions_root.
  Hash256 ComputeTransactionsRoot() const;
  // The header and seal alone.
  SealedHeader Sealed() const { return SealedHeader{header, seal}; }

  // Sets header.author to the key's account, then seal to its signature over the header hash.
  // REQUIRES: every header field is final (roots included). Errors: as SealedHeader::Seal.
  Status Seal(const crypto::Ed25519PrivateKey& key, std::string_view chain_id);
  // Checks the seal (as SealedHeader::VerifySeal). Errors: as SealedHeader::VerifySeal.
  Status VerifySeal(std::string_view chain_id) const;
  // Checks what a block says about itself without state: the seal, the transactions root, and the
  // count and size limits. Transaction signatures are left to the runtime (a bad one is a receipt
  // code). Errors: Corruption naming the first failed check; InvalidArgument on a bad chain id.
  Status CheckIntegrity(std::string_view chain_id) const;

  // REQUIRES: every transaction's call is valid (Call::Validate).
  void Encode(codec::Writer& w) const;
  // Errors: Corruption on truncation, more than kMaxBlockTransactions transactions, more than
  // kMaxBlockBytes consumed, or any transaction decode error. Never allocates much more than the input.
  static Result<Block> Decode(codec::Reader& r);

  bool operator==(const Block&) const = default;
};

// MerkleRoot of the hashes of `receipts`, to compare with header.receipts_root.
Hash256 ReceiptsRoot(std::span<const Receipt> receipts);
// MerkleRoot of the hashes of `transactions`.
Hash256 TransactionsRoot(std::span<const Transaction> transactions);

}  // namespace cess::chain
