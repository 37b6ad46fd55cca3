#include "mocks/hubspot/search.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "env/text.h"

namespace crmsim::mocks::hubspot {
namespace {

using nlohmann::json;

std::string lower(std::string_view s) { return env::ascii_lower(s); }

env::Failure<HsError> bad(std::string message) {
  return env::fail(HsError{400, "VALIDATION_ERROR", std::move(message), {}, {}});
}

const std::set<std::string, std::less<>> kOperators = {"EQ",
                                                       "NEQ",
                                                       "LT",
                                                       "LTE",
                                                       "GT",
                                                       "GTE",
                                                       "BETWEEN",
                                                       "IN",
                                                       "NOT_IN",
                                                       "HAS_PROPERTY",
                                                       "NOT_HAS_PROPERTY",
                                                       "CONTAINS_TOKEN",
                                                       "NOT_CONTAINS_TOKEN"};

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return v.dump();
  return "";
}

}  // namespace

env::Result<SearchRequest, HsError> parse_search(const ObjectTypeDef& type, std::string_view body) {
  if (body.size() > kSearchBodyCharsMax) {
    return bad("Search request body is " + std::to_string(body.size()) +
               " characters; the limit is " + std::to_string(kSearchBodyCharsMax));
  }
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return bad("Invalid input JSON on line 1: the search body must be a JSON object");
  SearchRequest r;
  size_t filters_total = 0;
  if (j.contains("filterGroups")) {
    if (!j["filterGroups"].is_array()) return bad("filterGroups must be a list");
    if (j["filterGroups"].size() > kSearchGroupsMax) {
      return bad("Too many filter groups: " + std::to_string(j["filterGroups"].size()) +
                 " (at most " + std::to_string(kSearchGroupsMax) + ")");
    }
    for (const json& g : j["filterGroups"]) {
      if (!g.is_object() || !g.contains("filters") || !g["filters"].is_array()) {
        return bad("Each filter group needs a filters list");
      }
      if (g["filters"].size() > kSearchFiltersPerGroupMax) {
        return bad("Too many filters in a group: " + std::to_string(g["filters"].size()) +
                   " (at most " + std::to_string(kSearchFiltersPerGroupMax) + ")");
      }
      FilterGroup group;
      for (const json& f : g["filters"]) {
        if (!f.is_object()) return bad("Each filter must be an object");
        Filter filter;
        filter.property = f.value("propertyName", "");
        filter.op = f.value("operator", "EQ");
        if (filter.property.empty()) return bad("A filter needs a propertyName");
        if (type.property(filter.property) == nullptr) {
          return bad("There was a problem with the request: unknown property " + filter.property);
        }
        if (!kOperators.contains(filter.op)) return bad("Unknown filter operator " + filter.op);
        if (f.contains("value")) filter.value = scalar_text(f["value"]);
        if (f.contains("highValue")) filter.high_value = scalar_text(f["highValue"]);
        if (f.contains("values") && f["values"].is_array()) {
          for (const json& v : f["values"]) filter.values.push_back(scalar_text(v));
        }
        const bool needs_value = filter.op != "HAS_PROPERTY" && filter.op != "NOT_HAS_PROPERTY" &&
                                 filter.op != "IN" && filter.op != "NOT_IN";
        if (needs_value && !f.contains("value"))
          return bad("Filter on " + filter.property + " needs a value");
        if (filter.op == "BETWEEN" && !f.contains("highValue"))
          return bad("BETWEEN needs a highValue");
        if ((filter.op == "IN" || filter.op == "NOT_IN") && filter.values.empty()) {
          return bad(filter.op + " needs a values list");
        }
        group.filters.push_back(std::move(filter));
        ++filters_total;
      }
      r.groups.push_back(std::move(group));
    }
  }
  if (filters_total > kSearchFiltersMax) {
    return bad("Too many filters: " + std::to_string(filters_total) + " (at most " +
               std::to_string(kSearchFiltersMax) + ")");
  }
  if (j.contains("sorts") && j["sorts"].is_array() && !j["sorts"].empty()) {
    if (j["sorts"].size() > 1) return bad("Only one sort is allowed");
    const json& s = j["sorts"][0];
    if (s.is_string()) {
      std::string text = s.get<std::string>();
      r.descending = !text.empty() && text.front() == '-';
      r.sort_property = r.descending ? text.substr(1) : text;
    } else if (s.is_object()) {
      r.sort_property = s.value("propertyName", "");
      r.descending = s.value("direction", "ASCENDING") == "DESCENDING";
    }
    if (type.property(r.sort_property) == nullptr)
      return bad("Unknown sort property " + r.sort_property);
  }
  if (j.contains("properties") && j["properties"].is_array()) {
    for (const json& p : j["properties"]) {
      if (p.is_string()) r.properties.push_back(p.get<std::string>());
    }
  }
  if (j.contains("limit")) {
    if (!j["limit"].is_number_integer()) return bad("limit must be a whole number");
    r.limit = j["limit"].get<int64_t>();
    if (r.limit < 1 || r.limit > kSearchPageMax) {
      return bad("limit must be between 1 and " + std::to_string(kSearchPageMax));
    }
  }
  if (j.contains("after")) {
    const std::string after = scalar_text(j["after"]);
    if (after.empty() ||
        !std::all_of(after.begin(), after.end(), [](unsigned char c) { return std::isdigit(c); }) ||
        after.size() > 9) {
      return bad("after must be a paging token from a previous page");
    }
    r.after = std::stoll(after);
  }
  if (r.after + r.limit > kSearchResultsMax) {
    return bad("Search can page through at most " + std::to_string(kSearchResultsMax) + " results");
  }
  r.query = j.value("query", "");
  return r;
}

namespace {

// When the request is one filter group bounding the type's last-modified
// property from below (a sweep), that bound.
std::optional<env::Timestamp> modified_lower_bound(const ObjectTypeDef& type,
                                                   const SearchRequest& r) {
  if (r.groups.size() != 1) return std::nullopt;
  for (const Filter& f : r.groups[0].filters) {
    if (f.property != type.last_modified_property) continue;
    if (f.op != "GTE" && f.op != "GT" && f.op != "BETWEEN" && f.op != "EQ") continue;
    const std::string& v = f.value;
    if (!v.empty() && std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
      int64_t ms = 0;
      if (std::from_chars(v.data(), v.data() + v.size(), ms).ec == std::errc())
        return env::Timestamp::from_ms(ms);
      continue;
    }
    if (auto t = env::parse_datetime(v)) return t;
    if (auto t = env::parse_date(v)) return t;
  }
  return std::nullopt;
}

}  // namespace

env::Result<SearchPage, HsError> search(const Portal& portal, const ObjectTypeDef& type,
                                        const SearchRequest& r) {
  struct Hit {
    const ObjectRecord* record;
    const PropertyMap* view;
  };
  std::vector<Hit> hits;
  static const std::vector<std::string> kQueryProperties = {"email",  "firstname", "lastname",
                                                            "phone",  "company",   "name",
                                                            "domain", "dealname",  "subject"};
  const std::string query = lower(r.query);
  auto consider = [&](const ObjectRecord& record) {
    if (record.archived) return;
    const auto* view = portal.indexed_view(record);
    if (view == nullptr) return;
    bool match = r.groups.empty();
    for (const FilterGroup& g : r.groups) {
      if (std::all_of(g.filters.begin(), g.filters.end(),
                      [&](const Filter& f) { return filter_matches(type, f, *view); })) {
        match = true;
        break;
      }
    }
    if (match && !query.empty()) {
      match =
          std::any_of(kQueryProperties.begin(), kQueryProperties.end(), [&](const std::string& p) {
            auto it = view->find(p);
            return it != view->end() && lower(it->second).find(query) != std::string::npos;
          });
    }
    if (match) hits.push_back({&record, view});
  };
  const auto& table = portal.records(type.name);
  if (auto since = modified_lower_bound(type, r)) {
    // Only records modified since can match: visit those, in id order.
    auto ids = portal.ids_modified_since(type.name, *since);
    std::sort(ids.begin(), ids.end());
    for (uint64_t id : ids)
      if (auto it = table.find(id); it != table.end()) consider(it->second);
  } else {
    for (const auto& [id, record] : table) consider(record);
  }
  if (!r.sort_property.empty()) {
    // Sort keys are computed once per hit: numbers and instants as numbers,
    // text lower-cased, enumerations as they are.
    const PropertyDef* def = type.property(r.sort_property);
    struct Keyed {
      Hit hit;
      size_t order = 0;  // position among the hits (id order): the tie-break
      bool has = false;
      std::optional<double> number;
      std::string text;
    };
    std::vector<Keyed> keyed;
    keyed.reserve(hits.size());
    for (const Hit& h : hits) {
      Keyed k{h, keyed.size(), false, std::nullopt, ""};
      auto it = h.view->find(r.sort_property);
      if (it != h.view->end()) {
        k.has = true;
        const bool ordered = def->type == PropertyType::kNumber ||
                             def->type == PropertyType::kDate ||
                             def->type == PropertyType::kDateTime;
        if (ordered) {
          char* end = nullptr;
          const double d = std::strtod(it->second.c_str(), &end);
          if (!it->second.empty() && end == it->second.c_str() + it->second.size()) {
            k.number = d;
          } else if (auto t = env::parse_datetime(it->second)) {
            k.number = static_cast<double>(t->ms_since_epoch());
          } else if (auto day = env::parse_date(it->second)) {
            k.number = static_cast<double>(day->ms_since_epoch());
          }
        }
        k.text = def->type == PropertyType::kEnumeration ? it->second : lower(it->second);
      }
      keyed.push_back(std::move(k));
    }
    auto before = [&](const Keyed& a, const Keyed& b) {
      if (a.has != b.has) return a.has;  // records without the value come last
      int cmp = 0;
      if (a.has) {
        if (a.number && b.number)
          cmp = *a.number < *b.number ? -1 : *a.number > *b.number ? 1 : 0;
        else
          cmp = a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
        if (r.descending) cmp = -cmp;
      }
      return cmp != 0 ? cmp < 0 : a.order < b.order;
    };
    // Only the records up to the end of the asked page need their place.
    const size_t needed = std::min(keyed.size(), static_cast<size_t>(r.after + r.limit));
    std::partial_sort(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(needed),
                      keyed.end(), before);
    for (size_t i = 0; i < needed; ++i) hits[i] = keyed[i].hit;
  }
  SearchPage page;
  page.total = static_cast<int64_t>(hits.size());
  for (int64_t i = r.after; i < static_cast<int64_t>(hits.size()) && i < r.after + r.limit; ++i) {
    page.results.push_back(hits[static_cast<size_t>(i)].record);
    page.views.push_back(hits[static_cast<size_t>(i)].view);
  }
  if (r.after + r.limit < static_cast<int64_t>(hits.size())) page.next_after = r.after + r.limit;
  return page;
}

}  // namespace crmsim::mocks::hubspot
