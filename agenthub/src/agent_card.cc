#include "cess/agenthub/agent_card.h"

#include <set>

#include <nlohmann/json.hpp>

#include "cess/core/hash.h"

namespace cess::agenthub {
namespace {

using json = nlohmann::json;

Status Bad(const std::string& path, const std::string& what) { return Status::InvalidArgument(path + ": " + what); }

// Reads a required non-empty string member.
Status RequiredString(const json& j, const std::string& key, const std::string& path, std::string& out) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(path + key, "missing (required string)");
  if (!it->is_string()) return Bad(path + key, "must be a string");
  out = it->get<std::string>();
  if (out.empty()) return Bad(path + key, "must not be empty");
  return Status::Ok();
}

// Reads an optional string member (absent or null = empty).
Status OptionalString(const json& j, const std::string& key, const std::string& path, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return Bad(path + key, "must be a string");
  out = it->get<std::string>();
  return Status::Ok();
}

Status OptionalBool(const json& j, const std::string& key, const std::string& path, bool& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Ok();
  if (!it->is_boolean()) return Bad(path + key, "must be a boolean");
  out = it->get<bool>();
  return Status::Ok();
}

// Reads a string array; `required` makes absence an error.
Status StringArray(const json& j, const std::string& key, const std::string& path, bool required,
                   std::vector<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return required ? Bad(path + key, "missing (required array of strings)") : Status::Ok();
  }
  if (!it->is_array()) return Bad(path + key, "must be an array of strings");
  out.clear();
  for (size_t i = 0; i < it->size(); ++i) {
    const json& e = (*it)[i];
    if (!e.is_string()) return Bad(path + key + "[" + std::to_string(i) + "]", "must be a string");
    out.push_back(e.get<std::string>());
  }
  return Status::Ok();
}

Status ParseInterface(const json& j, const std::string& path, AgentInterface& out) {
  if (!j.is_object()) return Bad(path, "must be an object");
  CESS_RETURN_IF_ERROR(RequiredString(j, "url", path + ".", out.url));
  // 1.0 "protocolBinding"; 0.3 "transport".
  out.protocol_binding.clear();
  CESS_RETURN_IF_ERROR(OptionalString(j, "protocolBinding", path + ".", out.protocol_binding));
  if (out.protocol_binding.empty()) CESS_RETURN_IF_ERROR(OptionalString(j, "transport", path + ".", out.protocol_binding));
  if (out.protocol_binding.empty()) out.protocol_binding = "JSONRPC";
  out.protocol_version.clear();
  CESS_RETURN_IF_ERROR(OptionalString(j, "protocolVersion", path + ".", out.protocol_version));
  if (out.protocol_version.empty()) out.protocol_version = "1.0";
  CESS_RETURN_IF_ERROR(OptionalString(j, "tenant", path + ".", out.tenant));
  return Status::Ok();
}

Status ParseSkill(const json& j, const std::string& path, AgentSkill& out) {
  if (!j.is_object()) return Bad(path, "must be an object");
  const std::string p = path + ".";
  CESS_RETURN_IF_ERROR(RequiredString(j, "id", p, out.id));
  CESS_RETURN_IF_ERROR(RequiredString(j, "name", p, out.name));
  CESS_RETURN_IF_ERROR(RequiredString(j, "description", p, out.description));
  CESS_RETURN_IF_ERROR(StringArray(j, "tags", p, /*required=*/true, out.tags));
  CESS_RETURN_IF_ERROR(StringArray(j, "examples", p, false, out.examples));
  CESS_RETURN_IF_ERROR(StringArray(j, "inputModes", p, false, out.input_modes));
  CESS_RETURN_IF_ERROR(StringArray(j, "outputModes", p, false, out.output_modes));
  return Status::Ok();
}

bool IsMediaType(const std::string& s) {
  size_t slash = s.find('/');
  return slash != std::string::npos && slash > 0 && slash + 1 < s.size() &&
         s.find_first_of(" \t\r\n") == std::string::npos;
}

Status CheckModes(const std::vector<std::string>& modes, const std::string& path, bool required) {
  if (required && modes.empty()) return Bad(path, "must list at least one media type");
  for (size_t i = 0; i < modes.size(); ++i) {
    if (!IsMediaType(modes[i])) {
      return Bad(path + "[" + std::to_string(i) + "]", "'" + modes[i] + "' is not a media type (type/subtype)");
    }
  }
  return Status::Ok();
}

void PutArray(json& j, const char* key, const std::vector<std::string>& v, bool always) {
  if (always || !v.empty()) j[key] = v;
}

}  // namespace

const AgentSkill* AgentCard::FindSkill(std::string_view id) const {
  for (const AgentSkill& s : skills) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

Status ValidateAgentCard(const AgentCard& card) {
  if (card.name.empty()) return Bad("name", "must be a non-empty string");
  if (card.description.empty()) return Bad("description", "must be a non-empty string");
  if (card.version.empty()) return Bad("version", "must be a non-empty string");
  if (card.supported_interfaces.empty()) return Bad("supportedInterfaces", "must list at least one interface");
  for (size_t i = 0; i < card.supported_interfaces.size(); ++i) {
    const AgentInterface& in = card.supported_interfaces[i];
    const std::string p = "supportedInterfaces[" + std::to_string(i) + "]";
    if (in.url.empty()) return Bad(p + ".url", "must be a non-empty string");
    if (in.url.rfind("http://", 0) != 0 && in.url.rfind("https://", 0) != 0) {
      return Bad(p + ".url", "must be an http:// or https:// URL");
    }
    if (in.protocol_binding != "JSONRPC" && in.protocol_binding != "GRPC" && in.protocol_binding != "HTTP+JSON") {
      return Bad(p + ".protocolBinding", "must be JSONRPC, GRPC or HTTP+JSON, not '" + in.protocol_binding + "'");
    }
    if (in.protocol_version.empty()) return Bad(p + ".protocolVersion", "must be a non-empty string");
  }
  if (card.has_provider && card.provider.organization.empty()) {
    return Bad("provider.organization", "must be a non-empty string");
  }
  CESS_RETURN_IF_ERROR(CheckModes(card.default_input_modes, "defaultInputModes", true));
  CESS_RETURN_IF_ERROR(CheckModes(card.default_output_modes, "defaultOutputModes", true));
  if (card.skills.empty()) return Bad("skills", "must list at least one skill");
  std::set<std::string> ids;
  for (size_t i = 0; i < card.skills.size(); ++i) {
    const AgentSkill& s = card.skills[i];
    const std::string p = "skills[" + std::to_string(i) + "]";
    if (s.id.empty()) return Bad(p + ".id", "must be a non-empty string");
    if (s.name.empty()) return Bad(p + ".name", "must be a non-empty string");
    if (s.description.empty()) return Bad(p + ".description", "must be a non-empty string");
    if (!ids.insert(s.id).second) return Bad(p + ".id", "duplicate skill id '" + s.id + "'");
    for (size_t t = 0; t < s.tags.size(); ++t) {
      if (s.tags[t].empty()) return Bad(p + ".tags[" + std::to_string(t) + "]", "must not be empty");
    }
    CESS_RETURN_IF_ERROR(CheckModes(s.input_modes, p + ".inputModes", false));
    CESS_RETURN_IF_ERROR(CheckModes(s.output_modes, p + ".outputModes", false));
  }
  return Status::Ok();
}

Result<AgentCard> AgentCardFromJson(const json& j) {
  if (!j.is_object()) return Bad("agent card", "must be a JSON object");
  AgentCard card;
  CESS_RETURN_IF_ERROR(RequiredString(j, "name", "", card.name));
  CESS_RETURN_IF_ERROR(RequiredString(j, "description", "", card.description));
  CESS_RETURN_IF_ERROR(RequiredString(j, "version", "", card.version));

  auto ifaces = j.find("supportedInterfaces");
  if (ifaces != j.end() && !ifaces->is_null()) {
    if (!ifaces->is_array()) return Bad("supportedInterfaces", "must be an array of interfaces");
    for (size_t i = 0; i < ifaces->size(); ++i) {
      AgentInterface in;
      CESS_RETURN_IF_ERROR(ParseInterface((*ifaces)[i], "supportedInterfaces[" + std::to_string(i) + "]", in));
      card.supported_interfaces.push_back(std::move(in));
    }
  } else if (j.contains("url")) {
    // 0.3: url + preferredTransport + protocolVersion, plus additionalInterfaces.
    AgentInterface in;
    CESS_RETURN_IF_ERROR(RequiredString(j, "url", "", in.url));
    std::string transport;
    CESS_RETURN_IF_ERROR(OptionalString(j, "preferredTransport", "", transport));
    in.protocol_binding = transport.empty() ? "JSONRPC" : transport;
    std::string pv;
    CESS_RETURN_IF_ERROR(OptionalString(j, "protocolVersion", "", pv));
    in.protocol_version = pv.empty() ? "0.3.0" : pv;
    card.supported_interfaces.push_back(in);
    auto extra = j.find("additionalInterfaces");
    if (extra != j.end() && !extra->is_null()) {
      if (!extra->is_array()) return Bad("additionalInterfaces", "must be an array of interfaces");
      for (size_t i = 0; i < extra->size(); ++i) {
        AgentInterface e;
        CESS_RETURN_IF_ERROR(ParseInterface((*extra)[i], "additionalInterfaces[" + std::to_string(i) + "]", e));
        if (e.protocol_version == "1.0") e.protocol_version = in.protocol_version;
        if (e.url == in.url && e.protocol_binding == in.protocol_binding) continue;
        card.supported_interfaces.push_back(std::move(e));
      }
    }
  } else {
    return Bad("supportedInterfaces", "missing (required array of interfaces)");
  }

  auto prov = j.find("provider");
  if (prov != j.end() && !prov->is_null()) {
    if (!prov->is_object()) return Bad("provider", "must be an object");
    card.has_provider = true;
    CESS_RETURN_IF_ERROR(RequiredString(*prov, "organization", "provider.", card.provider.organization));
    CESS_RETURN_IF_ERROR(OptionalString(*prov, "url", "provider.", card.provider.url));
  }
  CESS_RETURN_IF_ERROR(OptionalString(j, "documentationUrl", "", card.documentation_url));
  CESS_RETURN_IF_ERROR(OptionalString(j, "iconUrl", "", card.icon_url));

  auto caps = j.find("capabilities");
  if (caps == j.end()) return Bad("capabilities", "missing (required object)");
  if (!caps->is_object()) return Bad("capabilities", "must be an object");
  CESS_RETURN_IF_ERROR(OptionalBool(*caps, "streaming", "capabilities.", card.capabilities.streaming));
  CESS_RETURN_IF_ERROR(OptionalBool(*caps, "pushNotifications", "capabilities.", card.capabilities.push_notifications));
  CESS_RETURN_IF_ERROR(OptionalBool(*caps, "extendedAgentCard", "capabilities.", card.capabilities.extended_agent_card));
  // 0.3: supportsAuthenticatedExtendedCard at the top level.
  bool legacy_ext = false;
  CESS_RETURN_IF_ERROR(OptionalBool(j, "supportsAuthenticatedExtendedCard", "", legacy_ext));
  card.capabilities.extended_agent_card = card.capabilities.extended_agent_card || legacy_ext;

  CESS_RETURN_IF_ERROR(StringArray(j, "defaultInputModes", "", true, card.default_input_modes));
  CESS_RETURN_IF_ERROR(StringArray(j, "defaultOutputModes", "", true, card.default_output_modes));

  auto skills = j.find("skills");
  if (skills == j.end()) return Bad("skills", "missing (required array of skills)");
  if (!skills->is_array()) return Bad("skills", "must be an array of skills");
  for (size_t i = 0; i < skills->size(); ++i) {
    AgentSkill s;
    CESS_RETURN_IF_ERROR(ParseSkill((*skills)[i], "skills[" + std::to_string(i) + "]", s));
    card.skills.push_back(std::move(s));
  }
  CESS_RETURN_IF_ERROR(ValidateAgentCard(card));
  return card;
}

Result<AgentCard> ParseAgentCard(std::string_view json_text) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("agent card: not valid JSON");
  return AgentCardFromJson(j);
}

json AgentCardToJson(const AgentCard& card) {
  json j = json::object();
  j["name"] = card.name;
  j["description"] = card.description;
  j["version"] = card.version;
  json ifaces = json::array();
  for (const AgentInterface& in : card.supported_interfaces) {
    json e = {{"url", in.url}, {"protocolBinding", in.protocol_binding}, {"protocolVersion", in.protocol_version}};
    if (!in.tenant.empty()) e["tenant"] = in.tenant;
    ifaces.push_back(std::move(e));
  }
  j["supportedInterfaces"] = std::move(ifaces);
  if (card.has_provider) {
    json p = {{"organization", card.provider.organization}};
    if (!card.provider.url.empty()) p["url"] = card.provider.url;
    j["provider"] = std::move(p);
  }
  if (!card.documentation_url.empty()) j["documentationUrl"] = card.documentation_url;
  if (!card.icon_url.empty()) j["iconUrl"] = card.icon_url;
  j["capabilities"] = {{"streaming", card.capabilities.streaming},
                       {"pushNotifications", card.capabilities.push_notifications},
                       {"extendedAgentCard", card.capabilities.extended_agent_card}};
  j["defaultInputModes"] = card.default_input_modes;
  j["defaultOutputModes"] = card.default_output_modes;
  json skills = json::array();
  for (const AgentSkill& s : card.skills) {
    json e = {{"id", s.id}, {"name", s.name}, {"description", s.description}, {"tags", s.tags}};
    PutArray(e, "examples", s.examples, false);
    PutArray(e, "inputModes", s.input_modes, false);
    PutArray(e, "outputModes", s.output_modes, false);
    skills.push_back(std::move(e));
  }
  j["skills"] = std::move(skills);
  return j;
}

std::string AgentCardToString(const AgentCard& card) { return AgentCardToJson(card).dump(2); }

json AgentCardToCompatJson(const AgentCard& card) {
  json j = AgentCardToJson(card);
  if (card.supported_interfaces.empty()) return j;
  const AgentInterface& first = card.supported_interfaces.front();
  j["url"] = first.url;
  j["preferredTransport"] = first.protocol_binding;
  j["protocolVersion"] = "0.3.0";
  json extra = json::array();
  for (const AgentInterface& in : card.supported_interfaces) {
    extra.push_back({{"url", in.url}, {"transport", in.protocol_binding}});
  }
  j["additionalInterfaces"] = std::move(extra);
  return j;
}

std::string CanonicalJson(const json& j) {
  // nlohmann::json objects are std::map-backed: keys come out sorted bytewise. Invalid UTF-8 is
  // replaced rather than thrown on.
  return j.dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

std::string CanonicalAgentCardJson(const AgentCard& card) { return CanonicalJson(AgentCardToJson(card)); }

Hash256 AgentCardDigest(const AgentCard& card) { return crypto::Sha256(AsBytes(CanonicalAgentCardJson(card))); }

}  // namespace cess::agenthub
