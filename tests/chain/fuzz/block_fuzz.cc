// libFuzzer target: the block decoders (Block, SealedHeader, BlockHeader).
#include <cstddef>
#include <cstdint>

#include "cess/core/ecvrf.h"
#include "cess/core/random.h"
#include "fuzz_util.h"

namespace cess::chain::fuzz {
namespace {

const cess::crypto::ecvrf::PublicKey& VrfPublicKey() {
  static const cess::crypto::ecvrf::PublicKey pk = [] {
    cess::crypto::DeterministicRng rng(7);
    auto sk = cess::crypto::ecvrf::GenerateSecretKey(rng).value();
    return cess::crypto::ecvrf::PublicKeyFromSecret(sk).value();
  }();
  return pk;
}

void WriteSeeds(const std::string& dir) {
  Block empty;
  empty.header = SeedHeader(4);
  empty.header.transactions_root = empty.ComputeTransactionsRoot();
  Check(empty.Seal(Key(0), kChain).ok(), "seal");
  WriteSeed(dir, "block_empty", codec::Encode(empty));
  Block full = empty;
  for (uint8_t i = 0; i < 3; ++i) full.transactions.push_back(SeedTx(i, i, 16u * i));
  full.header.transactions_root = full.ComputeTransactionsRoot();
  Check(full.Seal(Key(1), kChain).ok(), "seal");
  WriteSeed(dir, "block_three_tx", codec::Encode(full));
  WriteSeed(dir, "sealed_header", codec::Encode(full.Sealed()));
  WriteSeed(dir, "header", codec::Encode(full.header));
}

}  // namespace
}  // namespace cess::chain::fuzz

CESS_FUZZ_SEED_INITIALIZER()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cess::chain;
  using namespace cess::chain::fuzz;
  const cess::ByteSpan in(data, size);
  Block block;
  if (DecodeCanonical(in, &block)) {
    (void)block.CheckIntegrity(kChain);
    for (const Transaction& tx : block.transactions) (void)tx.Verify(kChain);
    Check(block.Hash() == block.header.Hash(), "block hash is the header hash");
  }
  SealedHeader sealed;
  if (DecodeCanonical(in, &sealed)) {
    (void)sealed.VerifySeal(kChain);
    // Parses the fuzzed proof as an ECVRF proof (point decoding, scalar range) under a real key.
    (void)sealed.header.VerifyVrf(VrfPublicKey(), sealed.header.parent_hash);
  }
  BlockHeader header;
  if (DecodeCanonical(in, &header)) {
    Check(size == kBlockHeaderBytes, "a header is always kBlockHeaderBytes long");
  }
  return 0;
}
