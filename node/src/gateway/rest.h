// Pieces of the gateway's REST routes, kept apart from the server so they are tested directly:
// the JSON error body, URL decoding, the discovery query and an agent's JSON form.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cess/agenthub/discovery.h"
#include "cess/agenthub/router.h"
#include "cess/core/result.h"
#include "gateway/agent_catalog.h"

namespace cess::gateway {

// {"error":{"code":<status>,"message":<message>}} (DESIGN.md §10).
std::string ErrorBody(int status, const std::string& message);

// Decodes %XX escapes and '+' (as a space, form style). Errors: InvalidArgument for a bad escape.
Result<std::string> UrlDecode(std::string_view text);

// Reads skill=, tag= and q= from a query string (others are ignored; a repeated key keeps the
// last). Errors: InvalidArgument for a bad escape.
Result<agenthub::DiscoveryQuery> ParseDiscoveryQuery(std::string_view query);

// "active" | "paused" | "expired".
std::string_view AgentStatusName(agenthub::AgentStatus status);

// An agent as the REST routes show it: id, name, description, url, status, price, region,
// reputation, weight, skills (id, name, description, tags), tags, the card (1.0 JSON) and the
// registry record. With a router it adds "live": {peak_ewma_ms, in_flight, healthy, cooling,
// cooldowns}.
nlohmann::json EntryToJson(const CatalogEntry& entry, const agenthub::Router* router);

}  // namespace cess::gateway
