// The enclave's service logic: info, registration attestation, and tags that verify, are signed,
// and are refused for a fragment that does not match its declared hash.
#include "cess/enclave/enclave_service.h"

#include <gtest/gtest.h>

#include <random>

#include "cess/core/hash.h"
#include "cess/storage/proofs/attestation.h"
#include "cess/storage/proofs/podr2.h"

namespace cess::enclave {
namespace {

namespace podr2 = proofs::podr2;

EnclaveService MakeService() {
  auto sk = podr2::SecretKey::Generate(1024);
  auto att = crypto::Ed25519PrivateKey::Generate();
  EXPECT_TRUE(sk.ok() && att.ok());
  return EnclaveService(EnclaveKeys{std::move(sk).value(), std::move(att).value()});
}

Hash256 RandomHash(std::mt19937_64& rng) {
  Hash256 h{};
  for (auto& x : h) x = static_cast<uint8_t>(rng());
  return h;
}

TEST(EnclaveService, InfoAndAttestation) {
  const EnclaveService svc = MakeService();
  const EnclaveInfo& info = svc.Info();
  EXPECT_EQ(info.podr2_key_fingerprint, info.podr2_public_key.Fingerprint());
  std::mt19937_64 rng(std::random_device{}());
  const Hash256 controller = RandomHash(rng);
  auto sig = svc.Attest("devnet", controller);
  ASSERT_TRUE(sig.ok());
  const Bytes msg =
      proofs::TeeRegistrationMessage("devnet", controller, info.attestation_key, info.podr2_key_fingerprint);
  EXPECT_TRUE(crypto::Ed25519Verify(info.attestation_key, msg, *sig).ok());
  const Bytes other = proofs::TeeRegistrationMessage("other-chain", controller, info.attestation_key,
                                                     info.podr2_key_fingerprint);
  EXPECT_FALSE(crypto::Ed25519Verify(info.attestation_key, other, *sig).ok());
  EXPECT_EQ(svc.Attest("", controller).status().code(), StatusCode::kInvalidArgument);
}

TEST(EnclaveService, TagsVerifyAndAreSigned) {
  const EnclaveService svc = MakeService();
  const EnclaveInfo& info = svc.Info();
  std::mt19937_64 rng(std::random_device{}());
  Bytes fragment(16 * 96);
  for (auto& b : fragment) b = static_cast<uint8_t>(rng());
  TagRequest req{.chain_id = "devnet",
                 .miner = RandomHash(rng),
                 .fid = RandomHash(rng),
                 .fragment_hash = crypto::Sha256(fragment),
                 .blocks = 16};
  auto result = svc.GenerateTags(req, fragment);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->tags.size(), 16u);
  EXPECT_EQ(result->tag_digest, podr2::TagDigest(req.fragment_hash, result->tags));
  const Bytes msg =
      proofs::TagSignMessage("devnet", req.miner, req.fid, req.fragment_hash, result->tag_digest);
  EXPECT_TRUE(crypto::Ed25519Verify(info.attestation_key, msg, result->signature).ok());

  // The tags prove possession under the enclave's public key.
  auto c = podr2::Challenge::Derive(RandomHash(rng), 16, 4, 20);
  ASSERT_TRUE(c.ok());
  podr2::FragmentSource src;
  src.name = req.fragment_hash;
  src.read_block = [&](uint32_t i) -> Result<Bytes> {
    return Bytes(fragment.begin() + i * 96, fragment.begin() + (i + 1) * 96);
  };
  src.read_tag = [&](uint32_t i) -> Result<Bytes> { return result->tags[i]; };
  auto proof = podr2::Prove(info.podr2_public_key, *c, std::span(&src, 1));
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(podr2::Verify(info.podr2_public_key, *c, std::span(&req.fragment_hash, 1), *proof).ok());
}

TEST(EnclaveService, RefusesWhatItWasNotShown) {
  const EnclaveService svc = MakeService();
  std::mt19937_64 rng(std::random_device{}());
  Bytes fragment(64, 3);
  TagRequest req{.chain_id = "devnet",
                 .miner = RandomHash(rng),
                 .fid = RandomHash(rng),
                 .fragment_hash = crypto::Sha256(fragment),
                 .blocks = 4};
  Bytes other = fragment;
  other[10] ^= 1;
  auto r = svc.GenerateTags(req, other);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("SHA-256"), std::string::npos);
  req.blocks = 5;  // 64 is not a multiple of 5
  EXPECT_EQ(svc.GenerateTags(req, fragment).status().code(), StatusCode::kInvalidArgument);
  req.blocks = 4;
  req.chain_id.clear();
  EXPECT_EQ(svc.GenerateTags(req, fragment).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cess::enclave
