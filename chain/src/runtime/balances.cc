// The balances module (see balances.h for the rules).
#include "cess/chain/runtime/balances.h"

#include <string>

#include "cess/chain/runtime/storage.h"
#include "wide_int.h"

namespace cess::chain::runtime::balances {
namespace {

constexpr std::string_view kAccountItem = "account";
const Bytes& IssuanceKey() {
  static const Bytes kKey = KeyBuilder(kName, "issuance").Take();
  return kKey;
}

Status CheckTransferArgs(ByteSpan args) { return codec::Decode<TransferArgs>(args).status(); }

constexpr CallDef kCalls[] = {
    {"transfer", 1, &CheckTransferArgs},
};
constexpr ErrorDef kErrors[] = {
    {1, "InsufficientBalance"},
    {2, "BelowExistentialDeposit"},
    {3, "ZeroAmount"},
    {4, "Overflow"},
};
constexpr std::string_view kEvents[] = {"Transfer", "DustLost", "FeesPaid"};

Bytes IdAmount(const AccountId& id, uint64_t amount) {
  codec::Writer w;
  w.Reserve(40);
  id.Encode(w);
  w.PutU64(amount);
  return w.Take();
}

}  // namespace

void AccountInfo::Encode(codec::Writer& w) const {
  w.PutU64(nonce);
  w.PutU64(free);
  w.PutU64(bonded);
}

Result<AccountInfo> AccountInfo::Decode(codec::Reader& r) {
  AccountInfo a;
  CESS_ASSIGN_OR_RETURN(a.nonce, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.free, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.bonded, r.ReadU64());
  return a;
}

void TransferArgs::Encode(codec::Writer& w) const {
  to.Encode(w);
  w.PutU64(amount);
}

Result<TransferArgs> TransferArgs::Decode(codec::Reader& r) {
  TransferArgs a;
  CESS_ASSIGN_OR_RETURN(a.to, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(a.amount, r.ReadU64());
  return a;
}

Call TransferCall(const AccountId& to, uint64_t amount) {
  return Call{std::string(kName), "transfer", codec::Encode(TransferArgs{to, amount})};
}

Bytes AccountKey(const AccountId& id) { return KeyBuilder(kName, kAccountItem).Add(id.bytes).Take(); }

Result<AccountInfo> ReadAccount(const state::StateReader& reader, const AccountId& id) {
  CESS_ASSIGN_OR_RETURN(std::optional<AccountInfo> a, GetValue<AccountInfo>(reader, AccountKey(id)));
  return a.value_or(AccountInfo{});
}

Result<uint64_t> ReadTotalIssuance(const state::StateReader& reader) { return GetU64(reader, IssuanceKey()); }

Status BurnIssuance(Context& ctx, uint64_t amount) {
  if (amount == 0) return Status::Ok();
  CESS_ASSIGN_OR_RETURN(uint64_t issuance, GetU64(ctx.state(), IssuanceKey()));
  if (issuance < amount) return Status::Internal("balances: burning more than the total issuance");
  PutU64(ctx.state(), IssuanceKey(), issuance - amount);
  return Status::Ok();
}

Status MintIssuance(Context& ctx, uint64_t amount) {
  if (amount == 0) return Status::Ok();
  CESS_ASSIGN_OR_RETURN(uint64_t issuance, GetU64(ctx.state(), IssuanceKey()));
  if (issuance > UINT64_MAX - amount) return Status::Internal("balances: total issuance overflows");
  PutU64(ctx.state(), IssuanceKey(), issuance + amount);
  return Status::Ok();
}

Result<uint64_t> StoreAccount(Context& ctx, const AccountId& id, AccountInfo info) {
  uint64_t dust = 0;
  if (info.bonded == 0 && info.free > 0 && info.free < ctx.profile().existential_deposit) {
    dust = info.free;
    info.free = 0;
    CESS_RETURN_IF_ERROR(BurnIssuance(ctx, dust));
    ctx.Emit(kName, "DustLost", IdAmount(id, dust));
  }
  const Bytes key = AccountKey(id);
  if (info.total() == 0 && info.nonce == 0) {
    ctx.state().Delete(key);
  } else {
    PutValue(ctx.state(), key, info);
  }
  return dust;
}

bool CanPayFee(const AccountInfo& info, uint64_t fee, uint64_t existential_deposit) {
  if (info.free < fee) return false;
  if (fee == 0) return true;
  return info.bonded > 0 || info.free - fee >= existential_deposit;
}

std::span<const CallDef> BalancesModule::calls() const { return kCalls; }
std::span<const ErrorDef> BalancesModule::errors() const { return kErrors; }
std::span<const std::string_view> BalancesModule::events() const { return kEvents; }

Result<CallResult> BalancesModule::Dispatch(Context& ctx, const AccountId& origin, size_t index,
                                            ByteSpan args) const {
  switch (index) {
    case 0: {
      Result<TransferArgs> a = codec::Decode<TransferArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return Transfer(ctx, origin, *a);
    }
    default:
      return Status::Internal("balances: no call " + std::to_string(index));
  }
}

Result<CallResult> BalancesModule::Transfer(Context& ctx, const AccountId& from, const TransferArgs& args) const {
  if (args.amount == 0) return CallResult::Error(Error::kZeroAmount);
  CESS_ASSIGN_OR_RETURN(AccountInfo sender, ReadAccount(ctx.state(), from));
  if (sender.free < args.amount) return CallResult::Error(Error::kInsufficientBalance);
  if (args.to == from) return CallResult::Ok();  // a transfer to oneself moves nothing
  CESS_ASSIGN_OR_RETURN(AccountInfo recipient, ReadAccount(ctx.state(), args.to));
  if (recipient.free > UINT64_MAX - args.amount) return CallResult::Error(Error::kOverflow);
  if (recipient.total() + args.amount < profile_.existential_deposit) {
    return CallResult::Error(Error::kBelowExistentialDeposit);
  }
  sender.free -= args.amount;
  recipient.free += args.amount;
  CESS_RETURN_IF_ERROR(StoreAccount(ctx, from, sender).status());
  CESS_RETURN_IF_ERROR(StoreAccount(ctx, args.to, recipient).status());
  codec::Writer w;
  w.Reserve(72);
  from.Encode(w);
  args.to.Encode(w);
  w.PutU64(args.amount);
  ctx.Emit(kName, "Transfer", w.Take());
  return CallResult::Ok();
}

Status BalancesModule::InitGenesis(Context& ctx, const Genesis& genesis) const {
  uint64_t issuance = 0;
  for (const GenesisAccount& a : genesis.accounts) {
    if (a.balance < profile_.existential_deposit) {
      return Status::InvalidArgument("balances: genesis account " + a.id.ToHex() + " holds less than the existential deposit");
    }
    if (issuance > UINT64_MAX - a.balance) return Status::InvalidArgument("balances: genesis issuance overflows u64");
    issuance += a.balance;
    PutValue(ctx.state(), AccountKey(a.id), AccountInfo{0, a.balance, 0});
  }
  PutU64(ctx.state(), IssuanceKey(), issuance);
  return Status::Ok();
}

Status BalancesModule::OnBlockEnd(Context& ctx) const {
  const uint64_t fees = ctx.scratch().fees;
  ctx.scratch().fees = 0;
  if (fees == 0) return Status::Ok();
  const AccountId& author = ctx.block().author;
  AccountInfo info;
  if (!author.IsZero()) {
    CESS_ASSIGN_OR_RETURN(info, ReadAccount(ctx.state(), author));
  }
  ctx.Emit(kName, "FeesPaid", IdAmount(author, fees));
  if (author.IsZero() || info.free > UINT64_MAX - fees || info.total() + fees < profile_.existential_deposit) {
    return BurnIssuance(ctx, fees);  // nobody can hold them
  }
  info.free += fees;
  return StoreAccount(ctx, author, info).status();
}

Status BalancesModule::CheckInvariants(const state::StateReader& reader) const {
  CESS_ASSIGN_OR_RETURN(uint64_t issuance, ReadTotalIssuance(reader));
  U128 sum = 0;
  Status bad;
  const Bytes prefix = KeyBuilder(kName, kAccountItem).Take();
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    if (key.size() != prefix.size() + 32) {
      bad = Status::Internal("balances: malformed account key");
      return false;
    }
    Result<AccountInfo> a = codec::Decode<AccountInfo>(value);
    if (!a.ok()) {
      bad = Status::Internal("balances: malformed account record");
      return false;
    }
    if (a->bonded == 0 && a->free > 0 && a->free < profile_.existential_deposit) {
      bad = Status::Internal("balances: an unbonded account holds less than the existential deposit");
      return false;
    }
    if (a->total() == 0 && a->nonce == 0) {
      bad = Status::Internal("balances: an empty account record with nonce 0");
      return false;
    }
    sum += a->free;
    sum += a->bonded;
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  if (sum != issuance) {
    return Status::Internal("balances: total issuance " + std::to_string(issuance) +
                            " differs from the sum of balances " + std::to_string(static_cast<uint64_t>(sum)));
  }
  return Status::Ok();
}

}  // namespace cess::chain::runtime::balances
