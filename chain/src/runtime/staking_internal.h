// Storage keys and helpers the staking module's source files share (not a public interface).
#pragma once

#include "cess/chain/runtime/module.h"
#include "cess/chain/runtime/staking.h"
#include "cess/core/bytes.h"

namespace cess::chain::runtime::staking::internal {

Bytes LedgerKey(const AccountId& id);
Bytes CandidateKey(const AccountId& id);
Bytes NominatorKey(const AccountId& id);
Bytes OffenceKey(const Hash256& key);
Bytes CandidateCountKey();
Bytes NominatorCountKey();

// Stores `ledger`, deleting the record when it is empty.
void StoreLedger(Context& ctx, const AccountId& id, const Ledger& ledger);
// Removes the candidacy / nominations of `id` if any (keeping the counters), setting *removed.
Status RemoveCandidacy(Context& ctx, const AccountId& id, bool* removed);
Status RemoveNominations(Context& ctx, const AccountId& id, bool* removed);
// id (32) ‖ amount (u64): the data of several events.
Bytes IdAmount(const AccountId& id, uint64_t amount);

}  // namespace cess::chain::runtime::staking::internal
