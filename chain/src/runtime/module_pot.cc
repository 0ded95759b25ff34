#include "module_pot.h"

#include <cstdint>

#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/chain/runtime/storage.h"

namespace cess::chain::runtime {

ModulePot::ModulePot(std::string_view module)
    : module_(module),
      account_(sminer::ModuleAccount(module)),
      reserve_key_(KeyBuilder(module, "reserve").Take()) {}

Result<uint64_t> ModulePot::Reserve(const state::StateReader& reader) const {
  return GetU64(reader, reserve_key_);
}

Status ModulePot::PayIn(Context& ctx, const AccountId& from, uint64_t amount) const {
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), from));
  if (acct.free < amount) return Status::Internal(module_ + ": paying more than the free balance");
  acct.free -= amount;
  CESS_RETURN_IF_ERROR(balances::StoreAccount(ctx, from, acct).status());
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo pot, balances::ReadAccount(ctx.state(), account_));
  CESS_ASSIGN_OR_RETURN(uint64_t reserve, Reserve(ctx.state()));
  if (reserve == 0 && ctx.profile().existential_deposit > 0) {
    reserve = ctx.profile().existential_deposit;
    CESS_RETURN_IF_ERROR(balances::MintIssuance(ctx, reserve));
    pot.free += reserve;
    PutU64(ctx.state(), reserve_key_, reserve);
  }
  if (pot.free > UINT64_MAX - amount) return Status::Internal(module_ + ": pot overflow");
  pot.free += amount;
  return balances::StoreAccount(ctx, account_, pot).status();
}

Status ModulePot::Take(Context& ctx, uint64_t amount) const {
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo pot, balances::ReadAccount(ctx.state(), account_));
  CESS_ASSIGN_OR_RETURN(uint64_t reserve, Reserve(ctx.state()));
  if (pot.free < amount || pot.free - amount < reserve)
    return Status::Internal(module_ + ": the pot is short");
  pot.free -= amount;
  return balances::StoreAccount(ctx, account_, pot).status();
}

Status ModulePot::PayOut(Context& ctx, const AccountId& to, uint64_t amount) const {
  if (amount == 0) return Status::Ok();
  CESS_RETURN_IF_ERROR(Take(ctx, amount));
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), to));
  if (acct.free > UINT64_MAX - amount) return Status::Internal(module_ + ": balance overflow");
  acct.free += amount;
  return balances::StoreAccount(ctx, to, acct).status();
}

Status ModulePot::Burn(Context& ctx, uint64_t amount) const {
  if (amount == 0) return Status::Ok();
  CESS_RETURN_IF_ERROR(Take(ctx, amount));
  return balances::BurnIssuance(ctx, amount);
}

}  // namespace cess::chain::runtime
