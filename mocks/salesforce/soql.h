// The SOQL subset the fake org answers: parsing into a syntax tree and
// evaluating conditions against one record. What the connector, jsforce and
// sharing rules use:
//   SELECT f, Parent.f, ... | COUNT() FROM T [WHERE cond]
//   [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]
// with = != <> < <= > >= LIKE IN NOT IN INCLUDES EXCLUDES, AND OR NOT and
// parentheses (mixing AND and OR without parentheses is refused, as
// Salesforce refuses it), null, booleans, numbers, 'strings' with \' \\ \n
// escapes, date and datetime literals, and TODAY, YESTERDAY, TOMORROW,
// LAST_N_DAYS:n, NEXT_N_DAYS:n. Keywords are case-insensitive.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/result.h"
#include "env/time.h"
#include "mocks/salesforce/record.h"
#include "mocks/salesforce/schema.h"

namespace crmsim::mocks::salesforce {

// "Account.Owner.Email": relationship names, then a field name.
struct FieldPath {
  std::vector<std::string> parts;
  std::string text() const;
};

struct Literal {
  enum class Kind { kNull, kBool, kNumber, kString, kDate, kDateTime, kRelativeDate };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;        // strings; dates "YYYY-MM-DD"; the source text of others
  env::Timestamp instant;  // datetimes
  // Relative dates: days from today of the first and one-past-last day.
  int64_t first_day = 0;
  int64_t end_day = 0;
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kLike };

struct Condition {
  enum class Kind { kCompare, kIn, kNotIn, kIncludes, kExcludes, kAnd, kOr, kNot };
  Kind kind = Kind::kCompare;
  FieldPath field;                  // leaves
  CompareOp op = CompareOp::kEq;    // kCompare
  std::vector<Literal> values;      // kCompare: one; the list kinds: several
  std::vector<Condition> children;  // kAnd, kOr: two or more; kNot: one
};

struct OrderItem {
  FieldPath field;
  bool descending = false;
  bool nulls_last = false;
};

struct Query {
  std::vector<FieldPath> select;
  bool count_only = false;  // SELECT COUNT()
  std::string from;
  std::optional<Condition> where;
  std::vector<OrderItem> order_by;
  std::optional<int64_t> limit;
  std::optional<int64_t> offset;
};

// Limits Salesforce enforces on a query.
inline constexpr int64_t kSoqlOffsetMax = 2000;
inline constexpr size_t kSoqlLengthMax = 100'000;
// NOTs and parentheses nested in one condition (a query's, a sharing
// rule's, a validation rule's). Salesforce documents none; real rules
// nest a handful.
inline constexpr size_t kSoqlNestingMax = 100;

// A refusal with the code and message Salesforce would give.
struct SoqlError {
  std::string error_code;  // MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE
  std::string message;
};

env::Result<Query, SoqlError> parse_soql(std::string_view text);
// Parses a bare condition, as sharing rules and validation rules declare
// them: "Industry = 'Banking' AND AnnualRevenue > 1000000".
env::Result<Condition, SoqlError> parse_condition(std::string_view text);

// A field's value and type as seen from one record; nullopt when the path
// does not resolve (an unknown field was caught before, so this means a
// parent that is null or not visible, which reads as null).
struct Resolved {
  Value value;
  FieldType type = FieldType::kString;
};
using FieldResolver = std::function<Resolved(const FieldPath&)>;

// Evaluates `condition` with the record's fields given by `resolve`; `now`
// anchors TODAY and LAST_N_DAYS.
bool evaluate(const Condition& condition, const FieldResolver& resolve, env::Timestamp now);

// Compares two values of a field of `type` for ORDER BY: text
// case-insensitively, numbers numerically, dates in time order. Nulls are
// not handled here.
int compare_values(const Value& a, const Value& b, FieldType type);

// Every field path a condition mentions, for validation.
void collect_fields(const Condition& condition, std::vector<const FieldPath*>& out);

}  // namespace crmsim::mocks::salesforce
