#include "mocks/salesforce/query.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

#include "env/assert.h"
#include "env/text.h"

namespace crmsim::mocks::salesforce {
namespace {

ApiError bad(std::string code, std::string message) {
  return ApiError{400, std::move(code), std::move(message), {}};
}

std::string no_such_column(std::string_view field, std::string_view object) {
  return "No such column '" + std::string(field) + "' on entity '" + std::string(object) +
         "'. If you are attempting to use a custom field, be sure to append the '__c' after the "
         "custom field name. Please reference your WSDL or the describe call for the appropriate "
         "names.";
}

// The schema as one user sees it: the fields its profile hides are not
// there (profile nullptr: every field, for paths already checked).
struct Sight {
  const Schema& schema;
  const Profile* profile = nullptr;
  bool hides(const ObjectDef& o, const FieldDef& f) const {
    return profile != nullptr && profile->field_access(o.name, f.name) == Access::kNone;
  }
};

// The objects a relationship may lead to (several for Who and What).
std::vector<const ObjectDef*> targets(const Schema& schema, const FieldDef& f) {
  std::vector<const ObjectDef*> out;
  for (const std::string& name : f.reference_to) {
    if (const ObjectDef* o = schema.object(name)) out.push_back(o);
  }
  return out;
}

// The field `path` names from `object` (of the first target that has it,
// for polymorphic hops), ignoring any function around it.
env::Result<const FieldDef*, ApiError> field_at(const Sight& sight, const ObjectDef& object,
                                                const FieldPath& path) {
  const Schema& schema = sight.schema;
  constexpr size_t kRelationshipHopsMax = 5;
  if (path.parts.size() > kRelationshipHopsMax + 1) {
    return env::fail(bad("MALFORMED_QUERY", "SOQL statements cannot query more than " +
                                                std::to_string(kRelationshipHopsMax) +
                                                " levels of relationships"));
  }
  std::vector<const ObjectDef*> current{&object};
  for (size_t i = 0; i + 1 < path.parts.size(); ++i) {
    std::vector<const ObjectDef*> next;
    for (const ObjectDef* o : current) {
      if (const FieldDef* rel = o->relationship(path.parts[i]); rel && !sight.hides(*o, *rel)) {
        for (const ObjectDef* t : targets(schema, *rel)) next.push_back(t);
      }
    }
    if (next.empty()) {
      return env::fail(bad("INVALID_FIELD", no_such_column(path.text(), object.name)));
    }
    current = std::move(next);
  }
  for (const ObjectDef* o : current) {
    if (const FieldDef* f = o->field(path.parts.back()); f && !sight.hides(*o, *f)) return f;
  }
  return env::fail(bad("INVALID_FIELD", no_such_column(path.text(), object.name)));
}

bool is_number(FieldType t) {
  return t == FieldType::kInt || t == FieldType::kDouble || t == FieldType::kCurrency ||
         t == FieldType::kPercent;
}

// Checks that `path` names a field reachable from `object` and that its
// function applies to it; returns the type of the result.
env::Result<FieldType, ApiError> check_path(const Sight& sight, const ObjectDef& object,
                                            const FieldPath& path) {
  auto f = field_at(sight, object, path);
  if (!f.ok()) return env::fail(f.error());
  const FieldType type = f.value()->type;
  const std::string fn(function_name(path.function));
  switch (path.function) {
    case Function::kNone:
      return type;
    case Function::kCount:
    case Function::kCountDistinct:
      return FieldType::kInt;
    case Function::kSum:
    case Function::kAvg:
      if (!is_number(type))
        return env::fail(bad("MALFORMED_QUERY", "field " + path.parts.back() +
                                                    " does not support aggregate operator " + fn));
      return FieldType::kDouble;
    case Function::kMin:
    case Function::kMax:
      if (type == FieldType::kTextArea || type == FieldType::kMultiPicklist ||
          type == FieldType::kBoolean)
        return env::fail(bad("MALFORMED_QUERY", "field " + path.parts.back() +
                                                    " does not support aggregate operator " + fn));
      return type;
    default:
      if (type != FieldType::kDate && type != FieldType::kDateTime)
        return env::fail(bad("MALFORMED_QUERY", "Invalid date function on field " +
                                                    path.parts.back() + ": " + fn +
                                                    " applies to date and dateTime fields"));
      return path.function == Function::kDayOnly ? FieldType::kDate : FieldType::kInt;
  }
}

bool is_text(FieldType t) {
  return t != FieldType::kBoolean && t != FieldType::kInt && t != FieldType::kDouble &&
         t != FieldType::kCurrency && t != FieldType::kPercent && t != FieldType::kDate &&
         t != FieldType::kDateTime;
}

std::optional<ApiError> check_literal(const FieldPath& path, FieldType type, const Literal& lit) {
  using K = Literal::Kind;
  if (lit.kind == K::kNull) return std::nullopt;
  bool ok = true;
  std::string expected;
  if (type == FieldType::kBoolean) {
    ok = lit.kind == K::kBool;
    expected = "boolean and should not be enclosed in quotes";
  } else if (type == FieldType::kDate || type == FieldType::kDateTime) {
    ok = lit.kind == K::kDate || lit.kind == K::kDateTime || lit.kind == K::kRelativeDate;
    expected = std::string(type == FieldType::kDate ? "date" : "dateTime") +
               " and should not be enclosed in quotes";
  } else if (is_text(type)) {
    ok = lit.kind == K::kString;
    expected = "string and should be enclosed in quotes";
  } else {
    ok = lit.kind == K::kNumber;
    expected = std::string(field_type_name(type)) + " and should not be enclosed in quotes";
  }
  if (ok) return std::nullopt;
  return bad("INVALID_FIELD", "value of filter criterion for field '" + path.text() +
                                  "' must be of type " + expected);
}

// `having`: the condition of HAVING, where aggregates belong; in WHERE
// they do not.
std::optional<ApiError> check_condition(const Sight& sight, const ObjectDef& object,
                                        const Condition& c, bool having) {
  switch (c.kind) {
    case Condition::Kind::kAnd:
    case Condition::Kind::kOr:
    case Condition::Kind::kNot:
      for (const Condition& k : c.children) {
        if (auto e = check_condition(sight, object, k, having)) return e;
      }
      return std::nullopt;
    default:
      break;
  }
  if (!having && is_aggregate(c.field.function)) {
    return bad("MALFORMED_QUERY", "Aggregate functions are not allowed in WHERE: " +
                                      c.field.text() + "; use HAVING");
  }
  auto type = check_path(sight, object, c.field);
  if (!type.ok()) return type.error();
  if (c.subquery) {
    if (type.value() != FieldType::kId && type.value() != FieldType::kReference) {
      return bad("INVALID_FIELD", "The left operand of a semi join or anti join must be an Id or "
                                  "a reference field: " + c.field.text());
    }
    return std::nullopt;
  }
  if (c.kind == Condition::Kind::kIncludes || c.kind == Condition::Kind::kExcludes) {
    if (type.value() != FieldType::kMultiPicklist) {
      return bad("INVALID_FIELD",
                 "includes or excludes operator only valid on multipicklist field");
    }
  }
  if (c.kind == Condition::Kind::kCompare && c.op == CompareOp::kLike && !is_text(type.value())) {
    return bad("INVALID_FIELD", "invalid operator on " +
                                    std::string(field_type_name(type.value())) +
                                    " field: " + c.field.text());
  }
  for (const Literal& lit : c.values) {
    if (auto e = check_literal(c.field, type.value(), lit)) return e;
  }
  return std::nullopt;
}

// ORDER BY SystemModstamp [ASC] [, Id [ASC]]: the modstamp index's order.
bool orders_by_modstamp(const std::vector<OrderItem>& order_by) {
  auto is = [](const OrderItem& o, std::string_view field) {
    return !o.descending && o.field.function == Function::kNone && o.field.parts.size() == 1 &&
           env::iequals(o.field.parts[0], field);
  };
  return (order_by.size() == 1 || order_by.size() == 2) && is(order_by[0], "SystemModstamp") &&
         (order_by.size() == 1 || is(order_by[1], "Id"));
}

// The ids a condition can only match among, when it says so through Id or
// an indexed field (Email, unique fields): `F = 'v'`, `F IN (...)`, or an
// AND with such a part. nullopt: no such part, scan everything.
// `by_modstamp` is set when the ids come from the modstamp index, in
// (SystemModstamp, Id) order.
std::optional<std::vector<const Record*>> candidates(const Org& org, const ObjectDef& object,
                                                     const Condition& c, bool& by_modstamp) {
  if (c.kind == Condition::Kind::kAnd) {
    for (const Condition& child : c.children)
      if (auto found = candidates(org, object, child, by_modstamp)) return found;
    return std::nullopt;
  }
  // SystemModstamp >= / > a datetime: the modstamp index (a poll).
  if (c.kind == Condition::Kind::kCompare && (c.op == CompareOp::kGe || c.op == CompareOp::kGt) &&
      c.field.parts.size() == 1 && env::iequals(c.field.parts[0], "SystemModstamp") &&
      c.values.size() == 1 && c.values[0].kind == Literal::Kind::kDateTime) {
    by_modstamp = true;
    return org.records_modified_since(object, env::format_salesforce_datetime(c.values[0].instant),
                                      c.op == CompareOp::kGe);
  }
  const bool eq = c.kind == Condition::Kind::kCompare && c.op == CompareOp::kEq;
  if ((!eq && c.kind != Condition::Kind::kIn) || c.field.parts.size() != 1) return std::nullopt;
  std::vector<const Record*> out;
  const auto& table = org.records(object);
  for (const Literal& v : c.values) {
    if (v.kind != Literal::Kind::kString) return std::nullopt;
    if (env::iequals(c.field.parts[0], "Id")) {
      // Records are keyed by their 18-character id; a 15-character one scans.
      if (v.text.size() != 18) return std::nullopt;
      if (auto it = table.find(v.text); it != table.end()) out.push_back(&it->second);
      continue;
    }
    auto found = org.indexed_records(object, c.field.parts[0], v.text);
    if (!found) return std::nullopt;
    out.insert(out.end(), found->begin(), found->end());
  }
  return out;
}

bool same_path(const FieldPath& a, const FieldPath& b) {
  if (a.function != b.function || a.parts.size() != b.parts.size()) return false;
  for (size_t i = 0; i < a.parts.size(); ++i)
    if (!env::iequals(a.parts[i], b.parts[i])) return false;
  return true;
}

ApiError no_such_relationship(std::string_view name) {
  return bad("INVALID_TYPE",
             "Didn't understand relationship '" + std::string(name) +
                 "' in FROM part of query call. If you are attempting to use a custom "
                 "relationship, be sure to append the '__r' after the custom relationship name. "
                 "Please reference your WSDL or the describe call for the appropriate names.");
}

// FIELDS(...) becomes the fields it stands for, after those named.
void expand_fields(const Sight& sight, Query& q, const ObjectDef& object) {
  if (q.fields == FieldsSet::kNone) return;
  for (const FieldDef& f : object.fields) {
    if (sight.hides(object, f)) continue;
    const bool custom = f.name.ends_with("__c");
    if ((q.fields == FieldsSet::kStandard && custom) || (q.fields == FieldsSet::kCustom && !custom))
      continue;
    FieldPath p;
    p.parts.push_back(f.name);
    if (std::any_of(q.select.begin(), q.select.end(),
                    [&](const FieldPath& s) { return same_path(s, p); }))
      continue;
    q.select.push_back(std::move(p));
    q.aliases.emplace_back();
  }
  q.fields = FieldsSet::kNone;
}

// Every path of HAVING or ORDER BY in an aggregate query is an aggregate
// or one of the grouped fields.
std::optional<ApiError> check_grouped(const Query& q, const FieldPath& p) {
  if (is_aggregate(p.function)) return std::nullopt;
  if (std::any_of(q.group_by.begin(), q.group_by.end(),
                  [&](const FieldPath& g) { return same_path(g, p); }))
    return std::nullopt;
  return bad("MALFORMED_QUERY", "Field must be grouped or aggregated: " + p.text());
}

std::optional<ApiError> check_aggregate_shape(const Query& q) {
  if (!q.children.empty())
    return bad("MALFORMED_QUERY",
               "Parent-to-child subqueries are not allowed in a query with aggregate functions "
               "or GROUP BY");
  if (q.offset) return bad("MALFORMED_QUERY", "OFFSET is not allowed in an aggregate query");
  for (const FieldPath& p : q.select)
    if (auto e = check_grouped(q, p)) return e;
  for (const OrderItem& o : q.order_by)
    if (auto e = check_grouped(q, o.field)) return e;
  if (q.having) {
    std::vector<const FieldPath*> paths;
    collect_fields(*q.having, paths);
    for (const FieldPath* p : paths)
      if (auto e = check_grouped(q, *p)) return e;
  }
  std::vector<std::string> seen;
  for (const std::string& alias : q.aliases) {
    if (alias.empty()) continue;
    const std::string key = env::ascii_lower(alias);
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      return bad("MALFORMED_QUERY", "duplicate alias: " + alias);
    seen.push_back(key);
  }
  return std::nullopt;
}

std::optional<ApiError> check_plain_shape(const Query& q) {
  for (size_t i = 0; i < q.select.size(); ++i) {
    if (q.select[i].function != Function::kNone)
      return bad("MALFORMED_QUERY", "Field must be grouped or aggregated: " + q.select[i].text());
    if (!q.aliases[i].empty())
      return bad("MALFORMED_QUERY", "Only aggregate expressions use field aliasing: " +
                                        q.select[i].text() + " " + q.aliases[i]);
  }
  for (const OrderItem& o : q.order_by)
    if (is_aggregate(o.field.function))
      return bad("MALFORMED_QUERY", "Ordered field must be grouped or aggregated: " +
                                        o.field.text());
  return std::nullopt;
}

enum class Level { kTop, kChild, kSemiJoin };

std::vector<const Record*> select_rows(const Org& org, std::string_view user_id,
                                       const ObjectDef& object, const Query& q,
                                       bool include_deleted);

// Checks `q` against `object` as `user_id` sees the schema, expands
// FIELDS(), prepares child subqueries and runs semi-joins into id lists.
std::optional<ApiError> prepare(const Org& org, std::string_view user_id, Query& q,
                                const ObjectDef& object, Level level);

// A semi-join or anti-join runs once, as the user: the ids it selects
// among the rows the user sees become the list the condition tests.
std::optional<ApiError> run_semi_joins(const Org& org, std::string_view user_id, Condition& c) {
  for (Condition& k : c.children)
    if (auto e = run_semi_joins(org, user_id, k)) return e;
  if (!c.subquery) return std::nullopt;
  Query& sub = *c.subquery;
  const ObjectDef* inner = org.schema().object(sub.from);
  if (inner == nullptr || !org.permissions(user_id, *inner).read)
    return bad("INVALID_TYPE", "sObject type '" + sub.from + "' is not supported.");
  if (auto e = prepare(org, user_id, sub, *inner, Level::kSemiJoin)) return e;
  auto field = field_at(Sight{org.schema(), org.user_profile(user_id)}, *inner, sub.select.front());
  if (!field.ok()) return field.error();
  if (field.value()->type != FieldType::kId && field.value()->type != FieldType::kReference)
    return bad("INVALID_FIELD", "The selected field '" + sub.select.front().text() +
                                    "' in a semi join or anti join subquery must be an Id or a "
                                    "reference field");
  std::vector<std::string> ids;
  for (const Record* r : select_rows(org, user_id, *inner, sub, false)) {
    const Resolved v = resolve(org, user_id, *r, sub.select.front());
    if (!v.value.is_null()) ids.push_back(v.value.to_text());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  c.values.clear();
  for (std::string& id : ids) {
    Literal lit;
    lit.kind = Literal::Kind::kString;
    lit.text = std::move(id);
    c.values.push_back(std::move(lit));
  }
  return std::nullopt;
}

std::optional<ApiError> prepare(const Org& org, std::string_view user_id, Query& q,
                                const ObjectDef& object, Level level) {
  const Schema& schema = org.schema();
  const Sight sight{schema, org.user_profile(user_id)};
  expand_fields(sight, q, object);
  for (const FieldPath& p : q.select)
    if (auto t = check_path(sight, object, p); !t.ok()) return t.error();
  for (const FieldPath& p : q.group_by)
    if (auto t = check_path(sight, object, p); !t.ok()) return t.error();
  for (const OrderItem& o : q.order_by)
    if (auto t = check_path(sight, object, o.field); !t.ok()) return t.error();
  if (q.where)
    if (auto e = check_condition(sight, object, *q.where, false)) return e;
  if (q.having)
    if (auto e = check_condition(sight, object, *q.having, true)) return e;
  if (q.aggregates()) {
    if (level != Level::kTop)
      return bad("MALFORMED_QUERY", "Aggregate functions and GROUP BY are not allowed in a "
                                    "subquery");
    if (auto e = check_aggregate_shape(q)) return e;
  } else if (auto e = check_plain_shape(q)) {
    return e;
  }
  if (level == Level::kChild && q.offset)
    return bad("MALFORMED_QUERY", "OFFSET is not allowed in a parent-to-child subquery");
  for (auto& child : q.children) {
    auto rel = schema.child_relationship(object, child->from);
    if (!rel || !org.permissions(user_id, *rel->child).read)
      return no_such_relationship(child->from);
    child->from = rel->field->child_relationship_name;
    if (auto e = prepare(org, user_id, *child, *rel->child, Level::kChild)) return e;
  }
  if (q.where)
    if (auto e = run_semi_joins(org, user_id, *q.where)) return e;
  return std::nullopt;
}

// Sorts rows by ORDER BY, each key resolved once.
void order_rows(const Org& org, std::string_view user_id, const std::vector<OrderItem>& order_by,
                std::vector<const Record*>& rows);

std::vector<const Record*> select_rows(const Org& org, std::string_view user_id,
                                       const ObjectDef& object, const Query& q,
                                       bool include_deleted) {
  const env::Timestamp now = org.clock().now();
  std::vector<const Record*> rows;
  // A condition on Id or an indexed field (Email, unique fields) names its
  // candidates; everything else is a scan. Either way the whole condition
  // decides, in id order.
  // A poll (SystemModstamp from a bound, ordered by it) takes the index's
  // order as the ORDER BY's and sorts nothing.
  std::vector<const Record*> scan;
  const auto& table = org.records(object);
  bool by_modstamp = false;
  auto narrowed =
      include_deleted || !q.where ? std::nullopt : candidates(org, object, *q.where, by_modstamp);
  const bool index_order = narrowed && by_modstamp && orders_by_modstamp(q.order_by);
  if (narrowed && !index_order) {
    std::sort(narrowed->begin(), narrowed->end(),
              [](const Record* a, const Record* b) { return a->id < b->id; });
    narrowed->erase(std::unique(narrowed->begin(), narrowed->end()), narrowed->end());
  }
  if (narrowed) {
    scan = std::move(*narrowed);
  } else {
    scan.reserve(table.size());
    for (const auto& entry : table) scan.push_back(&entry.second);
  }
  const std::optional<Access> wide = org.object_wide_access(user_id, object);
  for (const Record* candidate : scan) {
    const Record& record = *candidate;
    if (record.deleted && !include_deleted) continue;
    if (wide ? *wide == Access::kNone : org.access(user_id, record) == Access::kNone) continue;
    if (q.where) {
      const bool match = evaluate(
          *q.where, [&](const FieldPath& p) { return resolve(org, user_id, record, p); }, now);
      if (!match) continue;
    }
    rows.push_back(&record);
  }
  if (q.aggregates()) return rows;  // grouped, ordered and cut as groups
  if (!index_order) {
    // The modstamp index already holds (stamp, Id) in ORDER BY's order.
    order_rows(org, user_id, q.order_by, rows);
  }
  const size_t offset = static_cast<size_t>(q.offset.value_or(0));
  if (offset >= rows.size()) {
    rows.clear();
  } else {
    rows.erase(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(offset));
  }
  if (q.limit && rows.size() > static_cast<size_t>(*q.limit)) {
    rows.resize(static_cast<size_t>(*q.limit));
  }
  return rows;
}

// Orders items by keys resolved once per item: nulls first unless asked
// otherwise, DESC putting them last.
template <typename Item>
void sort_by_keys(std::vector<Item>& items, const std::vector<OrderItem>& order_by,
                  const std::function<std::vector<Resolved>(const Item&)>& keys_of) {
  if (order_by.empty()) return;
  std::vector<std::pair<std::vector<Resolved>, Item>> keyed;
  keyed.reserve(items.size());
  for (Item& item : items) keyed.emplace_back(keys_of(item), std::move(item));
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    for (size_t i = 0; i < order_by.size(); ++i) {
      const OrderItem& o = order_by[i];
      const Resolved& va = a.first[i];
      const Resolved& vb = b.first[i];
      const bool na = va.value.is_null();
      const bool nb = vb.value.is_null();
      if (na != nb) return o.nulls_last ? nb : na;
      if (na) continue;
      int cmp = compare_values(va.value, vb.value, va.type);
      if (o.descending) cmp = -cmp;
      if (cmp != 0) return cmp < 0;
    }
    return false;
  });
  for (size_t i = 0; i < keyed.size(); ++i) items[i] = std::move(keyed[i].second);
}

void order_rows(const Org& org, std::string_view user_id, const std::vector<OrderItem>& order_by,
                std::vector<const Record*>& rows) {
  sort_by_keys<const Record*>(rows, order_by, [&](const Record* const& r) {
    std::vector<Resolved> keys;
    for (const OrderItem& o : order_by) keys.push_back(resolve(org, user_id, *r, o.field));
    return keys;
  });
}

// ---- aggregates

struct Group {
  std::vector<Resolved> keys;  // one per GROUP BY item
  std::vector<const Record*> rows;
};

std::string group_key(const std::vector<Resolved>& keys) {
  std::string out;
  for (const Resolved& k : keys) {
    // Text groups case-insensitively, as Salesforce groups picklists.
    out += k.value.is_null() ? std::string("\x01") : "\x02" + env::ascii_lower(k.value.to_text());
    out += '\x1f';
  }
  return out;
}

Resolved aggregate_of(const Org& org, std::string_view user_id, const FieldPath& p,
                      const std::vector<const Record*>& rows) {
  FieldPath arg = p;
  arg.function = Function::kNone;
  std::vector<Resolved> values;
  for (const Record* r : rows) {
    Resolved v = resolve(org, user_id, *r, arg);
    if (!v.value.is_null()) values.push_back(std::move(v));
  }
  switch (p.function) {
    case Function::kCount:
      return Resolved{static_cast<int64_t>(values.size()), FieldType::kInt};
    case Function::kCountDistinct: {
      std::vector<std::string> seen;
      for (const Resolved& v : values) seen.push_back(env::ascii_lower(v.value.to_text()));
      std::sort(seen.begin(), seen.end());
      seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
      return Resolved{static_cast<int64_t>(seen.size()), FieldType::kInt};
    }
    case Function::kSum:
    case Function::kAvg: {
      if (values.empty()) return Resolved{Value(), FieldType::kDouble};
      double sum = 0;
      for (const Resolved& v : values) sum += v.value.is_number() ? v.value.as_number() : 0;
      if (p.function == Function::kAvg) sum /= static_cast<double>(values.size());
      return Resolved{sum, FieldType::kDouble};
    }
    case Function::kMin:
    case Function::kMax: {
      if (values.empty()) return Resolved{};
      const Resolved* best = &values.front();
      for (const Resolved& v : values) {
        const int cmp = compare_values(v.value, best->value, v.type);
        if (p.function == Function::kMin ? cmp < 0 : cmp > 0) best = &v;
      }
      return *best;
    }
    default:
      return Resolved{};
  }
}

// The value of a HAVING, ORDER BY or SELECT path for one group.
Resolved value_in_group(const Org& org, std::string_view user_id, const Query& q, const Group& g,
                        const FieldPath& p) {
  if (is_aggregate(p.function)) return aggregate_of(org, user_id, p, g.rows);
  for (size_t i = 0; i < q.group_by.size(); ++i)
    if (same_path(q.group_by[i], p)) return g.keys[i];
  return Resolved{};  // refused before: every path is grouped or aggregated
}

env::Result<std::vector<AggregateRow>, ApiError> aggregate(const Org& org,
                                                           std::string_view user_id,
                                                           const ObjectDef& object, const Query& q,
                                                           const std::vector<const Record*>& rows) {
  std::vector<Group> groups;
  std::map<std::string, size_t> index;
  if (q.group_by.empty()) groups.push_back(Group{{}, rows});  // one row, even over none
  else {
    for (const Record* r : rows) {
      std::vector<Resolved> keys;
      for (const FieldPath& g : q.group_by) keys.push_back(resolve(org, user_id, *r, g));
      auto [it, fresh] = index.emplace(group_key(keys), groups.size());
      if (fresh) groups.push_back(Group{std::move(keys), {}});
      groups[it->second].rows.push_back(r);
    }
  }
  if (q.having) {
    const env::Timestamp now = org.clock().now();
    std::erase_if(groups, [&](const Group& g) {
      return !evaluate(
          *q.having, [&](const FieldPath& p) { return value_in_group(org, user_id, q, g, p); },
          now);
    });
  }
  sort_by_keys<Group>(groups, q.order_by, [&](const Group& g) {
    std::vector<Resolved> keys;
    for (const OrderItem& o : q.order_by) keys.push_back(value_in_group(org, user_id, q, g, o.field));
    return keys;
  });
  if (q.limit && groups.size() > static_cast<size_t>(*q.limit))
    groups.resize(static_cast<size_t>(*q.limit));
  if (groups.size() > kAggregateRowsMax)
    return env::fail(bad("MALFORMED_QUERY",
                         "Aggregate query does not support queryMore(), use LIMIT to restrict the "
                         "results to a single batch"));
  std::vector<AggregateRow> out;
  out.reserve(groups.size());
  for (const Group& g : groups) {
    AggregateRow row;
    int expr = 0;
    for (size_t i = 0; i < q.select.size(); ++i) {
      const FieldPath& p = q.select[i];
      std::string name = q.aliases[i];
      if (name.empty()) {
        if (p.function != Function::kNone)
          name = "expr" + std::to_string(expr++);
        else
          name = field_at(Sight{org.schema()}, object, p).value()->name;
      }
      row.columns.emplace_back(std::move(name), value_in_group(org, user_id, q, g, p));
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

ChildRelationship child_relationship_of(const Org& org, const ObjectDef& parent,
                                        const Query& child) {
  auto rel = org.schema().child_relationship(parent, child.from);
  CRMSIM_ASSERT(rel.has_value(), "a prepared child subquery names a child relationship");
  return *rel;
}

std::map<std::string, std::vector<const Record*>> child_rows(
    const Org& org, std::string_view user_id, const ObjectDef& parent, const Query& child,
    const std::vector<const Record*>& parents, bool include_deleted) {
  const ChildRelationship rel = child_relationship_of(org, parent, child);
  std::map<std::string, std::vector<const Record*>> out;
  if (parents.empty()) return out;
  std::set<std::string> wanted;
  for (const Record* p : parents) wanted.insert(p->id);
  // The child query without its cut: LIMIT applies per parent.
  Query all = child;
  all.limit.reset();
  all.order_by.clear();
  const size_t field = static_cast<size_t>(rel.field - rel.child->fields.data());
  for (const Record* r : select_rows(org, user_id, *rel.child, all, include_deleted)) {
    const std::string parent_id = r->get(field).to_text();
    if (wanted.contains(parent_id)) out[parent_id].push_back(r);
  }
  for (auto& [id, rows] : out) {
    order_rows(org, user_id, child.order_by, rows);
    if (child.limit && rows.size() > static_cast<size_t>(*child.limit))
      rows.resize(static_cast<size_t>(*child.limit));
  }
  return out;
}

const Record* follow(const Org& org, std::string_view user_id, const Record& record,
                     std::string_view relationship) {
  const FieldDef* rel = record.object->relationship(relationship);
  if (rel == nullptr) return nullptr;
  const std::string id = record.get(rel->name).to_text();
  if (id.empty()) return nullptr;
  const Record* target = org.find(id);
  if (target == nullptr || org.access(user_id, *target) == Access::kNone) return nullptr;
  return target;
}

Resolved resolve(const Org& org, std::string_view user_id, const Record& record,
                 const FieldPath& path) {
  const Record* at = &record;
  for (size_t i = 0; i + 1 < path.parts.size(); ++i) {
    at = follow(org, user_id, *at, path.parts[i]);
    if (at == nullptr) return apply_date_function(path.function, Resolved{});
  }
  const FieldDef* f = at->object->field(path.parts.back());
  if (f == nullptr) return Resolved{};  // a polymorphic hop landed elsewhere
  return apply_date_function(
      path.function, Resolved{at->get(static_cast<size_t>(f - at->object->fields.data())), f->type});
}

env::Result<QueryResult, ApiError> prepare_query(const Org& org, std::string_view user_id,
                                                 std::string_view soql) {
  auto parsed = parse_soql(soql);
  if (!parsed.ok()) return env::fail(bad(parsed.error().error_code, parsed.error().message));
  QueryResult result;
  result.query = std::move(parsed).value();
  Query& q = result.query;
  const ObjectDef* object = org.schema().object(q.from);
  if (object == nullptr || !org.permissions(user_id, *object).read) {
    return env::fail(bad("INVALID_TYPE",
                         "sObject type '" + q.from +
                             "' is not supported. If you are attempting to use a custom object, be "
                             "sure to append the '__c' after the entity name. Please reference "
                             "your WSDL or the describe call for the appropriate names."));
  }
  result.object = object;
  if (auto e = prepare(org, user_id, q, *object, Level::kTop)) return env::fail(*e);
  return result;
}

env::Result<QueryResult, ApiError> run_query(const Org& org, std::string_view user_id,
                                             std::string_view soql, bool include_deleted) {
  auto prepared = prepare_query(org, user_id, soql);
  if (!prepared.ok()) return env::fail(prepared.error());
  QueryResult result = std::move(prepared).value();
  Query& q = result.query;
  const ObjectDef* object = result.object;
  std::vector<const Record*> rows = select_rows(org, user_id, *object, q, include_deleted);
  if (q.aggregates()) {
    auto groups = aggregate(org, user_id, *object, q, rows);
    if (!groups.ok()) return env::fail(groups.error());
    result.groups = std::move(groups).value();
    result.total_size = static_cast<int64_t>(result.groups.size());
    return result;
  }
  result.total_size = static_cast<int64_t>(rows.size());
  if (!q.count_only) result.rows = std::move(rows);
  return result;
}

}  // namespace crmsim::mocks::salesforce
