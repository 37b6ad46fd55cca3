#include "mocks/salesforce/query.h"

#include <algorithm>
#include <optional>

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

// The objects a relationship may lead to (several for Who and What).
std::vector<const ObjectDef*> targets(const Schema& schema, const FieldDef& f) {
  std::vector<const ObjectDef*> out;
  for (const std::string& name : f.reference_to) {
    if (const ObjectDef* o = schema.object(name)) out.push_back(o);
  }
  return out;
}

// Checks that `path` names a field reachable from `object`; returns its
// type (of the first target that has it, for polymorphic hops).
env::Result<FieldType, ApiError> check_path(const Schema& schema, const ObjectDef& object,
                                            const FieldPath& path) {
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
      if (const FieldDef* rel = o->relationship(path.parts[i])) {
        for (const ObjectDef* t : targets(schema, *rel)) next.push_back(t);
      }
    }
    if (next.empty()) {
      return env::fail(bad("INVALID_FIELD", no_such_column(path.text(), object.name)));
    }
    current = std::move(next);
  }
  for (const ObjectDef* o : current) {
    if (const FieldDef* f = o->field(path.parts.back())) return f->type;
  }
  return env::fail(bad("INVALID_FIELD", no_such_column(path.text(), object.name)));
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

std::optional<ApiError> check_condition(const Schema& schema, const ObjectDef& object,
                                        const Condition& c) {
  switch (c.kind) {
    case Condition::Kind::kAnd:
    case Condition::Kind::kOr:
    case Condition::Kind::kNot:
      for (const Condition& k : c.children) {
        if (auto e = check_condition(schema, object, k)) return e;
      }
      return std::nullopt;
    default:
      break;
  }
  auto type = check_path(schema, object, c.field);
  if (!type.ok()) return type.error();
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

// The ids a condition can only match among, when it says so through Id or
// an indexed field (Email, unique fields): `F = 'v'`, `F IN (...)`, or an
// AND with such a part. nullopt: no such part, scan everything.
std::optional<std::vector<std::string>> candidates(const Org& org, const ObjectDef& object,
                                                   const Condition& c) {
  if (c.kind == Condition::Kind::kAnd) {
    for (const Condition& child : c.children)
      if (auto ids = candidates(org, object, child)) return ids;
    return std::nullopt;
  }
  // SystemModstamp >= / > a datetime: the modstamp index (a poll).
  if (c.kind == Condition::Kind::kCompare && (c.op == CompareOp::kGe || c.op == CompareOp::kGt) &&
      c.field.parts.size() == 1 && env::iequals(c.field.parts[0], "SystemModstamp") &&
      c.values.size() == 1 && c.values[0].kind == Literal::Kind::kDateTime)
    return org.ids_modified_since(object, env::format_salesforce_datetime(c.values[0].instant),
                                  c.op == CompareOp::kGe);
  const bool eq = c.kind == Condition::Kind::kCompare && c.op == CompareOp::kEq;
  if ((!eq && c.kind != Condition::Kind::kIn) || c.field.parts.size() != 1) return std::nullopt;
  std::vector<std::string> out;
  for (const Literal& v : c.values) {
    if (v.kind != Literal::Kind::kString) return std::nullopt;
    if (env::iequals(c.field.parts[0], "Id")) {
      // Records are keyed by their 18-character id; a 15-character one scans.
      if (v.text.size() != 18) return std::nullopt;
      out.push_back(v.text);
      continue;
    }
    auto ids = org.indexed_ids(object, c.field.parts[0], v.text);
    if (!ids) return std::nullopt;
    out.insert(out.end(), ids->begin(), ids->end());
  }
  return out;
}

}  // namespace

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
    if (at == nullptr) return Resolved{};
  }
  const FieldDef* f = at->object->field(path.parts.back());
  if (f == nullptr) return Resolved{};  // a polymorphic hop landed elsewhere
  return Resolved{at->get(static_cast<size_t>(f - at->object->fields.data())), f->type};
}

env::Result<QueryResult, ApiError> run_query(const Org& org, std::string_view user_id,
                                             std::string_view soql, bool include_deleted) {
  auto parsed = parse_soql(soql);
  if (!parsed.ok()) return env::fail(bad(parsed.error().error_code, parsed.error().message));
  QueryResult result;
  result.query = std::move(parsed).value();
  const Query& q = result.query;
  const ObjectDef* object = org.schema().object(q.from);
  if (object == nullptr || !org.permissions(user_id, *object).read) {
    return env::fail(bad("INVALID_TYPE",
                         "sObject type '" + q.from +
                             "' is not supported. If you are attempting to use a custom object, be "
                             "sure to append the '__c' after the entity name. Please reference "
                             "your WSDL or the describe call for the appropriate names."));
  }
  result.object = object;
  for (const FieldPath& p : q.select) {
    if (auto t = check_path(org.schema(), *object, p); !t.ok()) return env::fail(t.error());
  }
  for (const OrderItem& o : q.order_by) {
    if (auto t = check_path(org.schema(), *object, o.field); !t.ok()) return env::fail(t.error());
  }
  if (q.where) {
    if (auto e = check_condition(org.schema(), *object, *q.where)) return env::fail(*e);
  }

  const env::Timestamp now = org.clock().now();
  std::vector<const Record*> rows;
  // A condition on Id or an indexed field (Email, unique fields) names its
  // candidates; everything else is a scan. Either way the whole condition
  // decides, in id order.
  std::vector<const Record*> scan;
  const auto& table = org.records(*object);
  auto narrowed = include_deleted || !q.where ? std::nullopt : candidates(org, *object, *q.where);
  if (narrowed) {
    std::sort(narrowed->begin(), narrowed->end());
    narrowed->erase(std::unique(narrowed->begin(), narrowed->end()), narrowed->end());
    for (const auto& id : *narrowed)
      if (auto it = table.find(id); it != table.end()) scan.push_back(&it->second);
  } else {
    scan.reserve(table.size());
    for (const auto& entry : table) scan.push_back(&entry.second);
  }
  for (const Record* candidate : scan) {
    const Record& record = *candidate;
    if (record.deleted && !include_deleted) continue;
    if (org.access(user_id, record) == Access::kNone) continue;
    if (q.where) {
      const bool match = evaluate(
          *q.where, [&](const FieldPath& p) { return resolve(org, user_id, record, p); }, now);
      if (!match) continue;
    }
    rows.push_back(&record);
  }
  if (!q.order_by.empty()) {
    // Resolve every sort key once, then sort on them.
    struct Keyed {
      const Record* row;
      std::vector<Resolved> keys;
    };
    std::vector<Keyed> keyed;
    keyed.reserve(rows.size());
    for (const Record* r : rows) {
      Keyed k{r, {}};
      for (const OrderItem& o : q.order_by) k.keys.push_back(resolve(org, user_id, *r, o.field));
      keyed.push_back(std::move(k));
    }
    std::stable_sort(keyed.begin(), keyed.end(), [&](const Keyed& a, const Keyed& b) {
      for (size_t i = 0; i < q.order_by.size(); ++i) {
        const OrderItem& o = q.order_by[i];
        const Resolved& va = a.keys[i];
        const Resolved& vb = b.keys[i];
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
    for (size_t i = 0; i < keyed.size(); ++i) rows[i] = keyed[i].row;
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
  result.total_size = static_cast<int64_t>(rows.size());
  if (!q.count_only) result.rows = std::move(rows);
  return result;
}

}  // namespace crmsim::mocks::salesforce
