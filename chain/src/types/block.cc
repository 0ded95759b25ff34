#include "cess/chain/block.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "cess/chain/merkle.h"
#include "cess/core/hash.h"

namespace cess::chain {

Bytes SlotVrfInput(const Hash256& epoch_randomness, uint64_t slot) {
  codec::Writer w;
  w.PutString("cess/slot-vrf/v1");
  w.PutFixed(epoch_randomness);
  w.PutU64(slot);
  return w.Take();
}

Hash256 BlockHeader::Hash() const {
  codec::Writer w;
  w.Reserve(kBlockHeaderBytes);
  Encode(w);
  return crypto::Sha256(w.data());
}

Status BlockHeader::ProveVrf(const crypto::ecvrf::SecretKey& vrf_secret_key, const Hash256& epoch_randomness) {
  const Bytes alpha = SlotVrfInput(epoch_randomness, slot);
  CESS_ASSIGN_OR_RETURN(crypto::ecvrf::Proof proof, crypto::ecvrf::Prove(vrf_secret_key, alpha));
  CESS_ASSIGN_OR_RETURN(crypto::ecvrf::Output output, crypto::ecvrf::ProofToHash(proof));
  vrf_proof = proof;
  vrf_output = output;
  return Status::Ok();
}

Status BlockHeader::VerifyVrf(const crypto::ecvrf::PublicKey& vrf_public_key,
                              const Hash256& epoch_randomness) const {
  const Bytes alpha = SlotVrfInput(epoch_randomness, slot);
  auto beta = crypto::ecvrf::Verify(vrf_public_key, alpha, vrf_proof);
  if (!beta.ok()) return beta.status().WithContext("header slot VRF");
  if (*beta != vrf_output) return Status::Corruption("header slot VRF: output is not the proof's output");
  return Status::Ok();
}

void BlockHeader::Encode(codec::Writer& w) const {
  w.PutFixed(parent_hash);
  w.PutU64(height);
  w.PutU64(slot);
  w.PutU64(epoch);
  w.PutU64(era);
  author.Encode(w);
  w.PutFixed(state_root);
  w.PutFixed(transactions_root);
  w.PutFixed(receipts_root);
  w.PutFixed(vrf_output);
  w.PutFixed(vrf_proof);
}

Result<BlockHeader> BlockHeader::Decode(codec::Reader& r) {
  if (r.remaining() < kBlockHeaderBytes) {
    return Status::Corruption("block header: truncated: need " + std::to_string(kBlockHeaderBytes) +
                              " bytes, " + std::to_string(r.remaining()) + " remain");
  }
  BlockHeader h;
  CESS_ASSIGN_OR_RETURN(h.parent_hash, ReadHash(r));
  CESS_ASSIGN_OR_RETURN(h.height, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(h.slot, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(h.epoch, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(h.era, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(h.author, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(h.state_root, ReadHash(r));
  CESS_ASSIGN_OR_RETURN(h.transactions_root, ReadHash(r));
  CESS_ASSIGN_OR_RETURN(h.receipts_root, ReadHash(r));
  CESS_ASSIGN_OR_RETURN(h.vrf_output, r.ReadArray<crypto::ecvrf::kOutputSize>());
  CESS_ASSIGN_OR_RETURN(h.vrf_proof, r.ReadArray<crypto::ecvrf::kProofSize>());
  return h;
}

Result<Bytes> SealSigningBytes(const Hash256& header_hash, std::string_view chain_id) {
  return SigningBytes(kBlockDomain, chain_id, header_hash);
}

Status SealedHeader::Seal(const crypto::Ed25519PrivateKey& key, std::string_view chain_id) {
  BlockHeader h = header;
  h.author = AccountId::Of(key);
  CESS_ASSIGN_OR_RETURN(Signature s, SignDomain(key, kBlockDomain, chain_id, h.Hash()));
  header = std::move(h);
  seal = s;
  return Status::Ok();
}

Status SealedHeader::VerifySeal(std::string_view chain_id) const {
  return VerifyDomain(header.author, kBlockDomain, chain_id, header.Hash(), seal);
}

void SealedHeader::Encode(codec::Writer& w) const {
  header.Encode(w);
  w.PutFixed(seal);
}

Result<SealedHeader> SealedHeader::Decode(codec::Reader& r) {
  SealedHeader sh;
  CESS_ASSIGN_OR_RETURN(sh.header, BlockHeader::Decode(r));
  CESS_ASSIGN_OR_RETURN(sh.seal, ReadSignature(r));
  return sh;
}

Hash256 TransactionsRoot(std::span<const Transaction> transactions) {
  std::vector<Hash256> hashes;
  hashes.reserve(transactions.size());
  for (const Transaction& tx : transactions) hashes.push_back(tx.Hash());
  return MerkleRoot(hashes);
}

Hash256 ReceiptsRoot(std::span<const Receipt> receipts) {
  std::vector<Hash256> hashes;
  hashes.reserve(receipts.size());
  for (const Receipt& rc : receipts) hashes.push_back(rc.Hash());
  return MerkleRoot(hashes);
}

Hash256 Block::ComputeTransactionsRoot() const { return TransactionsRoot(transactions); }

Status Block::Seal(const crypto::Ed25519PrivateKey& key, std::string_view chain_id) {
  SealedHeader sh{header, seal};
  CESS_RETURN_IF_ERROR(sh.Seal(key, chain_id));
  header = std::move(sh.header);
  seal = sh.seal;
  return Status::Ok();
}

Status Block::VerifySeal(std::string_view chain_id) const {
  return VerifyDomain(header.author, kBlockDomain, chain_id, header.Hash(), seal);
}

Status Block::CheckIntegrity(std::string_view chain_id) const {
  if (transactions.size() > kMaxBlockTransactions) {
    return Status::Corruption("block: " + std::to_string(transactions.size()) + " transactions exceed the limit " +
                              std::to_string(kMaxBlockTransactions));
  }
  size_t bytes = kBlockHeaderBytes + 4 + 64;
  for (size_t i = 0; i < transactions.size(); ++i) {
    Status s = transactions[i].call.Validate();
    if (!s.ok()) return Status::Corruption("block: transaction " + std::to_string(i) + ": " + s.message());
    bytes += transactions[i].EncodedSize();
  }
  if (bytes > kMaxBlockBytes) {
    return Status::Corruption("block: " + std::to_string(bytes) + " bytes exceed the limit " +
                              std::to_string(kMaxBlockBytes));
  }
  if (ComputeTransactionsRoot() != header.transactions_root) {
    return Status::Corruption("block: transactions root does not match the transactions");
  }
  return VerifySeal(chain_id);
}

void Block::Encode(codec::Writer& w) const {
  header.Encode(w);
  w.PutVector(transactions);
  w.PutFixed(seal);
}

Result<Block> Block::Decode(codec::Reader& r) {
  const size_t start = r.position();
  Block b;
  CESS_ASSIGN_OR_RETURN(b.header, BlockHeader::Decode(r));
  CESS_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(kMinTransactionBytes));
  if (n > kMaxBlockTransactions) {
    return Status::Corruption("block: " + std::to_string(n) + " transactions exceed the limit " +
                              std::to_string(kMaxBlockTransactions));
  }
  b.transactions.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    auto tx = Transaction::Decode(r);
    if (!tx.ok()) return tx.status().WithContext("block transaction " + std::to_string(i));
    b.transactions.push_back(std::move(tx).value());
    if (r.position() - start > kMaxBlockBytes) {
      return Status::Corruption("block: more than " + std::to_string(kMaxBlockBytes) + " bytes");
    }
  }
  CESS_ASSIGN_OR_RETURN(b.seal, ReadSignature(r));
  if (r.position() - start > kMaxBlockBytes) {
    return Status::Corruption("block: more than " + std::to_string(kMaxBlockBytes) + " bytes");
  }
  return b;
}

}  // namespace cess::chain
