// Small readers for the configuration files users write (scenarios, org
// and portal descriptions): every refusal names the key's path and what is
// allowed, e.g. "users[1].profile: expected a non-empty string" or
// "edition: expected one of: developer, professional, ...".
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/result.h"
#include "env/time.h"

namespace crmsim::env::config {

inline std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

inline Failure<Error> bad(const std::string& where, const std::string& what,
                          const std::string& code = "bad_config") {
  return fail(code, where + ": " + what);
}

// The string under `key` of `j`, `fallback` when absent; refused (naming
// where.key) when it is anything but a string.
inline Result<std::string> optional_text(const nlohmann::json& j, const std::string& key,
                                         const std::string& where, std::string fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_string()) return fail("bad_value", where + "." + key + ": expected text");
  return it->get<std::string>();
}

// The refusal for a value of the wrong JSON type that a reader did not
// check before reading (nlohmann's type_error and friends), so that a file
// never ends the program: "a value has the wrong type (type must be
// string, but is null)". Readers catch it at their public edge.
inline Failure<Error> wrong_type(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (const size_t close = what.find("] "); close != std::string::npos) what.erase(0, close + 2);
  return fail("bad_value", "a value has the wrong type (" + what + ")");
}

// Refuses keys outside `allowed`, naming them and what is allowed.
inline Status check_keys(const nlohmann::json& j, const std::string& where,
                         const std::vector<std::string>& allowed) {
  if (!j.is_object()) return bad(where.empty() ? "(top level)" : where, "expected a mapping");
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const auto& a : allowed) known = known || a == key;
    if (!known)
      return bad(where.empty() ? key : where + "." + key,
                 "unknown key (allowed: " + join(allowed) + ")");
  }
  return Ok{};
}

// One of named choices.
template <typename T>
Result<T> choose(const nlohmann::json& j, const std::string& where,
                 const std::vector<std::pair<std::string, T>>& choices) {
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) {
    names.push_back(name);
    if (j.is_string() && j.get<std::string>() == name) return value;
  }
  return bad(where, "expected one of: " + join(names));
}

inline Result<std::string> text(const nlohmann::json& j, const std::string& where) {
  if (!j.is_string() || j.get<std::string>().empty())
    return bad(where, "expected a non-empty string");
  return j.get<std::string>();
}

inline Result<bool> flag(const nlohmann::json& j, const std::string& key, const std::string& where,
                         bool fallback) {
  if (!j.contains(key)) return fallback;
  const nlohmann::json& v = j[key];
  if (v.is_boolean()) return v.get<bool>();
  // YAML 1.2 reads on/off as text; people write them for switches.
  if (v.is_string() && (v.get<std::string>() == "on" || v.get<std::string>() == "off"))
    return v.get<std::string>() == "on";
  return bad(where.empty() ? key : where + "." + key, "expected true or false (or on, off)");
}

// A list under `key` (empty when absent).
inline Result<nlohmann::json> list(const nlohmann::json& j, const std::string& key,
                                   const std::string& where = "") {
  if (!j.is_object() || !j.contains(key)) return nlohmann::json::array();
  if (!j[key].is_array()) return bad(where.empty() ? key : where + "." + key, "expected a list");
  return j[key];
}

// A duration written as text ("90m", "1d", "2h30m").
inline Result<Duration> duration(const nlohmann::json& j, const std::string& where) {
  if (!j.is_string()) return bad(where, "expected a duration such as 90m, 1d or 2h30m");
  auto d = parse_duration(j.get<std::string>());
  if (!d) return bad(where, d.error().message);
  return *d;
}

// A share of calls, people or records: a number from 0 to 1.
inline Result<double> share(const nlohmann::json& j, const std::string& where) {
  if (!j.is_number() || j.get<double>() < 0 || j.get<double>() > 1)
    return bad(where, "expected a share between 0 and 1");
  return j.get<double>();
}

}  // namespace crmsim::env::config
