// The agents module's types: encodings, card parsing, reputation maths and call builders (see
// agents.h).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "cess/chain/runtime/agents.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/core/hash.h"
#include "wide_int.h"

namespace cess::chain::runtime::agents {
namespace {

constexpr size_t kMaxDecodedString = 4096;

Call MakeCall(std::string_view function, Bytes args) {
  return Call{std::string(kName), std::string(function), std::move(args)};
}

uint64_t SatAdd(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

Status CardFail(Error* out, Error e, const std::string& why) {
  if (out != nullptr) *out = e;
  return Status::InvalidArgument("agent card: " + why);
}

// A non-empty string member of at most `max` bytes.
bool StringField(const nlohmann::json& j, const char* key, size_t max, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  const auto& s = it->get_ref<const std::string&>();
  if (s.empty() || s.size() > max) return false;
  *out = s;
  return true;
}

}  // namespace

// ---- AgentId

std::string AgentId::ToHex() const { return cess::ToHex(bytes); }

Result<AgentId> AgentId::FromHex(std::string_view hex) {
  if (hex.size() != 32) return Status::InvalidArgument("agent id: expected 32 hex digits");
  CESS_ASSIGN_OR_RETURN(auto b, FromHexFixed<16>(hex));
  AgentId id;
  id.bytes = b;
  return id;
}

Result<AgentId> AgentId::Decode(codec::Reader& r) {
  AgentId id;
  CESS_ASSIGN_OR_RETURN(id.bytes, r.ReadArray<16>());
  return id;
}

AgentId MakeAgentId(const AccountId& owner, std::string_view name) {
  crypto::Sha256Hasher h;
  h.Update(owner.bytes);
  h.Update(AsBytes(name));
  const Hash256 d = h.Finish();
  AgentId id;
  std::copy(d.begin(), d.begin() + 16, id.bytes.begin());
  return id;
}

std::string_view AgentStatusName(AgentStatus s) {
  switch (s) {
    case AgentStatus::kActive:
      return "active";
    case AgentStatus::kPaused:
      return "paused";
    case AgentStatus::kExpired:
      return "expired";
  }
  return "unknown";
}

// ---- card parsing

Result<CardSummary> ParseCard(ByteSpan card_json, Error* error) {
  if (card_json.size() > kMaxCardBytes) {
    return CardFail(error, Error::kCardTooLarge,
                    "card of " + std::to_string(card_json.size()) + " bytes (at most " +
                        std::to_string(kMaxCardBytes) + ")");
  }
  const nlohmann::json j = nlohmann::json::parse(card_json.begin(), card_json.end(), nullptr,
                                                 /*allow_exceptions=*/false);
  if (j.is_discarded()) return CardFail(error, Error::kBadCard, "not valid JSON");
  if (!j.is_object()) return CardFail(error, Error::kBadCard, "not a JSON object");
  CardSummary out;
  if (!StringField(j, "name", kMaxAgentNameBytes, &out.name)) {
    return CardFail(error, Error::kBadCard,
                    "name: must be a string of 1.." + std::to_string(kMaxAgentNameBytes) + " bytes");
  }
  if (!StringField(j, "description", kMaxCardBytes, &out.description)) {
    return CardFail(error, Error::kBadCard, "description: must be a non-empty string");
  }
  if (!StringField(j, "version", kMaxCardBytes, &out.version)) {
    return CardFail(error, Error::kBadCard, "version: must be a non-empty string");
  }
  auto skills = j.find("skills");
  if (skills == j.end() || (skills->is_array() && skills->empty())) {
    return CardFail(error, Error::kNoSkills, "skills: at least one skill is required");
  }
  if (!skills->is_array()) return CardFail(error, Error::kBadCard, "skills: must be an array");
  if (skills->size() > kMaxSkills) {
    return CardFail(error, Error::kBadCard, "skills: at most " + std::to_string(kMaxSkills));
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < skills->size(); ++i) {
    const nlohmann::json& s = (*skills)[i];
    const std::string where = "skills[" + std::to_string(i) + "]";
    if (!s.is_object()) return CardFail(error, Error::kBadCard, where + ": must be an object");
    SkillEntry e;
    if (!StringField(s, "id", kMaxSkillIdBytes, &e.id)) {
      return CardFail(error, Error::kBadCard,
                      where + ".id: must be a string of 1.." + std::to_string(kMaxSkillIdBytes) + " bytes");
    }
    if (!ids.insert(e.id).second)
      return CardFail(error, Error::kBadCard, where + ".id: duplicate '" + e.id + "'");
    if (auto tags = s.find("tags"); tags != s.end()) {
      if (!tags->is_array() || tags->size() > kMaxTagsPerSkill) {
        return CardFail(error, Error::kBadCard,
                        where + ".tags: must be an array of at most " + std::to_string(kMaxTagsPerSkill));
      }
      for (const nlohmann::json& t : *tags) {
        if (!t.is_string() || t.get_ref<const std::string&>().empty() ||
            t.get_ref<const std::string&>().size() > kMaxTagBytes) {
          return CardFail(
              error, Error::kBadCard,
              where + ".tags: entries must be strings of 1.." + std::to_string(kMaxTagBytes) + " bytes");
        }
        e.tags.push_back(t.get<std::string>());
      }
    }
    out.skills.push_back(std::move(e));
  }
  return out;
}

// ---- records

void SkillEntry::Encode(codec::Writer& w) const {
  w.PutString(id);
  w.PutVector(tags, [](codec::Writer& ww, const std::string& t) { ww.PutString(t); });
}

Result<SkillEntry> SkillEntry::Decode(codec::Reader& r) {
  SkillEntry e;
  CESS_ASSIGN_OR_RETURN(e.id, r.ReadString(kMaxSkillIdBytes));
  CESS_ASSIGN_OR_RETURN(
      e.tags, r.ReadVector<std::string>([](codec::Reader& rr) { return rr.ReadString(kMaxTagBytes); }, 4));
  return e;
}

AgentStatus AgentRecord::StatusAt(uint64_t height) const {
  if (height >= expires_at) return AgentStatus::kExpired;
  return paused ? AgentStatus::kPaused : AgentStatus::kActive;
}

bool AgentRecord::HasSkill(std::string_view skill) const {
  return std::any_of(skills.begin(), skills.end(), [&](const SkillEntry& s) { return s.id == skill; });
}

std::vector<std::string> AgentRecord::AllTags() const {
  std::set<std::string> tags;
  for (const SkillEntry& s : skills) tags.insert(s.tags.begin(), s.tags.end());
  return {tags.begin(), tags.end()};
}

void AgentRecord::Encode(codec::Writer& w) const {
  owner.Encode(w);
  w.PutString(name);
  w.PutBytes(card);
  w.PutFixed(digest);
  w.PutVector(skills);
  w.PutString(endpoint);
  w.PutString(region);
  w.PutU64(price);
  w.PutU64(stake);
  w.PutU32(weight);
  w.PutBool(paused);
  w.PutU64(registered_at);
  w.PutU64(expires_at);
  w.PutU32(reputation);
  w.PutU64(reputation_era);
  w.PutU64(total_calls);
  w.PutU64(total_failures);
  w.PutU64(total_amount);
}

Result<AgentRecord> AgentRecord::Decode(codec::Reader& r) {
  AgentRecord a;
  CESS_ASSIGN_OR_RETURN(a.owner, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(a.name, r.ReadString(kMaxAgentNameBytes));
  CESS_ASSIGN_OR_RETURN(a.card, r.ReadBytes(kMaxCardBytes));
  CESS_ASSIGN_OR_RETURN(a.digest, r.ReadArray<32>());
  CESS_ASSIGN_OR_RETURN(a.skills, r.ReadVector<SkillEntry>());
  CESS_ASSIGN_OR_RETURN(a.endpoint, r.ReadString(kMaxEndpointBytes));
  CESS_ASSIGN_OR_RETURN(a.region, r.ReadString(kMaxRegionBytes));
  CESS_ASSIGN_OR_RETURN(a.price, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.stake, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.weight, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(a.paused, r.ReadBool());
  CESS_ASSIGN_OR_RETURN(a.registered_at, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.expires_at, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.reputation, r.ReadU32());
  CESS_ASSIGN_OR_RETURN(a.reputation_era, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.total_calls, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.total_failures, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.total_amount, r.ReadU64());
  return a;
}

void HubRecord::Encode(codec::Writer& w) const {
  w.PutString(name);
  w.PutU64(next_sequence);
  w.PutI64(last_end_unix_micros);
  w.PutU64(registered_at);
  w.PutU64(batches);
}

Result<HubRecord> HubRecord::Decode(codec::Reader& r) {
  HubRecord h;
  CESS_ASSIGN_OR_RETURN(h.name, r.ReadString(kMaxHubNameBytes));
  CESS_ASSIGN_OR_RETURN(h.next_sequence, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(h.last_end_unix_micros, r.ReadI64());
  CESS_ASSIGN_OR_RETURN(h.registered_at, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(h.batches, r.ReadU64());
  return h;
}

void UsageCounters::Add(const UsageCounters& o) {
  calls = SatAdd(calls, o.calls);
  failures = SatAdd(failures, o.failures);
  amount = SatAdd(amount, o.amount);
  latency_sum_micros = SatAdd(latency_sum_micros, o.latency_sum_micros);
  for (size_t i = 0; i < kUsageLatencyBuckets; ++i) {
    latency_buckets[i] = SatAdd(latency_buckets[i], o.latency_buckets[i]);
  }
}

void UsageCounters::Encode(codec::Writer& w) const {
  w.PutU64(calls);
  w.PutU64(failures);
  w.PutU64(amount);
  w.PutU64(latency_sum_micros);
  for (uint64_t b : latency_buckets) w.PutU64(b);
}

Result<UsageCounters> UsageCounters::Decode(codec::Reader& r) {
  UsageCounters u;
  CESS_ASSIGN_OR_RETURN(u.calls, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(u.failures, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(u.amount, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(u.latency_sum_micros, r.ReadU64());
  for (uint64_t& b : u.latency_buckets) {
    CESS_ASSIGN_OR_RETURN(b, r.ReadU64());
  }
  return u;
}

void UsageEntry::Encode(codec::Writer& w) const {
  agent.Encode(w);
  usage.Encode(w);
}

Result<UsageEntry> UsageEntry::Decode(codec::Reader& r) {
  UsageEntry e;
  CESS_ASSIGN_OR_RETURN(e.agent, AgentId::Decode(r));
  CESS_ASSIGN_OR_RETURN(e.usage, UsageCounters::Decode(r));
  return e;
}

void Unbonding::Encode(codec::Writer& w) const {
  owner.Encode(w);
  w.PutU64(amount);
}

Result<Unbonding> Unbonding::Decode(codec::Reader& r) {
  Unbonding u;
  CESS_ASSIGN_OR_RETURN(u.owner, AccountId::Decode(r));
  CESS_ASSIGN_OR_RETURN(u.amount, r.ReadU64());
  return u;
}

// ---- call arguments

void RegisterArgs::Encode(codec::Writer& w) const {
  w.PutBytes(card);
  w.PutString(endpoint);
  w.PutString(region);
  w.PutU64(price);
  w.PutU64(stake);
  w.PutU32(weight);
}

Result<RegisterArgs> RegisterArgs::Decode(codec::Reader& r) {
  RegisterArgs a;
  // Oversized cards and strings decode (up to the call size) so the module can name the error.
  CESS_ASSIGN_OR_RETURN(a.card, r.ReadBytes());
  CESS_ASSIGN_OR_RETURN(a.endpoint, r.ReadString(kMaxDecodedString));
  CESS_ASSIGN_OR_RETURN(a.region, r.ReadString(kMaxDecodedString));
  CESS_ASSIGN_OR_RETURN(a.price, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.stake, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.weight, r.ReadU32());
  return a;
}

void UpdateArgs::Encode(codec::Writer& w) const {
  agent.Encode(w);
  w.PutU8(fields);
  w.PutBytes(card);
  w.PutString(endpoint);
  w.PutString(region);
  w.PutU64(price);
  w.PutU32(weight);
}

Result<UpdateArgs> UpdateArgs::Decode(codec::Reader& r) {
  UpdateArgs a;
  CESS_ASSIGN_OR_RETURN(a.agent, AgentId::Decode(r));
  CESS_ASSIGN_OR_RETURN(a.fields, r.ReadU8());
  if ((a.fields & ~kUpdateAllFields) != 0) return Status::Corruption("agents: unknown update field bits");
  CESS_ASSIGN_OR_RETURN(a.card, r.ReadBytes());
  CESS_ASSIGN_OR_RETURN(a.endpoint, r.ReadString(kMaxDecodedString));
  CESS_ASSIGN_OR_RETURN(a.region, r.ReadString(kMaxDecodedString));
  CESS_ASSIGN_OR_RETURN(a.price, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.weight, r.ReadU32());
  return a;
}

void ReportUsageArgs::Encode(codec::Writer& w) const {
  w.PutU64(sequence);
  w.PutI64(start_unix_micros);
  w.PutI64(end_unix_micros);
  w.PutVector(entries);
}

Result<ReportUsageArgs> ReportUsageArgs::Decode(codec::Reader& r) {
  ReportUsageArgs a;
  CESS_ASSIGN_OR_RETURN(a.sequence, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(a.start_unix_micros, r.ReadI64());
  CESS_ASSIGN_OR_RETURN(a.end_unix_micros, r.ReadI64());
  // Each entry is 16 + 8 · (4 + 13) bytes.
  CESS_ASSIGN_OR_RETURN(a.entries,
                        r.ReadVector<UsageEntry>([](codec::Reader& rr) { return UsageEntry::Decode(rr); },
                                                 16 + 8 * (4 + kUsageLatencyBuckets)));
  return a;
}

// ---- pure helpers

AccountId PotAccount() {
  static const AccountId kPot = sminer::ModuleAccount(kName);
  return kPot;
}

uint32_t LatencyScore(const std::array<uint64_t, kUsageLatencyBuckets>& buckets) {
  U128 n = 0;
  for (uint64_t b : buckets) n += b;
  if (n == 0) return 0;
  const U128 rank = (n + 1) / 2;
  U128 seen = 0;
  for (size_t i = 0; i < kUsageLatencyBuckets; ++i) {
    seen += buckets[i];
    if (seen >= rank) return kLatencyScoreByBucket[i];
  }
  return 0;  // unreachable: seen reaches n >= rank
}

uint32_t EraReputation(const UsageCounters& usage) {
  if (usage.calls == 0) return 0;
  const uint64_t failures = std::min(usage.failures, usage.calls);
  const uint64_t success =
      static_cast<uint64_t>(static_cast<U128>(usage.calls - failures) * 1000 / usage.calls);
  const uint64_t latency = LatencyScore(usage.latency_buckets);
  return static_cast<uint32_t>((7 * success + 3 * latency) / 10);
}

uint32_t SmoothReputation(uint32_t old_reputation, uint32_t era_value) {
  const uint64_t o = std::min<uint32_t>(old_reputation, 1000);
  const uint64_t v = std::min<uint32_t>(era_value, 1000);
  return static_cast<uint32_t>((o + 3 * v) / 4);
}

// ---- call builders

Call RegisterCall(const RegisterArgs& args) { return MakeCall("register", codec::Encode(args)); }
Call UpdateCall(const UpdateArgs& args) { return MakeCall("update", codec::Encode(args)); }
Call RefreshCall(const AgentId& id) { return MakeCall("refresh", codec::Encode(id)); }
Call PauseCall(const AgentId& id) { return MakeCall("pause", codec::Encode(id)); }
Call ResumeCall(const AgentId& id) { return MakeCall("resume", codec::Encode(id)); }
Call DeregisterCall(const AgentId& id) { return MakeCall("deregister", codec::Encode(id)); }
Call RegisterHubCall(const std::string& name) {
  codec::Writer w;
  w.PutString(name);
  return MakeCall("register_hub", w.Take());
}
Call ReportUsageCall(const ReportUsageArgs& args) { return MakeCall("report_usage", codec::Encode(args)); }

}  // namespace cess::chain::runtime::agents
