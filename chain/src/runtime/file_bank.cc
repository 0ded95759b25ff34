// The file_bank module (see file_bank.h): read helpers, space, uploads, reports, deletion and
// restoral orders. Encodings are in file_bank_types.cc, invariants in file_bank_invariants.cc.
#include "cess/chain/runtime/file_bank.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/chain/runtime/storage.h"
#include "cess/chain/runtime/tee.h"
#include "cess/core/hash.h"
#include "cess/storage/proofs/attestation.h"
#include "wide_int.h"

namespace cess::chain::runtime::file_bank {
namespace {

struct GibArgs {
  uint32_t gib = 0;
  void Encode(codec::Writer& w) const { w.PutU32(gib); }
  static Result<GibArgs> Decode(codec::Reader& r) {
    GibArgs a;
    CESS_ASSIGN_OR_RETURN(a.gib, r.ReadU32());
    return a;
  }
};
struct FidArgs {
  Hash256 fid{};
  void Encode(codec::Writer& w) const { w.PutFixed(fid); }
  static Result<FidArgs> Decode(codec::Reader& r) {
    FidArgs a;
    CESS_ASSIGN_OR_RETURN(a.fid, r.ReadArray<32>());
    return a;
  }
};
struct FidIndexArgs {
  Hash256 fid{};
  uint32_t index = 0;
  void Encode(codec::Writer& w) const {
    w.PutFixed(fid);
    w.PutU32(index);
  }
  static Result<FidIndexArgs> Decode(codec::Reader& r) {
    FidIndexArgs a;
    CESS_ASSIGN_OR_RETURN(a.fid, r.ReadArray<32>());
    CESS_ASSIGN_OR_RETURN(a.index, r.ReadU32());
    return a;
  }
};
struct FidFragmentArgs {
  Hash256 fid{};
  Hash256 fragment{};
  void Encode(codec::Writer& w) const {
    w.PutFixed(fid);
    w.PutFixed(fragment);
  }
  static Result<FidFragmentArgs> Decode(codec::Reader& r) {
    FidFragmentArgs a;
    CESS_ASSIGN_OR_RETURN(a.fid, r.ReadArray<32>());
    CESS_ASSIGN_OR_RETURN(a.fragment, r.ReadArray<32>());
    return a;
  }
};

constexpr CallDef kCalls[] = {
    {"buy_space", 1, &DecodesAs<GibArgs>},
    {"upload_declaration", 4, &DecodesAs<UploadArgs>},
    {"transfer_report", 1, &DecodesAs<FidIndexArgs>},
    {"calculate_report", 2, &DecodesAs<CalculateArgs>},
    {"delete_file", 1, &DecodesAs<FidArgs>},
    {"generate_restoral_order", 1, &DecodesAs<FidFragmentArgs>},
    {"claim_restoral_order", 1, &DecodesAs<FidFragmentArgs>},
    {"restoral_order_complete", 1, &DecodesAs<FidFragmentArgs>},
};
enum CallIndex : size_t { kBuySpace, kUpload, kTransfer, kCalculate, kDelete, kGenerate, kClaim, kComplete };

constexpr ErrorDef kErrors[] = {
    {1, "ZeroAmount"},        {2, "InsufficientBalance"}, {3, "Overflow"},
    {4, "BadName"},           {5, "CipherInfoTooLarge"},  {6, "BadRegion"},
    {7, "WrongSegmentCount"}, {8, "TooManySegments"},     {9, "WrongFragmentCount"},
    {10, "BadFid"},           {11, "AlreadyOwner"},       {12, "QuotaExceeded"},
    {13, "WrongMinerCount"},  {14, "DuplicateMiner"},     {15, "UnknownRegion"},
    {16, "UnknownMiner"},     {17, "MinerNotPositive"},   {18, "RegionNotAllowed"},
    {19, "MinerFull"},        {20, "NoSuchFile"},         {21, "NotPending"},
    {22, "BadFragmentIndex"}, {23, "NotAssigned"},        {24, "AlreadyReported"},
    {25, "FileNotStored"},    {26, "UnknownTee"},         {27, "BadSegmentIndex"},
    {28, "NoTags"},           {29, "AlreadyTagged"},      {30, "DuplicateSegment"},
    {31, "BadTagSignature"},  {32, "NotOwner"},           {33, "NotHolder"},
    {34, "NoSuchOrder"},      {35, "AlreadyClaimed"},     {36, "HoldsOtherFragment"},
    {37, "NotClaimer"},       {38, "ClaimExpired"},
};
constexpr std::string_view kEvents[] = {"SpaceBought",          "UploadDeclared",    "OwnerAdded",
                                        "TransferReported",     "FileStored",        "TagsReported",
                                        "FileActive",           "FileDeleted",       "RestoralOrderOpened",
                                        "RestoralOrderClaimed", "RestoralCompleted", "FileStateChanged"};

Call MakeCall(std::string_view function, Bytes args) {
  return Call{std::string(kName), std::string(function), std::move(args)};
}

Bytes FileKey(const Hash256& fid) { return KeyBuilder(kName, "file").Add(fid).Take(); }
Bytes DealKey(const Hash256& fid) { return KeyBuilder(kName, "deal").Add(fid).Take(); }
Bytes QuotaKey(const AccountId& id) { return KeyBuilder(kName, "quota").Add(id.bytes).Take(); }
Bytes OwnedKey(const AccountId& owner, const Hash256& fid) {
  return KeyBuilder(kName, "owned").Add(owner.bytes).Add(fid).Take();
}
Bytes MinerFileKey(const AccountId& miner, const Hash256& fid) {
  return KeyBuilder(kName, "minerfile").Add(miner.bytes).Add(fid).Take();
}
Bytes OrderKey(const Hash256& fid, const Hash256& fragment) {
  return KeyBuilder(kName, "restoral").Add(fid).Add(fragment).Take();
}

uint32_t LeU32(ByteSpan v) {
  return static_cast<uint32_t>(v[0]) | static_cast<uint32_t>(v[1]) << 8 | static_cast<uint32_t>(v[2]) << 16 |
         static_cast<uint32_t>(v[3]) << 24;
}

Result<uint32_t> GetU32(const state::StateReader& reader, ByteSpan key) {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> raw, reader.Get(key));
  if (!raw) return uint32_t{0};
  if (raw->size() != 4) return Status::Corruption("file_bank: a u32 value of the wrong size");
  return LeU32(*raw);
}

void PutU32(state::Overlay& overlay, ByteSpan key, uint32_t v) {
  if (v == 0) {
    overlay.Delete(key);
    return;
  }
  const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16),
                        static_cast<uint8_t>(v >> 24)};
  overlay.Put(key, ByteSpan(b, 4));
}

Status AddMinerFile(Context& ctx, const AccountId& miner, const Hash256& fid, int64_t delta) {
  const Bytes key = MinerFileKey(miner, fid);
  CESS_ASSIGN_OR_RETURN(uint32_t n, GetU32(ctx.state(), key));
  const int64_t next = static_cast<int64_t>(n) + delta;
  if (next < 0 || next > UINT32_MAX) return Status::Internal("file_bank: minerfile count out of range");
  PutU32(ctx.state(), key, static_cast<uint32_t>(next));
  return Status::Ok();
}

Bytes Concat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Releases a position from its miner's accounting (tagged: service and index; else locked).
Status ReleasePosition(Context& ctx, const FragmentInfo& f) {
  if (f.miner.IsZero()) return Status::Ok();
  const int64_t size = static_cast<int64_t>(ctx.profile().fragment_size);
  if (f.tagged) {
    CESS_RETURN_IF_ERROR(sminer::AdjustSpace(ctx, f.miner, 0, -size));
    return sminer::RemoveFragment(ctx, f.miner, f.hash);
  }
  return sminer::AdjustSpace(ctx, f.miner, -size, 0);
}

Result<std::optional<RestoralOrder>> ReadOrder(const state::StateReader& reader, const Hash256& fid,
                                               const Hash256& fragment) {
  CESS_ASSIGN_OR_RETURN(std::optional<RestoralOrder> o,
                        GetValue<RestoralOrder>(reader, OrderKey(fid, fragment)));
  if (o) {
    o->fid = fid;
    o->fragment = fragment;
  }
  return o;
}

// The state of a stored (not Pending) file at `height`.
Result<FileState> ComputeState(const state::StateReader& reader, const Hash256& fid, const FileInfo& file,
                               uint64_t height) {
  bool all_tagged = true;
  bool unavailable = false;
  std::set<Hash256> lost;
  for (const SegmentInfo& s : file.segments) {
    for (const FragmentInfo& f : s.fragments) {
      all_tagged = all_tagged && f.tagged;
      if (!f.available) unavailable = true;
      if (f.miner.IsZero()) lost.insert(f.hash);
    }
  }
  if (all_tagged) return FileState::kActive;
  for (const Hash256& h : lost) {
    CESS_ASSIGN_OR_RETURN(std::optional<RestoralOrder> o, ReadOrder(reader, fid, h));
    if (!o || o->claimer.IsZero() || o->deadline < height) return FileState::kMissing;
  }
  return unavailable ? FileState::kRecovery : FileState::kCalculate;
}

// Stores `file` with its state recomputed (unless Pending), emitting FileStateChanged / FileActive.
Status StoreFile(Context& ctx, const Hash256& fid, FileInfo& file) {
  if (file.state != FileState::kPending) {
    CESS_ASSIGN_OR_RETURN(FileState next, ComputeState(ctx.state(), fid, file, ctx.block().height));
    if (next != file.state) {
      file.state = next;
      codec::Writer w;
      w.PutFixed(fid);
      w.PutU8(static_cast<uint8_t>(next));
      ctx.Emit(kName, "FileStateChanged", w.Take());
      if (next == FileState::kActive) ctx.Emit(kName, "FileActive", Bytes(fid.begin(), fid.end()));
    }
  }
  PutValue(ctx.state(), FileKey(fid), file);
  return Status::Ok();
}

// Marks every position of `file` with `fragment` held by `miner` lost and opens (or joins) the
// restoral order. Returns the number of positions (0: none held). Does not store the file.
Result<uint32_t> LosePositions(Context& ctx, const Hash256& fid, FileInfo& file, const Hash256& fragment,
                               const AccountId& miner) {
  uint32_t n = 0;
  for (SegmentInfo& s : file.segments) {
    for (FragmentInfo& f : s.fragments) {
      if (f.hash != fragment || f.miner != miner || miner.IsZero()) continue;
      CESS_RETURN_IF_ERROR(ReleasePosition(ctx, f));
      f.miner = AccountId();
      f.available = false;
      f.tagged = false;
      ++n;
    }
  }
  if (n == 0) return n;
  CESS_RETURN_IF_ERROR(AddMinerFile(ctx, miner, fid, -static_cast<int64_t>(n)));
  CESS_ASSIGN_OR_RETURN(std::optional<RestoralOrder> existing, ReadOrder(ctx.state(), fid, fragment));
  if (!existing) {
    RestoralOrder o;
    o.origin = miner;
    o.created_at = ctx.block().height;
    PutValue(ctx.state(), OrderKey(fid, fragment), o);
  }
  codec::Writer w;
  w.PutFixed(fid);
  w.PutFixed(fragment);
  miner.Encode(w);
  w.PutU32(n);
  ctx.Emit(kName, "RestoralOrderOpened", w.Take());
  return n;
}

}  // namespace

Call BuySpaceCall(uint32_t gib) { return MakeCall("buy_space", codec::Encode(GibArgs{gib})); }
Call UploadDeclarationCall(const UploadArgs& args) {
  return MakeCall("upload_declaration", codec::Encode(args));
}
Call TransferReportCall(const Hash256& fid, uint32_t fragment_index) {
  return MakeCall("transfer_report", codec::Encode(FidIndexArgs{fid, fragment_index}));
}
Call CalculateReportCall(const CalculateArgs& args) {
  return MakeCall("calculate_report", codec::Encode(args));
}
Call DeleteFileCall(const Hash256& fid) { return MakeCall("delete_file", codec::Encode(FidArgs{fid})); }
Call GenerateRestoralOrderCall(const Hash256& fid, const Hash256& fragment) {
  return MakeCall("generate_restoral_order", codec::Encode(FidFragmentArgs{fid, fragment}));
}
Call ClaimRestoralOrderCall(const Hash256& fid, const Hash256& fragment) {
  return MakeCall("claim_restoral_order", codec::Encode(FidFragmentArgs{fid, fragment}));
}
Call RestoralOrderCompleteCall(const Hash256& fid, const Hash256& fragment) {
  return MakeCall("restoral_order_complete", codec::Encode(FidFragmentArgs{fid, fragment}));
}

// ---- read helpers

Result<Quota> ReadQuota(const state::StateReader& reader, const AccountId& id) {
  CESS_ASSIGN_OR_RETURN(std::optional<Quota> q, GetValue<Quota>(reader, QuotaKey(id)));
  return q.value_or(Quota{});
}

Result<std::optional<FileInfo>> ReadFile(const state::StateReader& reader, const Hash256& fid) {
  return GetValue<FileInfo>(reader, FileKey(fid));
}

Result<std::vector<Hash256>> ListFiles(const state::StateReader& reader, const AccountId& owner) {
  const Bytes prefix = KeyBuilder(kName, "owned").Add(owner.bytes).Take();
  std::vector<Hash256> out;
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan) {
    if (key.size() != prefix.size() + 32) {
      bad = Status::Corruption("file_bank: malformed owned key");
      return false;
    }
    Hash256 fid;
    std::copy(key.begin() + static_cast<ptrdiff_t>(prefix.size()), key.end(), fid.begin());
    out.push_back(fid);
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  return out;
}

Result<std::vector<RestoralOrder>> ListRestoralOrders(const state::StateReader& reader) {
  const Bytes prefix = KeyBuilder(kName, "restoral").Take();
  std::vector<RestoralOrder> out;
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    Result<RestoralOrder> o = codec::Decode<RestoralOrder>(value);
    if (key.size() != prefix.size() + 64 || !o.ok()) {
      bad = Status::Corruption("file_bank: malformed restoral order");
      return false;
    }
    auto at = key.begin() + static_cast<ptrdiff_t>(prefix.size());
    std::copy(at, at + 32, o->fid.begin());
    std::copy(at + 32, at + 64, o->fragment.begin());
    out.push_back(std::move(o).value());
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  return out;
}

Result<std::optional<Deal>> ReadDeal(const state::StateReader& reader, const Hash256& fid) {
  return GetValue<Deal>(reader, DealKey(fid));
}

Result<std::vector<std::pair<Hash256, uint32_t>>> ListMinerFiles(const state::StateReader& reader,
                                                                 const AccountId& miner) {
  const Bytes prefix = KeyBuilder(kName, "minerfile").Add(miner.bytes).Take();
  std::vector<std::pair<Hash256, uint32_t>> out;
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    if (key.size() != prefix.size() + 32 || value.size() != 4) {
      bad = Status::Corruption("file_bank: malformed minerfile entry");
      return false;
    }
    Hash256 fid;
    std::copy(key.begin() + static_cast<ptrdiff_t>(prefix.size()), key.end(), fid.begin());
    out.emplace_back(fid, LeU32(value));
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  return out;
}

Result<bool> HasPendingDeal(const state::StateReader& reader, const AccountId& miner) {
  CESS_ASSIGN_OR_RETURN(auto files, ListMinerFiles(reader, miner));
  for (const auto& [fid, n] : files) {
    CESS_ASSIGN_OR_RETURN(std::optional<Deal> d, ReadDeal(reader, fid));
    if (!d) continue;
    for (size_t j = 0; j < d->miners.size(); ++j) {
      if (d->miners[j] == miner && !d->reported[j]) return true;
    }
  }
  return false;
}

Result<uint64_t> OpenRestoralOrdersForMiner(Context& ctx, const AccountId& miner) {
  CESS_ASSIGN_OR_RETURN(auto files, ListMinerFiles(ctx.state(), miner));
  uint64_t total = 0;
  for (const auto& [fid, n] : files) {
    CESS_ASSIGN_OR_RETURN(std::optional<Deal> deal, ReadDeal(ctx.state(), fid));
    if (deal) continue;  // still Pending: the deal is stuck with this miner (see file_bank.h)
    CESS_ASSIGN_OR_RETURN(std::optional<FileInfo> file, ReadFile(ctx.state(), fid));
    if (!file) return Status::Internal("file_bank: minerfile entry without a file");
    std::set<Hash256> held;
    for (const SegmentInfo& s : file->segments) {
      for (const FragmentInfo& f : s.fragments) {
        if (f.miner == miner) held.insert(f.hash);
      }
    }
    for (const Hash256& h : held) {
      CESS_ASSIGN_OR_RETURN(uint32_t lost, LosePositions(ctx, fid, *file, h, miner));
      total += lost;
    }
    CESS_RETURN_IF_ERROR(StoreFile(ctx, fid, *file));
  }
  return total;
}

// ---- the module

std::span<const CallDef> FileBankModule::calls() const { return kCalls; }
std::span<const ErrorDef> FileBankModule::errors() const { return kErrors; }
std::span<const std::string_view> FileBankModule::events() const { return kEvents; }

Result<CallResult> FileBankModule::Dispatch(Context& ctx, const AccountId& origin, size_t index,
                                            ByteSpan args) const {
  switch (index) {
    case kBuySpace: {
      Result<GibArgs> a = codec::Decode<GibArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return BuySpace(ctx, origin, a->gib);
    }
    case kUpload: {
      Result<UploadArgs> a = codec::Decode<UploadArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return UploadDeclaration(ctx, origin, *a);
    }
    case kTransfer: {
      Result<FidIndexArgs> a = codec::Decode<FidIndexArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return TransferReport(ctx, origin, a->fid, a->index);
    }
    case kCalculate: {
      Result<CalculateArgs> a = codec::Decode<CalculateArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return CalculateReport(ctx, origin, *a);
    }
    case kDelete: {
      Result<FidArgs> a = codec::Decode<FidArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      return DeleteFile(ctx, origin, a->fid);
    }
    case kGenerate:
    case kClaim:
    case kComplete: {
      Result<FidFragmentArgs> a = codec::Decode<FidFragmentArgs>(args);
      if (!a.ok()) return CallResult::BadArguments();
      if (index == kGenerate) return GenerateRestoralOrder(ctx, origin, a->fid, a->fragment);
      if (index == kClaim) return ClaimRestoralOrder(ctx, origin, a->fid, a->fragment);
      return CompleteRestoralOrder(ctx, origin, a->fid, a->fragment);
    }
    default:
      return Status::Internal("file_bank: no call " + std::to_string(index));
  }
}

Result<CallResult> FileBankModule::BuySpace(Context& ctx, const AccountId& who, uint32_t gib) const {
  if (gib == 0) return CallResult::Error(Error::kZeroAmount);
  const U128 price = static_cast<U128>(gib) * profile_.space_price_per_gib;
  if (price > UINT64_MAX) return CallResult::Error(Error::kOverflow);
  CESS_ASSIGN_OR_RETURN(balances::AccountInfo acct, balances::ReadAccount(ctx.state(), who));
  if (acct.free < price) return CallResult::Error(Error::kInsufficientBalance);
  CESS_ASSIGN_OR_RETURN(Quota q, ReadQuota(ctx.state(), who));
  const uint64_t bytes = uint64_t{gib} << 30;
  if (q.total > UINT64_MAX - bytes) return CallResult::Error(Error::kOverflow);
  q.total += bytes;
  acct.free -= static_cast<uint64_t>(price);
  CESS_RETURN_IF_ERROR(balances::StoreAccount(ctx, who, acct).status());
  CESS_RETURN_IF_ERROR(balances::BurnIssuance(ctx, static_cast<uint64_t>(price)));
  PutValue(ctx.state(), QuotaKey(who), q);
  codec::Writer w;
  who.Encode(w);
  w.PutU32(gib);
  w.PutU64(static_cast<uint64_t>(price));
  ctx.Emit(kName, "SpaceBought", w.Take());
  return CallResult::Ok();
}

Result<CallResult> FileBankModule::UploadDeclaration(Context& ctx, const AccountId& who,
                                                     const UploadArgs& args) const {
  const uint32_t per_segment = profile_.ec_data + profile_.ec_parity;
  if (args.name.empty() || args.name.size() > kMaxNameBytes) return CallResult::Error(Error::kBadName);
  if (args.cipher_info.size() > kMaxCipherInfoBytes) return CallResult::Error(Error::kCipherInfoTooLarge);
  if (args.regions.size() > kMaxRegions) return CallResult::Error(Error::kBadRegion);
  for (const std::string& r : args.regions) {
    if (r.empty() || r.size() > sminer::kMaxRegionBytes) return CallResult::Error(Error::kBadRegion);
  }
  // An encrypted segment carries segment_size − 16 file bytes (the AES-GCM tag fills the rest).
  const uint64_t file_bytes_per_segment =
      args.cipher_info.empty() ? profile_.segment_size : profile_.segment_size - kGcmTagBytes;
  const uint64_t expected =
      args.file_size == 0 ? 1
                          : args.file_size / file_bytes_per_segment + (args.file_size % file_bytes_per_segment != 0);
  if (expected > profile_.max_segments_per_file) return CallResult::Error(Error::kTooManySegments);
  if (args.segments.size() != expected) return CallResult::Error(Error::kWrongSegmentCount);
  std::vector<Hash256> seg_hashes;
  seg_hashes.reserve(args.segments.size());
  for (const SegmentDecl& s : args.segments) {
    if (s.fragments.size() != per_segment) return CallResult::Error(Error::kWrongFragmentCount);
    seg_hashes.push_back(s.hash);
  }
  if (ComputeFid(seg_hashes) != args.fid) return CallResult::Error(Error::kBadFid);
  const uint64_t charge = FileCharge(profile_, expected);
  CESS_ASSIGN_OR_RETURN(Quota quota, ReadQuota(ctx.state(), who));
  CESS_ASSIGN_OR_RETURN(std::optional<FileInfo> existing, ReadFile(ctx.state(), args.fid));
  if (existing) {
    // Dedup ("fly upload"): the caller becomes an owner, charged in full.
    for (const OwnerInfo& o : existing->owners) {
      if (o.account == who) return CallResult::Error(Error::kAlreadyOwner);
    }
    if (quota.total - quota.used < charge) return CallResult::Error(Error::kQuotaExceeded);
    quota.used += charge;
    PutValue(ctx.state(), QuotaKey(who), quota);
    existing->owners.push_back(OwnerInfo{who, args.name});
    PutValue(ctx.state(), FileKey(args.fid), *existing);
    ctx.state().Put(OwnedKey(who, args.fid), {});
    ctx.Emit(kName, "OwnerAdded", Concat({args.fid, who.bytes}));
    return CallResult::Ok();
  }
  if (args.miners.size() != per_segment) return CallResult::Error(Error::kWrongMinerCount);
  std::set<AccountId> distinct(args.miners.begin(), args.miners.end());
  if (distinct.size() != args.miners.size()) return CallResult::Error(Error::kDuplicateMiner);
  for (const std::string& r : args.regions) {
    CESS_ASSIGN_OR_RETURN(bool known, sminer::RegionKnown(ctx.state(), r));
    if (!known) return CallResult::Error(Error::kUnknownRegion);
  }
  const uint64_t per_miner = expected * profile_.fragment_size;
  for (const AccountId& m : args.miners) {
    CESS_ASSIGN_OR_RETURN(std::optional<sminer::MinerInfo> info, sminer::ReadMiner(ctx.state(), m));
    if (!info) return CallResult::Error(Error::kUnknownMiner);
    if (info->state != sminer::MinerState::kPositive) return CallResult::Error(Error::kMinerNotPositive);
    if (!args.regions.empty() &&
        std::find(args.regions.begin(), args.regions.end(), info->region) == args.regions.end()) {
      return CallResult::Error(Error::kRegionNotAllowed);
    }
    if (info->free() < per_miner) return CallResult::Error(Error::kMinerFull);
  }
  if (quota.total - quota.used < charge) return CallResult::Error(Error::kQuotaExceeded);
  // Record.
  FileInfo file;
  file.size = args.file_size;
  file.state = FileState::kPending;
  file.owners.push_back(OwnerInfo{who, args.name});
  file.regions = args.regions;
  file.cipher_info = args.cipher_info;
  file.declared_at = ctx.block().height;
  for (const SegmentDecl& s : args.segments) {
    SegmentInfo seg;
    seg.hash = s.hash;
    for (uint32_t j = 0; j < per_segment; ++j)
      seg.fragments.push_back(FragmentInfo{s.fragments[j], args.miners[j], false, false});
    file.segments.push_back(std::move(seg));
  }
  PutValue(ctx.state(), FileKey(args.fid), file);
  Deal deal;
  deal.uploader = who;
  deal.miners = args.miners;
  deal.reported.assign(args.miners.size(), false);
  deal.created_at = ctx.block().height;
  PutValue(ctx.state(), DealKey(args.fid), deal);
  quota.used += charge;
  PutValue(ctx.state(), QuotaKey(who), quota);
  ctx.state().Put(OwnedKey(who, args.fid), {});
  for (const AccountId& m : args.miners) {
    CESS_RETURN_IF_ERROR(sminer::AdjustSpace(ctx, m, static_cast<int64_t>(per_miner), 0));
    CESS_RETURN_IF_ERROR(AddMinerFile(ctx, m, args.fid, static_cast<int64_t>(expected)));
  }
  codec::Writer w;
  w.PutFixed(args.fid);
  who.Encode(w);
  w.PutU32(static_cast<uint32_t>(expected));
  ctx.Emit(kName, "UploadDeclared", w.Take());
  return CallResult::Ok();
}

Result<CallResult> FileBankModule::TransferReport(Context& ctx, const AccountId& who, const Hash256& fid,
                                                  uint32_t index) const {
  CESS_ASSIGN_OR_RETURN(std::optional<FileInfo> file, ReadFile(ctx.state(), fid));
  if (!file) return CallResult::Error(Error::kNoSuchFile);
  CESS_ASSIGN_OR_RETURN(std::optional<Deal> deal, ReadDeal(ctx.state(), fid));
  if (!deal || file->state != FileState::kPending) return CallResult::Error(Error::kNotPending);
  if (index >= deal->miners.size()) return CallResult::Error(Error::kBadFragmentIndex);
  if (deal->miners[index] != who) return CallResult::Error(Error::kNotAssigned);
  if (deal->reported[index]) return CallResult::Error(Error::kAlreadyReported);
  deal->reported[index] = true;
  for (SegmentInfo& s : file->segments) s.fragments[index].available = true;
  codec::Writer w;
  w.PutFixed(fid);
  who.Encode(w);
  w.PutU32(index);
  ctx.Emit(kName, "TransferReported", w.Take());
  if (std::all_of(deal->reported.begin(), deal->reported.end(), [](bool b) { return b; })) {
    ctx.state().Delete(DealKey(fid));
    file->state = FileState::kCalculate;
    ctx.Emit(kName, "FileStored", Bytes(fid.begin(), fid.end()));
    CESS_RETURN_IF_ERROR(StoreFile(ctx, fid, *file));
  } else {
    PutValue(ctx.state(), DealKey(fid), *deal);
    PutValue(ctx.state(), FileKey(fid), *file);
  }
  return CallResult::Ok();
}

Result<CallResult> FileBankModule::CalculateReport(Context& ctx, const AccountId& who,
                                                   const CalculateArgs& args) const {
  CESS_ASSIGN_OR_RETURN(std::optional<FileInfo> file, ReadFile(ctx.state(), args.fid));
  if (!file) return CallResult::Error(Error::kNoSuchFile);
  if (file->state == FileState::kPending) return CallResult::Error(Error::kFileNotStored);
  CESS_ASSIGN_OR_RETURN(std::optional<tee::TeeWorker> tee, tee::ReadTee(ctx.state(), args.tee_key));
  if (!tee) return CallResult::Error(Error::kUnknownTee);
  if (args.fragment_index >= profile_.ec_data + profile_.ec_parity) {
    return CallResult::Error(Error::kBadFragmentIndex);
  }
  if (args.tags.empty()) return CallResult::Error(Error::kNoTags);
  std::set<uint32_t> seen;
  for (const TagEntry& t : args.tags) {
    if (t.segment >= file->segments.size()) return CallResult::Error(Error::kBadSegmentIndex);
    if (!seen.insert(t.segment).second) return CallResult::Error(Error::kDuplicateSegment);
    const FragmentInfo& f = file->segments[t.segment].fragments[args.fragment_index];
    if (f.miner != who) return CallResult::Error(Error::kNotAssigned);
    if (f.tagged) return CallResult::Error(Error::kAlreadyTagged);
    const Bytes msg = proofs::TagSignMessage(ctx.chain_id(), who.bytes, args.fid, f.hash, t.tag_digest);
    if (!crypto::Ed25519Verify(args.tee_key, msg, t.signature).ok()) {
      return CallResult::Error(Error::kBadTagSignature);
    }
  }
  const int64_t size = static_cast<int64_t>(profile_.fragment_size);
  for (const TagEntry& t : args.tags) {
    FragmentInfo& f = file->segments[t.segment].fragments[args.fragment_index];
    f.tagged = true;
    f.available = true;
    CESS_RETURN_IF_ERROR(sminer::AdjustSpace(ctx, who, -size, size));
    CESS_RETURN_IF_ERROR(sminer::AddFragment(ctx, who, f.hash));
  }
  codec::Writer w;
  w.PutFixed(args.fid);
  who.Encode(w);
  w.PutU32(args.fragment_index);
  w.PutU32(static_cast<uint32_t>(args.tags.size()));
  ctx.Emit(kName, "TagsReported", w.Take());
  CESS_RETURN_IF_ERROR(StoreFile(ctx, args.fid, *file));
  return CallResult::Ok();
}

Result<CallResult> FileBankModule::DeleteFile(Context& ctx, const AccountId& who, const Hash256& fid) const {
  CESS_ASSIGN_OR_RETURN(std::optional<FileInfo> file, ReadFile(ctx.state(), fid));
  if (!file) return CallResult::Error(Error::kNoSuchFile);
  auto it = std::find_if(file->owners.begin(), file->owners.end(),
                         [&](const OwnerInfo& o) { return o.account == who; });
  if (it == file->owners.end()) return CallResult::Error(Error::kNotOwner);
  file->owners.erase(it);
  CESS_ASSIGN_OR_RETURN(Quota quota, ReadQuota(ctx.state(), who));
  const uint64_t charge = FileCharge(profile_, file->segments.size());
  if (quota.used < charge) return Status::Internal("file_bank: quota used below a file's charge");
  quota.used -= charge;
  PutValue(ctx.state(), QuotaKey(who), quota);
  ctx.state().Delete(OwnedKey(who, fid));
  const bool removed = file->owners.empty();
  if (removed) {
    std::set<AccountId> miners;
    for (const SegmentInfo& s : file->segments) {
      for (const FragmentInfo& f : s.fragments) {
        CESS_RETURN_IF_ERROR(ReleasePosition(ctx, f));
        if (!f.miner.IsZero()) miners.insert(f.miner);
      }
    }
    for (const AccountId& m : miners) ctx.state().Delete(MinerFileKey(m, fid));
    const Bytes order_prefix = KeyBuilder(kName, "restoral").Add(fid).Take();
    std::vector<Bytes> orders;
    CESS_RETURN_IF_ERROR(ctx.state().ScanPrefix(order_prefix, [&](ByteSpan key, ByteSpan) {
      orders.emplace_back(key.begin(), key.end());
      return true;
    }));
    for (const Bytes& k : orders) ctx.state().Delete(k);
    ctx.state().Delete(DealKey(fid));
    ctx.state().Delete(FileKey(fid));
  } else {
    PutValue(ctx.state(), FileKey(fid), *file);
  }
  codec::Writer w;
  w.PutFixed(fid);
  who.Encode(w);
  w.PutBool(removed);
  ctx.Emit(kName, "FileDeleted", w.Take());
  return CallResult::Ok();
}

Result<CallResult> FileBankModule::GenerateRestoralOrder(Context& ctx, const AccountId& who,
                                                         const Hash256& fid, const Hash256& fragment) const {
  CESS_ASSIGN_OR_RETURN(std::optional<FileInfo> file, ReadFile(ctx.state(), fid));
  if (!file) return CallResult::Error(Error::kNoSuchFile);
  if (file->state == FileState::kPending) return CallResult::Error(Error::kFileNotStored);
  CESS_ASSIGN_OR_RETURN(uint32_t n, LosePositions(ctx, fid, *file, fragment, who));
  if (n == 0) return CallResult::Error(Error::kNotHolder);
  CESS_RETURN_IF_ERROR(StoreFile(ctx, fid, *file));
  return CallResult::Ok();
}

Result<CallResult> FileBankModule::ClaimRestoralOrder(Context& ctx, const AccountId& who, const Hash256& fid,
                                                      const Hash256& fragment) const {
  CESS_ASSIGN_OR_RETURN(std::optional<RestoralOrder> order, ReadOrder(ctx.state(), fid, fragment));
  if (!order) return CallResult::Error(Error::kNoSuchOrder);
  const uint64_t now = ctx.block().height;
  if (!order->claimer.IsZero() && order->deadline >= now) return CallResult::Error(Error::kAlreadyClaimed);
  CESS_ASSIGN_OR_RETURN(std::optional<sminer::MinerInfo> info, sminer::ReadMiner(ctx.state(), who));
  if (!info) return CallResult::Error(Error::kUnknownMiner);
  if (info->state != sminer::MinerState::kPositive) return CallResult::Error(Error::kMinerNotPositive);
  CESS_ASSIGN_OR_RETURN(std::optional<FileInfo> file, ReadFile(ctx.state(), fid));
  if (!file) return Status::Internal("file_bank: a restoral order without its file");
  std::set<size_t> lost_indices;
  uint64_t lost = 0;
  for (const SegmentInfo& s : file->segments) {
    for (size_t j = 0; j < s.fragments.size(); ++j) {
      if (s.fragments[j].hash == fragment && s.fragments[j].miner.IsZero()) {
        lost_indices.insert(j);
        ++lost;
      }
    }
  }
  for (const SegmentInfo& s : file->segments) {
    for (size_t j = 0; j < s.fragments.size(); ++j) {
      if (s.fragments[j].miner == who && !lost_indices.contains(j)) {
        return CallResult::Error(Error::kHoldsOtherFragment);
      }
    }
  }
  if (info->free() < lost * profile_.fragment_size) return CallResult::Error(Error::kMinerFull);
  order->claimer = who;
  order->deadline = now + profile_.restoral_order_life_blocks;
  PutValue(ctx.state(), OrderKey(fid, fragment), *order);
  codec::Writer w;
  w.PutFixed(fid);
  w.PutFixed(fragment);
  who.Encode(w);
  w.PutU64(order->deadline);
  ctx.Emit(kName, "RestoralOrderClaimed", w.Take());
  CESS_RETURN_IF_ERROR(StoreFile(ctx, fid, *file));
  return CallResult::Ok();
}

Result<CallResult> FileBankModule::CompleteRestoralOrder(Context& ctx, const AccountId& who,
                                                         const Hash256& fid, const Hash256& fragment) const {
  CESS_ASSIGN_OR_RETURN(std::optional<RestoralOrder> order, ReadOrder(ctx.state(), fid, fragment));
  if (!order) return CallResult::Error(Error::kNoSuchOrder);
  if (order->claimer != who) return CallResult::Error(Error::kNotClaimer);
  if (ctx.block().height > order->deadline) return CallResult::Error(Error::kClaimExpired);
  CESS_ASSIGN_OR_RETURN(std::optional<sminer::MinerInfo> info, sminer::ReadMiner(ctx.state(), who));
  if (!info || info->state != sminer::MinerState::kPositive)
    return CallResult::Error(Error::kMinerNotPositive);
  CESS_ASSIGN_OR_RETURN(std::optional<FileInfo> file, ReadFile(ctx.state(), fid));
  if (!file) return Status::Internal("file_bank: a restoral order without its file");
  uint32_t n = 0;
  for (SegmentInfo& s : file->segments) {
    for (FragmentInfo& f : s.fragments) {
      if (f.hash == fragment && f.miner.IsZero()) ++n;
    }
  }
  if (info->free() < n * profile_.fragment_size) return CallResult::Error(Error::kMinerFull);
  for (SegmentInfo& s : file->segments) {
    for (FragmentInfo& f : s.fragments) {
      if (f.hash == fragment && f.miner.IsZero()) f.miner = who;  // restored, untagged
    }
  }
  CESS_RETURN_IF_ERROR(sminer::AdjustSpace(ctx, who, static_cast<int64_t>(n * profile_.fragment_size), 0));
  CESS_RETURN_IF_ERROR(AddMinerFile(ctx, who, fid, n));
  ctx.state().Delete(OrderKey(fid, fragment));
  ctx.Emit(kName, "RestoralCompleted", Concat({fid, fragment, who.bytes}));
  CESS_RETURN_IF_ERROR(StoreFile(ctx, fid, *file));
  return CallResult::Ok();
}

Status FileBankModule::OnBlockStart(Context& ctx) const {
  const uint64_t now = ctx.block().height;
  if (now == 0) return Status::Ok();
  CESS_ASSIGN_OR_RETURN(std::vector<RestoralOrder> orders, ListRestoralOrders(ctx.state()));
  std::set<Hash256> touched;
  for (const RestoralOrder& o : orders) {
    if (!o.claimer.IsZero() && o.deadline + 1 == now) touched.insert(o.fid);
  }
  for (const Hash256& fid : touched) {
    CESS_ASSIGN_OR_RETURN(std::optional<FileInfo> file, ReadFile(ctx.state(), fid));
    if (!file) return Status::Internal("file_bank: a restoral order without its file");
    CESS_RETURN_IF_ERROR(StoreFile(ctx, fid, *file));
  }
  return Status::Ok();
}

}  // namespace cess::chain::runtime::file_bank
