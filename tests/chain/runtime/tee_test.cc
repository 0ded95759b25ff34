// The tee module: enclave registration with its attestation signature, the network PoDR² key set
// by the first enclave, and deregistration.
#include "cess/chain/runtime/tee.h"

#include <gtest/gtest.h>

#include "cess/storage/proofs/attestation.h"
#include "runtime_test_util.h"

namespace cess::chain::runtime::testing {
namespace {

namespace podr2 = proofs::podr2;
using tee::Error;

uint32_t Err(Error e) { return static_cast<uint32_t>(e); }

const podr2::SecretKey& NetworkKey() {
  static const std::unique_ptr<podr2::SecretKey> kKey = podr2::SecretKey::Generate(1024).value();
  return *kKey;
}

TEST(Tee, RegisterSetsTheNetworkKeyAndChecksEverything) {
  TestChain chain(TestGenesis());
  const podr2::PublicKey& pk = NetworkKey().public_key();
  EXPECT_FALSE(tee::ReadNetworkPodr2Key(*chain.Head()).value().has_value());
  auto expect = [&](uint8_t who, Call c, Error e) {
    ExpectOnlyFeeAndNonce(chain, chain.Tx(who, std::move(c), 2000), ResultCode::kModuleError, Err(e));
  };
  // A signature made for another controller, or by another key, is refused.
  Call for_other = tee::MakeRegisterCall(kChainId, Id(101), Key(200), pk, "e").value();
  expect(100, for_other, Error::kBadSignature);
  tee::RegisterArgs args = codec::Decode<tee::RegisterArgs>(
                               tee::MakeRegisterCall(kChainId, Id(100), Key(200), pk, "e").value().args)
                               .value();
  tee::RegisterArgs bad = args;
  bad.podr2_public_key.resize(10);
  expect(100, tee::RegisterCall(bad), Error::kBadPodr2Key);
  bad = args;
  bad.endpoint = std::string(300, 'e');
  expect(100, tee::RegisterCall(bad), Error::kEndpointTooLong);
  ExecutedBlock b = chain.Step({chain.Tx(100, tee::RegisterCall(args), 2000)});
  ASSERT_TRUE(b.receipts.at(0).ok()) << b.receipts[0].module_error;
  EXPECT_EQ(tee::ReadNetworkPodr2Key(*chain.Head()).value().value(), pk);
  auto t = tee::ReadTee(*chain.Head(), Key(200).public_key()).value();
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->controller, Id(100));
  EXPECT_EQ(t->podr2_fingerprint, pk.Fingerprint());
  expect(100, tee::RegisterCall(args), Error::kAlreadyRegistered);
  // A second enclave must present the same PoDR² key.
  podr2::PublicKey other = pk;
  other.u.back() ^= 1;
  expect(101, tee::MakeRegisterCall(kChainId, Id(101), Key(201), other, "f").value(),
         Error::kPodr2KeyMismatch);
  b = chain.Step({chain.Tx(101, tee::MakeRegisterCall(kChainId, Id(101), Key(201), pk, "f").value(), 2000)});
  ASSERT_TRUE(b.receipts.at(0).ok());
  EXPECT_EQ(tee::ListTees(*chain.Head()).value().size(), 2u);
  // Deregistration by the controller only.
  expect(101, tee::DeregisterCall(Key(200).public_key()), Error::kNotController);
  expect(101, tee::DeregisterCall(Key(202).public_key()), Error::kNotRegistered);
  b = chain.Step({chain.Tx(100, tee::DeregisterCall(Key(200).public_key()))});
  ASSERT_TRUE(b.receipts.at(0).ok());
  EXPECT_EQ(tee::ListTees(*chain.Head()).value().size(), 1u);
  EXPECT_TRUE(tee::ReadNetworkPodr2Key(*chain.Head()).value().has_value());  // the key stays
}

}  // namespace
}  // namespace cess::chain::runtime::testing
