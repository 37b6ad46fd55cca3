#include "mocks/hubspot/search.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "env/json_body.h"
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

// The string member `key` of `o`, `fallback` when absent or null; nullopt
// when it holds anything but a string.
std::optional<std::string> text_at(const json& o, const char* key, std::string fallback) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return fallback;
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

env::Result<SearchRequest, HsError> parse_search(const ObjectTypeDef& type, std::string_view body) {
  if (body.size() > kSearchBodyCharsMax) {
    return bad("Search request body is " + std::to_string(body.size()) +
               " characters; the limit is " + std::to_string(kSearchBodyCharsMax));
  }
  json j = env::parse_json_or_discarded(body);
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
        auto property = text_at(f, "propertyName", "");
        auto op = text_at(f, "operator", "EQ");
        if (!property || !op) return bad("propertyName and operator must be strings");
        filter.property = std::move(*property);
        filter.op = std::move(*op);
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
      auto property = text_at(s, "propertyName", "");
      auto direction = text_at(s, "direction", "ASCENDING");
      if (!property || !direction) return bad("propertyName and direction must be strings");
      r.sort_property = std::move(*property);
      r.descending = *direction == "DESCENDING";
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
  auto query = text_at(j, "query", "");
  if (!query) return bad("query must be a string");
  r.query = std::move(*query);
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
    if (!v.empty() &&
        std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
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

// The window [from, to] of epoch milliseconds a sweep's filters on
// last-modified amount to when each is a bound (GT GTE LT LTE EQ BETWEEN,
// HAS_PROPERTY); nullopt when one excludes values inside a window (NEQ, IN,
// NOT_IN).
struct Window {
  int64_t from = std::numeric_limits<int64_t>::min();
  int64_t to = std::numeric_limits<int64_t>::max();
};

// A whole number of milliseconds, held within int64_t.
int64_t clamp_ms(double v) {
  constexpr double kMax = 9.2e18;
  if (!(v < kMax)) return std::numeric_limits<int64_t>::max();
  if (!(v > -kMax)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

// A sweep: no query text, one filter group whose filters bound the type's
// last-modified property, sorted on it ascending; or, within one
// millisecond, bounding hs_object_id too and sorted on it (how a sweep walks
// a millisecond that holds more records than a search returns). Its answer
// comes from the portal's (last modified, id) index, whose order is the
// sort's: of the records the index has caught up with only the index entry
// is read, and only the records on the asked page are looked up. Records
// with a write still being indexed (a few seconds' worth) are read as any
// search reads them.
struct Sweep {
  std::vector<const Filter*> on_modified;
  std::optional<Window> window;
  uint64_t id_from = 0;
  uint64_t id_to = std::numeric_limits<uint64_t>::max();
  bool has(uint64_t id) const { return id >= id_from && id <= id_to; }
};

std::optional<Window> window_of(const std::vector<const Filter*>& filters) {
  Window w;
  auto at_least = [&](double v) { w.from = std::max(w.from, clamp_ms(std::ceil(v))); };
  auto at_most = [&](double v) { w.to = std::min(w.to, clamp_ms(std::floor(v))); };
  for (const Filter* f : filters) {
    const auto& value = f->ordinals->value;
    const auto& high = f->ordinals->high_value;
    if (f->op == "HAS_PROPERTY") continue;
    if (f->op == "GTE" || f->op == "GT" || f->op == "LTE" || f->op == "LT" || f->op == "EQ") {
      if (!value) return Window{1, 0};  // an unreadable bound matches nothing
      if (f->op == "GTE" || f->op == "EQ") at_least(*value);
      if (f->op == "GT") at_least(std::floor(*value) + 1);
      if (f->op == "LTE" || f->op == "EQ") at_most(*value);
      if (f->op == "LT") at_most(std::ceil(*value) - 1);
    } else if (f->op == "BETWEEN") {
      if (!value || !high) return Window{1, 0};
      at_least(*value);
      at_most(*high);
    } else {
      return std::nullopt;
    }
  }
  return w;
}

std::optional<Sweep> sweep_of(const ObjectTypeDef& type, const SearchRequest& r) {
  if (!r.query.empty() || r.groups.size() != 1 || r.descending) return std::nullopt;
  const PropertyDef* def = type.property(type.last_modified_property);
  if (def == nullptr || def->type != PropertyType::kDateTime) return std::nullopt;
  Sweep s;
  bool by_id = false;
  for (const Filter& f : r.groups[0].filters) {
    if (f.property == type.last_modified_property) {
      // Decidable from an instant alone (this also reads the filter's values).
      if (!filter_matches_ordinal(type, f, 0).has_value()) return std::nullopt;
      s.on_modified.push_back(&f);
      continue;
    }
    uint64_t v = 0;
    if (f.property != "hs_object_id" ||
        std::from_chars(f.value.data(), f.value.data() + f.value.size(), v).ec != std::errc() ||
        v == std::numeric_limits<uint64_t>::max())
      return std::nullopt;
    by_id = true;
    const bool lower = f.op == "GT" || f.op == "GTE" || f.op == "EQ";
    const bool upper = f.op == "LT" || f.op == "LTE" || f.op == "EQ";
    if (!lower && !upper) return std::nullopt;
    if (lower) s.id_from = std::max(s.id_from, f.op == "GT" ? v + 1 : v);
    if (upper && f.op == "LT" && v == 0) {
      s.id_from = 1;  // below the first id: nothing
      s.id_to = 0;
    } else if (upper) {
      s.id_to = std::min(s.id_to, f.op == "LT" ? v - 1 : v);
    }
  }
  s.window = window_of(s.on_modified);
  // Bounds on ids keep the index's keys contiguous only within one instant.
  const bool one_instant = s.window && s.window->from == s.window->to;
  if ((by_id || r.sort_property == "hs_object_id") && !one_instant) return std::nullopt;
  if (r.sort_property != type.last_modified_property && r.sort_property != "hs_object_id")
    return std::nullopt;
  return s;
}

SearchPage sweep(const Portal& portal, const ObjectTypeDef& type, const SearchRequest& r,
                 const Sweep& shape, env::Timestamp since) {
  using Key = Portal::ModifiedKey;
  auto matches = [&](int64_t ms, uint64_t id) {
    return shape.has(id) &&
           std::all_of(shape.on_modified.begin(), shape.on_modified.end(), [&](const Filter* f) {
             return *filter_matches_ordinal(type, *f, static_cast<double>(ms));
           });
  };
  const std::optional<Window>& window = shape.window;
  const Key first = window ? Key{window->from, shape.id_from} : Key{since.ms_since_epoch(), 0};
  const Key last = window ? Key{window->to, shape.id_to} : Key{0, 0};
  auto in_window = [&](Key k) { return window && k >= first && k <= last; };
  const auto& table = portal.records(type.name);
  const size_t needed = static_cast<size_t>(r.after + r.limit);
  struct Hit {
    Key key;
    const ObjectRecord* record = nullptr;
    const PropertyMap* view = nullptr;
    bool operator<(const Hit& o) const { return key < o.key; }
  };
  auto modified_ms = [&](const PropertyMap& p) -> std::optional<int64_t> {
    auto value = p.find(type.last_modified_property);
    if (value == p.end()) return std::nullopt;
    const auto at = env::parse_datetime(value->second);
    if (!at) return std::nullopt;
    return at->ms_since_epoch();
  };
  // The records being indexed, by what the index still holds for them.
  const std::vector<uint64_t> indexing = portal.ids_being_indexed(type.name);
  std::vector<Hit> hits;
  int64_t total = 0;
  for (uint64_t id : indexing) {
    auto it = table.find(id);
    if (it == table.end() || it->second.archived) continue;
    // Counted below by its index entry: taken back out.
    if (auto now = modified_ms(it->second.properties); now && in_window({*now, id})) --total;
    const PropertyMap* view = portal.indexed_view(it->second);
    if (view == nullptr) continue;
    const auto ms = modified_ms(*view);
    if (!ms || !matches(*ms, id)) continue;
    hits.push_back({{*ms, id}, &it->second, view});
    ++total;
  }
  // Every other record by its index entry, in the sort's order already:
  // only as many as the page needs when the filters are a window (whose
  // count the index knows), all of them otherwise.
  if (window) total += static_cast<int64_t>(portal.count_modified_between(type.name, first, last));
  const size_t wanted = needed + hits.size();
  portal.visit_modified_from(type.name, first, [&](Key k) {
    if (window && (k > last || hits.size() >= wanted)) return false;
    if (std::binary_search(indexing.begin(), indexing.end(), k.second)) return true;
    if (!matches(k.first, k.second)) return true;
    if (!window) ++total;
    if (hits.size() < wanted) hits.push_back({k, nullptr, nullptr});
    return true;
  });
  std::sort(hits.begin(), hits.end());
  SearchPage page;
  page.total = total;
  for (size_t i = static_cast<size_t>(r.after); i < hits.size() && i < needed; ++i) {
    Hit& h = hits[i];
    if (h.record == nullptr) {
      h.record = &table.at(h.key.second);
      h.view = &h.record->properties;
    }
    page.results.push_back(h.record);
    page.views.push_back(h.view);
  }
  if (static_cast<int64_t>(needed) < total) page.next_after = r.after + r.limit;
  return page;
}

}  // namespace

env::Result<SearchPage, HsError> search(const Portal& portal, const ObjectTypeDef& type,
                                        const SearchRequest& r) {
  if (auto since = modified_lower_bound(type, r))
    if (auto shape = sweep_of(type, r)) return sweep(portal, type, r, *shape, *since);
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
      std::string_view text;  // the stored value, compared without case unless an enumeration
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
          const std::string text(it->second);
          char* end = nullptr;
          const double d = std::strtod(text.c_str(), &end);
          if (!text.empty() && end == text.c_str() + text.size()) {
            k.number = d;
          } else if (auto t = env::parse_datetime(it->second)) {
            k.number = static_cast<double>(t->ms_since_epoch());
          } else if (auto day = env::parse_date(it->second)) {
            k.number = static_cast<double>(day->ms_since_epoch());
          }
        }
        k.text = it->second;
      }
      keyed.push_back(std::move(k));
    }
    const bool enumeration = def->type == PropertyType::kEnumeration;
    auto before = [&](const Keyed& a, const Keyed& b) {
      if (a.has != b.has) return a.has;  // records without the value come last
      int cmp = 0;
      if (a.has) {
        if (a.number && b.number)
          cmp = *a.number < *b.number ? -1 : *a.number > *b.number ? 1 : 0;
        else if (enumeration)
          cmp = a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
        else
          cmp = env::icompare(a.text, b.text);
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
