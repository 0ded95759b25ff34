// `cess key gen`, `cess vrf prove`, `cess vrf verify`.
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cess/core/bytes.h"
#include "cess/core/ecvrf.h"
#include "cess/core/ed25519.h"
#include "cess/core/keyfile.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

namespace cess::cli {
namespace {

namespace ecvrf = crypto::ecvrf;
using json = nlohmann::json;

struct KeyGenOptions {
  std::string type = "ed25519";
  std::string out;
  bool force = false;
  bool json = false;
};

struct VrfOptions {
  std::string sk;
  std::string key_file;
  std::string pk;
  std::string alpha;
  std::string pi;
  bool json = false;
};

Status RunKeyGen(const KeyGenOptions& o) {
  std::string pub, secret, kind;
  if (o.type == "ed25519") {
    CESS_ASSIGN_OR_RETURN(auto key, crypto::Ed25519PrivateKey::Generate());
    if (!o.out.empty()) CESS_RETURN_IF_ERROR(crypto::SaveEd25519Key(o.out, key, o.force));
    pub = ToHex(key.public_key());
    secret = ToHex(key.seed());
  } else if (o.type == "vrf") {
    CESS_ASSIGN_OR_RETURN(auto sk, ecvrf::GenerateSecretKey());
    CESS_ASSIGN_OR_RETURN(auto pk, ecvrf::PublicKeyFromSecret(sk));
    if (!o.out.empty()) CESS_RETURN_IF_ERROR(crypto::SaveVrfKey(o.out, sk, o.force));
    pub = ToHex(pk);
    secret = ToHex(sk);
  } else {
    return Status::InvalidArgument("unknown key type '" + o.type + "' (expected ed25519 or vrf)");
  }
  // With --out the secret stays in the 0600 file; without it the caller asked for it on stdout.
  if (o.json) {
    json j = {{"type", o.type}, {"public", pub}};
    if (o.out.empty()) j["secret"] = secret; else j["file"] = o.out;
    PrintJson(j);
  } else {
    std::printf("type   %s\npublic %s\n", o.type.c_str(), pub.c_str());
    if (o.out.empty()) std::printf("secret %s\n", secret.c_str());
    else std::printf("file   %s (mode 0600)\n", o.out.c_str());
  }
  return Status::Ok();
}

Status RunVrfProve(const VrfOptions& o) {
  Bytes sk;
  if (!o.key_file.empty() && !o.sk.empty()) return Status::InvalidArgument("give --sk or --key, not both");
  if (!o.key_file.empty()) {
    CESS_ASSIGN_OR_RETURN(auto k, crypto::LoadVrfKey(o.key_file));
    sk.assign(k.begin(), k.end());
  } else if (!o.sk.empty()) {
    auto parsed = FromHex(o.sk);
    if (!parsed.ok()) return parsed.status().WithContext("--sk");
    sk = std::move(*parsed);
  } else {
    return Status::InvalidArgument("one of --sk or --key is required");
  }
  auto alpha = FromHex(o.alpha);
  if (!alpha.ok()) return alpha.status().WithContext("--alpha");
  CESS_ASSIGN_OR_RETURN(auto pk, ecvrf::PublicKeyFromSecret(sk));
  CESS_ASSIGN_OR_RETURN(auto pi, ecvrf::Prove(sk, *alpha));
  CESS_ASSIGN_OR_RETURN(auto beta, ecvrf::ProofToHash(pi));
  if (o.json) {
    PrintJson({{"pk", ToHex(pk)}, {"pi", ToHex(pi)}, {"beta", ToHex(beta)}});
  } else {
    std::printf("pk   %s\npi   %s\nbeta %s\n", ToHex(pk).c_str(), ToHex(pi).c_str(), ToHex(beta).c_str());
  }
  return Status::Ok();
}

Status RunVrfVerify(const VrfOptions& o) {
  auto pk = FromHex(o.pk);
  if (!pk.ok()) return pk.status().WithContext("--pk");
  auto alpha = FromHex(o.alpha);
  if (!alpha.ok()) return alpha.status().WithContext("--alpha");
  auto pi = FromHex(o.pi);
  if (!pi.ok()) return pi.status().WithContext("--pi");
  auto beta = ecvrf::Verify(*pk, *alpha, *pi);
  if (!beta.ok()) return beta.status().WithContext("VRF proof does not verify");
  if (o.json) {
    PrintJson({{"valid", true}, {"beta", ToHex(*beta)}});
  } else {
    std::printf("beta %s\n", ToHex(*beta).c_str());
  }
  return Status::Ok();
}

}  // namespace

void AddCryptoCommands(CLI::App& app) {
  auto* key = app.add_subcommand("key", "Account and VRF keys");
  key->require_subcommand(1);
  auto ko = std::make_shared<KeyGenOptions>();
  auto* gen = key->add_subcommand("gen", "Generate a key; with --out, write it to a 0600 key file");
  gen->add_option("--type", ko->type, "ed25519 (account) or vrf (ECVRF-P256-SHA256-TAI)")->capture_default_str();
  gen->add_option("--out", ko->out, "Key file to write (mode 0600)");
  gen->add_flag("--force", ko->force, "Overwrite an existing key file");
  gen->add_flag("--json", ko->json, "Print the result as JSON");
  gen->callback([ko] { RunOrExit([&] { return RunKeyGen(*ko); }); });

  auto* vrf = app.add_subcommand("vrf", "ECVRF-P256-SHA256-TAI (RFC 9381)");
  vrf->require_subcommand(1);
  auto po = std::make_shared<VrfOptions>();
  auto* prove = vrf->add_subcommand("prove", "Prove: print pi and beta for alpha");
  prove->add_option("--sk", po->sk, "Secret key (32-byte scalar, hex)");
  prove->add_option("--key", po->key_file, "VRF key file (from `cess key gen --type vrf --out`)");
  prove->add_option("--alpha", po->alpha, "Input (hex; may be empty)")->required();
  prove->add_flag("--json", po->json, "Print the result as JSON");
  prove->callback([po] { RunOrExit([&] { return RunVrfProve(*po); }); });

  auto vo = std::make_shared<VrfOptions>();
  auto* verify = vrf->add_subcommand("verify", "Verify pi for alpha under pk; print beta or fail");
  verify->add_option("--pk", vo->pk, "Public key (33-byte compressed point, hex)")->required();
  verify->add_option("--alpha", vo->alpha, "Input (hex; may be empty)")->required();
  verify->add_option("--pi", vo->pi, "Proof (81 bytes, hex)")->required();
  verify->add_flag("--json", vo->json, "Print the result as JSON");
  verify->callback([vo] { RunOrExit([&] { return RunVrfVerify(*vo); }); });
}

}  // namespace cess::cli
