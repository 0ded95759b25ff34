// libFuzzer target: the transaction decoders (Transaction, Call) and the receipt decoder.
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"

namespace cess::chain::fuzz {
namespace {

void WriteSeeds(const std::string& dir) {
  WriteSeed(dir, "tx_small", codec::Encode(SeedTx(0, 0, 0)));
  WriteSeed(dir, "tx_args", codec::Encode(SeedTx(1, 5, 64)));
  WriteSeed(dir, "call", codec::Encode(Call{"staking", "bond", Bytes{1, 2, 3}}));
  Receipt rc;
  rc.tx_hash = SeedTx(0, 0, 0).Hash();
  rc.code = ResultCode::kModuleError;
  rc.module_error = 2;
  rc.fee_charged = 1000;
  rc.events = {Event{"balances", "Withdraw", Bytes(8, 1)}};
  WriteSeed(dir, "receipt", codec::Encode(rc));
}

}  // namespace
}  // namespace cess::chain::fuzz

CESS_FUZZ_SEED_INITIALIZER()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cess::chain;
  using namespace cess::chain::fuzz;
  const cess::ByteSpan in(data, size);
  Transaction tx;
  if (DecodeCanonical(in, &tx)) {
    Check(tx.call.Validate().ok(), "a decoded call is valid");
    Check(tx.EncodedSize() == size, "EncodedSize matches the encoding");
    (void)tx.Verify(kChain);
    (void)tx.Hash();
  }
  Call call;
  if (DecodeCanonical(in, &call)) Check(call.Validate().ok(), "a decoded call is valid");
  Receipt receipt;
  if (DecodeCanonical(in, &receipt)) Check(receipt.Validate().ok(), "a decoded receipt is valid");
  return 0;
}
