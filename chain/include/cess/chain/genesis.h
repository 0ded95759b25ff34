// The genesis of a chain: its id, protocol profile, start time, funded accounts and the validators
// of era 0 (DESIGN.md §3: every protocol constant is loaded from genesis).
//
// Canonical encoding (core/codec), hashed into the genesis hash:
//   Genesis  chain_id (string) ‖ profile ‖ genesis_time_ms (u64) ‖ accounts (vector<GenesisAccount>) ‖
//            validators (vector<GenesisValidator>)
//   GenesisAccount    id (32) ‖ balance (u64)
//   GenesisValidator  account (32) ‖ vrf_key (33) ‖ stake (u64)
// The JSON form (genesis.json of a devnet) carries the same fields; ids and keys in hex, the profile
// as an object of its fields (or a profile name).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cess/chain/profile.h"
#include "cess/chain/types.h"
#include "cess/core/codec.h"
#include "cess/core/ecvrf.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain {

struct GenesisAccount {
  AccountId id;
  uint64_t balance = 0;  // free balance in base units
  bool operator==(const GenesisAccount&) const = default;
};

// A validator of era 0. Its stake is bonded out of its account's genesis balance (the account must
// be funded with at least stake + the existential deposit).
struct GenesisValidator {
  AccountId account;
  crypto::ecvrf::PublicKey vrf_key{};
  uint64_t stake = 0;
  bool operator==(const GenesisValidator&) const = default;
};

struct Genesis {
  std::string chain_id;          // e.g. "cess-devnet"; 1..kMaxChainIdBytes bytes
  Profile profile;
  uint64_t genesis_time_ms = 0;  // Unix ms of slot 0's start: slot = (now − genesis_time) / slot_ms
  std::vector<GenesisAccount> accounts;
  std::vector<GenesisValidator> validators;

  // OK when the chain id is valid, the profile validates, accounts are distinct, every validator is
  // a distinct funded account with stake >= profile.min_validator_stake and a valid VRF key, there is
  // at least one validator, and the total issuance fits in u64. Errors: InvalidArgument naming it.
  Status Validate() const;
  // SHA-256 of the canonical encoding.
  Hash256 Hash() const;
  void Encode(codec::Writer& w) const;
  // Errors: Corruption on bad bytes (the result is not validated).
  static Result<Genesis> Decode(codec::Reader& r);
  // JSON text (pretty-printed) and its parser. Errors: InvalidArgument naming the bad field.
  std::string ToJson() const;
  static Result<Genesis> FromJson(std::string_view json);
  bool operator==(const Genesis&) const = default;
};

}  // namespace cess::chain
