// The SOQL the fake org answers: parsing into a syntax tree and evaluating
// conditions against one record. As documented:
//   SELECT item, ... FROM T [WHERE cond] [WITH SECURITY_ENFORCED]
//   [GROUP BY f, ...] [HAVING cond]
//   [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]
//   [FOR VIEW | FOR REFERENCE | FOR UPDATE]
// where an item is a field or a relationship path (Account.Owner.Email),
// COUNT(), an aggregate (COUNT, COUNT_DISTINCT, MIN, MAX, SUM, AVG) or a date
// function (CALENDAR_YEAR, DAY_ONLY, ...) with an optional alias,
// FIELDS(ALL|STANDARD|CUSTOM), or a parent-to-child subquery
// "(SELECT ... FROM Contacts ...)". Conditions take = != <> < <= > >= LIKE
// IN NOT IN INCLUDES EXCLUDES, semi-joins and anti-joins
// "Id [NOT] IN (SELECT AccountId FROM Contact ...)", AND OR NOT and
// parentheses (mixing AND and OR without parentheses is refused, as
// Salesforce refuses it), null, booleans, numbers, 'strings' with \' \\ \n
// escapes, date and datetime literals and the relative date literals
// (TODAY, LAST_WEEK, THIS_QUARTER, LAST_N_DAYS:n, N_MONTHS_AGO:n, ...).
// Keywords are case-insensitive.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/result.h"
#include "env/time.h"
#include "mocks/salesforce/record.h"
#include "mocks/salesforce/schema.h"

namespace crmsim::mocks::salesforce {

// A function applied to a field: the aggregates, and the date functions
// (whose fiscal year is the calendar year, the default of an org).
enum class Function {
  kNone,
  kCount,
  kCountDistinct,
  kMin,
  kMax,
  kSum,
  kAvg,
  kCalendarMonth,
  kCalendarQuarter,
  kCalendarYear,
  kDayInMonth,
  kDayInWeek,
  kDayInYear,
  kDayOnly,
  kFiscalMonth,
  kFiscalQuarter,
  kFiscalYear,
  kHourInDay,
  kWeekInMonth,
  kWeekInYear,
};
bool is_aggregate(Function f);
std::string_view function_name(Function f);  // "COUNT_DISTINCT"

// "Account.Owner.Email": relationship names, then a field name; with a
// function, its argument ("COUNT(Id)", "CALENDAR_YEAR(CreatedDate)").
struct FieldPath {
  std::vector<std::string> parts;
  Function function = Function::kNone;
  std::string text() const;
};

enum class DateUnit { kDay, kWeek, kMonth, kQuarter, kYear };

struct Literal {
  enum class Kind { kNull, kBool, kNumber, kString, kDate, kDateTime, kRelativeDate };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;        // strings; dates "YYYY-MM-DD"; the source text of others
  env::Timestamp instant;  // datetimes
  // Relative dates: the first and one-past-last `unit` counted from the
  // current one (THIS_MONTH: 0 and 1; LAST_N_DAYS:7: -7 and 1).
  DateUnit unit = DateUnit::kDay;
  int64_t first = 0;
  int64_t end = 0;
  // A string: its place among the query's strings, in the order written
  // (parse_soql fills a remembered query's shape with new strings by it).
  int32_t slot = -1;
};

struct Query;

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kLike };

struct Condition {
  enum class Kind { kCompare, kIn, kNotIn, kIncludes, kExcludes, kAnd, kOr, kNot };
  Kind kind = Kind::kCompare;
  FieldPath field;                  // leaves
  CompareOp op = CompareOp::kEq;    // kCompare
  std::vector<Literal> values;      // kCompare: one; the list kinds: several
  std::vector<Condition> children;  // kAnd, kOr: two or more; kNot: one
  // kIn, kNotIn: a semi-join or anti-join; run_query replaces it with the
  // ids it selects before any row is evaluated.
  std::shared_ptr<Query> subquery;
};

struct OrderItem {
  FieldPath field;
  bool descending = false;
  bool nulls_last = false;
};

enum class FieldsSet { kNone, kAll, kStandard, kCustom };
enum class Lock { kNone, kView, kReference, kUpdate };

struct Query {
  std::vector<FieldPath> select;
  std::vector<std::string> aliases;  // one per select item; "" for none
  FieldsSet fields = FieldsSet::kNone;  // FIELDS(...), expanded by run_query
  // Parent-to-child subqueries; `from` names a child relationship.
  std::vector<std::shared_ptr<Query>> children;
  bool count_only = false;  // SELECT COUNT()
  std::string from;
  std::optional<Condition> where;
  bool security_enforced = false;  // WITH SECURITY_ENFORCED
  std::vector<FieldPath> group_by;
  std::optional<Condition> having;
  std::vector<OrderItem> order_by;
  std::optional<int64_t> limit;
  std::optional<int64_t> offset;
  Lock lock = Lock::kNone;

  // Aggregate functions or GROUP BY: the rows are AggregateResults.
  bool aggregates() const;
};

// Limits Salesforce enforces on a query.
inline constexpr int64_t kSoqlOffsetMax = 2000;
inline constexpr size_t kSoqlLengthMax = 100'000;
// NOTs and parentheses nested in one condition (a query's, a sharing
// rule's, a validation rule's). Salesforce documents none; real rules
// nest a handful.
inline constexpr size_t kSoqlNestingMax = 100;
// Parent-to-child subqueries in one query, and how deep they nest (API
// v58.0 and later reach five levels: the query and four below it).
inline constexpr size_t kSoqlChildSubqueriesMax = 20;
inline constexpr size_t kSoqlChildLevelsMax = 4;
// Semi-joins and anti-joins in one query.
inline constexpr size_t kSoqlSemiJoinsMax = 2;
// FIELDS(ALL) and FIELDS(CUSTOM) need a LIMIT of at most this.
inline constexpr int64_t kSoqlFieldsLimitMax = 200;

// A refusal with the code and message Salesforce would give.
struct SoqlError {
  std::string error_code;  // MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE
  std::string message;
};

// Parses a query. A query of one of the last kSoqlShapesCachedMax shapes
// this thread parsed (its text with the strings' contents taken out, the
// shape of an engine's lookup by email) is copied from that parse with its
// own strings put in, instead of read again; queries with subqueries, and
// texts longer than kSoqlShapeLengthMax, are always read.
inline constexpr size_t kSoqlShapesCachedMax = 256;
inline constexpr size_t kSoqlShapeLengthMax = 8192;
env::Result<Query, SoqlError> parse_soql(std::string_view text);
// The error on one line, for a file's refusal: "at column 10: unexpected
// token: '<EOF>'" (Salesforce's own message repeats the text with a caret).
std::string one_line(const SoqlError& error);
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

// A date function of a date or datetime value (CALENDAR_YEAR -> an int,
// DAY_ONLY -> a date); null for null. Anything else passes through.
Resolved apply_date_function(Function f, const Resolved& r);

// Compares two values of a field of `type` for ORDER BY: text
// case-insensitively, numbers numerically, dates in time order. Nulls are
// not handled here.
int compare_values(const Value& a, const Value& b, FieldType type);

// Every field path a condition mentions, for validation.
void collect_fields(const Condition& condition, std::vector<const FieldPath*>& out);

}  // namespace crmsim::mocks::salesforce
