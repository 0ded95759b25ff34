// Storage keys and helpers the r2s module's source files share (not a public interface).
#pragma once

#include <cstdint>

#include "cess/chain/types.h"
#include "cess/core/bytes.h"

namespace cess::chain::runtime::r2s::internal {

Bytes AccKey();
Bytes EpochRandKey();
Bytes EraSeedKey();
Bytes WorkKey(uint64_t era, const AccountId& id);
Bytes WorkPrefix(uint64_t era);
Bytes TotalWorkKey(uint64_t era);
Bytes PenaltyKey(uint64_t era, const AccountId& id);
Bytes PenaltyPrefix(uint64_t era);
Bytes CreditKey(uint64_t era, const AccountId& id);
Bytes VrfKey(uint64_t era, const AccountId& id);
Bytes ElectionKey(uint64_t era);

// SHA-256("cess/randomness/v1" ‖ acc ‖ vrf_output).
Hash256 FoldRandomness(const Hash256& acc, ByteSpan vrf_output);
// SHA-256("cess/epoch/v1" ‖ acc ‖ epoch u64 LE).
Hash256 EpochRandomnessFrom(const Hash256& acc, uint64_t epoch);

}  // namespace cess::chain::runtime::r2s::internal
