#include "gateway/rest.h"

namespace cess::gateway {

using json = nlohmann::json;

std::string ErrorBody(int status, const std::string& message) {
  return json{{"error", {{"code", status}, {"message", message}}}}.dump();
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) {
        return Status::InvalidArgument("bad %-escape in '" + std::string(text) + "'");
      }
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return Status::InvalidArgument("bad %-escape in '" + std::string(text) + "'");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Result<agenthub::DiscoveryQuery> ParseDiscoveryQuery(std::string_view query) {
  agenthub::DiscoveryQuery q;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    CESS_ASSIGN_OR_RETURN(std::string key, UrlDecode(pair.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      CESS_ASSIGN_OR_RETURN(value, UrlDecode(pair.substr(eq + 1)));
    }
    if (key == "skill")
      q.skill = std::move(value);
    else if (key == "tag")
      q.tag = std::move(value);
    else if (key == "q")
      q.q = std::move(value);
  }
  return q;
}

std::string_view AgentStatusName(agenthub::AgentStatus status) {
  switch (status) {
    case agenthub::AgentStatus::kActive:
      return "active";
    case agenthub::AgentStatus::kPaused:
      return "paused";
    case agenthub::AgentStatus::kExpired:
      return "expired";
  }
  return "unknown";
}

json EntryToJson(const CatalogEntry& entry, const agenthub::Router* router) {
  const agenthub::AgentInfo& a = entry.info;
  json skills = json::array();
  for (const auto& s : entry.card.skills) {
    skills.push_back({{"id", s.id}, {"name", s.name}, {"description", s.description}, {"tags", s.tags}});
  }
  json j = {{"id", a.id},
            {"name", a.name.empty() ? entry.card.name : a.name},
            {"description", entry.card.description},
            {"url", a.url},
            {"status", AgentStatusName(a.status)},
            {"price", a.price},
            {"region", a.region},
            {"reputation", a.reputation},
            {"weight", a.weight},
            {"skills", std::move(skills)},
            {"tags", a.tags},
            {"card", agenthub::AgentCardToJson(entry.card)},
            {"registry", entry.registry.is_null() ? json::object() : entry.registry}};
  if (router != nullptr) {
    const agenthub::EndpointSnapshot s = router->Snapshot(a.id);
    j["live"] = {{"peak_ewma_ms", s.peak_ewma_micros / 1000.0},
                 {"in_flight", s.in_flight},
                 {"healthy", s.healthy},
                 {"cooling", router->InCooldown(a.id)},
                 {"cooldowns", s.cooldowns}};
  }
  return j;
}

}  // namespace cess::gateway
