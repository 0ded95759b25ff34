#include "cess/chain/profile.h"

#include <string>

namespace cess::chain {

Profile Profile::Cess() {
  Profile p;
  p.name = "cess";
  p.segment_size = uint64_t{32} << 20;
  p.fragment_size = uint64_t{8} << 20;
  p.ec_data = 4;
  p.ec_parity = 8;
  p.miners_per_file = 12;
  p.podr2_blocks_per_fragment = 1024;
  p.podr2_challenged_blocks = 47;
  p.podr2_coefficient_bytes = 20;
  p.slot_ms = 6000;
  p.slots_per_epoch = 600;
  p.epochs_per_era = 6;
  p.validators_elected = 11;
  p.min_validator_stake = 3'000'000ULL * kUnitsPerCess;  // 3,000,000 CESS (the real MIN_ELECTABLE_STAKE)
  p.weight_credit = 5;
  p.weight_stake = 3;
  p.weight_vrf = 2;
  p.score_scale = 1000;
  p.credit_window_percent = {50, 20, 15, 10, 5};
  p.existential_deposit = kUnitsPerCess;  // 1 CESS
  p.bonding_duration_eras = 672;
  p.pois_layers = 7;
  p.pois_nodes = uint64_t{1} << 20;
  p.pois_degree = 64;
  p.min_tx_fee = kUnitsPerCess / 100;  // 0.01 CESS for a transfer
  p.slash_percent = 10;
  p.reporter_reward_percent = 10;
  p.max_nominations = 16;             // the real MaxNominations
  p.max_unlocking_chunks = 32;        // the real MaxUnlockingChunks
  p.max_candidates = 1000;
  p.max_nominators = 20000;
  p.miner_collateral_per_tib = 4000 * kUnitsPerCess;  // sminer BASE_UNIT-style 4000 CESS per TiB
  p.miner_min_collateral = 4000 * kUnitsPerCess;
  p.miner_exit_lock_blocks = 15 * 14400;  // 15 days of 6 s blocks
  // 477 M CESS for storage miners in the first year over 4 eras a day (1460 eras).
  p.miner_reward_per_era = 326'712 * kUnitsPerCess;
  p.space_price_per_gib = 30 * kUnitsPerCess;  // the genesis territory price
  p.max_segments_per_file = 1000;
  p.restoral_order_life_blocks = 250;
  p.audit_interval_blocks = 4;
  p.audit_bytes_per_block = 25'165'824;  // 24 MiB of service data per block
  p.audit_deadline_base_blocks = 50;
  p.audit_penalty_percent = {0, 5, 15};
  p.audit_max_misses = 100;
  p.audit_history_len = 8;
  p.agent_min_stake = 100 * kUnitsPerCess;
  p.agent_ttl_blocks = 14400;           // one day of 6 s blocks
  p.agent_unbond_blocks = 7 * 14400;    // seven days
  p.agent_max_per_owner = 16;
  return p;
}

Profile Profile::Devnet() {
  Profile p = Cess();
  p.name = "devnet";
  p.segment_size = uint64_t{1} << 20;
  p.fragment_size = uint64_t{256} << 10;
  p.podr2_blocks_per_fragment = 64;
  p.podr2_challenged_blocks = 8;
  p.slot_ms = 1000;
  p.slots_per_epoch = 20;
  p.epochs_per_era = 3;
  p.validators_elected = 4;
  p.min_validator_stake = 1'000ULL * kUnitsPerCess;  // 1,000 CESS
  p.bonding_duration_eras = 2;
  p.pois_layers = 3;
  p.pois_nodes = uint64_t{1} << 12;
  p.pois_degree = 16;
  p.min_tx_fee = 1000;  // 0.001 CESS
  p.max_candidates = 100;
  p.max_nominators = 1000;
  p.miner_min_collateral = 10 * kUnitsPerCess;
  p.miner_exit_lock_blocks = 20;
  p.miner_reward_per_era = 1000 * kUnitsPerCess;
  p.space_price_per_gib = kUnitsPerCess;
  p.max_segments_per_file = 64;
  p.restoral_order_life_blocks = 10;
  p.audit_interval_blocks = 5;
  p.audit_bytes_per_block = uint64_t{1} << 20;
  p.audit_deadline_base_blocks = 10;
  p.audit_max_misses = 3;
  p.agent_min_stake = 10 * kUnitsPerCess;
  p.agent_ttl_blocks = 600;  // ten minutes of 1 s blocks
  p.agent_unbond_blocks = 20;
  p.agent_max_per_owner = 16;
  return p;
}

Result<Profile> Profile::ByName(std::string_view name) {
  if (name == "cess") return Cess();
  if (name == "devnet") return Devnet();
  return Status::InvalidArgument("unknown profile '" + std::string(name) + "' (known: cess, devnet)");
}

Status Profile::Validate() const {
  auto bad = [](const char* field, const std::string& why) {
    return Status::InvalidArgument(std::string("profile field ") + field + ": " + why);
  };
  if (name.empty()) return bad("name", "must not be empty");
  if (segment_size == 0) return bad("segment_size", "must be > 0");
  if (ec_data == 0 || ec_data > 32) return bad("ec_data", "must be in 1..32");
  if (ec_parity == 0 || ec_parity > 16) return bad("ec_parity", "must be in 1..16");
  if (fragment_size == 0 || fragment_size * ec_data != segment_size) {
    return bad("fragment_size", "must equal segment_size / ec_data");
  }
  if (miners_per_file < ec_data + ec_parity) return bad("miners_per_file", "must be >= ec_data + ec_parity");
  if (podr2_blocks_per_fragment == 0) return bad("podr2_blocks_per_fragment", "must be > 0");
  if (podr2_challenged_blocks == 0 || podr2_challenged_blocks > podr2_blocks_per_fragment) {
    return bad("podr2_challenged_blocks", "must be in 1..podr2_blocks_per_fragment");
  }
  if (podr2_coefficient_bytes == 0 || podr2_coefficient_bytes > 32) {
    return bad("podr2_coefficient_bytes", "must be in 1..32");
  }
  if (slot_ms == 0) return bad("slot_ms", "must be > 0");
  if (slots_per_epoch == 0) return bad("slots_per_epoch", "must be > 0");
  if (epochs_per_era == 0) return bad("epochs_per_era", "must be > 0");
  if (validators_elected == 0) return bad("validators_elected", "must be > 0");
  if (weight_credit + weight_stake + weight_vrf == 0) return bad("weight_*", "must not all be 0");
  if (score_scale == 0) return bad("score_scale", "must be > 0");
  uint32_t window = 0;
  for (uint32_t w : credit_window_percent) window += w;
  if (window != 100)
    return bad("credit_window_percent", "must sum to 100, sums to " + std::to_string(window));
  if (bonding_duration_eras == 0) return bad("bonding_duration_eras", "must be > 0");
  if (pois_layers == 0 || pois_nodes == 0 || pois_degree == 0) return bad("pois_*", "must be > 0");
  if (slash_percent > 100) return bad("slash_percent", "must be <= 100");
  if (reporter_reward_percent > 100) return bad("reporter_reward_percent", "must be <= 100");
  if (max_nominations == 0) return bad("max_nominations", "must be > 0");
  if (max_unlocking_chunks == 0) return bad("max_unlocking_chunks", "must be > 0");
  if (max_candidates == 0) return bad("max_candidates", "must be > 0");
  if (max_nominators == 0) return bad("max_nominators", "must be > 0");
  if (miner_collateral_per_tib == 0) return bad("miner_collateral_per_tib", "must be > 0");
  if (miner_min_collateral == 0) return bad("miner_min_collateral", "must be > 0");
  if (miner_exit_lock_blocks == 0) return bad("miner_exit_lock_blocks", "must be > 0");
  if (space_price_per_gib == 0) return bad("space_price_per_gib", "must be > 0");
  if (max_segments_per_file == 0) return bad("max_segments_per_file", "must be > 0");
  if (restoral_order_life_blocks == 0) return bad("restoral_order_life_blocks", "must be > 0");
  if (audit_interval_blocks == 0) return bad("audit_interval_blocks", "must be > 0");
  if (audit_bytes_per_block == 0) return bad("audit_bytes_per_block", "must be > 0");
  for (uint32_t v : audit_penalty_percent) {
    if (v > 100) return bad("audit_penalty_percent", "entries must be <= 100");
  }
  if (audit_max_misses == 0) return bad("audit_max_misses", "must be > 0");
  if (audit_history_len == 0) return bad("audit_history_len", "must be > 0");
  if (agent_min_stake == 0) return bad("agent_min_stake", "must be > 0");
  if (agent_ttl_blocks == 0) return bad("agent_ttl_blocks", "must be > 0");
  if (agent_unbond_blocks == 0) return bad("agent_unbond_blocks", "must be > 0");
  if (agent_max_per_owner == 0) return bad("agent_max_per_owner", "must be > 0");
  return Status::Ok();
}

void Profile::Encode(codec::Writer& w) const {
  w.PutString(name);
  w.PutU64(segment_size);
  w.PutU64(fragment_size);
  w.PutU32(ec_data);
  w.PutU32(ec_parity);
  w.PutU32(miners_per_file);
  w.PutU32(podr2_blocks_per_fragment);
  w.PutU32(podr2_challenged_blocks);
  w.PutU32(podr2_coefficient_bytes);
  w.PutU64(slot_ms);
  w.PutU64(slots_per_epoch);
  w.PutU64(epochs_per_era);
  w.PutU32(validators_elected);
  w.PutU64(min_validator_stake);
  w.PutU32(weight_credit);
  w.PutU32(weight_stake);
  w.PutU32(weight_vrf);
  w.PutU32(score_scale);
  for (uint32_t v : credit_window_percent) w.PutU32(v);
  w.PutU64(existential_deposit);
  w.PutU64(bonding_duration_eras);
  w.PutU32(pois_layers);
  w.PutU64(pois_nodes);
  w.PutU32(pois_degree);
  w.PutU64(min_tx_fee);
  w.PutU32(slash_percent);
  w.PutU32(reporter_reward_percent);
  w.PutU32(max_nominations);
  w.PutU32(max_unlocking_chunks);
  w.PutU32(max_candidates);
  w.PutU32(max_nominators);
  w.PutU64(miner_collateral_per_tib);
  w.PutU64(miner_min_collateral);
  w.PutU64(miner_exit_lock_blocks);
  w.PutU64(miner_reward_per_era);
  w.PutU64(space_price_per_gib);
  w.PutU32(max_segments_per_file);
  w.PutU64(restoral_order_life_blocks);
  w.PutU64(audit_interval_blocks);
  w.PutU64(audit_bytes_per_block);
  w.PutU64(audit_deadline_base_blocks);
  for (uint32_t v : audit_penalty_percent) w.PutU32(v);
  w.PutU32(audit_max_misses);
  w.PutU32(audit_history_len);
  w.PutU64(agent_min_stake);
  w.PutU64(agent_ttl_blocks);
  w.PutU64(agent_unbond_blocks);
  w.PutU32(agent_max_per_owner);
}

Result<Profile> Profile::Decode(codec::Reader& r) {
  Profile p;
  CESS_ASSIGN_OR_RETURN(p.name, r.ReadString(64));
  CESS_ASSIGN_OR_RETURN(p.segment_size, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.fragment_size, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.ec_data, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.ec_parity, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.miners_per_file, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.podr2_blocks_per_fragment, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.podr2_challenged_blocks, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.podr2_coefficient_bytes, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.slot_ms, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.slots_per_epoch, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.epochs_per_era, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.validators_elected, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.min_validator_stake, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.weight_credit, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.weight_stake, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.weight_vrf, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.score_scale, r.ReadU32());
  for (uint32_t& v : p.credit_window_percent) {
    CESS_ASSIGN_OR_RETURN(v, r.ReadU32());
  }
  CESS_ASSIGN_OR_RETURN(p.existential_deposit, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.bonding_duration_eras, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.pois_layers, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.pois_nodes, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.pois_degree, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.min_tx_fee, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.slash_percent, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.reporter_reward_percent, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.max_nominations, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.max_unlocking_chunks, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.max_candidates, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.max_nominators, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.miner_collateral_per_tib, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.miner_min_collateral, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.miner_exit_lock_blocks, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.miner_reward_per_era, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.space_price_per_gib, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.max_segments_per_file, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.restoral_order_life_blocks, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.audit_interval_blocks, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.audit_bytes_per_block, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.audit_deadline_base_blocks, r.ReadU64());
  for (uint32_t& v : p.audit_penalty_percent) {
    CESS_ASSIGN_OR_RETURN(v, r.ReadU32());
  }
  CESS_ASSIGN_OR_RETURN(p.audit_max_misses, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.audit_history_len, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(p.agent_min_stake, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.agent_ttl_blocks, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.agent_unbond_blocks, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(p.agent_max_per_owner, r.ReadU32());
  return p;
}

}  // namespace cess::chain
