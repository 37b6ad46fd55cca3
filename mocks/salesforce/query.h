// Runs SOQL against the fake org as a user: the query is checked against the
// schema (unknown objects, fields and relationships, literals of the wrong
// type, the rules of aggregates and subqueries), then only the rows the user
// may read are filtered, ordered and cut, exactly as sharing allows, at
// every level: semi-joins select among visible rows, child subqueries list
// visible children. queryAll includes the recycle bin.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "env/result.h"
#include "mocks/salesforce/org.h"
#include "mocks/salesforce/soql.h"

namespace crmsim::mocks::salesforce {

// One AggregateResult: its columns by the name the API gives them (the
// alias, the field name, or expr0, expr1, ... for unaliased expressions).
struct AggregateRow {
  std::vector<std::pair<std::string, Resolved>> columns;
};

// An aggregate query answers at most this many groups in one batch;
// aggregate queries have no queryMore.
inline constexpr size_t kAggregateRowsMax = 2000;

struct QueryResult {
  // As run: FIELDS() expanded, child subqueries' FROM in their canonical
  // spelling, semi-joins replaced by the ids they selected.
  Query query;
  const ObjectDef* object = nullptr;
  std::vector<const Record*> rows;  // empty for COUNT() and aggregates
  std::vector<AggregateRow> groups;  // aggregate queries
  int64_t total_size = 0;
};

env::Result<QueryResult, ApiError> run_query(const Org& org, std::string_view user_id,
                                             std::string_view soql, bool include_deleted);
// The checks of run_query without selecting a row: the query as it would
// run (semi-joins already run), and its object; `rows` and `groups` empty.
env::Result<QueryResult, ApiError> prepare_query(const Org& org, std::string_view user_id,
                                                 std::string_view soql);

// The child relationship a prepared child subquery reads.
ChildRelationship child_relationship_of(const Org& org, const ObjectDef& parent,
                                        const Query& child);

// For each of `parents`, the children a prepared child subquery lists:
// visible, matching its WHERE, ordered and cut to its LIMIT. Parents with
// none are absent. One pass over the child object, whatever the parents.
std::map<std::string, std::vector<const Record*>> child_rows(
    const Org& org, std::string_view user_id, const ObjectDef& parent, const Query& child,
    const std::vector<const Record*>& parents, bool include_deleted);

// The record a relationship leads to from `record` ("Account" from a
// contact), when it is set and the user may read it; nullptr otherwise.
const Record* follow(const Org& org, std::string_view user_id, const Record& record,
                     std::string_view relationship);

// The value at `path` from `record`, following relationships as `user_id`;
// null when a hop is unset or unreadable.
Resolved resolve(const Org& org, std::string_view user_id, const Record& record,
                 const FieldPath& path);

}  // namespace crmsim::mocks::salesforce
