// The balances module: accounts, transfers, the existential deposit, fees and total issuance.
//
// Storage (prefix "balances/"):
//   balances/account/<id 32>   AccountInfo  nonce (u64) ‖ free (u64) ‖ bonded (u64)
//   balances/issuance/         u64 (8 bytes LE)  total issuance
//
// Rules:
//   - An account exists while free + bonded > 0. bonded is the part the staking module holds
//     (bonded or unlocking); only staking moves funds in and out of it.
//   - Existential deposit (ED = profile.existential_deposit): an account with bonded == 0 whose free
//     balance drops below ED (but not to 0) is reaped: the remainder ("dust") is burned (total
//     issuance drops, event DustLost) and the balance is gone. A bonded account is kept alive by its
//     bond whatever its free balance. A transfer that would leave its recipient below ED is refused
//     (error BelowExistentialDeposit).
//   - Nonces survive reaping: a reaped account that ever sent a transaction keeps a record with its
//     nonce and zero balances, so its old signed transactions can never be replayed.
//   - Fees: a transaction's fee is payable when free >= fee and the account stays alive afterwards:
//     free - fee >= ED, or bonded > 0 (fees never reap an account). The fee is taken in full when
//     the transaction is applied (even if its call fails) and paid to the block's author at the end
//     of the block; when the author has no account and the block's fees are below ED, they are
//     burned instead. Total issuance therefore changes only at genesis, by dust and fee burns, and
//     by slashing (staking).
//   - Invariant: total issuance == sum over accounts of free + bonded; no account with bonded == 0
//     holds 0 < free < ED.
//
// Calls:
//   transfer(to (32) ‖ amount (u64))  weight 1.  Errors: InsufficientBalance, BelowExistentialDeposit,
//                                     ZeroAmount, Overflow.
// Events:
//   Transfer  from (32) ‖ to (32) ‖ amount (u64)
//   DustLost  account (32) ‖ amount (u64)
//   FeesPaid  author (32) ‖ amount (u64)   (block end; amount burned when the author cannot hold it)
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "cess/chain/runtime/module.h"
#include "cess/chain/state/write_set.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/core/codec.h"
#include "cess/core/result.h"

namespace cess::chain::runtime::balances {

inline constexpr std::string_view kName = "balances";

enum class Error : uint32_t {
  kInsufficientBalance = 1,      // free balance below the amount
  kBelowExistentialDeposit = 2,  // the recipient would hold less than the existential deposit
  kZeroAmount = 3,               // a transfer of nothing
  kOverflow = 4,                 // the recipient's balance would overflow u64
};

struct AccountInfo {
  uint64_t nonce = 0;   // the next nonce the account's transactions must use
  uint64_t free = 0;    // spendable
  uint64_t bonded = 0;  // held by staking (bonded and unlocking)

  uint64_t total() const { return free + bonded; }
  void Encode(codec::Writer& w) const;
  static Result<AccountInfo> Decode(codec::Reader& r);
  bool operator==(const AccountInfo&) const = default;
};

struct TransferArgs {
  AccountId to;
  uint64_t amount = 0;
  void Encode(codec::Writer& w) const;
  static Result<TransferArgs> Decode(codec::Reader& r);
};

// The call balances.transfer(to, amount).
Call TransferCall(const AccountId& to, uint64_t amount);

// Read helpers (for the CLI, the engine and other modules). A missing account reads as all zeros.
// Errors: Corruption on a malformed record; IoError.
Result<AccountInfo> ReadAccount(const state::StateReader& reader, const AccountId& id);
Result<uint64_t> ReadTotalIssuance(const state::StateReader& reader);
Bytes AccountKey(const AccountId& id);

// Mutators for other modules (run inside a call or hook).
// Stores `info` for `id`, applying the existential-deposit rule: dust of an unbonded account below
// ED is burned (DustLost); a record with zero balances and nonce 0 is deleted. Returns the dust
// burned. Errors: storage errors.
Result<uint64_t> StoreAccount(Context& ctx, const AccountId& id, AccountInfo info);
// Lowers (or raises) the total issuance by `amount`. Errors: Internal on underflow / overflow.
Status BurnIssuance(Context& ctx, uint64_t amount);
Status MintIssuance(Context& ctx, uint64_t amount);
// True when `info` can pay `fee` under the fee rule above.
bool CanPayFee(const AccountInfo& info, uint64_t fee, uint64_t existential_deposit);

class BalancesModule final : public Module {
 public:
  explicit BalancesModule(const Profile& profile) : profile_(profile) {}

  // Module
  std::string_view name() const override { return kName; }
  std::span<const CallDef> calls() const override;
  std::span<const ErrorDef> errors() const override;
  std::span<const std::string_view> events() const override;
  Result<CallResult> Dispatch(Context& ctx, const AccountId& origin, size_t index, ByteSpan args) const override;
  // Credits every genesis account and sets the total issuance.
  Status InitGenesis(Context& ctx, const Genesis& genesis) const override;
  // Pays the block's fees to its author.
  Status OnBlockEnd(Context& ctx) const override;
  // Issuance == sum of free + bonded; no unbonded account below ED; records decode.
  Status CheckInvariants(const state::StateReader& reader) const override;

 private:
  Result<CallResult> Transfer(Context& ctx, const AccountId& from, const TransferArgs& args) const;

  Profile profile_;
};

}  // namespace cess::chain::runtime::balances
