// The agents module: the on-chain registry of A2A agents, the hubs that meter them, per-era usage
// and reputation (DESIGN.md §8; issue 6 §1, §5; reference agenthub-and-chain.md part A).
//
// The chain never includes agenthub code (DESIGN.md §2): these are the chain's own types carrying
// the same information as agenthub's AgentInfo / AgentUsage / UsageBatch; the node converts.
//
// Agents. An agent is registered by its owner with an A2A Agent Card (JSON, at most 16 KiB). The
// chain checks the minimum an A2A 1.0 card needs (ParseCard): a JSON object with non-empty string
// `name` (≤ 128 bytes), `description` and `version`, and a non-empty `skills` array whose entries
// are objects with a non-empty string `id` (≤ 64 bytes, unique in the card) and, when present, a
// `tags` array of non-empty strings (≤ 64 bytes each, ≤ 16 per skill); at most 32 skills. It
// stores the card bytes as given, their SHA-256 digest, and the skill ids with their tags.
//   agent id = the first 16 bytes of SHA-256(owner 32 ‖ card name bytes), printed as 32 lowercase
//   hex digits (stable: an owner's agent keeps its id across updates; the name cannot change).
// The stake moves from the owner's free balance into the module account PotAccount() =
// SHA-256("cess/module/agents") (a plain balances account). As in sminer, the first payment into the
// pot mints an existential reserve of one existential deposit (agents/reserve/). Invariant:
//   pot free == reserve + Σ agents' stake + Σ unbonding amounts.
//
// Status (AgentStatus) is derived when read, never scanned per block: Expired when
// height >= expires_at (refresh moves expires_at to height + agent_ttl_blocks and revives an
// expired agent); otherwise Paused when the owner paused it; otherwise Active. Routing uses Active
// agents only. Read helpers take the height at which to judge.
//
// Deregistration removes the agent (record, skill index, owner index) at once; its stake unbonds
// and is paid back to the owner automatically at the start of block deregistered_at +
// agent_unbond_blocks (agents/unbond/, scanned in height order, so only due entries are visited).
// The same owner may register the same name again at once (a new registration, reputation 500).
//
// Hubs. Any account may register itself as a hub (register_hub). Only registered hubs may
// report usage. A hub's batches carry sequence numbers 0, 1, 2, ... (agenthub's UsageMeter
// numbering): a batch must carry exactly the hub's next sequence (replays and gaps are refused),
// and its interval must not start before the previous batch's end.
//
// Usage. report_usage takes ONE batch per transaction with any number (≤ kMaxUsageEntries) of
// per-agent entries sorted by agent id. Each entry is added (saturating) to the agent's counters
// of the current era (agents/usage/<era><agent>) and to the agent's lifetime totals; entries naming
// an unknown (e.g. deregistered) agent are skipped (counted in the event), so a batch is never
// stuck. `amount` is recorded as owed; no payment moves. Checks per entry: failures <= calls and
// Σ latency buckets == calls. Fee: report_usage has weight 1, which covers kUsageEntriesPerWeight
// entries; each further kUsageEntriesPerWeight entries (or part) costs one more min_tx_fee, taken
// from the hub's free balance into the block's fees (paid to the author) under the fee rule
// (balances::CanPayFee), else InsufficientBalance.
//
// Reputation (0..1000, a new agent starts at kInitialReputation = 500). At the first block of an
// era, for each agent with usage (calls > 0) in the previous era (parent_era), in agent id order:
//   success   = (calls − failures) · 1000 / calls                     (floor)
//   p50       = the bucket holding rank (n + 1) / 2 (1-based, floor) of the n = Σ bucket counts
//   latency   = kLatencyScoreByBucket[p50]: buckets with upper bound ≤ 50 ms → 1000, ≤ 100 ms → 800,
//               ≤ 200 ms → 600, ≤ 500 ms → 400, ≤ 1 s → 250, ≤ 2 s → 100, ≤ 5 s and above → 0
//   era value = (7 · success + 3 · latency) / 10                      (floor)
//   new       = (old + 3 · era value) / 4                             (floor)
// Agents without usage keep theirs. The usage keys double as the era's active index (a prefix scan
// of agents/usage/<era> lists exactly the agents with usage). Usage older than kUsageErasKept eras
// is pruned at era start.
//
// Latency buckets: kUsageLatencyBuckets = 13, upper bounds in ms (inclusive) 1, 2, 5, 10, 20, 50,
// 100, 200, 500, 1000, 2000, 5000, then the rest (agenthub's kLatencyBucketBoundsMs).
//
// Storage (prefix "agents/"):
//   agents/agent/<id 16>                 AgentRecord (below)
//   agents/skill/<len u8><skill id><id 16>  empty    skill index (len = skill id bytes)
//   agents/owner/<owner 32><id 16>       empty       an owner's agents
//   agents/hub/<account 32>              HubRecord
//   agents/usage/<era u64 BE><id 16>     UsageCounters of the agent in the era
//   agents/unbond/<height u64 BE><id 16> Unbonding   owner ‖ amount, paid at that height
//   agents/reserve/                      u64         the existential reserve minted into the pot
//
// Calls (errors in the order checked):
//   register(RegisterArgs)      weight 2. Errors: CardTooLarge, BadCard, NoSkills, EndpointTooLong,
//       BadEndpoint (not http:// or https:// followed by a host), BadRegion (> 32 bytes),
//       BadWeight (0 or > kMaxWeight), StakeTooLow (< agent_min_stake), AlreadyRegistered (same
//       id), TooManyAgents (owner already has agent_max_per_owner), InsufficientBalance.
//   update(UpdateArgs)          weight 2. The fields named in `fields` (UpdateField bits) replace
//       the stored ones; a new card re-extracts skills (index updated) and the digest.
//       Errors: NoSuchAgent, NotOwner, NothingToUpdate (fields == 0), then per field as register:
//       CardTooLarge, BadCard, NoSkills, NameChanged (card name differs), EndpointTooLong,
//       BadEndpoint, BadRegion, BadWeight. (Unknown bits in `fields`: bad arguments.)
//   refresh(id 16)              weight 1. expires_at = height + agent_ttl_blocks. Errors:
//       NoSuchAgent, NotOwner.
//   pause(id 16) / resume(id 16) weight 1. Errors: NoSuchAgent, NotOwner, AlreadyPaused / NotPaused.
//   deregister(id 16)           weight 1. Errors: NoSuchAgent, NotOwner.
//   register_hub(name string)   weight 1. Errors: BadHubName (not 1..64 bytes), HubAlreadyRegistered.
//   report_usage(ReportUsageArgs) weight 1 (+ per-entry fee above). Errors: NotHub, StaleSequence
//       (< next: a replay), SequenceGap (> next), BadInterval (end < start, or start < the hub's
//       last end), TooManyEntries, UnsortedUsage (agent ids not strictly ascending), BadUsage
//       (failures > calls or Σ buckets != calls), InsufficientBalance.
// Events:
//   AgentRegistered    id 16 ‖ owner 32 ‖ stake u64 ‖ digest 32
//   AgentUpdated       id 16 ‖ fields u8 ‖ digest 32
//   AgentRefreshed     id 16 ‖ expires_at u64
//   AgentPaused        id 16
//   AgentResumed       id 16
//   AgentDeregistered  id 16 ‖ release height u64 ‖ amount u64
//   StakeReleased      id 16 ‖ owner 32 ‖ amount u64
//   HubRegistered      hub 32 ‖ name string
//   UsageReported      hub 32 ‖ sequence u64 ‖ entries u32 ‖ skipped u32
//   ReputationUpdated  id 16 ‖ era u64 (the era measured) ‖ reputation u32
#pragma once

#include <array>
#include <compare>
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
#include "cess/core/result.h"

namespace cess::chain::runtime::agents {

inline constexpr std::string_view kName = "agents";
inline constexpr size_t kMaxCardBytes = 16 << 10;
inline constexpr size_t kMaxAgentNameBytes = 128;
inline constexpr size_t kMaxSkills = 32;
inline constexpr size_t kMaxSkillIdBytes = 64;
inline constexpr size_t kMaxTagsPerSkill = 16;
inline constexpr size_t kMaxTagBytes = 64;
inline constexpr size_t kMaxEndpointBytes = 256;
inline constexpr size_t kMaxRegionBytes = 32;
inline constexpr uint32_t kMaxWeight = 1000;
inline constexpr size_t kMaxHubNameBytes = 64;
inline constexpr size_t kMaxUsageEntries = 1024;
inline constexpr size_t kUsageEntriesPerWeight = 32;
inline constexpr uint32_t kInitialReputation = 500;
inline constexpr uint64_t kUsageErasKept = 8;
inline constexpr size_t kUsageLatencyBuckets = 13;
inline constexpr std::array<uint32_t, kUsageLatencyBuckets - 1> kUsageLatencyBoundsMs = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
inline constexpr std::array<uint32_t, kUsageLatencyBuckets> kLatencyScoreByBucket = {
    1000, 1000, 1000, 1000, 1000, 1000, 800, 600, 400, 250, 100, 0, 0};

enum class Error : uint32_t {
  kCardTooLarge = 1,  // card above kMaxCardBytes
  kBadCard = 2,       // not a JSON object with the required fields (see ParseCard)
  kNoSkills = 3,      // `skills` missing or empty
  kEndpointTooLong = 4,
  kBadEndpoint = 5,  // not http://host... or https://host...
  kBadRegion = 6,    // region above kMaxRegionBytes
  kBadWeight = 7,    // weight 0 or above kMaxWeight
  kStakeTooLow = 8,  // below profile.agent_min_stake
  kInsufficientBalance = 9,
  kAlreadyRegistered = 10,  // an agent with the same id exists
  kTooManyAgents = 11,      // the owner has profile.agent_max_per_owner agents
  kNoSuchAgent = 12,
  kNotOwner = 13,
  kNameChanged = 14,  // update with a card whose name differs (the id derives from it)
  kNothingToUpdate = 15,
  kAlreadyPaused = 16,
  kNotPaused = 17,
  kBadHubName = 18,  // not 1..kMaxHubNameBytes bytes
  kHubAlreadyRegistered = 19,
  kNotHub = 20,          // report_usage by an account that is not a registered hub
  kStaleSequence = 21,   // sequence below the hub's next (a replay)
  kSequenceGap = 22,     // sequence above the hub's next
  kBadInterval = 23,     // end < start, or start before the previous batch's end
  kTooManyEntries = 24,  // above kMaxUsageEntries
  kUnsortedUsage = 25,   // entries not strictly ascending by agent id
  kBadUsage = 26,        // failures > calls, or Σ latency buckets != calls
  kOverflow = 27,        // reserved (amounts that would overflow u64)
};

// An agent id: 16 bytes, printed as 32 lowercase hex digits. Value type.
struct AgentId {
  std::array<uint8_t, 16> bytes{};

  // 32 lowercase hex digits.
  std::string ToHex() const;
  // Parses 32 hex digits (either case). Errors: InvalidArgument on bad hex or length.
  static Result<AgentId> FromHex(std::string_view hex);

  // Canonical encoding: the 16 bytes, raw.
  void Encode(codec::Writer& w) const { w.PutFixed(bytes); }
  static Result<AgentId> Decode(codec::Reader& r);
  auto operator<=>(const AgentId&) const = default;
  bool operator==(const AgentId&) const = default;
};

// The first 16 bytes of SHA-256(owner 32 ‖ name bytes).
AgentId MakeAgentId(const AccountId& owner, std::string_view name);

enum class AgentStatus : uint8_t { kActive = 0, kPaused = 1, kExpired = 2 };
std::string_view AgentStatusName(AgentStatus s);  // "active", "paused", "expired"

// One skill of a card as the chain keeps it.
struct SkillEntry {
  std::string id;
  std::vector<std::string> tags;  // in card order
  void Encode(codec::Writer& w) const;
  static Result<SkillEntry> Decode(codec::Reader& r);
  bool operator==(const SkillEntry&) const = default;
};

// What the chain extracts from a card (ParseCard).
struct CardSummary {
  std::string name;
  std::string description;
  std::string version;
  std::vector<SkillEntry> skills;  // in card order
};

// Parses `card_json` and checks the minimum the module requires (see the file comment). Pure; no
// state. Errors: InvalidArgument with the reason; when `error` is not null it receives the module
// error a register would return (kCardTooLarge, kBadCard or kNoSkills).
Result<CardSummary> ParseCard(ByteSpan card_json, Error* error = nullptr);

// The stored record of an agent.
struct AgentRecord {
  AgentId id;  // not encoded (it is the key); filled by the read helpers
  AccountId owner;
  std::string name;
  Bytes card;        // the card JSON bytes as registered
  Hash256 digest{};  // SHA-256 of `card`
  std::vector<SkillEntry> skills;
  std::string endpoint;
  std::string region;  // empty = unspecified
  uint64_t price = 0;  // per call, base units
  uint64_t stake = 0;  // held in the pot
  uint32_t weight = 1;
  bool paused = false;
  uint64_t registered_at = 0;
  uint64_t expires_at = 0;  // Expired from this height on
  uint32_t reputation = kInitialReputation;
  uint64_t reputation_era = 0;  // the era measured by the last update (0 = never)
  uint64_t total_calls = 0;     // lifetime, from usage reports (saturating)
  uint64_t total_failures = 0;
  uint64_t total_amount = 0;                  // owed, per usage reports
  AgentStatus status = AgentStatus::kActive;  // not encoded; derived by the read helpers

  // The status at `height` (see the file comment).
  AgentStatus StatusAt(uint64_t height) const;
  bool HasSkill(std::string_view skill) const;
  // The union of the skills' tags, sorted, without duplicates.
  std::vector<std::string> AllTags() const;

  void Encode(codec::Writer& w) const;
  static Result<AgentRecord> Decode(codec::Reader& r);
  bool operator==(const AgentRecord&) const = default;
};

struct HubRecord {
  std::string name;
  uint64_t next_sequence = 0;        // the sequence the next batch must carry
  int64_t last_end_unix_micros = 0;  // end of the last accepted batch's interval
  uint64_t registered_at = 0;
  uint64_t batches = 0;  // accepted batches
  void Encode(codec::Writer& w) const;
  static Result<HubRecord> Decode(codec::Reader& r);
  bool operator==(const HubRecord&) const = default;
};

// One agent's usage counters (per era in state; per entry in a batch).
struct UsageCounters {
  uint64_t calls = 0;
  uint64_t failures = 0;
  uint64_t amount = 0;  // owed: price × successful calls, as metered
  uint64_t latency_sum_micros = 0;
  std::array<uint64_t, kUsageLatencyBuckets> latency_buckets{};

  // Adds `other` (each counter saturating at UINT64_MAX).
  void Add(const UsageCounters& other);
  void Encode(codec::Writer& w) const;
  static Result<UsageCounters> Decode(codec::Reader& r);
  bool operator==(const UsageCounters&) const = default;
};

struct UsageEntry {
  AgentId agent;
  UsageCounters usage;
  void Encode(codec::Writer& w) const;
  static Result<UsageEntry> Decode(codec::Reader& r);
  bool operator==(const UsageEntry&) const = default;
};

// Stake waiting to be returned.
struct Unbonding {
  uint64_t release_at = 0;  // not encoded (in the key)
  AgentId agent;            // not encoded (in the key)
  AccountId owner;
  uint64_t amount = 0;
  void Encode(codec::Writer& w) const;
  static Result<Unbonding> Decode(codec::Reader& r);
  bool operator==(const Unbonding&) const = default;
};

// ---- call arguments

struct RegisterArgs {
  Bytes card;  // JSON bytes
  std::string endpoint;
  std::string region;
  uint64_t price = 0;
  uint64_t stake = 0;
  uint32_t weight = 1;
  void Encode(codec::Writer& w) const;
  static Result<RegisterArgs> Decode(codec::Reader& r);
};

// Bits of UpdateArgs::fields.
enum UpdateField : uint8_t {
  kUpdateCard = 1,
  kUpdateEndpoint = 2,
  kUpdateRegion = 4,
  kUpdatePrice = 8,
  kUpdateWeight = 16,
};
inline constexpr uint8_t kUpdateAllFields = 31;

// Every field is encoded; only those named in `fields` are applied.
struct UpdateArgs {
  AgentId agent;
  uint8_t fields = 0;  // UpdateField bits
  Bytes card;
  std::string endpoint;
  std::string region;
  uint64_t price = 0;
  uint32_t weight = 1;
  void Encode(codec::Writer& w) const;
  static Result<UpdateArgs> Decode(codec::Reader& r);  // Corruption on unknown bits
};

struct ReportUsageArgs {
  uint64_t sequence = 0;
  int64_t start_unix_micros = 0;
  int64_t end_unix_micros = 0;
  std::vector<UsageEntry> entries;  // strictly ascending by agent id
  void Encode(codec::Writer& w) const;
  static Result<ReportUsageArgs> Decode(codec::Reader& r);
};

// The module account holding stakes: SHA-256("cess/module/agents").
AccountId PotAccount();

// Pure reputation maths (see the file comment).
uint32_t LatencyScore(const std::array<uint64_t, kUsageLatencyBuckets>& buckets);  // 0 when empty
// The era value of `usage`. REQUIRES: usage.calls > 0 and failures <= calls.
uint32_t EraReputation(const UsageCounters& usage);
uint32_t SmoothReputation(uint32_t old_reputation, uint32_t era_value);

// Call builders.
Call RegisterCall(const RegisterArgs& args);
Call UpdateCall(const UpdateArgs& args);
Call RefreshCall(const AgentId& id);
Call PauseCall(const AgentId& id);
Call ResumeCall(const AgentId& id);
Call DeregisterCall(const AgentId& id);
Call RegisterHubCall(const std::string& name);
Call ReportUsageCall(const ReportUsageArgs& args);

// Read helpers (for the node, the gateway and the CLI). Records come back with `id` set and
// `status` derived at `height` (pass the height of the block whose state `reader` is; a query at
// the head passes head height + 1 to judge as the next block would — either is fine for routing).
// Errors: Corruption on malformed records; IoError. Thread safety: as the reader.
Result<std::optional<AgentRecord>> ReadAgent(const state::StateReader& reader, const AgentId& id,
                                             uint64_t height);
// Every agent, in id order (any status; callers filter).
Result<std::vector<AgentRecord>> ListAgents(const state::StateReader& reader, uint64_t height);
// The agents with skill id `skill` (exact match), in id order, through the skill index.
Result<std::vector<AgentRecord>> AgentsWithSkill(const state::StateReader& reader, std::string_view skill,
                                                 uint64_t height);
// The agents of `owner`, in id order.
Result<std::vector<AgentRecord>> AgentsOf(const state::StateReader& reader, const AccountId& owner,
                                          uint64_t height);
Result<std::optional<HubRecord>> ReadHub(const state::StateReader& reader, const AccountId& hub);
// The agent's counters in `era` (all zero when none).
Result<UsageCounters> ReadUsage(const state::StateReader& reader, uint64_t era, const AgentId& agent);
// Every pending unbonding, in release order.
Result<std::vector<Unbonding>> ListUnbonding(const state::StateReader& reader);
Result<uint64_t> ReadReserve(const state::StateReader& reader);

class AgentsModule final : public Module {
 public:
  explicit AgentsModule(const Profile& profile) : profile_(profile) {}

  // Module
  std::string_view name() const override { return kName; }
  std::span<const CallDef> calls() const override;
  std::span<const ErrorDef> errors() const override;
  std::span<const std::string_view> events() const override;
  Result<CallResult> Dispatch(Context& ctx, const AccountId& origin, size_t index,
                              ByteSpan args) const override;
  // Pays due unbondings; at the first block of an era, updates reputations from the previous
  // era's usage and prunes old usage.
  Status OnBlockStart(Context& ctx) const override;
  // Pot == reserve + Σ stake + Σ unbonding; the skill and owner indexes match the records exactly;
  // digests match the cards; owners within agent_max_per_owner; usage keys name 16-byte ids;
  // records decode.
  Status CheckInvariants(const state::StateReader& reader) const override;

 private:
  Result<CallResult> Register(Context& ctx, const AccountId& who, const RegisterArgs& args) const;
  Result<CallResult> Update(Context& ctx, const AccountId& who, const UpdateArgs& args) const;
  Result<CallResult> Refresh(Context& ctx, const AccountId& who, const AgentId& id) const;
  Result<CallResult> SetPaused(Context& ctx, const AccountId& who, const AgentId& id, bool paused) const;
  Result<CallResult> Deregister(Context& ctx, const AccountId& who, const AgentId& id) const;
  Result<CallResult> RegisterHub(Context& ctx, const AccountId& who, const std::string& name) const;
  Result<CallResult> ReportUsage(Context& ctx, const AccountId& who, const ReportUsageArgs& args) const;
  Status ReleaseUnbonding(Context& ctx) const;
  Status UpdateReputations(Context& ctx) const;

  Profile profile_;
};

}  // namespace cess::chain::runtime::agents
