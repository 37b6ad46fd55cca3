// Runs SOQL against the fake org as a user: the query is checked against the
// schema (unknown objects and fields, literals of the wrong type), then only
// the rows the user may read are filtered, ordered and cut, exactly as
// sharing allows. queryAll includes the recycle bin.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "env/result.h"
#include "mocks/salesforce/org.h"
#include "mocks/salesforce/soql.h"

namespace crmsim::mocks::salesforce {

struct QueryResult {
  Query query;
  const ObjectDef* object = nullptr;
  std::vector<const Record*> rows;  // empty for COUNT()
  int64_t total_size = 0;
};

env::Result<QueryResult, ApiError> run_query(const Org& org, std::string_view user_id,
                                             std::string_view soql, bool include_deleted);

// The record a relationship leads to from `record` ("Account" from a
// contact), when it is set and the user may read it; nullptr otherwise.
const Record* follow(const Org& org, std::string_view user_id, const Record& record,
                     std::string_view relationship);

// The value at `path` from `record`, following relationships as `user_id`;
// null when a hop is unset or unreadable.
Resolved resolve(const Org& org, std::string_view user_id, const Record& record,
                 const FieldPath& path);

}  // namespace crmsim::mocks::salesforce
