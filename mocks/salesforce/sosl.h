// SOSL as /search and /parameterizedSearch answer it:
//
//   FIND {term} [IN ALL|NAME|EMAIL|PHONE FIELDS]
//     [RETURNING Object [(fields [WHERE ...] [ORDER BY ...] [LIMIT n] [OFFSET n])], ...]
//     [LIMIT n]
//
// The term is words and "quoted phrases" joined by AND, OR and AND NOT
// (words side by side mean AND), grouped with parentheses, with * (any
// characters) and ? (one character) wildcards and backslash escapes. A
// word matches a field when the field's words contain the word's words in
// a row, case-insensitively ("ann@x.io" matches the email ann@x.io); a
// record matches when any field of the scope does. Each RETURNING group is
// an ordinary SOQL query (its WHERE, ORDER BY and fields checked and run
// as SOQL, under sharing), narrowed to the records that match; without
// RETURNING every readable object with fields in scope is searched, for
// Id. Results come in id order within a group (the fake has no relevance
// ranking) and in RETURNING order across groups.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/result.h"
#include "mocks/salesforce/org.h"
#include "mocks/salesforce/query.h"

namespace crmsim::mocks::salesforce {

// Rows one search answers, over every group (the default and the most a
// LIMIT may ask for).
inline constexpr int64_t kSoslRowsMax = 2000;
// A whole SOSL statement, and the search term inside it.
inline constexpr size_t kSoslLengthMax = 100'000;
inline constexpr size_t kSoslTermLengthMax = 4'000;
// RETURNING groups in one search.
inline constexpr size_t kSoslGroupsMax = 100;
// Words and operators in one term.
inline constexpr size_t kSoslTermPartsMax = 200;

enum class SearchScope { kAll, kName, kEmail, kPhone };

struct SearchGroup {
  std::string object;
  std::vector<std::string> fields;  // empty: Id
  std::string where;                // SOQL condition text; empty: none
  std::string order_by;             // SOQL ORDER BY text; empty: none
  std::optional<int64_t> limit;
  std::optional<int64_t> offset;
};

struct SearchRequest {
  std::string term;  // the text between the braces, or parameterizedSearch's q
  SearchScope scope = SearchScope::kAll;
  std::vector<SearchGroup> returning;  // empty: every searchable object
  std::optional<int64_t> limit;        // overall
  std::optional<int64_t> default_limit;  // per group without its own (parameterizedSearch)
};

// The request a SOSL statement makes. MALFORMED_SEARCH with Salesforce's
// kind of message when it does not parse.
env::Result<SearchRequest, ApiError> parse_sosl(std::string_view sosl);

// Runs a search as `user_id`: the term is checked (INVALID_SEARCH when it
// has fewer than two characters to look for), each group runs as SOQL; one
// result per group searched, its rows the matches.
env::Result<std::vector<QueryResult>, ApiError> run_search(const Org& org,
                                                           std::string_view user_id,
                                                           const SearchRequest& request);

}  // namespace crmsim::mocks::salesforce
