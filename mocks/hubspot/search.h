// HubSpot's CRM search: filter groups (filters AND within a group, groups
// OR), one sort, `after` paging, the documented limits, and an index that
// lags writes (Portal::indexed_view). Matching is case-insensitive except
// for enumerations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/result.h"
#include "mocks/hubspot/filters.h"
#include "mocks/hubspot/portal.h"

namespace crmsim::mocks::hubspot {

inline constexpr size_t kSearchGroupsMax = 5;
inline constexpr size_t kSearchFiltersPerGroupMax = 6;
inline constexpr size_t kSearchFiltersMax = 18;
inline constexpr int64_t kSearchPageMax = 200;
inline constexpr int64_t kSearchPageDefault = 10;
inline constexpr int64_t kSearchResultsMax = 10'000;
inline constexpr size_t kSearchBodyCharsMax = 3'000;

struct SearchRequest {
  std::vector<FilterGroup> groups;
  std::string sort_property;  // empty: by id
  bool descending = false;
  std::vector<std::string> properties;
  int64_t limit = kSearchPageDefault;
  int64_t after = 0;
  std::string query;
};

struct SearchPage {
  int64_t total = 0;
  std::vector<const ObjectRecord*> results;
  // What the index held for each result (the values a search returns).
  std::vector<const PropertyMap*> views;
  std::optional<int64_t> next_after;
};

// Parses and checks a search body (size, groups, filters, operators,
// limit, paging) for an object type. Errors are HubSpot's 400s.
env::Result<SearchRequest, HsError> parse_search(const ObjectTypeDef& type, std::string_view body);

env::Result<SearchPage, HsError> search(const Portal& portal, const ObjectTypeDef& type,
                                        const SearchRequest& request);

}  // namespace crmsim::mocks::hubspot
