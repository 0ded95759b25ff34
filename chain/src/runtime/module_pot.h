// The funds a runtime module holds (sminer's collateral, agents' stakes): a plain balances account,
// sminer::ModuleAccount(module), so balances' invariant (issuance == Σ free + bonded) keeps holding.
// The pot never drops below the existential deposit: the first payment into it mints one
// existential deposit as a permanent reserve, recorded under "<module>/reserve/". So
// pot free == reserve + what the module owes.
#pragma once

#include <string>
#include <string_view>

#include "cess/chain/runtime/module.h"
#include "cess/chain/types.h"
#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess::chain::runtime {

// Immutable; methods act on the Context's state.
class ModulePot {
 public:
  explicit ModulePot(std::string_view module);

  const AccountId& account() const { return account_; }

  // Moves `amount` from `from`'s free balance into the pot (the caller checked the balance);
  // the first payment mints the reserve. Errors: Internal when `from` is short or on overflow.
  Status PayIn(Context& ctx, const AccountId& from, uint64_t amount) const;
  // Moves `amount` out of the pot to `to`'s free balance. Errors: Internal when the pot would
  // drop below its reserve, or on overflow.
  Status PayOut(Context& ctx, const AccountId& to, uint64_t amount) const;
  // Takes `amount` out of the pot and burns it (lowers issuance). Errors: as PayOut.
  Status Burn(Context& ctx, uint64_t amount) const;
  // The reserve minted into the pot (0 before the first payment).
  Result<uint64_t> Reserve(const state::StateReader& reader) const;

 private:
  Status Take(Context& ctx, uint64_t amount) const;

  std::string module_;
  AccountId account_;
  Bytes reserve_key_;
};

}  // namespace cess::chain::runtime
