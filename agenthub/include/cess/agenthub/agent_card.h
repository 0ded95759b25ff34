// The A2A 1.0 Agent Card (a2aproject/A2A specification §8, a2a.proto AgentCard): what an agent
// publishes at /.well-known/agent-card.json and what the registry stores.
//
// Parsing accepts the 1.0 shape (`supportedInterfaces`) and, for compatibility, the 0.3 shape
// (`url` + `preferredTransport` + `additionalInterfaces`), which it converts to 1.0. Writing always
// produces the 1.0 shape. Unknown fields are ignored on parse (they are not part of the digest).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::agenthub {

// One way to reach the agent. `protocol_binding` is "JSONRPC", "GRPC" or "HTTP+JSON".
struct AgentInterface {
  std::string url;
  std::string protocol_binding = "JSONRPC";
  std::string protocol_version = "1.0";
  std::string tenant;  // optional; empty = absent
  friend bool operator==(const AgentInterface&, const AgentInterface&) = default;
};

struct AgentProvider {
  std::string organization;
  std::string url;
  friend bool operator==(const AgentProvider&, const AgentProvider&) = default;
};

struct AgentCapabilities {
  bool streaming = false;
  bool push_notifications = false;
  bool extended_agent_card = false;
  friend bool operator==(const AgentCapabilities&, const AgentCapabilities&) = default;
};

struct AgentSkill {
  std::string id;           // required, unique within the card
  std::string name;         // required
  std::string description;  // required
  std::vector<std::string> tags;  // required (may be empty)
  std::vector<std::string> examples;
  std::vector<std::string> input_modes;   // media types; empty = the card's defaults
  std::vector<std::string> output_modes;  // media types; empty = the card's defaults
  friend bool operator==(const AgentSkill&, const AgentSkill&) = default;
};

struct AgentCard {
  std::string name;         // required, non-empty
  std::string description;  // required, non-empty
  std::string version;      // required, non-empty
  std::vector<AgentInterface> supported_interfaces;  // required, at least one; first = preferred
  bool has_provider = false;
  AgentProvider provider;   // meaningful when has_provider
  std::string documentation_url;  // optional
  std::string icon_url;           // optional
  AgentCapabilities capabilities;
  std::vector<std::string> default_input_modes;   // required, at least one
  std::vector<std::string> default_output_modes;  // required, at least one
  std::vector<AgentSkill> skills;                 // required, at least one

  // The preferred interface URL (supported_interfaces[0].url). REQUIRES: Validate() passed.
  const std::string& PreferredUrl() const { return supported_interfaces.front().url; }
  // The skill with `id`, or nullptr.
  const AgentSkill* FindSkill(std::string_view id) const;

  friend bool operator==(const AgentCard&, const AgentCard&) = default;
};

// Checks the required fields and their shapes. Errors: InvalidArgument whose message starts with
// the JSON path of the offending field, e.g. "skills[1].id: must be a non-empty string".
Status ValidateAgentCard(const AgentCard& card);

// Parses and validates a card from JSON text. Errors: InvalidArgument for malformed JSON
// ("agent card: not valid JSON: ...") or a missing/mistyped/invalid field (named by its path).
Result<AgentCard> ParseAgentCard(std::string_view json_text);
// As ParseAgentCard, from an already parsed JSON value.
Result<AgentCard> AgentCardFromJson(const nlohmann::json& j);

// The card as A2A 1.0 JSON (camelCase keys; optional fields omitted when empty).
nlohmann::json AgentCardToJson(const AgentCard& card);
// AgentCardToJson serialized with 2-space indentation.
std::string AgentCardToString(const AgentCard& card);
// The 1.0 JSON plus the 0.3 members (`url`, `preferredTransport`, `protocolVersion`,
// `additionalInterfaces`), so clients of either generation (e.g. @a2a-js/sdk 0.3) can read the
// card served at /.well-known/agent-card.json. ParseAgentCard reads it back to the same card.
// Not for digests: the digest covers the 1.0 form only.
nlohmann::json AgentCardToCompatJson(const AgentCard& card);

// The canonical form: AgentCardToJson serialized with sorted keys and no whitespace (for the data
// this type holds it is the RFC 8785 JCS form: only strings, booleans and arrays/objects).
std::string CanonicalAgentCardJson(const AgentCard& card);
// SHA-256 of CanonicalAgentCardJson: the content digest the chain stores. Equal cards give equal
// digests regardless of the key order or whitespace of the JSON they were parsed from.
Hash256 AgentCardDigest(const AgentCard& card);

// Serializes any JSON value canonically: object keys sorted bytewise, no whitespace.
std::string CanonicalJson(const nlohmann::json& j);

}  // namespace cess::agenthub
