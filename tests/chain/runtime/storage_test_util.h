// The storage modules' test setup, shared by file_bank_test.cc and audit_test.cc: a devnet-like
// chain with an enclave, 14 miners, an uploader, files with real PoDR² tags, and helpers to store
// them (declaration, transfer reports, tag reports).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cess/chain/runtime/audit.h"
#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/chain/runtime/tee.h"
#include "cess/core/hash.h"
#include "cess/storage/proofs/attestation.h"
#include "cess/storage/proofs/podr2.h"
#include "runtime_test_util.h"

namespace cess::chain::runtime::testing {

namespace podr2 = proofs::podr2;

constexpr uint8_t kFirstMiner = 100;  // miners are keys 100..113
constexpr int kMiners = 14;
constexpr uint8_t kOutsider = 116;  // never registers
constexpr uint8_t kTeeController = 118;
constexpr uint8_t kUploader = 119;
constexpr uint8_t kAttestation = 200;         // the enclave's Ed25519 key (not an account)
constexpr uint32_t kFragmentBytes = 64 * 64;  // 64 PoDR² blocks of 64 bytes (the chain never sees data)

inline Profile StorageProfile(uint64_t deadline_base_blocks = 2) {
  Profile p = TestProfile();
  p.audit_interval_blocks = 2;
  p.audit_deadline_base_blocks = deadline_base_blocks;
  return p;
}

// One network PoDR² key for the whole test binary (1024-bit for speed).
inline const podr2::SecretKey& NetworkKey() {
  static const std::unique_ptr<podr2::SecretKey> kKey = podr2::SecretKey::Generate(1024).value();
  return *kKey;
}

struct TestFragment {
  Bytes data;
  Hash256 name{};
  std::vector<Bytes> tags;
};

struct TestFile {
  file_bank::UploadArgs args;
  std::vector<std::vector<TestFragment>> frags;  // [segment][index]
  std::vector<uint8_t> miners;                   // key of miner j
  const Hash256& fid() const { return args.fid; }
};

class StorageEnv {
 public:
  explicit StorageEnv(uint64_t deadline_base_blocks = 2)
      : chain_(TestGenesis(4, 20, StorageProfile(deadline_base_blocks))), rng_(7) {}

  TestChain& chain() { return chain_; }
  const Profile& profile() const { return chain_.genesis().profile; }
  std::shared_ptr<const state::StateReader> Head() { return chain_.Head(); }

  // Runs `call` by `key` alone in a new block (fee 4000: enough for any weight) and returns its
  // receipt.
  Receipt Run(uint8_t key, Call call) {
    ExecutedBlock b = chain_.Step({chain_.Tx(key, std::move(call), 4000)});
    EXPECT_EQ(b.receipts.size(), 1u);
    return b.receipts.empty() ? Receipt{} : b.receipts[0];
  }
  // Runs and expects success.
  void Ok(uint8_t key, Call call) {
    Receipt r = Run(key, std::move(call));
    ASSERT_EQ(r.code, ResultCode::kOk) << ResultCodeName(r.code) << " error " << r.module_error;
  }

  void RegisterTee() {
    Call c = tee::MakeRegisterCall(kChainId, Id(kTeeController), Key(kAttestation), NetworkKey().public_key(),
                                   "unix:///tmp/enclave.sock")
                 .value();
    Ok(kTeeController, std::move(c));
  }

  // Registers miners kFirstMiner.. kFirstMiner+n-1 in one block; region "eu" for even, "us" for odd.
  void RegisterMiners(int n = kMiners, uint64_t capacity = uint64_t{64} << 20,
                      uint64_t collateral = 100 * kCess) {
    std::vector<Transaction> txs;
    for (int i = 0; i < n; ++i) {
      const uint8_t k = static_cast<uint8_t>(kFirstMiner + i);
      txs.push_back(chain_.Tx(
          k, sminer::RegisterCall(
                 {i % 2 == 0 ? "eu" : "us", "127.0.0.1:" + std::to_string(9000 + i), capacity, collateral})));
    }
    ExecutedBlock b = chain_.Step(std::move(txs));
    for (const Receipt& r : b.receipts) ASSERT_EQ(r.code, ResultCode::kOk) << r.module_error;
  }

  Bytes RandomBytes(size_t n) {
    Bytes b(n);
    EXPECT_TRUE(rng_.Fill(b).ok());
    return b;
  }

  // A file of `size` bytes on miners `miners` (12 keys), with random fragments, tags and FID.
  // With `encrypted`, the file carries cipher info, so a segment holds segment_size − 16 bytes.
  TestFile MakeFile(uint64_t size, std::vector<uint8_t> miners, bool encrypted = false) {
    TestFile f;
    f.miners = miners;
    const uint64_t per = profile().segment_size - (encrypted ? file_bank::kGcmTagBytes : 0);
    const uint64_t segs = size == 0 ? 1 : (size + per - 1) / per;
    std::vector<Hash256> seg_hashes;
    for (uint64_t s = 0; s < segs; ++s) {
      file_bank::SegmentDecl decl;
      const Bytes seg = RandomBytes(32);
      decl.hash = crypto::Sha256(seg);
      std::vector<TestFragment> row;
      for (int j = 0; j < 12; ++j) {
        TestFragment tf;
        tf.data = RandomBytes(kFragmentBytes);
        tf.name = crypto::Sha256(tf.data);
        tf.tags =
            podr2::GenerateTags(NetworkKey(), tf.name, tf.data, profile().podr2_blocks_per_fragment).value();
        decl.fragments.push_back(tf.name);
        row.push_back(std::move(tf));
      }
      seg_hashes.push_back(decl.hash);
      f.args.segments.push_back(std::move(decl));
      f.frags.push_back(std::move(row));
    }
    f.args.fid = file_bank::ComputeFid(seg_hashes);
    f.args.file_size = size;
    f.args.name = "data.bin";
    for (uint8_t m : miners) f.args.miners.push_back(Id(m));
    if (encrypted) f.args.cipher_info = {1, 2, 3};
    return f;
  }

  std::vector<uint8_t> FirstMiners(int offset = 0) {
    std::vector<uint8_t> m;
    for (int j = 0; j < 12; ++j) m.push_back(static_cast<uint8_t>(kFirstMiner + offset + j));
    return m;
  }

  // The calculate_report of miner `key` for fragment index `index` over `segments` (all when empty).
  file_bank::CalculateArgs Tags(const TestFile& f, uint8_t key, uint32_t index,
                                std::vector<uint32_t> segments = {}) {
    if (segments.empty()) {
      for (uint32_t s = 0; s < f.frags.size(); ++s) segments.push_back(s);
    }
    file_bank::CalculateArgs a;
    a.fid = f.fid();
    a.fragment_index = index;
    a.tee_key = Key(kAttestation).public_key();
    for (uint32_t s : segments) {
      const TestFragment& tf = f.frags[s][index];
      file_bank::TagEntry e;
      e.segment = s;
      e.tag_digest = podr2::TagDigest(tf.name, tf.tags);
      e.signature = Key(kAttestation)
                        .Sign(proofs::TagSignMessage(kChainId, Id(key).bytes, f.fid(), tf.name, e.tag_digest))
                        .value();
      a.tags.push_back(e);
    }
    return a;
  }

  // Declares `f` (by kUploader, who buys 1 GiB first if it has no quota), then every miner reports
  // the transfer and its tags: the file ends Active.
  void Store(const TestFile& f, bool tags = true) {
    if (file_bank::ReadQuota(*Head(), Id(kUploader)).value().total == 0)
      Ok(kUploader, file_bank::BuySpaceCall(1));
    Ok(kUploader, file_bank::UploadDeclarationCall(f.args));
    std::vector<Transaction> txs;
    for (uint32_t j = 0; j < 12; ++j)
      txs.push_back(chain_.Tx(f.miners[j], file_bank::TransferReportCall(f.fid(), j)));
    ExecutedBlock b = chain_.Step(std::move(txs));
    for (const Receipt& r : b.receipts) ASSERT_EQ(r.code, ResultCode::kOk) << r.module_error;
    if (!tags) return;
    txs.clear();
    for (uint32_t j = 0; j < 12; ++j) {
      txs.push_back(chain_.Tx(f.miners[j], file_bank::CalculateReportCall(Tags(f, f.miners[j], j)), 2000));
    }
    b = chain_.Step(std::move(txs));
    for (const Receipt& r : b.receipts) ASSERT_EQ(r.code, ResultCode::kOk) << r.module_error;
  }

  file_bank::FileInfo File(const Hash256& fid) { return file_bank::ReadFile(*Head(), fid).value().value(); }
  sminer::MinerInfo Miner(uint8_t key) { return sminer::ReadMiner(*Head(), Id(key)).value().value(); }

 private:
  TestChain chain_;
  crypto::DeterministicRng rng_;
};

}  // namespace cess::chain::runtime::testing
