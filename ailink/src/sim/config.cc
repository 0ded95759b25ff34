#include "cess/ailink/sim/config.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "cess/ailink/attacks/attacks.h"
#include "cess/ailink/data/partition.h"
#include "cess/ailink/robust/aggregator.h"
#include "cess/core/file_util.h"
#include "cess/kernels/backend.h"

namespace cess::ailink::sim {
namespace {

using nlohmann::json;

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool IsNumber(std::string_view s) {
  if (s.empty()) return false;
  const std::string str(s);
  char* end = nullptr;
  std::strtod(str.c_str(), &end);
  return end == str.c_str() + str.size();
}

// A rule-list piece that belongs to the previous rule: "key=value" (the '=' before any ':' or
// '|') or a bare number.
bool IsParameterPiece(std::string_view piece) {
  const size_t eq = piece.find('=');
  if (eq != std::string_view::npos) {
    const size_t sep = piece.find_first_of(":|");
    return sep == std::string_view::npos || eq < sep;
  }
  return IsNumber(piece);
}

bool ValidDevice(std::string_view d) {
  if (d == "cpu" || d == "cuda" || d == "auto") return true;
  if (d.substr(0, 5) != "cuda:" || d.size() == 5) return false;
  for (char c : d.substr(5)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string Normalize(std::string key) {
  for (char& c : key) {
    if (c == '-') c = '_';
  }
  return key;
}

Status WrongType(const std::string& key, const char* want, const json& v) {
  return Status::InvalidArgument("config key '" + key + "': expected " + want + ", got " + v.dump());
}

Status GetCount(const std::string& key, const json& v, size_t& out) {
  if (v.is_number_unsigned()) {
    out = v.get<size_t>();
    return Status::Ok();
  }
  if (v.is_number_integer()) {
    if (v.get<int64_t>() < 0) return WrongType(key, "a non-negative integer", v);
    out = static_cast<size_t>(v.get<int64_t>());
    return Status::Ok();
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d >= 0 && d == std::floor(d) && d < 1e15) {
      out = static_cast<size_t>(d);
      return Status::Ok();
    }
  }
  return WrongType(key, "a non-negative integer", v);
}

Status GetDouble(const std::string& key, const json& v, double& out) {
  if (!v.is_number()) return WrongType(key, "a number", v);
  out = v.get<double>();
  if (!std::isfinite(out)) return WrongType(key, "a finite number", v);
  return Status::Ok();
}

Status GetString(const std::string& key, const json& v, std::string& out) {
  if (!v.is_string()) return WrongType(key, "a string", v);
  out = v.get<std::string>();
  return Status::Ok();
}

Status GetBool(const std::string& key, const json& v, bool& out) {
  if (!v.is_boolean()) return WrongType(key, "true or false", v);
  out = v.get<bool>();
  return Status::Ok();
}

// yaml-cpp keeps scalars untyped: booleans, integers and floats are recognized here, anything
// else stays a string (quoted scalars always do).
Result<json> YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string s = node.Scalar();
      if (node.Tag() == "!") return json(s);  // quoted
      if (s == "true" || s == "True" || s == "TRUE") return json(true);
      if (s == "false" || s == "False" || s == "FALSE") return json(false);
      if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 19) {
        return json(static_cast<uint64_t>(std::stoull(s)));
      }
      if (IsNumber(s) && s.find_first_not_of("+-0123456789.eE") == std::string::npos)
        return json(std::stod(s));
      return json(s);
    }
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& item : node) {
        auto v = YamlToJson(item);
        if (!v.ok()) return v.status();
        arr.push_back(std::move(*v));
      }
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return Status::InvalidArgument("config keys must be plain names");
        auto v = YamlToJson(kv.second);
        if (!v.ok()) return v.status();
        obj[kv.first.Scalar()] = std::move(*v);
      }
      return obj;
    }
  }
  return json(nullptr);
}

}  // namespace

Result<std::vector<std::string>> SplitRuleList(std::string_view text) {
  std::vector<std::string> rules;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string piece = Trim(text.substr(start, comma - start));
    if (piece.empty()) return Status::InvalidArgument("empty rule in list '" + std::string(text) + "'");
    if (IsParameterPiece(piece)) {
      if (rules.empty()) {
        return Status::InvalidArgument("rule list '" + std::string(text) + "' starts with a parameter");
      }
      rules.back() += "," + piece;
    } else {
      rules.push_back(piece);
    }
    start = comma + 1;
  }
  return rules;
}

Status SimulationConfig::Validate() const {
  auto bad = [](const std::string& key, const std::string& what) {
    return Status::InvalidArgument("config key '" + key + "': " + what);
  };
  if (dataset.empty()) return bad("dataset", "must not be empty");
  if (model.empty()) return bad("model", "must not be empty");
  if (clients == 0) return bad("clients", "must be >= 1");
  if (byzantine >= clients) {
    return bad("byzantine",
               "must be < clients (" + std::to_string(byzantine) + " of " + std::to_string(clients) + ")");
  }
  if (rounds == 0) return bad("rounds", "must be >= 1");
  if (batch == 0) return bad("batch", "must be >= 1");
  if (local_steps == 0 && local_epochs == 0)
    return bad("local_steps", "local_steps or local_epochs must be >= 1");
  if (clients_per_round > clients) return bad("clients_per_round", "must be <= clients");
  if (!std::isfinite(lr) || lr <= 0) return bad("lr", "must be finite and > 0");
  if (!std::isfinite(momentum) || momentum < 0 || momentum >= 1) return bad("momentum", "must be in [0, 1)");
  if (!std::isfinite(weight_decay) || weight_decay < 0) return bad("weight_decay", "must be finite and >= 0");
  if (!std::isfinite(server_lr) || server_lr <= 0) return bad("server_lr", "must be finite and > 0");
  if (!std::isfinite(max_update_norm) || max_update_norm < 0) return bad("max_update_norm", "must be >= 0");
  if (!ValidDevice(device)) return bad("device", "'" + device + "' is not cpu, cuda, cuda:<index> or auto");
  if (auto b = cess::kernels::ParseBackend(backend); !b.ok())
    return b.status().WithContext("config key 'backend'");
  if (auto p = data::ParsePartitionSpec(partition); !p.ok())
    return p.status().WithContext("config key 'partition'");
  if (auto a = attacks::ParseAttack(attack); !a.ok()) return a.status().WithContext("config key 'attack'");
  if (rules.empty()) return bad("rules", "needs at least one rule");
  std::set<std::string> seen;
  for (const std::string& r : rules) {
    auto spec = robust::ParseRuleSpec(r);
    if (!spec.ok()) return spec.status().WithContext("config key 'rules'");
    if (!seen.insert(spec->ToString()).second) return bad("rules", "'" + r + "' is listed twice");
  }
  return Status::Ok();
}

nlohmann::json SimulationConfig::ToJson() const {
  return json{{"dataset", dataset},
              {"train_subset", train_subset},
              {"test_subset", test_subset},
              {"partition", partition},
              {"model", model},
              {"clients", clients},
              {"byzantine", byzantine},
              {"attack", attack},
              {"rules", rules},
              {"rounds", rounds},
              {"clients_per_round", clients_per_round},
              {"local_steps", local_steps},
              {"local_epochs", local_epochs},
              {"lr", lr},
              {"momentum", momentum},
              {"weight_decay", weight_decay},
              {"persistent_momentum", persistent_momentum},
              {"batch", batch},
              {"eval_every", eval_every},
              {"seed", seed},
              {"device", device},
              {"threads", threads},
              {"backend", backend},
              {"max_update_norm", max_update_norm},
              {"server_lr", server_lr},
              {"out", out}};
}

Status ApplyConfigJson(const nlohmann::json& object, SimulationConfig& c) {
  if (!object.is_object()) return Status::InvalidArgument("config must be a mapping of keys to values");
  for (const auto& [raw_key, v] : object.items()) {
    const std::string key = Normalize(raw_key);
    Status s;
    if (key == "dataset")
      s = GetString(key, v, c.dataset);
    else if (key == "train_subset")
      s = GetCount(key, v, c.train_subset);
    else if (key == "test_subset")
      s = GetCount(key, v, c.test_subset);
    else if (key == "partition")
      s = GetString(key, v, c.partition);
    else if (key == "model")
      s = GetString(key, v, c.model);
    else if (key == "clients" || key == "n")
      s = GetCount(key, v, c.clients);
    else if (key == "byzantine" || key == "f")
      s = GetCount(key, v, c.byzantine);
    else if (key == "attack")
      s = GetString(key, v, c.attack);
    else if (key == "rules" || key == "rule") {
      if (v.is_string()) {
        auto list = SplitRuleList(v.get<std::string>());
        if (!list.ok()) return list.status().WithContext("config key '" + key + "'");
        c.rules = std::move(*list);
      } else if (v.is_array()) {
        c.rules.clear();
        for (const auto& r : v) {
          if (!r.is_string()) return WrongType(key, "a list of rule strings", v);
          c.rules.push_back(r.get<std::string>());
        }
      } else {
        return WrongType(key, "a rule string or a list of them", v);
      }
    } else if (key == "rounds")
      s = GetCount(key, v, c.rounds);
    else if (key == "clients_per_round")
      s = GetCount(key, v, c.clients_per_round);
    else if (key == "local_steps")
      s = GetCount(key, v, c.local_steps);
    else if (key == "local_epochs")
      s = GetCount(key, v, c.local_epochs);
    else if (key == "lr")
      s = GetDouble(key, v, c.lr);
    else if (key == "momentum")
      s = GetDouble(key, v, c.momentum);
    else if (key == "weight_decay")
      s = GetDouble(key, v, c.weight_decay);
    else if (key == "persistent_momentum")
      s = GetBool(key, v, c.persistent_momentum);
    else if (key == "batch" || key == "batch_size")
      s = GetCount(key, v, c.batch);
    else if (key == "eval_every")
      s = GetCount(key, v, c.eval_every);
    else if (key == "seed") {
      size_t seed = 0;
      s = GetCount(key, v, seed);
      c.seed = seed;
    } else if (key == "device")
      s = GetString(key, v, c.device);
    else if (key == "threads")
      s = GetCount(key, v, c.threads);
    else if (key == "backend")
      s = GetString(key, v, c.backend);
    else if (key == "max_update_norm")
      s = GetDouble(key, v, c.max_update_norm);
    else if (key == "server_lr")
      s = GetDouble(key, v, c.server_lr);
    else if (key == "out")
      s = GetString(key, v, c.out);
    else
      return Status::InvalidArgument("unknown config key '" + raw_key + "'");
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status LoadConfigFile(const std::string& path, SimulationConfig& config) {
  auto bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  const std::string text(bytes->begin(), bytes->end());
  const bool yaml_name = path.ends_with(".yaml") || path.ends_with(".yml");
  const std::string trimmed = Trim(text);
  if (!yaml_name && !trimmed.empty() && trimmed.front() == '{') {
    json parsed;
    try {
      parsed = json::parse(text);
    } catch (const json::parse_error& e) {
      return Status::InvalidArgument(path + ": " + e.what());
    }
    return ApplyConfigJson(parsed, config).WithContext(path);
  }
  if (!yaml_name && !path.ends_with(".json")) {
    // Neither extension nor a JSON object: still try YAML, which is what people write by hand.
  } else if (path.ends_with(".json")) {
    return Status::InvalidArgument(path + ": a .json config must hold one JSON object");
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ": " + e.what());
  }
  if (root.IsNull()) return Status::InvalidArgument(path + ": empty config");
  auto j = YamlToJson(root);
  if (!j.ok()) return j.status().WithContext(path);
  return ApplyConfigJson(*j, config).WithContext(path);
}

}  // namespace cess::ailink::sim
