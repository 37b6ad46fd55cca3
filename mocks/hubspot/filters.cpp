#include "mocks/hubspot/filters.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

#include <nlohmann/json.hpp>

#include "env/text.h"
#include "env/time.h"

namespace crmsim::mocks::hubspot {
namespace {

std::string lower(std::string_view s) { return env::ascii_lower(s); }

// A comparable form of a value of `type`: a number for numbers, dates and
// datetimes (milliseconds), nullopt for text.
std::optional<double> ordinal(PropertyType type, std::string_view v) {
  if (type == PropertyType::kNumber) {
    if (v.empty()) return std::nullopt;
    const std::string text(v);  // strtod needs the terminator
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) return std::nullopt;
    return d;
  }
  if (type == PropertyType::kDate || type == PropertyType::kDateTime) {
    if (!v.empty() &&
        std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
      int64_t ms = 0;
      if (std::from_chars(v.data(), v.data() + v.size(), ms).ec == std::errc())
        return static_cast<double>(ms);
      return std::nullopt;
    }
    if (auto t = env::parse_datetime(v)) return static_cast<double>(t->ms_since_epoch());
    if (auto d = env::parse_date(v)) return static_cast<double>(d->ms_since_epoch());
  }
  return std::nullopt;
}

bool is_ordered(PropertyType type) {
  return type == PropertyType::kNumber || type == PropertyType::kDate ||
         type == PropertyType::kDateTime;
}

// <0, 0, >0 comparing a stored value with a filter value whose ordinal
// (for ordered types) is already known.
std::optional<int> compare_known(PropertyType type, std::string_view stored,
                                 std::string_view wanted, const std::optional<double>& b) {
  if (is_ordered(type)) {
    auto a = ordinal(type, stored);
    if (!a || !b) return std::nullopt;
    return *a < *b ? -1 : *a > *b ? 1 : 0;
  }
  if (type == PropertyType::kEnumeration) return stored < wanted ? -1 : stored > wanted ? 1 : 0;
  return env::icompare(stored, wanted);
}

std::optional<int> compare(PropertyType type, std::string_view stored, std::string_view wanted) {
  return compare_known(type, stored, wanted,
                       is_ordered(type) ? ordinal(type, wanted) : std::nullopt);
}

bool glob(std::string_view text, std::string_view pattern) {
  return env::glob_matches(text, pattern);
}

bool contains_token(std::string_view stored, std::string_view wanted) {
  const std::string text = lower(stored);
  const std::string want = lower(wanted);
  if (glob(text, want)) return true;
  // Tokens: the value split on spaces and on the punctuation inside emails,
  // domains and names.
  std::vector<std::string> tokens;
  std::string current;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '@' || c == ',' || c == ';') {
      if (!current.empty()) tokens.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) tokens.push_back(current);
  return std::any_of(tokens.begin(), tokens.end(),
                     [&](const std::string& token) { return glob(token, want); });
}

}  // namespace

std::optional<int> compare_property_values(PropertyType type, std::string_view a,
                                           std::string_view b) {
  return compare(type, a, b);
}

bool groups_match(const ObjectTypeDef& type, const std::vector<FilterGroup>& groups,
                  const PropertyMap& properties) {
  if (groups.empty()) return true;
  return std::any_of(groups.begin(), groups.end(), [&](const FilterGroup& g) {
    return std::all_of(g.filters.begin(), g.filters.end(),
                       [&](const Filter& f) { return filter_matches(type, f, properties); });
  });
}

namespace {

PropertyType type_of(const ObjectTypeDef& type, const Filter& f) {
  const PropertyDef* def = type.property(f.property);
  return def == nullptr ? PropertyType::kString : def->type;
}

// The filter's own values are parsed once per filter, not per record.
const Filter::Ordinals& ordinals_of(const Filter& f, PropertyType t) {
  if (!f.ordinals || f.ordinals->type != t) {
    Filter::Ordinals o;
    o.type = t;
    if (is_ordered(t)) {
      o.value = ordinal(t, f.value);
      o.high_value = ordinal(t, f.high_value);
      for (const auto& v : f.values) o.values.push_back(ordinal(t, v));
    }
    f.ordinals = std::move(o);
  }
  return *f.ordinals;
}

}  // namespace

std::optional<bool> filter_matches_ordinal(const ObjectTypeDef& type, const Filter& f,
                                           double value) {
  const PropertyType t = type_of(type, f);
  if (!is_ordered(t)) return std::nullopt;
  const Filter::Ordinals& known = ordinals_of(f, t);
  auto is = [&](const std::optional<double>& b) { return b && value == *b; };
  const std::string& op = f.op;
  if (op == "HAS_PROPERTY") return true;
  if (op == "NOT_HAS_PROPERTY") return false;
  if (op == "EQ") return is(known.value);
  if (op == "NEQ") return !is(known.value);
  if (op == "IN" || op == "NOT_IN") {
    const bool any = std::any_of(known.values.begin(), known.values.end(), is);
    return op == "IN" ? any : !any;
  }
  if (op == "BETWEEN")
    return known.value && known.high_value && value >= *known.value && value <= *known.high_value;
  if (!known.value)
    return op == "LT" || op == "LTE" || op == "GT" || op == "GTE" ? std::optional<bool>(false)
                                                                  : std::nullopt;
  if (op == "LT") return value < *known.value;
  if (op == "LTE") return value <= *known.value;
  if (op == "GT") return value > *known.value;
  if (op == "GTE") return value >= *known.value;
  return std::nullopt;
}

bool filter_matches(const ObjectTypeDef& type, const Filter& f, const PropertyMap& props) {
  // The property's type is looked up once per filter (kept with its
  // ordinals), not once per record.
  const PropertyType t = f.ordinals ? f.ordinals->type : type_of(type, f);
  auto it = props.find(f.property);
  const bool has = it != props.end() && !it->second.empty();
  const std::string_view stored = has ? std::string_view(it->second) : std::string_view();
  const Filter::Ordinals& known = ordinals_of(f, t);
  auto equals_at = [&](std::string_view wanted, const std::optional<double>& ord) {
    auto c = compare_known(t, stored, wanted, ord);
    return has && c && *c == 0;
  };
  const std::string& op = f.op;
  if (op == "HAS_PROPERTY") return has;
  if (op == "NOT_HAS_PROPERTY") return !has;
  if (op == "EQ") return equals_at(f.value, known.value);
  if (op == "NEQ") return !equals_at(f.value, known.value);
  if (op == "IN" || op == "NOT_IN") {
    bool any = false;
    for (size_t i = 0; i < f.values.size() && !any; ++i)
      any = equals_at(f.values[i], i < known.values.size() ? known.values[i] : std::nullopt);
    return op == "IN" ? any : !any;
  }
  if (op == "CONTAINS_TOKEN") return has && contains_token(stored, f.value);
  if (op == "CONTAINS") return has && lower(stored).find(lower(f.value)) != std::string::npos;
  if (op == "NOT_CONTAINS") return !has || lower(stored).find(lower(f.value)) == std::string::npos;
  if (op == "STARTS_WITH") return has && lower(stored).rfind(lower(f.value), 0) == 0;
  if (op == "ENDS_WITH") {
    const std::string s = lower(stored), w = lower(f.value);
    return has && s.size() >= w.size() && s.compare(s.size() - w.size(), w.size(), w) == 0;
  }
  if (op == "NOT_CONTAINS_TOKEN") return !has || !contains_token(stored, f.value);
  if (!has) return false;
  if (op == "BETWEEN") {
    if (is_ordered(t)) {
      auto a = ordinal(t, stored);
      return a && known.value && known.high_value && *a >= *known.value && *a <= *known.high_value;
    }
    auto lo = compare_known(t, stored, f.value, std::nullopt);
    auto hi = compare_known(t, stored, f.high_value, std::nullopt);
    return lo && hi && *lo >= 0 && *hi <= 0;
  }
  auto c = compare_known(t, stored, f.value, known.value);
  if (!c) return false;
  if (op == "LT") return *c < 0;
  if (op == "LTE") return *c <= 0;
  if (op == "GT") return *c > 0;
  if (op == "GTE") return *c >= 0;
  return false;
}

env::Result<std::vector<FilterGroup>> parse_filter_branch(const nlohmann::json& branch) {
  using nlohmann::json;
  static const std::map<std::string, std::string> kOperators = {
      {"IS_ANY_OF", "IN"},
      {"IS_NONE_OF", "NOT_IN"},
      {"IS_EQUAL_TO", "EQ"},
      {"IS_NOT_EQUAL_TO", "NEQ"},
      {"IS_GREATER_THAN", "GT"},
      {"IS_GREATER_THAN_OR_EQUAL_TO", "GTE"},
      {"IS_LESS_THAN", "LT"},
      {"IS_LESS_THAN_OR_EQUAL_TO", "LTE"},
      {"IS_KNOWN", "HAS_PROPERTY"},
      {"IS_UNKNOWN", "NOT_HAS_PROPERTY"},
      {"CONTAINS", "CONTAINS"},
      {"DOES_NOT_CONTAIN", "NOT_CONTAINS"},
      {"STARTS_WITH", "STARTS_WITH"},
      {"ENDS_WITH", "ENDS_WITH"},
      {"IS_BETWEEN", "BETWEEN"}};
  auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  auto filter_of = [&](const json& f) -> env::Result<Filter> {
    if (!f.is_object() || f.value("filterType", "PROPERTY") != "PROPERTY" ||
        !f.contains("property")) {
      return env::fail("bad_filter", "only PROPERTY filters with a property are supported");
    }
    const json& operation = f.value("operation", json::object());
    auto op = kOperators.find(operation.value("operator", ""));
    if (op == kOperators.end()) {
      return env::fail("bad_filter", "unsupported list filter operator '" +
                                         operation.value("operator", "") + "'");
    }
    Filter out{f["property"].get<std::string>(), op->second, "", "", {}};
    if (operation.contains("value")) out.value = text(operation["value"]);
    if (operation.contains("lowerBound")) out.value = text(operation["lowerBound"]);
    if (operation.contains("upperBound")) out.high_value = text(operation["upperBound"]);
    if (operation.contains("values") && operation["values"].is_array()) {
      for (const json& v : operation["values"]) out.values.push_back(text(v));
      if (out.op == "EQ" && out.values.size() == 1) out.value = out.values.front();
    }
    return out;
  };
  std::vector<FilterGroup> groups;
  if (branch.is_null()) return groups;
  if (!branch.is_object()) return env::fail("bad_filter", "filterBranch must be an object");
  std::vector<json> and_branches;
  if (branch.value("filterBranchType", "OR") == "AND") {
    and_branches.push_back(branch);
  } else {
    for (const json& b : branch.value("filterBranches", json::array())) and_branches.push_back(b);
  }
  for (const json& b : and_branches) {
    FilterGroup g;
    for (const json& f : b.value("filters", json::array())) {
      auto parsed = filter_of(f);
      if (!parsed.ok()) return env::fail(parsed.error());
      g.filters.push_back(std::move(parsed).value());
    }
    if (!g.filters.empty()) groups.push_back(std::move(g));
  }
  return groups;
}

}  // namespace crmsim::mocks::hubspot
