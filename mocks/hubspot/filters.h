// Property filters over HubSpot records, shared by search (filter groups)
// and dynamic lists (filter branches): one operator vocabulary, one
// comparison per property type (numbers numerically, dates and datetimes in
// time order whether written as ISO-8601 or epoch milliseconds, text
// case-insensitively, enumerations exactly).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "env/result.h"
#include "mocks/hubspot/properties.h"
#include "mocks/hubspot/property_map.h"

namespace crmsim::mocks::hubspot {

struct Filter {
  std::string property;
  // Search: EQ NEQ LT LTE GT GTE BETWEEN IN NOT_IN HAS_PROPERTY
  // NOT_HAS_PROPERTY CONTAINS_TOKEN NOT_CONTAINS_TOKEN; lists add CONTAINS
  // NOT_CONTAINS STARTS_WITH ENDS_WITH.
  std::string op;
  std::string value;
  std::string high_value;
  std::vector<std::string> values;

  // The values as numbers for a property of `type` (numbers, dates and
  // datetimes), worked out on first use: a search compares every record
  // against the same filter.
  struct Ordinals {
    PropertyType type = PropertyType::kString;
    std::optional<double> value;
    std::optional<double> high_value;
    std::vector<std::optional<double>> values;
  };
  mutable std::optional<Ordinals> ordinals = std::nullopt;
};

// Filters AND within a group; groups OR.
struct FilterGroup {
  std::vector<Filter> filters;
};

// Whether one filter holds for a record's properties.
bool filter_matches(const ObjectTypeDef& type, const Filter& filter, const PropertyMap& properties);
// Whether one filter holds for a record whose `filter.property` is set to a
// value with this ordinal (a number, or a date or datetime as epoch
// milliseconds), decided without reading the record; nullopt when the
// property is not ordered or the operator needs the text.
std::optional<bool> filter_matches_ordinal(const ObjectTypeDef& type, const Filter& filter,
                                           double value);
// Whether any group holds (true for no groups).
bool groups_match(const ObjectTypeDef& type, const std::vector<FilterGroup>& groups,
                  const PropertyMap& properties);

// <0, 0, >0 comparing a stored value with another of the same property;
// nullopt when they cannot be ordered.
std::optional<int> compare_property_values(PropertyType type, std::string_view a,
                                           std::string_view b);

// Reads a lists-v3 filterBranch (an OR branch of AND branches of PROPERTY
// filters with operationType/operator/value(s)) into filter groups. Error
// "bad_filter" naming the part it cannot read.
env::Result<std::vector<FilterGroup>> parse_filter_branch(const nlohmann::json& branch);

}  // namespace crmsim::mocks::hubspot
