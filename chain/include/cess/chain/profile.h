// Protocol profiles (DESIGN.md §3): every protocol constant in one struct, loaded from genesis, so
// tests and the devnet run small while the `cess` profile stays faithful to the real network
// (../shared/reference/cess-real-implementation.md). A profile is part of genesis and therefore
// hashed: it has a canonical encoding.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "cess/core/codec.h"
#include "cess/core/result.h"

namespace cess::chain {

// Balances are u64 base units; 1 CESS = 10^6 base units (the real chain uses 10^18 in a u128; a
// u64 of micro-CESS holds the whole 10-billion supply with room to spare).
inline constexpr uint64_t kUnitsPerCess = 1'000'000;

struct Profile {
  std::string name;  // "cess" or "devnet" (or a custom name from a genesis file)

  // Storage layout.
  uint64_t segment_size = 0;   // bytes
  uint64_t fragment_size = 0;  // bytes = segment_size / ec_data
  uint32_t ec_data = 0;        // RS data shards (k)
  uint32_t ec_parity = 0;      // RS parity shards (m)
  uint32_t miners_per_file = 0;

  // PoDR² audit.
  uint32_t podr2_blocks_per_fragment = 0;
  uint32_t podr2_challenged_blocks = 0;
  uint32_t podr2_coefficient_bytes = 0;

  // Time: slots, epochs, eras.
  uint64_t slot_ms = 0;
  uint64_t slots_per_epoch = 0;
  uint64_t epochs_per_era = 0;

  // Validators and R²S.
  uint32_t validators_elected = 0;
  uint64_t min_validator_stake = 0;  // smallest bonded stake that may be elected (base units)
  // Election score = (w_credit·credit + w_stake·stake + w_vrf·vrf) / (sum of weights), each score on
  // 0..score_scale. CESS: 5/3/2 over 10, scale 1000.
  uint32_t weight_credit = 0;
  uint32_t weight_stake = 0;
  uint32_t weight_vrf = 0;
  uint32_t score_scale = 0;
  // Credit smoothing over the last eras, newest first, in percent (CESS: 50/20/15/10/5).
  std::array<uint32_t, 5> credit_window_percent{};

  // Balances and staking.
  uint64_t existential_deposit = 0;  // base units
  uint64_t bonding_duration_eras = 0;

  // PoIS idle-space expander graph.
  uint32_t pois_layers = 0;
  uint64_t pois_nodes = 0;
  uint32_t pois_degree = 0;

  // Runtime (chain/runtime): fees, slashing and storage bounds.
  // The smallest fee of a call of weight 1; a call's minimum fee is min_tx_fee × its weight
  // (weights are declared by each module's calls). Base units.
  uint64_t min_tx_fee = 0;
  // Percent of an equivocating validator's bond (and of its nominators' backing) that is slashed.
  uint32_t slash_percent = 0;
  // Percent of the slashed amount paid to whoever reported the equivocation; the rest is burned.
  uint32_t reporter_reward_percent = 0;
  // Most validators a nominator may back, and most unlocking chunks a staking ledger may hold.
  uint32_t max_nominations = 0;
  uint32_t max_unlocking_chunks = 0;
  // Most declared validator candidates and most nominators at any time (bounded storage: the
  // election reads them all).
  uint32_t max_candidates = 0;
  uint32_t max_nominators = 0;

  // Storage runtime (chain/runtime: tee, sminer, file_bank, audit). The defaults are the devnet
  // values, so a profile read from a genesis file that predates these fields stays usable.
  // Miner collateral: at least max(miner_min_collateral, ceil(capacity · per_tib / 1 TiB)).
  uint64_t miner_collateral_per_tib = 4000 * kUnitsPerCess;  // CESS: 4000 CESS per TiB
  uint64_t miner_min_collateral = 10 * kUnitsPerCess;
  // Blocks between sminer.exit_prep and the withdrawal of the collateral (CESS: 15 days).
  uint64_t miner_exit_lock_blocks = 20;
  // Minted at the first block of each era and paid to Positive miners in proportion to power.
  uint64_t miner_reward_per_era = 1000 * kUnitsPerCess;
  // One-off price of 1 GiB of fragment-space quota (file_bank.buy_space; burned).
  uint64_t space_price_per_gib = kUnitsPerCess;
  // Most segments one upload declaration may name (CESS: SEGMENT_COUNT = 1000).
  uint32_t max_segments_per_file = 64;
  // Blocks a claimed restoral order stays with its claimer (CESS: RestoralOrderLife = 250).
  uint64_t restoral_order_life_blocks = 10;
  // A challenge every audit_interval_blocks blocks (CESS: 4); its deadline is
  // service bytes / audit_bytes_per_block + audit_deadline_base_blocks blocks after it is issued
  // (CESS: 24 MiB per block + 50).
  uint64_t audit_interval_blocks = 5;
  uint64_t audit_bytes_per_block = uint64_t{1} << 20;
  uint64_t audit_deadline_base_blocks = 10;
  // Percent of the collateral burned for the 1st, 2nd, and 3rd and later consecutive misses.
  std::array<uint32_t, 3> audit_penalty_percent{0, 5, 15};
  // Consecutive misses that force a miner out (CESS code: 100).
  uint32_t audit_max_misses = 3;
  // Audit results kept per miner.
  uint32_t audit_history_len = 8;

  // Agent registry (chain/runtime/agents). The defaults are the devnet values, as above.
  // Smallest stake an agent registration holds in the agents pot.
  uint64_t agent_min_stake = 10 * kUnitsPerCess;
  // Blocks a registration (or refresh) keeps an agent routable before it expires.
  uint64_t agent_ttl_blocks = 600;
  // Blocks between deregister and the automatic return of the stake.
  uint64_t agent_unbond_blocks = 20;
  // Most agents one owner may hold registered at once.
  uint32_t agent_max_per_owner = 16;

  // The real network's constants.
  static Profile Cess();
  // The small profile tests and the devnet use (default).
  static Profile Devnet();
  // "cess" or "devnet". Errors: InvalidArgument naming the known profiles.
  static Result<Profile> ByName(std::string_view name);

  uint64_t slots_per_era() const { return slots_per_epoch * epochs_per_era; }
  // Votes needed for finality among `voters` equal voters: n − ⌊(n−1)/3⌋ (8 of 11, 3 of 4).
  // REQUIRES: voters >= 1.
  static uint32_t FinalityThreshold(uint32_t voters) { return voters - (voters - 1) / 3; }

  // OK when every constant is usable: non-zero sizes and counts, fragment_size·ec_data ==
  // segment_size, miners_per_file >= ec_data + ec_parity, challenged blocks <= blocks per
  // fragment, weights not all zero, credit window summing to 100, percents at most 100, runtime
  // bounds non-zero, storage runtime constants non-zero (penalty percents at most 100), agent constants
  // non-zero.
  // Errors: InvalidArgument naming the field.
  Status Validate() const;

  // Canonical encoding (fields in declared order) and decoding (Corruption on bad bytes; the
  // decoded profile is not validated — call Validate()).
  void Encode(codec::Writer& w) const;
  static Result<Profile> Decode(codec::Reader& r);

  bool operator==(const Profile&) const = default;
};

}  // namespace cess::chain
