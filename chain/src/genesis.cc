// Genesis: validation, canonical encoding and the JSON form (genesis.h).
#include "cess/chain/genesis.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <set>
#include <string>

#include "cess/core/hash.h"
#include "runtime/wide_int.h"

namespace cess::chain {
namespace {

using Json = nlohmann::json;

bool ValidVrfKey(const crypto::ecvrf::PublicKey& key) {
  // Verify checks the key first (InvalidArgument) and then fails on this all-zero proof.
  const crypto::ecvrf::Proof zero{};
  return crypto::ecvrf::Verify(key, {}, zero).status().code() != StatusCode::kInvalidArgument;
}

Json ProfileToJson(const Profile& p) {
  Json j;
  j["name"] = p.name;
  j["segment_size"] = p.segment_size;
  j["fragment_size"] = p.fragment_size;
  j["ec_data"] = p.ec_data;
  j["ec_parity"] = p.ec_parity;
  j["miners_per_file"] = p.miners_per_file;
  j["podr2_blocks_per_fragment"] = p.podr2_blocks_per_fragment;
  j["podr2_challenged_blocks"] = p.podr2_challenged_blocks;
  j["podr2_coefficient_bytes"] = p.podr2_coefficient_bytes;
  j["slot_ms"] = p.slot_ms;
  j["slots_per_epoch"] = p.slots_per_epoch;
  j["epochs_per_era"] = p.epochs_per_era;
  j["validators_elected"] = p.validators_elected;
  j["min_validator_stake"] = p.min_validator_stake;
  j["weight_credit"] = p.weight_credit;
  j["weight_stake"] = p.weight_stake;
  j["weight_vrf"] = p.weight_vrf;
  j["score_scale"] = p.score_scale;
  j["credit_window_percent"] = p.credit_window_percent;
  j["existential_deposit"] = p.existential_deposit;
  j["bonding_duration_eras"] = p.bonding_duration_eras;
  j["pois_layers"] = p.pois_layers;
  j["pois_nodes"] = p.pois_nodes;
  j["pois_degree"] = p.pois_degree;
  j["min_tx_fee"] = p.min_tx_fee;
  j["slash_percent"] = p.slash_percent;
  j["reporter_reward_percent"] = p.reporter_reward_percent;
  j["max_nominations"] = p.max_nominations;
  j["max_unlocking_chunks"] = p.max_unlocking_chunks;
  j["max_candidates"] = p.max_candidates;
  j["max_nominators"] = p.max_nominators;
  j["miner_collateral_per_tib"] = p.miner_collateral_per_tib;
  j["miner_min_collateral"] = p.miner_min_collateral;
  j["miner_exit_lock_blocks"] = p.miner_exit_lock_blocks;
  j["miner_reward_per_era"] = p.miner_reward_per_era;
  j["space_price_per_gib"] = p.space_price_per_gib;
  j["max_segments_per_file"] = p.max_segments_per_file;
  j["restoral_order_life_blocks"] = p.restoral_order_life_blocks;
  j["audit_interval_blocks"] = p.audit_interval_blocks;
  j["audit_bytes_per_block"] = p.audit_bytes_per_block;
  j["audit_deadline_base_blocks"] = p.audit_deadline_base_blocks;
  j["audit_penalty_percent"] = p.audit_penalty_percent;
  j["audit_max_misses"] = p.audit_max_misses;
  j["audit_history_len"] = p.audit_history_len;
  j["agent_min_stake"] = p.agent_min_stake;
  j["agent_ttl_blocks"] = p.agent_ttl_blocks;
  j["agent_unbond_blocks"] = p.agent_unbond_blocks;
  j["agent_max_per_owner"] = p.agent_max_per_owner;
  return j;
}

Status Bad(const std::string& field, const std::string& why) {
  return Status::InvalidArgument("genesis: " + field + ": " + why);
}

// Reads an unsigned integer field of `j` into `out` when present (required: InvalidArgument when
// missing).
template <typename T>
Status ReadUint(const Json& j, const char* field, const std::string& where, T& out, bool required) {
  auto it = j.find(field);
  if (it == j.end()) return required ? Bad(where + field, "missing") : Status::Ok();
  if (!it->is_number_unsigned()) return Bad(where + field, "must be a non-negative integer");
  const uint64_t v = it->get<uint64_t>();
  if (v > std::numeric_limits<T>::max()) return Bad(where + field, "out of range");
  out = static_cast<T>(v);
  return Status::Ok();
}

Result<std::string> ReadString(const Json& j, const char* field, const std::string& where) {
  auto it = j.find(field);
  if (it == j.end()) return Bad(where + field, "missing");
  if (!it->is_string()) return Bad(where + field, "must be a string");
  return it->get<std::string>();
}

Result<Profile> ProfileFromJson(const Json& j) {
  if (j.is_string()) {
    Result<Profile> p = Profile::ByName(j.get<std::string>());
    if (!p.ok()) return Bad("profile", p.status().message());
    return p;
  }
  if (!j.is_object()) return Bad("profile", "must be a profile name or an object");
  CESS_ASSIGN_OR_RETURN(std::string name, ReadString(j, "name", "profile."));
  // A known name supplies every field the object leaves out; a custom name must give them all.
  Result<Profile> base = Profile::ByName(name);
  const bool required = !base.ok();
  Profile p = base.ok() ? *base : Profile{};
  p.name = name;
  const std::string w = "profile.";
  CESS_RETURN_IF_ERROR(ReadUint(j, "segment_size", w, p.segment_size, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "fragment_size", w, p.fragment_size, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "ec_data", w, p.ec_data, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "ec_parity", w, p.ec_parity, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "miners_per_file", w, p.miners_per_file, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "podr2_blocks_per_fragment", w, p.podr2_blocks_per_fragment, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "podr2_challenged_blocks", w, p.podr2_challenged_blocks, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "podr2_coefficient_bytes", w, p.podr2_coefficient_bytes, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "slot_ms", w, p.slot_ms, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "slots_per_epoch", w, p.slots_per_epoch, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "epochs_per_era", w, p.epochs_per_era, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "validators_elected", w, p.validators_elected, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "min_validator_stake", w, p.min_validator_stake, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "weight_credit", w, p.weight_credit, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "weight_stake", w, p.weight_stake, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "weight_vrf", w, p.weight_vrf, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "score_scale", w, p.score_scale, required));
  if (auto it = j.find("credit_window_percent"); it != j.end()) {
    if (!it->is_array() || it->size() != p.credit_window_percent.size()) {
      return Bad("profile.credit_window_percent", "must be an array of 5 integers");
    }
    for (size_t i = 0; i < p.credit_window_percent.size(); ++i) {
      if (!(*it)[i].is_number_unsigned() || (*it)[i].get<uint64_t>() > 100) {
        return Bad("profile.credit_window_percent", "entries must be integers in 0..100");
      }
      p.credit_window_percent[i] = (*it)[i].get<uint32_t>();
    }
  } else if (required) {
    return Bad("profile.credit_window_percent", "missing");
  }
  CESS_RETURN_IF_ERROR(ReadUint(j, "existential_deposit", w, p.existential_deposit, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "bonding_duration_eras", w, p.bonding_duration_eras, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "pois_layers", w, p.pois_layers, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "pois_nodes", w, p.pois_nodes, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "pois_degree", w, p.pois_degree, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "min_tx_fee", w, p.min_tx_fee, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "slash_percent", w, p.slash_percent, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "reporter_reward_percent", w, p.reporter_reward_percent, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "max_nominations", w, p.max_nominations, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "max_unlocking_chunks", w, p.max_unlocking_chunks, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "max_candidates", w, p.max_candidates, required));
  CESS_RETURN_IF_ERROR(ReadUint(j, "max_nominators", w, p.max_nominators, required));
  // The storage constants are optional even for a custom profile (older genesis files lack them):
  // missing ones keep their defaults (the devnet values).
  CESS_RETURN_IF_ERROR(ReadUint(j, "miner_collateral_per_tib", w, p.miner_collateral_per_tib, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "miner_min_collateral", w, p.miner_min_collateral, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "miner_exit_lock_blocks", w, p.miner_exit_lock_blocks, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "miner_reward_per_era", w, p.miner_reward_per_era, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "space_price_per_gib", w, p.space_price_per_gib, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "max_segments_per_file", w, p.max_segments_per_file, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "restoral_order_life_blocks", w, p.restoral_order_life_blocks, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "audit_interval_blocks", w, p.audit_interval_blocks, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "audit_bytes_per_block", w, p.audit_bytes_per_block, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "audit_deadline_base_blocks", w, p.audit_deadline_base_blocks, false));
  if (auto it = j.find("audit_penalty_percent"); it != j.end()) {
    if (!it->is_array() || it->size() != p.audit_penalty_percent.size()) {
      return Bad("profile.audit_penalty_percent", "must be an array of 3 integers");
    }
    for (size_t i = 0; i < p.audit_penalty_percent.size(); ++i) {
      if (!(*it)[i].is_number_unsigned() || (*it)[i].get<uint64_t>() > 100) {
        return Bad("profile.audit_penalty_percent", "entries must be integers in 0..100");
      }
      p.audit_penalty_percent[i] = (*it)[i].get<uint32_t>();
    }
  }
  CESS_RETURN_IF_ERROR(ReadUint(j, "audit_max_misses", w, p.audit_max_misses, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "audit_history_len", w, p.audit_history_len, false));
  // The agent registry constants are optional likewise.
  CESS_RETURN_IF_ERROR(ReadUint(j, "agent_min_stake", w, p.agent_min_stake, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "agent_ttl_blocks", w, p.agent_ttl_blocks, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "agent_unbond_blocks", w, p.agent_unbond_blocks, false));
  CESS_RETURN_IF_ERROR(ReadUint(j, "agent_max_per_owner", w, p.agent_max_per_owner, false));
  return p;
}

}  // namespace

Status Genesis::Validate() const {
  if (chain_id.empty() || chain_id.size() > kMaxChainIdBytes) {
    return Bad("chain_id", "must be 1.." + std::to_string(kMaxChainIdBytes) + " bytes");
  }
  CESS_RETURN_IF_ERROR(profile.Validate().WithContext("genesis"));
  std::set<AccountId> ids;
  runtime::U128 issuance = 0;
  for (const GenesisAccount& a : accounts) {
    if (!ids.insert(a.id).second) return Bad("accounts", "account " + a.id.ToHex() + " is listed twice");
    if (a.balance < profile.existential_deposit) {
      return Bad("accounts", "account " + a.id.ToHex() + " holds less than the existential deposit");
    }
    issuance += a.balance;
  }
  if (issuance > UINT64_MAX) return Bad("accounts", "the total issuance does not fit in u64");
  if (validators.empty()) return Bad("validators", "at least one validator is required");
  std::set<AccountId> vals;
  for (const GenesisValidator& v : validators) {
    const std::string who = "validator " + v.account.ToHex();
    if (!vals.insert(v.account).second) return Bad("validators", who + " is listed twice");
    if (v.stake < profile.min_validator_stake) return Bad("validators", who + " stakes less than min_validator_stake");
    if (!ValidVrfKey(v.vrf_key)) return Bad("validators", who + " has an invalid VRF key");
    uint64_t balance = 0;
    bool funded = false;
    for (const GenesisAccount& a : accounts) {
      if (a.id == v.account) {
        balance = a.balance;
        funded = true;
      }
    }
    if (!funded) return Bad("validators", who + " is not a genesis account");
    if (balance < v.stake || balance - v.stake < profile.existential_deposit) {
      return Bad("validators", who + " needs a balance of at least stake + existential deposit");
    }
  }
  return Status::Ok();
}

Hash256 Genesis::Hash() const { return crypto::Sha256(codec::Encode(*this)); }

void Genesis::Encode(codec::Writer& w) const {
  w.PutString(chain_id);
  profile.Encode(w);
  w.PutU64(genesis_time_ms);
  w.PutVector(accounts, [](codec::Writer& w2, const GenesisAccount& a) {
    a.id.Encode(w2);
    w2.PutU64(a.balance);
  });
  w.PutVector(validators, [](codec::Writer& w2, const GenesisValidator& v) {
    v.account.Encode(w2);
    w2.PutFixed(v.vrf_key);
    w2.PutU64(v.stake);
  });
}

Result<Genesis> Genesis::Decode(codec::Reader& r) {
  Genesis g;
  CESS_ASSIGN_OR_RETURN(g.chain_id, r.ReadString(kMaxChainIdBytes));
  CESS_ASSIGN_OR_RETURN(g.profile, Profile::Decode(r));
  CESS_ASSIGN_OR_RETURN(g.genesis_time_ms, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(uint32_t n_accounts, r.ReadCount(40));
  g.accounts.reserve(n_accounts);
  for (uint32_t i = 0; i < n_accounts; ++i) {
    GenesisAccount a;
    CESS_ASSIGN_OR_RETURN(a.id, AccountId::Decode(r));
    CESS_ASSIGN_OR_RETURN(a.balance, r.ReadU64());
    g.accounts.push_back(a);
  }
  CESS_ASSIGN_OR_RETURN(uint32_t n_validators, r.ReadCount(73));
  g.validators.reserve(n_validators);
  for (uint32_t i = 0; i < n_validators; ++i) {
    GenesisValidator v;
    CESS_ASSIGN_OR_RETURN(v.account, AccountId::Decode(r));
    CESS_ASSIGN_OR_RETURN(v.vrf_key, r.ReadArray<crypto::ecvrf::kPublicKeySize>());
    CESS_ASSIGN_OR_RETURN(v.stake, r.ReadU64());
    g.validators.push_back(v);
  }
  return g;
}

std::string Genesis::ToJson() const {
  Json j;
  j["chain_id"] = chain_id;
  j["profile"] = ProfileToJson(profile);
  j["genesis_time_ms"] = genesis_time_ms;
  Json accts = Json::array();
  for (const GenesisAccount& a : accounts) accts.push_back({{"id", a.id.ToHex()}, {"balance", a.balance}});
  j["accounts"] = std::move(accts);
  Json vals = Json::array();
  for (const GenesisValidator& v : validators) {
    vals.push_back({{"account", v.account.ToHex()}, {"vrf_key", ToHex(v.vrf_key)}, {"stake", v.stake}});
  }
  j["validators"] = std::move(vals);
  return j.dump(2);
}

Result<Genesis> Genesis::FromJson(std::string_view json) {
  Json j = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("genesis: not valid JSON");
  if (!j.is_object()) return Status::InvalidArgument("genesis: the top level must be an object");
  Genesis g;
  CESS_ASSIGN_OR_RETURN(g.chain_id, ReadString(j, "chain_id", ""));
  auto pit = j.find("profile");
  if (pit == j.end()) return Bad("profile", "missing");
  CESS_ASSIGN_OR_RETURN(g.profile, ProfileFromJson(*pit));
  CESS_RETURN_IF_ERROR(ReadUint(j, "genesis_time_ms", "", g.genesis_time_ms, true));
  auto ait = j.find("accounts");
  if (ait == j.end() || !ait->is_array()) return Bad("accounts", "must be an array");
  for (size_t i = 0; i < ait->size(); ++i) {
    const Json& a = (*ait)[i];
    const std::string where = "accounts[" + std::to_string(i) + "].";
    if (!a.is_object()) return Bad(where, "must be an object");
    CESS_ASSIGN_OR_RETURN(std::string id, ReadString(a, "id", where));
    GenesisAccount acct;
    Result<AccountId> parsed = AccountId::FromHex(id);
    if (!parsed.ok()) return Bad(where + "id", parsed.status().message());
    acct.id = *parsed;
    CESS_RETURN_IF_ERROR(ReadUint(a, "balance", where, acct.balance, true));
    g.accounts.push_back(acct);
  }
  auto vit = j.find("validators");
  if (vit == j.end() || !vit->is_array()) return Bad("validators", "must be an array");
  for (size_t i = 0; i < vit->size(); ++i) {
    const Json& v = (*vit)[i];
    const std::string where = "validators[" + std::to_string(i) + "].";
    if (!v.is_object()) return Bad(where, "must be an object");
    GenesisValidator val;
    CESS_ASSIGN_OR_RETURN(std::string account, ReadString(v, "account", where));
    Result<AccountId> parsed = AccountId::FromHex(account);
    if (!parsed.ok()) return Bad(where + "account", parsed.status().message());
    val.account = *parsed;
    CESS_ASSIGN_OR_RETURN(std::string key, ReadString(v, "vrf_key", where));
    Result<crypto::ecvrf::PublicKey> k = FromHexFixed<crypto::ecvrf::kPublicKeySize>(key);
    if (!k.ok()) return Bad(where + "vrf_key", k.status().message());
    val.vrf_key = *k;
    CESS_RETURN_IF_ERROR(ReadUint(v, "stake", where, val.stake, true));
    g.validators.push_back(val);
  }
  return g;
}

}  // namespace cess::chain
