// The file_bank module: space quotas, upload declarations (deals), files with their segments and
// fragments, owners and deletion, and restoral orders (DESIGN.md §4, §8, §9; issue 5 §3, §7;
// reference cess-real-implementation.md §1).
//
// A file of `segments` segments has segments × (ec_data + ec_parity) fragments ("positions"). Miner
// j of the declaration stores fragment j of every segment (one fragment index per miner, as CESS).
// A position is in one of these conditions:
//   stored, untagged      miner set, available, !tagged    counted in the miner's locked bytes
//   stored, tagged        miner set, available, tagged     counted in the miner's service bytes and
//                                                          fragment index (sminer/frag)
//   lost                  miner zero, !available           counted nowhere; a restoral order names it
//   restored, untagged    miner set, !available, !tagged   counted in the new miner's locked bytes
//
// File states:
//   Pending    declared; waiting for the transfer reports of all miners (a deal exists)
//   Calculate  every position stored; some tags not yet reported
//   Active     every position stored and tagged
//   Recovery   some position lost or restored-untagged, and every lost one's order is claimed
//              by a miner whose claim has not expired
//   Missing    some lost position whose order is unclaimed or whose claim expired
// (So a freshly generated restoral order leaves its file Missing until a miner claims it.)
//
// The chain checks (real CESS does not): FID == Merkle root of the segment hashes (parent =
// SHA-256(left ‖ right) on raw bytes, an odd node paired with itself, one segment SHA-256(h ‖ h));
// segment count == max(1, ceil(file_size / P)) and ≤ max_segments_per_file, where P is
// segment_size, or segment_size − 16 for an encrypted file (one with cipher info); every
// segment lists exactly ec_data + ec_parity fragments; every tag signature (see calculate_report).
//
// Quota: buy_space burns gib × space_price_per_gib and adds gib GiB to the account's quota. Each
// owner of a file is charged segments × (ec_data + ec_parity) × fragment_size of quota (3× the raw
// size, as CESS; a dedup owner is charged in full too), returned when it stops owning the file.
//
// Storage (prefix "file_bank/"):
//   file_bank/quota/<id>                Quota         total u64 ‖ used u64
//   file_bank/file/<fid>                FileInfo      (see below)
//   file_bank/deal/<fid>                Deal          uploader ‖ miners ‖ reported flags ‖ created_at
//   file_bank/owned/<owner><fid>        empty         the files an account owns
//   file_bank/minerfile/<miner><fid>    u32 (4 LE)    positions of the file the miner holds (any
//                                                     condition with miner set)
//   file_bank/restoral/<fid><fragment>  RestoralOrder origin miner ‖ claimer ‖ deadline ‖ created_at
//
// Calls:
//   buy_space(gib u32)                          weight 1. Errors: ZeroAmount, InsufficientBalance,
//                                               Overflow.
//   upload_declaration(UploadArgs)              weight 4. Errors, in the order checked: BadName,
//       CipherInfoTooLarge, BadRegion, TooManySegments, WrongSegmentCount, WrongFragmentCount,
//       BadFid; for an existing FID: AlreadyOwner, QuotaExceeded (dedup: the caller becomes an
//       owner); else WrongMinerCount, DuplicateMiner, UnknownRegion, UnknownMiner,
//       MinerNotPositive, RegionNotAllowed, MinerFull, QuotaExceeded.
//   transfer_report(fid ‖ fragment index u32)   by miner `index` of the deal. Errors: NoSuchFile,
//       NotPending, BadFragmentIndex, NotAssigned, AlreadyReported.
//   calculate_report(CalculateArgs)             weight 2. Errors: NoSuchFile, FileNotStored
//       (Pending), UnknownTee, BadFragmentIndex, NoTags, BadSegmentIndex, DuplicateSegment,
//       NotAssigned, AlreadyTagged, BadTagSignature (checked entry by entry in that order).
//   delete_file(fid)                            Errors: NoSuchFile, NotOwner.
//   generate_restoral_order(fid ‖ fragment 32)  by a miner holding the fragment. Errors:
//       NoSuchFile, FileNotStored, NotHolder.
//   claim_restoral_order(fid ‖ fragment 32)     Errors: NoSuchOrder, AlreadyClaimed, UnknownMiner,
//       MinerNotPositive, HoldsOtherFragment, MinerFull.
//   restoral_order_complete(fid ‖ fragment 32)  Errors: NoSuchOrder, NotClaimer, ClaimExpired,
//       MinerNotPositive, MinerFull.
// Events:
//   SpaceBought          account 32 ‖ gib u32 ‖ price u64
//   UploadDeclared       fid 32 ‖ uploader 32 ‖ segments u32
//   OwnerAdded           fid 32 ‖ owner 32
//   TransferReported     fid 32 ‖ miner 32 ‖ index u32
//   FileStored           fid 32                 (all transfer reports in: state Calculate)
//   TagsReported         fid 32 ‖ miner 32 ‖ index u32 ‖ count u32
//   FileActive           fid 32
//   FileDeleted          fid 32 ‖ owner 32 ‖ removed (bool: the file is gone)
//   RestoralOrderOpened  fid 32 ‖ fragment 32 ‖ origin miner 32 ‖ positions u32
//   RestoralOrderClaimed fid 32 ‖ fragment 32 ‖ claimer 32 ‖ deadline u64
//   RestoralCompleted    fid 32 ‖ fragment 32 ‖ miner 32
//   FileStateChanged     fid 32 ‖ state u8
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cess/chain/runtime/module.h"
#include "cess/chain/state/write_set.h"
#include "cess/chain/transaction.h"
#include "cess/chain/types.h"
#include "cess/core/codec.h"
#include "cess/core/ed25519.h"
#include "cess/core/result.h"

namespace cess::chain::runtime::file_bank {

inline constexpr std::string_view kName = "file_bank";
inline constexpr size_t kMaxNameBytes = 255;
inline constexpr size_t kMaxCipherInfoBytes = (16 << 10) + 32;
inline constexpr size_t kMaxRegions = 16;
// Bytes of an encrypted segment taken by its AES-256-GCM tag: a file with cipher info carries
// segment_size − 16 file bytes per segment.
inline constexpr uint64_t kGcmTagBytes = 16;

enum class Error : uint32_t {
  kZeroAmount = 1,
  kInsufficientBalance = 2,
  kOverflow = 3,
  kBadName = 4,  // name not 1..kMaxNameBytes bytes
  kCipherInfoTooLarge = 5,
  kBadRegion = 6,           // a region not 1..32 bytes, or more than kMaxRegions
  kWrongSegmentCount = 7,   // != max(1, ceil(file_size / segment_size))
  kTooManySegments = 8,     // > max_segments_per_file
  kWrongFragmentCount = 9,  // a segment without exactly ec_data + ec_parity fragments
  kBadFid = 10,             // fid != Merkle root of the segment hashes
  kAlreadyOwner = 11,
  kQuotaExceeded = 12,
  kWrongMinerCount = 13,  // != ec_data + ec_parity miners
  kDuplicateMiner = 14,
  kUnknownRegion = 15,  // a requested region no registered miner declares
  kUnknownMiner = 16,   // not a registered miner
  kMinerNotPositive = 17,
  kRegionNotAllowed = 18,  // a miner outside the requested regions
  kMinerFull = 19,         // not enough free space for its fragments
  kNoSuchFile = 20,
  kNotPending = 21,  // transfer_report on a file that is not Pending
  kBadFragmentIndex = 22,
  kNotAssigned = 23,  // the caller does not hold that fragment
  kAlreadyReported = 24,
  kFileNotStored = 25,  // the file is still Pending
  kUnknownTee = 26,     // no enclave registered with that attestation key
  kBadSegmentIndex = 27,
  kNoTags = 28,  // calculate_report without entries
  kAlreadyTagged = 29,
  kDuplicateSegment = 30,
  kBadTagSignature = 31,
  kNotOwner = 32,
  kNotHolder = 33,  // generate_restoral_order by a miner not holding the fragment
  kNoSuchOrder = 34,
  kAlreadyClaimed = 35,      // claimed and not expired
  kHoldsOtherFragment = 36,  // the claimer holds another fragment index of the file
  kNotClaimer = 37,
  kClaimExpired = 38,
};

enum class FileState : uint8_t { kPending = 0, kCalculate = 1, kActive = 2, kRecovery = 3, kMissing = 4 };
std::string_view FileStateName(FileState s);

struct Quota {
  uint64_t total = 0;  // bytes bought
  uint64_t used = 0;   // bytes charged for owned files
  void Encode(codec::Writer& w) const;
  static Result<Quota> Decode(codec::Reader& r);
  bool operator==(const Quota&) const = default;
};

struct FragmentInfo {
  Hash256 hash{};
  AccountId miner;  // zero while lost
  bool available = false;
  bool tagged = false;
  void Encode(codec::Writer& w) const;
  static Result<FragmentInfo> Decode(codec::Reader& r);
  bool operator==(const FragmentInfo&) const = default;
};

struct SegmentInfo {
  Hash256 hash{};
  std::vector<FragmentInfo> fragments;  // ec_data + ec_parity
  void Encode(codec::Writer& w) const;
  static Result<SegmentInfo> Decode(codec::Reader& r);
  bool operator==(const SegmentInfo&) const = default;
};

struct OwnerInfo {
  AccountId account;
  std::string name;  // the name this owner gave the file
  void Encode(codec::Writer& w) const;
  static Result<OwnerInfo> Decode(codec::Reader& r);
  bool operator==(const OwnerInfo&) const = default;
};

struct FileInfo {
  uint64_t size = 0;
  FileState state = FileState::kPending;
  std::vector<OwnerInfo> owners;
  std::vector<std::string> regions;  // the regions of the first declaration (empty: any)
  Bytes cipher_info;                 // opaque (the client's encryption metadata)
  std::vector<SegmentInfo> segments;
  uint64_t declared_at = 0;

  void Encode(codec::Writer& w) const;
  static Result<FileInfo> Decode(codec::Reader& r);
  bool operator==(const FileInfo&) const = default;
};

struct Deal {
  AccountId uploader;
  std::vector<AccountId> miners;  // miner j stores fragment j of every segment
  std::vector<bool> reported;     // per miner
  uint64_t created_at = 0;
  void Encode(codec::Writer& w) const;
  static Result<Deal> Decode(codec::Reader& r);
  bool operator==(const Deal&) const = default;
};

struct RestoralOrder {
  Hash256 fid{};  // key parts (not encoded in the value)
  Hash256 fragment{};
  AccountId origin;       // the miner that held it
  AccountId claimer;      // zero while unclaimed
  uint64_t deadline = 0;  // last height at which the claimer may complete
  uint64_t created_at = 0;
  void Encode(codec::Writer& w) const;  // origin ‖ claimer ‖ deadline ‖ created_at
  static Result<RestoralOrder> Decode(codec::Reader& r);
  bool operator==(const RestoralOrder&) const = default;
};

// Arguments.
struct SegmentDecl {
  Hash256 hash{};
  std::vector<Hash256> fragments;
};
struct UploadArgs {
  Hash256 fid{};
  uint64_t file_size = 0;
  std::string name;
  std::vector<std::string> regions;
  std::vector<SegmentDecl> segments;
  std::vector<AccountId> miners;
  Bytes cipher_info;
  void Encode(codec::Writer& w) const;
  static Result<UploadArgs> Decode(codec::Reader& r);
};
struct TagEntry {
  uint32_t segment = 0;
  Hash256 tag_digest{};                  // podr2::TagDigest of the fragment's tags
  crypto::Ed25519Signature signature{};  // the enclave's, over proofs::TagSignMessage
};
struct CalculateArgs {
  Hash256 fid{};
  uint32_t fragment_index = 0;
  Hash256 tee_key{};  // the enclave's attestation key
  std::vector<TagEntry> tags;
  void Encode(codec::Writer& w) const;
  static Result<CalculateArgs> Decode(codec::Reader& r);
};

// CESS's FID: the Merkle root over segment hashes (see above). REQUIRES: non-empty.
Hash256 ComputeFid(std::span<const Hash256> segment_hashes);
// Quota a file of `segments` segments costs each owner.
uint64_t FileCharge(const Profile& profile, uint64_t segments);

// Call builders.
Call BuySpaceCall(uint32_t gib);
Call UploadDeclarationCall(const UploadArgs& args);
Call TransferReportCall(const Hash256& fid, uint32_t fragment_index);
Call CalculateReportCall(const CalculateArgs& args);
Call DeleteFileCall(const Hash256& fid);
Call GenerateRestoralOrderCall(const Hash256& fid, const Hash256& fragment);
Call ClaimRestoralOrderCall(const Hash256& fid, const Hash256& fragment);
Call RestoralOrderCompleteCall(const Hash256& fid, const Hash256& fragment);

// Read helpers. Errors: Corruption on malformed records; IoError.
Result<Quota> ReadQuota(const state::StateReader& reader, const AccountId& id);
Result<std::optional<FileInfo>> ReadFile(const state::StateReader& reader, const Hash256& fid);
// The FIDs `owner` owns, in FID order.
Result<std::vector<Hash256>> ListFiles(const state::StateReader& reader, const AccountId& owner);
// Every restoral order, in (fid, fragment) order.
Result<std::vector<RestoralOrder>> ListRestoralOrders(const state::StateReader& reader);
Result<std::optional<Deal>> ReadDeal(const state::StateReader& reader, const Hash256& fid);
// The FIDs in which `miner` holds positions, with the count.
Result<std::vector<std::pair<Hash256, uint32_t>>> ListMinerFiles(const state::StateReader& reader,
                                                                 const AccountId& miner);

// For other modules (inside a call or hook). Errors: storage errors / broken state.
// Opens restoral orders for every position `miner` holds in a file that is not Pending (releasing
// its locked and service bytes and index entries). Returns the number of positions. A Pending
// deal naming the miner is left as it is (sminer.exit_prep refuses while one exists; a miner forced
// out by audit keeps it locked until its file is deleted: like CESS, deals have no timeout).
Result<uint64_t> OpenRestoralOrdersForMiner(Context& ctx, const AccountId& miner);
// True when `miner` is named by a deal still waiting for its transfer report.
Result<bool> HasPendingDeal(const state::StateReader& reader, const AccountId& miner);

class FileBankModule final : public Module {
 public:
  explicit FileBankModule(const Profile& profile) : profile_(profile) {}

  // Module
  std::string_view name() const override { return kName; }
  std::span<const CallDef> calls() const override;
  std::span<const ErrorDef> errors() const override;
  std::span<const std::string_view> events() const override;
  Result<CallResult> Dispatch(Context& ctx, const AccountId& origin, size_t index,
                              ByteSpan args) const override;
  // Claims whose deadline passed in the previous block: their files become Missing.
  Status OnBlockStart(Context& ctx) const override;
  // Every miner's locked bytes equal its untagged positions × fragment_size and its fragment index
  // equals its tagged positions; file states agree with positions, deals and orders; lost
  // positions have orders; quotas used == Σ charges of owned files; owner and minerfile indexes
  // match the files.
  Status CheckInvariants(const state::StateReader& reader) const override;

 private:
  Result<CallResult> BuySpace(Context& ctx, const AccountId& who, uint32_t gib) const;
  Result<CallResult> UploadDeclaration(Context& ctx, const AccountId& who, const UploadArgs& args) const;
  Result<CallResult> TransferReport(Context& ctx, const AccountId& who, const Hash256& fid,
                                    uint32_t index) const;
  Result<CallResult> CalculateReport(Context& ctx, const AccountId& who, const CalculateArgs& args) const;
  Result<CallResult> DeleteFile(Context& ctx, const AccountId& who, const Hash256& fid) const;
  Result<CallResult> GenerateRestoralOrder(Context& ctx, const AccountId& who, const Hash256& fid,
                                           const Hash256& fragment) const;
  Result<CallResult> ClaimRestoralOrder(Context& ctx, const AccountId& who, const Hash256& fid,
                                        const Hash256& fragment) const;
  Result<CallResult> CompleteRestoralOrder(Context& ctx, const AccountId& who, const Hash256& fid,
                                           const Hash256& fragment) const;

  Profile profile_;
};

}  // namespace cess::chain::runtime::file_bank
