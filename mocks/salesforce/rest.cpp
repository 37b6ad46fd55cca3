#include "mocks/salesforce/rest.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "env/authorization.h"
#include "env/hash.h"
#include "env/json_body.h"
#include "env/json_writer.h"
#include "env/text.h"
#include "mocks/salesforce/ids.h"
#include "mocks/salesforce/not_emulated.h"
#include "mocks/salesforce/query.h"
#include "mocks/salesforce/rest_kit.h"
#include "mocks/salesforce/sosl.h"

namespace crmsim::mocks::salesforce {

using env::Method;
using env::Request;
using env::Response;
using nlohmann::json;


namespace {


// The member `key` of an object, or null (also when `j` is no object).
const json* member(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// A member that must be a string, when it is one.
std::optional<std::string> string_member(const json& j, std::string_view key) {
  const json* m = member(j, key);
  if (m == nullptr || !m->is_string()) return std::nullopt;
  return m->get<std::string>();
}

// How Jackson names a value it did not expect ("VALUE_STRING", ...).
std::string json_token_name(const json& v) {
  if (v.is_string()) return "VALUE_STRING";
  if (v.is_number_integer() || v.is_number_unsigned()) return "VALUE_NUMBER_INT";
  if (v.is_number()) return "VALUE_NUMBER_FLOAT";
  if (v.is_boolean()) return v.get<bool>() ? "VALUE_TRUE" : "VALUE_FALSE";
  if (v.is_object()) return "START_OBJECT";
  if (v.is_array()) return "START_ARRAY";
  return "VALUE_NULL";
}






bool is_integer_type(FieldType t) { return t == FieldType::kInt; }

json value_json(const Value& v, FieldType type) {
  if (v.is_null()) return nullptr;
  if (v.is_bool()) return v.as_bool();
  if (v.is_number()) {
    const double d = v.as_number();
    if (is_integer_type(type) && std::abs(d) < 9e15) return static_cast<int64_t>(d);
    return d;
  }
  return std::string(v.as_string());
}

std::string sobject_url(const std::string& version, const Record& r) {
  return "/services/data/v" + version + "/sobjects/" + r.object->name + "/" + r.id;
}

json attributes(const std::string& version, const Record& r) {
  return {{"type", r.object->name}, {"url", sobject_url(version, r)}};
}

// Every field the user may read, in declaration order: what a retrieve
// without ?fields= returns.
std::vector<const FieldDef*> readable_fields(const Org& org, const std::string& user,
                                             const ObjectDef& object) {
  std::vector<const FieldDef*> out;
  const Profile* profile = org.user_profile(user);
  for (const FieldDef& f : object.fields)
    if (Org::field_access(profile, object, f) != Access::kNone) out.push_back(&f);
  return out;
}

// The fields of a select list, relationships as nested records (or null).
json projected_record(const Org& org, const std::string& user, const std::string& version,
                      const Record& r, const std::vector<FieldPath>& select) {
  json out = json::object();
  out["attributes"] = attributes(version, r);
  for (const FieldPath& path : select) {
    json* node = &out;
    const Record* at = &r;
    bool cut = false;
    for (size_t i = 0; i + 1 < path.parts.size(); ++i) {
      const FieldDef* rel = at->object->relationship(path.parts[i]);
      const std::string key = rel != nullptr ? rel->relationship_name : path.parts[i];
      const Record* next = follow(org, user, *at, path.parts[i]);
      if (next == nullptr) {
        if (!node->contains(key)) (*node)[key] = nullptr;
        cut = true;
        break;
      }
      if (!node->contains(key) || (*node)[key].is_null()) {
        (*node)[key] = json::object({{"attributes", attributes(version, *next)}});
      }
      node = &(*node)[key];
      at = next;
    }
    if (cut) continue;
    const FieldDef* f = at->object->field(path.parts.back());
    if (f == nullptr) continue;  // polymorphic hop to an object without it
    (*node)[f->name] =
        value_json(at->get(static_cast<size_t>(f - at->object->fields.data())), f->type);
  }
  return out;
}

// A select list of the object's own fields (no relationship, no child
// subquery): the fields each row writes, first mention first, as
// projected_record keys them. nullopt for any other select list.
std::optional<std::vector<const FieldDef*>> own_fields(const ObjectDef& object, const Query& q) {
  if (!q.children.empty()) return std::nullopt;
  std::vector<const FieldDef*> out;
  for (const FieldPath& path : q.select) {
    if (path.parts.size() != 1) return std::nullopt;
    const FieldDef* f = object.field(path.parts[0]);
    if (f == nullptr || std::find(out.begin(), out.end(), f) != out.end()) continue;
    out.push_back(f);
  }
  return out;
}

void write_value(env::JsonWriter& w, const Value& v, FieldType type) {
  if (v.is_null()) return w.null();
  if (v.is_bool()) return w.boolean(v.as_bool());
  if (v.is_number()) {
    const double d = v.as_number();
    if (is_integer_type(type) && std::abs(d) < 9e15) return w.number(static_cast<int64_t>(d));
    return w.number(d);
  }
  w.string(v.as_string());
}

// One row of own_fields(), written as projected_record builds it, with
// the attributes first as Salesforce writes them.
void write_row(env::JsonWriter& w, const std::string& version, const Record& r,
               const std::vector<const FieldDef*>& fields) {
  w.begin_object();
  w.key("attributes");
  w.begin_object();
  w.key("type");
  w.string(r.object->name);
  w.key("url");
  w.string(sobject_url(version, r));
  w.end_object();
  for (const FieldDef* f : fields) {
    w.key(f->name);
    write_value(w, r.get(static_cast<size_t>(f - r.object->fields.data())), f->type);
  }
  w.end_object();
}

// The rows of a query with its child subqueries: each child list is
// {"totalSize","done","records"}, or null when a row has no children.
json query_rows(const Org& org, const std::string& user, const std::string& version,
                const ObjectDef& object, const Query& q, const std::vector<const Record*>& rows,
                bool include_deleted) {
  std::vector<std::map<std::string, std::vector<const Record*>>> children;
  for (const auto& child : q.children)
    children.push_back(child_rows(org, user, object, *child, rows, include_deleted));
  json out = json::array();
  for (const Record* r : rows) {
    json record = projected_record(org, user, version, *r, q.select);
    for (size_t k = 0; k < q.children.size(); ++k) {
      const Query& child = *q.children[k];
      auto it = children[k].find(r->id);
      if (it == children[k].end()) {
        record[child.from] = nullptr;
        continue;
      }
      const ObjectDef& child_object = *child_relationship_of(org, object, child).child;
      json records =
          query_rows(org, user, version, child_object, child, it->second, include_deleted);
      json list = json::object();
      list["totalSize"] = records.size();
      list["done"] = true;
      list["records"] = std::move(records);
      record[child.from] = std::move(list);
    }
    out.push_back(std::move(record));
  }
  return out;
}

// AggregateResult rows, as an aggregate query answers them.
json aggregate_rows(const std::vector<AggregateRow>& groups) {
  json out = json::array();
  for (const AggregateRow& g : groups) {
    json record = json::object();
    record["attributes"] = json{{"type", "AggregateResult"}};
    for (const auto& [name, v] : g.columns) record[name] = value_json(v.value, v.type);
    out.push_back(std::move(record));
  }
  return out;
}

// The router's own refusals in Salesforce's shapes.
Response shape_route_error(const Request& request, const env::RouteError& e) {
  if (e.status == 405) {
    std::string allowed;
    for (Method m : e.allowed)
      allowed += (allowed.empty() ? "" : ",") + std::string(env::method_name(m));
    return errors(405, "METHOD_NOT_ALLOWED",
                  "HTTP Method '" + std::string(env::method_name(request.method)) +
                      "' not allowed. Allowed are " + allowed);
  }
  if (e.cause == env::RouteError::Cause::kBody)
    return errors(400, "JSON_PARSER_ERROR", e.message);
  if (e.cause == env::RouteError::Cause::kTooLarge)
    return errors(e.status, "REQUEST_TOO_LARGE", e.message);
  if (e.status == 400) return errors(400, "MALFORMED_URL", e.message);
  if (e.cause == env::RouteError::Cause::kNotEmulated)
    return errors(501, "NOT_EMULATED", e.message);
  return not_found();
}

}  // namespace

// ------------------------------------------------------------------ setup

RestApi::RestApi(Org& org, std::unique_ptr<env::SecretSource> secrets)
    : org_(org), secrets_(std::move(secrets)) {
  CRMSIM_ASSERT(secrets_ != nullptr, "a RestApi needs a secret source");
  router_.on_error(shape_route_error);
  subrequests_.on_error(shape_route_error);
  add_routes_not_emulated(router_);
  install_routes();
  install_identity_routes();
  install_composite_routes();
  install_soap_routes();
  install_bulk_routes();
}

std::string RestApi::issue_token(std::string_view user_id) {
  std::string token = org_.id().substr(0, 15) + "!AQ" + secrets_->hex(32);
  sessions_[token] = Session{std::string(user_id), org_.session_epoch(user_id)};
  return token;
}

void RestApi::clear_sessions() {
  sessions_.clear();
  locators_.clear();
}

std::string RestApi::token_of(const Request& request) {
  return env::authorization_credential(request.headers.get("Authorization"), {"Bearer", "OAuth"});
}

std::string RestApi::caller_of(const Request& request) const {
  const Session* session = live_session(token_of(request));
  return session != nullptr ? session->user_id : std::string();
}

const RestApi::Session* RestApi::live_session(const std::string& token) const {
  auto session = sessions_.find(token);
  if (session == sessions_.end()) return nullptr;
  const Record* user = org_.find(session->second.user_id);
  // A deactivated user's sessions ended with the deactivation.
  if (user == nullptr || user->get("IsActive") != Value(true) ||
      session->second.epoch != org_.session_epoch(session->second.user_id)) {
    return nullptr;
  }
  return &session->second;
}

Response RestApi::data_call(const Request& request, const std::string& route,
                            const std::function<Response(Context&)>& body) {
  auto version = parse_version(request.params.get("version"));
  if (!version) return not_found();
  const Session* session = live_session(token_of(request));
  if (session == nullptr) return errors(401, "INVALID_SESSION_ID", "Session expired or invalid");
  ApiUsage& usage = org_.api_usage();
  const env::Timestamp now = org_.clock().now();
  // Bulk jobs due by now land first, whoever asks.
  bulk_.advance(now);
  auto limit_info = [&](Response& r) {
    r.headers.set("Sforce-Limit-Info", "api-usage=" + std::to_string(usage.used(now)) + "/" +
                                           std::to_string(usage.daily_total()));
  };
  if (!usage.try_count(now)) {
    Response refused = errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    limit_info(refused);
    usage.record(env::JournalEntry::call(now, session->user_id, env::method_name(request.method),
                                         route, 403, 0, /*over_limit=*/true));
    return refused;
  }
  Context ctx{request, session->user_id, *version, 0};
  // A write happens whole or not at all: whatever escapes the handler (a
  // value of the wrong type read unchecked) takes back what it saved.
  std::optional<Org::ChangeSet> changes;
  if (request.method != Method::kGet) changes.emplace(org_);
  Response response = body(ctx);
  if (changes) changes->commit();
  limit_info(response);
  usage.record(env::JournalEntry::call(now, ctx.user_id, env::method_name(request.method), route,
                                       response.status, ctx.records));
  return response;
}

// The handlers, as members of a friend so that they reach RestApi's state.
struct RestRoutes {
  RestApi& api;
  Org& org() { return api.org_; }

  // ---- login
  Response oauth_token(const Request& r) {
    auto form = env::QueryParams::parse(r.body);
    if (!form.ok())
      return json_response(400,
                           {{"error", "invalid_request"}, {"error_description", "malformed body"}});
    const auto grant = form->get("grant_type");
    if (grant != "password") {
      return json_response(400, {{"error", "unsupported_grant_type"},
                                 {"error_description", "grant type not supported"}});
    }
    auto user =
        org().authenticate(form->get("username").value_or(""), form->get("password").value_or(""));
    if (!user) {
      const bool inactive = org().inactive_login(form->get("username").value_or(""),
                                                 form->get("password").value_or(""));
      return json_response(
          400, {{"error", "invalid_grant"},
                {"error_description", inactive ? "inactive user" : "authentication failure"}});
    }
    const std::string base = instance_url(r);
    const std::string token = api.issue_token(*user);
    return json_response(200, {{"access_token", token},
                               {"instance_url", base},
                               {"id", base + "/id/" + org().id() + "/" + *user},
                               {"token_type", "Bearer"},
                               {"issued_at", std::to_string(org().clock().now().ms_since_epoch())},
                               {"signature", "crmsim" + token.substr(token.size() - 8)}});
  }

  // ---- discovery
  Response versions(const Request&) {
    json list = json::array();
    for (int v = kApiVersionMin; v <= kApiVersionMax; ++v) {
      list.push_back({{"label", "v" + std::to_string(v) + ".0"},
                      {"url", "/services/data/v" + std::to_string(v) + ".0"},
                      {"version", std::to_string(v) + ".0"}});
    }
    return json_response(200, list);
  }

  // Only what is served: a client that follows an advertised resource must
  // never meet a 404 or a 501 (tested).
  Response resources(RestApi::Context& c) {
    const std::string base = "/services/data/v" + c.version;
    return json_response(200, {{"sobjects", base + "/sobjects"},
                               {"query", base + "/query"},
                               {"queryAll", base + "/queryAll"},
                               {"limits", base + "/limits"},
                               {"composite", base + "/composite"},
                               {"search", base + "/search"},
                               {"parameterizedSearch", base + "/parameterizedSearch"},
                               {"identity", instance_url(c.request) + "/id/" + org().id() + "/" +
                                                c.user_id}});
  }

  Response limits(RestApi::Context&) {
    ApiUsage& usage = org().api_usage();
    const env::Timestamp now = org().clock().now();
    const int64_t max = usage.daily_total();
    const int64_t used = usage.used(now);
    return json_response(
        200, {{"DailyApiRequests", {{"Max", max}, {"Remaining", std::max<int64_t>(0, max - used)}}},
              {"DailyBulkApiBatches",
               {{"Max", kBulkDailyBatchesMax},
                {"Remaining", kBulkDailyBatchesMax - api.bulk_.batches_used(now)}}},
              {"DailyBulkV2QueryJobs",
               {{"Max", kBulkDailyQueryJobsMax},
                {"Remaining", kBulkDailyQueryJobsMax - api.bulk_.query_jobs_used(now)}}},
              {"DataStorageMB", {{"Max", 5120}, {"Remaining", 5120}}}});
  }

  json describe_field(const FieldDef& f) {
    json picklist = json::array();
    for (const auto& v : f.picklist_values) {
      picklist.push_back({{"active", true},
                          {"defaultValue", f.default_value == v},
                          {"label", v},
                          {"validFor", nullptr},
                          {"value", v}});
    }
    const bool nillable = !f.required && f.type != FieldType::kBoolean && f.type != FieldType::kId;
    return {{"name", f.name},
            {"label", f.label},
            {"type", field_type_name(f.type)},
            {"length", f.length},
            {"nillable", nillable},
            {"createable", f.createable},
            {"updateable", f.updateable},
            {"unique", f.unique},
            {"externalIdField", f.external_id},
            {"idLookup", f.type == FieldType::kId || f.external_id || f.name == "Email"},
            {"calculated", f.formula},
            {"custom", f.name.size() > 3 && f.name.substr(f.name.size() - 3) == "__c"},
            {"defaultValue", f.default_value ? json(*f.default_value) : json(nullptr)},
            {"defaultedOnCreate", f.default_value.has_value() || f.type == FieldType::kBoolean},
            {"picklistValues", picklist},
            {"restrictedPicklist", f.restricted},
            {"referenceTo", f.reference_to},
            {"relationshipName",
             f.relationship_name.empty() ? json(nullptr) : json(f.relationship_name)},
            {"soapType", f.type == FieldType::kBoolean ? "xsd:boolean"
                         : f.type == FieldType::kInt   ? "xsd:int"
                         : (f.type == FieldType::kDouble || f.type == FieldType::kCurrency ||
                            f.type == FieldType::kPercent)
                             ? "xsd:double"
                         : f.type == FieldType::kDate     ? "xsd:date"
                         : f.type == FieldType::kDateTime ? "xsd:dateTime"
                         : (f.type == FieldType::kId || f.type == FieldType::kReference)
                             ? "tns:ID"
                             : "xsd:string"}};
  }

  json object_summary(const RestApi::Context& c, const ObjectDef& o) {
    const ObjectPermissions& p = org().permissions(c.user_id, o);
    const std::string base = "/services/data/v" + c.version + "/sobjects/" + o.name;
    return {
        {"name", o.name},
        {"label", o.label},
        {"keyPrefix", o.key_prefix},
        {"custom", o.custom},
        {"createable", p.create},
        {"updateable", p.edit},
        {"deletable", p.remove},
        {"queryable", p.read},
        {"retrieveable", p.read},
        {"searchable", true},
        {"replicateable", true},
        {"urls",
         {{"sobject", base}, {"describe", base + "/describe"}, {"rowTemplate", base + "/{ID}"}}}};
  }

  // A field of `o` the user's field-level security lets it read.
  const FieldDef* readable_field(const RestApi::Context& c, const ObjectDef& o,
                                 std::string_view name) {
    const FieldDef* f = o.field(name);
    return f == nullptr || org().field_access(c.user_id, o, *f) == Access::kNone ? nullptr : f;
  }

  const ObjectDef* visible_object(const RestApi::Context& c, std::string_view name) {
    const ObjectDef* o = org().schema().object(name);
    if (o == nullptr || !org().permissions(c.user_id, *o).read) return nullptr;
    return o;
  }

  Response global_describe(RestApi::Context& c) {
    json list = json::array();
    for (const ObjectDef* o : org().schema().objects()) {
      if (org().permissions(c.user_id, *o).read) list.push_back(object_summary(c, *o));
    }
    return json_response(
        200, {{"encoding", "UTF-8"}, {"maxBatchSize", kCollectionRecordsMax}, {"sobjects", list}});
  }

  Response describe(RestApi::Context& c) {
    const ObjectDef* o = visible_object(c, c.request.params.get("type"));
    if (o == nullptr) return not_found();
    json out = object_summary(c, *o);
    json fields = json::array();
    const Profile* profile = org().user_profile(c.user_id);
    for (const FieldDef& f : o->fields) {
      const Access fls = Org::field_access(profile, *o, f);
      if (fls == Access::kNone) continue;  // field-level security hides it
      json d = describe_field(f);
      if (fls == Access::kRead) d["createable"] = d["updateable"] = false;
      fields.push_back(std::move(d));
    }
    out["fields"] = fields;
    // The master record type, then the object's own; the user's default
    // (its profile's, else the master) is marked.
    json infos = json::array();
    std::string default_id;
    if (profile != nullptr)
      if (auto it = profile->default_record_types.find(env::ascii_lower(o->name));
          it != profile->default_record_types.end())
        default_id = it->second;
    infos.push_back({{"active", true}, {"available", true},
                     {"defaultRecordTypeMapping", default_id.empty()},
                     {"developerName", "Master"}, {"master", true}, {"name", "Master"},
                     {"recordTypeId", "012000000000000AAA"}});
    for (const RecordType& rt : org().record_types())
      if (rt.object == o->name)
        infos.push_back({{"active", rt.active}, {"available", rt.active},
                         {"defaultRecordTypeMapping", rt.id == default_id},
                         {"developerName", rt.developer_name}, {"master", false},
                         {"name", rt.label}, {"recordTypeId", rt.id}});
    out["recordTypeInfos"] = infos;
    json children = json::array();
    for (const ChildRelationship& r : org().schema().child_relationships(*o)) {
      if (!org().permissions(c.user_id, *r.child).read) continue;
      const std::string& name = r.field->child_relationship_name;
      children.push_back({{"cascadeDelete", cascades_on_delete(*r.child, *r.field, *o)},
                          {"childSObject", r.child->name},
                          {"deprecatedAndHidden", false},
                          {"field", r.field->name},
                          {"junctionIdListNames", json::array()},
                          {"junctionReferenceTo", json::array()},
                          {"relationshipName", name.empty() ? json(nullptr) : json(name)},
                          {"restrictedDelete", false}});
    }
    out["childRelationships"] = std::move(children);
    return json_response(200, out);
  }

  Response object_info(RestApi::Context& c) {
    const ObjectDef* o = visible_object(c, c.request.params.get("type"));
    if (o == nullptr) return not_found();
    return json_response(
        200, {{"objectDescribe", object_summary(c, *o)}, {"recentItems", json::array()}});
  }

  // ---- single records
  // One record's outcome of a save (in a collection, or an upsert): saved
  // (its id and, for an upsert, whether it was created) or the failure
  // object answered for it.
  struct Saved {
    Saved(json failed) : failure(std::move(failed)) {}  // NOLINT: a failure reads as its object
    static Saved ok(std::string id, std::optional<bool> created = std::nullopt) {
      Saved s(json{});
      s.id = std::move(id);
      s.created = created;
      return s;
    }
    bool saved() const { return failure.is_null(); }
    json failure;  // null when saved
    std::string id;
    std::optional<bool> created;
  };

  // A saved record's answer, written straight with its members in name
  // order, as the nlohmann object wrote them:
  // {"created":true,"errors":[],"id":"00Q...","success":true} (created only
  // for an upsert).
  static void write_saved(env::JsonWriter& w, const Saved& r) {
    CRMSIM_ASSERT(r.saved(), "the answer of a saved record");
    w.begin_object();
    if (r.created) {
      w.key("created");
      w.boolean(*r.created);
    }
    w.key("errors");
    w.begin_array();
    w.end_array();
    w.key("id");
    w.string(r.id);
    w.key("success");
    w.boolean(true);
    w.end_object();
  }

  Response create(RestApi::Context& c) {
    const std::string type(c.request.params.get("type"));
    if (visible_object(c, type) == nullptr) return not_found();
    auto body = parse_body(c.request);
    if (!body.ok()) return body.error();
    auto inputs = inputs_from(body.value());
    if (!inputs.ok()) return inputs.error();
    auto id = org().create(c.user_id, type, inputs.value());
    if (!id.ok()) return from(id.error());
    c.records = 1;
    std::string answer;
    env::JsonWriter w(answer);
    write_saved(w, Saved::ok(id.value()));
    Response created = Response::with_body(201, kJson, std::move(answer));
    created.headers.set("Location", "/services/data/v" + c.version + "/sobjects/" +
                                        org().find(id.value())->object->name + "/" + id.value());
    return created;
  }

  Response retrieve(RestApi::Context& c) {
    const std::string type(c.request.params.get("type"));
    const ObjectDef* o = visible_object(c, type);
    if (o == nullptr) return not_found();
    const std::string id(c.request.params.get("id"));
    if (!normalize_id(id)) {
      return errors(404, "NOT_FOUND",
                    "Provided external ID field does not exist or is not accessible: " + id);
    }
    auto r = org().read(c.user_id, type, id);
    if (!r.ok()) return from(r.error());
    c.records = 1;
    const Record& record = *r.value();
    CRMSIM_ASSERT(record.object == o, "a record read by type is of that type");
    // Every readable field in declaration order, or those of ?fields= in
    // the order asked (each once), after the record's attributes, as
    // Salesforce writes them; written straight into the body.
    auto names = c.request.query.get_list("fields");
    std::vector<const FieldDef*> fields;
    if (names.empty()) fields = readable_fields(org(), c.user_id, *record.object);
    for (const auto& n : names) {
      const FieldDef* f = readable_field(c, *o, n);
      if (f == nullptr) {
        return errors(400, "INVALID_FIELD",
                      "No such column '" + n + "' on entity '" + o->name +
                          "'. If you are attempting to use a custom field, be sure to "
                          "append the '__c' after the custom field name. Please reference "
                          "your WSDL or the describe call for the appropriate names.");
      }
      if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
    }
    std::string body;
    env::JsonWriter w(body);
    write_row(w, c.version, record, fields);
    return Response::with_body(200, kJson, std::move(body));
  }

  Response update(RestApi::Context& c) {
    const std::string type(c.request.params.get("type"));
    if (visible_object(c, type) == nullptr) return not_found();
    auto body = parse_body(c.request);
    if (!body.ok()) return body.error();
    auto inputs = inputs_from(body.value());
    if (!inputs.ok()) return inputs.error();
    auto ok = org().update(c.user_id, type, c.request.params.get("id"), inputs.value());
    if (!ok.ok()) return from(ok.error());
    c.records = 1;
    return Response::empty(204);
  }

  Response remove(RestApi::Context& c) {
    const std::string type(c.request.params.get("type"));
    if (visible_object(c, type) == nullptr) return not_found();
    auto ok = org().remove(c.user_id, type, c.request.params.get("id"));
    if (!ok.ok()) return from(ok.error());
    c.records = 1;
    return Response::empty(204);
  }

  // The ids of live, visible records whose `field` equals `value`.
  env::Result<std::vector<std::string>, Response> match_external(const RestApi::Context& c,
                                                                 const ObjectDef& o,
                                                                 const std::string& field_name,
                                                                 const std::string& value) {
    auto ids = org().match_external(c.user_id, o, field_name, value);
    if (!ids.ok()) return env::fail(from(ids.error()));
    return std::move(ids).value();
  }

  Response retrieve_by_external(RestApi::Context& c) {
    const ObjectDef* o = visible_object(c, c.request.params.get("type"));
    if (o == nullptr) return not_found();
    auto ids = match_external(c, *o, std::string(c.request.params.get("field")),
                              std::string(c.request.params.get("value")));
    if (!ids.ok()) return ids.error();
    if (ids->empty()) return not_found();
    if (ids->size() > 1) return multiple_choices(c, *o, ids.value());
    c.records = 1;
    const Record& record = *org().find(ids->front());
    std::string body;
    env::JsonWriter w(body);
    write_row(w, c.version, record, readable_fields(org(), c.user_id, *record.object));
    return Response::with_body(200, kJson, std::move(body));
  }

  Response multiple_choices(const RestApi::Context& c, const ObjectDef&,
                            const std::vector<std::string>& ids) {
    json urls = json::array();
    for (const auto& id : ids) urls.push_back(sobject_url(c.version, *org().find(id)));
    return json_response(300, urls);
  }

  // Upsert one record; returns its outcome (a failure: the errors array)
  // and the HTTP status.
  std::pair<Saved, int> upsert_one(RestApi::Context& c, const ObjectDef& o,
                                   const std::string& field, const std::string& value,
                                   FieldInputs inputs, bool collection) {
    auto done = org().upsert(c.user_id, o, field, value, std::move(inputs));
    if (!done.ok()) {
      const ApiError& e = done.error();
      return {json::array({error_entry(e.error_code, e.message, e.fields, collection)}), e.status};
    }
    return {Saved::ok(done->id, done->created), done->created ? 201 : 200};
  }

  Response upsert(RestApi::Context& c) {
    const ObjectDef* o = visible_object(c, c.request.params.get("type"));
    if (o == nullptr) return not_found();
    auto body = parse_body(c.request);
    if (!body.ok()) return body.error();
    auto inputs = inputs_from(body.value());
    if (!inputs.ok()) return inputs.error();
    auto [result, status] =
        upsert_one(c, *o, std::string(c.request.params.get("field")),
                   std::string(c.request.params.get("value")), inputs.value(), false);
    if (!result.saved()) return json_response(status, result.failure);
    c.records = 1;
    std::string answer;
    env::JsonWriter w(answer);
    write_saved(w, result);
    return Response::with_body(status, kJson, std::move(answer));
  }

  // ---- query
  int64_t batch_size(const Request& r) {
    int64_t size = kQueryBatchSizeMax;
    if (auto options = r.headers.get("Sforce-Query-Options")) {
      const size_t at = options->find("batchSize=");
      if (at != std::string_view::npos) {
        int64_t n = 0;
        for (size_t i = at + 10;
             i < options->size() && std::isdigit(static_cast<unsigned char>((*options)[i])); ++i) {
          n = std::min<int64_t>(n * 10 + ((*options)[i] - '0'), kQueryBatchSizeMax);
        }
        size = std::clamp(n, kQueryBatchSizeMin, kQueryBatchSizeMax);
      }
    }
    return size;
  }

  Response page(RestApi::Context& c, RestApi::Locator& cursor, const std::string& locator_id,
                const std::string& kind) {
    const size_t end =
        std::min(cursor.ids.size(), cursor.position + static_cast<size_t>(cursor.batch_size));
    std::vector<const Record*> rows;
    rows.reserve(end - cursor.position);
    const std::optional<Access> wide = org().object_wide_access(c.user_id, *cursor.object);
    for (size_t i = cursor.position; i < end; ++i) {
      const Record* r = org().find(cursor.ids[i]);
      // Sharing is decided again for every row of every page: access taken
      // away after the first page hides the record here too, as reading it
      // by id would.
      if (r == nullptr) continue;
      const Access a =
          wide && r->object == cursor.object ? *wide : org().access(c.user_id, *r);
      if (a < Access::kRead) continue;
      rows.push_back(r);
    }
    c.records = static_cast<int64_t>(rows.size());
    cursor.position = end;
    cursor.last_used = org().clock().now();
    // Written straight into the body: a page of own fields row by row, any
    // other shape through query_rows.
    std::string body;
    env::JsonWriter w(body);
    w.begin_object();
    w.key("totalSize");
    w.number(static_cast<uint64_t>(cursor.ids.size()));
    w.key("done");
    w.boolean(end == cursor.ids.size());
    if (end < cursor.ids.size()) {
      w.key("nextRecordsUrl");
      w.string("/services/data/v" + c.version + "/" + kind + "/" + locator_id + "-" +
               std::to_string(end));
    }
    w.key("records");
    w.begin_array();
    if (auto fields = own_fields(*cursor.object, *cursor.query)) {
      body.reserve(rows.size() * (64 + 40 * fields->size()));
      for (const Record* r : rows) write_row(w, c.version, *r, *fields);
    } else {
      for (const json& record : query_rows(org(), c.user_id, c.version, *cursor.object,
                                           *cursor.query, rows, cursor.include_deleted))
        w.value(record);
    }
    w.end_array();
    w.end_object();
    // The cursor is done with last: `kind` and `locator_id` may live in it.
    if (end == cursor.ids.size()) api.locators_.erase(locator_id);
    return Response::with_body(200, kJson, std::move(body));
  }

  void expire_locators(const std::string& user_id) {
    const env::Timestamp now = org().clock().now();
    std::erase_if(api.locators_,
                  [&](const auto& e) { return now - e.second.last_used > kQueryLocatorIdleMax; });
    std::vector<std::pair<env::Timestamp, std::string>> mine;
    for (const auto& [id, l] : api.locators_) {
      if (l.user_id == user_id) mine.emplace_back(l.last_used, id);
    }
    std::sort(mine.begin(), mine.end());
    for (size_t i = 0; i + kQueryLocatorsPerUserMax <= mine.size(); ++i)
      api.locators_.erase(mine[i].second);
  }

  Response query(RestApi::Context& c, bool all) {
    auto q = c.request.query.get("q");
    if (!q)
      return errors(400, "MALFORMED_QUERY", "Missing the q parameter: a SOQL query is required");
    auto result = run_query(org(), c.user_id, *q, all);
    if (!result.ok()) return from(result.error());
    if (result->query.count_only) {
      return json_response(
          200, {{"totalSize", result->total_size}, {"done", true}, {"records", json::array()}});
    }
    if (result->query.aggregates()) {
      c.records = result->total_size;
      return json_response(200, {{"totalSize", result->total_size},
                                 {"done", true},
                                 {"records", aggregate_rows(result->groups)}});
    }
    expire_locators(c.user_id);
    RestApi::Locator cursor;
    cursor.user_id = c.user_id;
    cursor.version = c.version;
    cursor.query = std::make_shared<const Query>(std::move(result->query));
    cursor.include_deleted = all;
    cursor.object = result->object;
    cursor.batch_size = batch_size(c.request);
    for (const Record* r : result->rows) cursor.ids.push_back(r->id);
    const std::string locator_id = make_id("01g", ++api.locator_sequence_);
    auto [it, inserted] = api.locators_.emplace(locator_id, std::move(cursor));
    return page(c, it->second, locator_id, all ? "queryAll" : "query");
  }

  Response query_more(RestApi::Context& c, bool all) {
    const std::string raw(c.request.params.get("locator"));
    const size_t dash = raw.rfind('-');
    auto invalid = [] { return errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator"); };
    if (dash == std::string::npos) return invalid();
    expire_locators(c.user_id);
    const std::string id = raw.substr(0, dash);
    auto it = api.locators_.find(id);
    if (it == api.locators_.end() || it->second.user_id != c.user_id) return invalid();
    size_t position = 0;
    const std::string offset = raw.substr(dash + 1);
    if (offset.empty() || offset.size() > 9 ||
        offset.find_first_not_of("0123456789") != std::string::npos) {
      return invalid();
    }
    position = std::stoul(offset);
    if (position > it->second.ids.size()) return invalid();
    it->second.position = position;
    return page(c, it->second, id, all ? "queryAll" : "query");
  }

  // ---- search (SOSL)
  Response search_answer(RestApi::Context& c, const SearchRequest& request) {
    auto found = run_search(org(), c.user_id, request);
    if (!found.ok()) return from(found.error());
    json records = json::array();
    for (const QueryResult& group : found.value()) {
      json rows = query_rows(org(), c.user_id, c.version, *group.object, group.query, group.rows,
                             false);
      for (auto& r : rows) records.push_back(std::move(r));
    }
    c.records = static_cast<int64_t>(records.size());
    return json_response(200, {{"searchRecords", std::move(records)}});
  }

  Response search(RestApi::Context& c) {
    auto q = c.request.query.get("q");
    if (!q || q->empty()) {
      return errors(400, "MALFORMED_SEARCH",
                    "No search term found. The search term must be enclosed in braces.");
    }
    auto request = parse_sosl(*q);
    if (!request.ok()) return from(request.error());
    return search_answer(c, request.value());
  }

  // parameterizedSearch: GET with q, in, fields, sobject (repeated),
  // <Object>.fields, <Object>.limit, overallLimit, defaultLimit; or POST with
  // the same as JSON ("sobjects": [{"name", "fields", "where", "limit"}]).
  Response parameterized_search(RestApi::Context& c) {
    SearchRequest request;
    auto scope_of = [](std::string_view in) -> std::optional<SearchScope> {
      if (in.empty() || env::iequals(in, "ALL")) return SearchScope::kAll;
      if (env::iequals(in, "NAME")) return SearchScope::kName;
      if (env::iequals(in, "EMAIL")) return SearchScope::kEmail;
      if (env::iequals(in, "PHONE")) return SearchScope::kPhone;
      return std::nullopt;
    };
    auto count_of = [](std::string_view text) -> std::optional<int64_t> {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
      return n;
    };
    auto bad = [](const std::string& what) { return errors(400, "INVALID_SEARCH", what); };
    std::vector<std::string> default_fields;
    std::string in;
    if (c.request.method == Method::kGet) {
      const auto& p = c.request.query;
      request.term = std::string(p.get("q").value_or(""));
      in = std::string(p.get("in").value_or(""));
      default_fields = p.get_list("fields");
      for (const std::string& name : p.get_list("sobject")) {
        SearchGroup g;
        g.object = name;
        g.fields = p.get_list(name + ".fields");
        if (auto limit = p.get(name + ".limit")) {
          g.limit = count_of(*limit);
          if (!g.limit) return bad(name + ".limit must be a number");
        }
        request.returning.push_back(std::move(g));
      }
      for (const char* key : {"overallLimit", "defaultLimit"}) {
        if (auto v = p.get(key)) {
          auto n = count_of(*v);
          if (!n) return bad(std::string(key) + " must be a number");
          (std::string_view(key) == "overallLimit" ? request.limit : request.default_limit) = n;
        }
      }
    } else {
      auto body = parse_body(c.request);
      if (!body.ok()) return body.error();
      const json& b = body.value();
      if (!b.is_object()) return bad("the body must be a JSON object");
      auto text = [&](const json& o, const char* key) {
        return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
      };
      auto names = [&](const json& o, const char* key) {
        std::vector<std::string> out;
        if (o.contains(key) && o[key].is_array()) {
          for (const auto& f : o[key]) {
            if (f.is_string()) out.push_back(f.get<std::string>());
          }
        }
        return out;
      };
      auto number = [&](const json& o, const char* key) -> std::optional<int64_t> {
        if (!o.contains(key) || !o[key].is_number_integer() || o[key].get<int64_t>() < 0)
          return std::nullopt;
        return o[key].get<int64_t>();
      };
      request.term = text(b, "q");
      in = text(b, "in");
      default_fields = names(b, "fields");
      request.limit = number(b, "overallLimit");
      request.default_limit = number(b, "defaultLimit");
      if (b.contains("sobjects")) {
        if (!b["sobjects"].is_array()) return bad("sobjects must be an array");
        if (b["sobjects"].size() > kSoslGroupsMax) {
          return bad("more than " + std::to_string(kSoslGroupsMax) + " sobjects");
        }
        for (const json& o : b["sobjects"]) {
          if (!o.is_object()) return bad("each of sobjects must be an object");
          SearchGroup g;
          g.object = text(o, "name");
          g.fields = names(o, "fields");
          g.where = text(o, "where");
          g.limit = number(o, "limit");
          request.returning.push_back(std::move(g));
        }
      }
    }
    if (request.term.empty()) return errors(400, "MISSING_ARGUMENT", "q: a search term is required");
    auto scope = scope_of(in);
    if (!scope) return bad("in must be ALL, NAME, EMAIL or PHONE");
    request.scope = *scope;
    if (request.returning.size() > kSoslGroupsMax) {
      return bad("more than " + std::to_string(kSoslGroupsMax) + " sobjects");
    }
    for (SearchGroup& g : request.returning) {
      if (g.fields.empty()) g.fields = default_fields;
    }
    return search_answer(c, request);
  }

  // ---- collections
  Response too_many() {
    return errors(400, "EXCEEDED_ID_LIMIT",
                  "record limit reached. cannot submit more than " +
                      std::to_string(kCollectionRecordsMax) + " records into this call");
  }

  // Runs `each` for every record under all-or-none rules; returns results,
  // written straight.
  template <typename Each>
  Response collection(RestApi::Context& c, size_t count, bool all_or_none, Each each) {
    if (count > kCollectionRecordsMax) return too_many();
    std::vector<Saved> results;
    results.reserve(count);
    // Rolls back on every way out unless committed below.
    std::optional<Org::ChangeSet> changes;
    if (all_or_none) changes.emplace(org());
    bool any_failed = false;
    for (size_t i = 0; i < count; ++i) {
      results.push_back(each(i));
      any_failed = any_failed || !results.back().saved();
    }
    if (all_or_none) {
      if (any_failed) {
        changes->rollback();
        for (Saved& r : results) {
          if (!r.saved()) continue;
          r = Saved(
              json{{"success", false},
                   {"errors", json::array({error_entry("ALL_OR_NONE_OPERATION_ROLLED_BACK",
                                                       "Record rolled back because not all records "
                                                       "were valid and the request was using "
                                                       "AllOrNone header",
                                                       {}, true)})}});
        }
      } else {
        changes->commit();
      }
    }
    std::string body;
    env::JsonWriter w(body);
    w.begin_array();
    for (const Saved& r : results) {
      if (!r.saved()) {
        w.value(r.failure);
        continue;
      }
      c.records += 1;
      write_saved(w, r);
    }
    w.end_array();
    return Response::with_body(200, kJson, std::move(body));
  }

  static json failure(const ApiError& e, const std::string& id = "") {
    json out = {{"success", false},
                {"errors", json::array({error_entry(e.error_code, e.message, e.fields, true)})}};
    if (!id.empty()) out["id"] = id;
    return out;
  }

  // Inside a collection, an id that names no readable record is an invalid
  // cross reference rather than a 404.
  static ApiError by_id_error(const ApiError& e) {
    if (e.error_code != "NOT_FOUND") return e;
    return {400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", {}};
  }

  env::Result<std::pair<json, bool>, Response> collection_body(const Request& r) {
    auto body = parse_body(r);
    if (!body.ok()) return env::fail(body.error());
    if (!body->is_object() || !body->contains("records") || !(*body)["records"].is_array()) {
      return env::fail(errors(400, "JSON_PARSER_ERROR",
                              "The request body must be an object with a records array"));
    }
    bool all_or_none = false;
    if (auto it = body->find("allOrNone"); it != body->end() && !it->is_null()) {
      if (!it->is_boolean()) {
        return env::fail(errors(400, "JSON_PARSER_ERROR",
                                "Cannot deserialize value of type `boolean` from " +
                                    json_token_name(*it) + " for allOrNone"));
      }
      all_or_none = it->get<bool>();
    }
    return std::pair<json, bool>{std::move((*body)["records"]), all_or_none};
  }

  std::string record_type(const json& record) {
    if (record.is_object() && record.contains("attributes") && record["attributes"].is_object()) {
      return string_member(record["attributes"], "type").value_or("");
    }
    return "";
  }

  Response collection_create(RestApi::Context& c) {
    auto body = collection_body(c.request);
    if (!body.ok()) return body.error();
    const json& records = body->first;
    return collection(c, records.size(), body->second, [&](size_t i) -> Saved {
      const std::string type = record_type(records[i]);
      if (type.empty())
        return failure({400, "INVALID_TYPE", "Must send a concrete entity type.", {}});
      if (visible_object(c, type) == nullptr) {
        return failure({400, "INVALID_TYPE", "sObject type '" + type + "' is not supported.", {}});
      }
      if (records[i].contains("Id") || records[i].contains("id")) {
        return failure({400, "INVALID_FIELD", "cannot specify Id in an insert call", {}});
      }
      auto inputs = inputs_from(records[i]);
      if (!inputs.ok()) return failure({400, "JSON_PARSER_ERROR", "invalid record", {}});
      auto id = org().create(c.user_id, type, inputs.value());
      if (!id.ok()) return failure(id.error());
      return Saved::ok(id.value());
    });
  }

  Response collection_update(RestApi::Context& c) {
    auto body = collection_body(c.request);
    if (!body.ok()) return body.error();
    const json& records = body->first;
    return collection(c, records.size(), body->second, [&](size_t i) -> Saved {
      const std::string type = record_type(records[i]);
      const json* id_value = member(records[i], "Id");
      if (id_value == nullptr) id_value = member(records[i], "id");
      if (id_value != nullptr && !id_value->is_string() && !id_value->is_null()) {
        return failure({400,
                        "INVALID_TYPE_ON_FIELD_IN_RECORD",
                        "Id: value not of required type: " + dump(*id_value),
                        {"Id"}});
      }
      const std::string id =
          id_value != nullptr && id_value->is_string() ? id_value->get<std::string>() : "";
      if (type.empty())
        return failure({400, "INVALID_TYPE", "Must send a concrete entity type.", {}}, id);
      if (id.empty())
        return failure({400, "MISSING_ARGUMENT", "Id not specified in an update call", {}});
      if (visible_object(c, type) == nullptr) {
        return failure({400, "INVALID_TYPE", "sObject type '" + type + "' is not supported.", {}},
                       id);
      }
      auto inputs = inputs_from(records[i]);
      if (!inputs.ok()) return failure({400, "JSON_PARSER_ERROR", "invalid record", {}}, id);
      auto ok = org().update(c.user_id, type, id, inputs.value());
      const std::string full = normalize_id(id).value_or(id);
      if (!ok.ok()) {
        return failure(by_id_error(ok.error()), full);
      }
      return Saved::ok(full);
    });
  }

  Response collection_delete(RestApi::Context& c) {
    const auto ids = c.request.query.get_list("ids");
    const bool all_or_none = c.request.query.get("allOrNone") == "true";
    if (ids.empty()) return errors(400, "MISSING_ARGUMENT", "ids parameter is required");
    return collection(c, ids.size(), all_or_none, [&](size_t i) -> Saved {
      auto ok = org().remove(c.user_id, "", ids[i]);
      const std::string full = normalize_id(ids[i]).value_or(ids[i]);
      if (!ok.ok()) {
        return failure(by_id_error(ok.error()), full);
      }
      return Saved::ok(full);
    });
  }

  Response collection_upsert(RestApi::Context& c) {
    const ObjectDef* o = visible_object(c, c.request.params.get("type"));
    if (o == nullptr) return not_found();
    auto body = collection_body(c.request);
    if (!body.ok()) return body.error();
    const json& records = body->first;
    const std::string field(c.request.params.get("field"));
    if (o->field(field) == nullptr) {
      return errors(404, "NOT_FOUND",
                    "Provided external ID field does not exist or is not accessible: " + field);
    }
    return collection(c, records.size(), body->second, [&](size_t i) -> Saved {
      auto inputs = inputs_from(records[i]);
      if (!inputs.ok()) return failure({400, "JSON_PARSER_ERROR", "invalid record", {}});
      std::string value;
      for (const auto& [k, v] : inputs.value()) {
        if (o->field(k) == o->field(field)) value = v.to_text();
      }
      if (value.empty()) {
        return failure({400, "MISSING_ARGUMENT", field + " not specified", {}});
      }
      auto [result, status] = upsert_one(c, *o, field, value, inputs.value(), true);
      if (!result.saved()) return json{{"success", false}, {"errors", std::move(result.failure)}};
      return result;
    });
  }

  Response collection_retrieve(RestApi::Context& c, const std::vector<std::string>& ids,
                               const std::vector<std::string>& fields) {
    const ObjectDef* o = visible_object(c, c.request.params.get("type"));
    if (o == nullptr) return not_found();
    if (ids.size() > 2000) return too_many();
    if (ids.empty() || fields.empty())
      return errors(400, "MISSING_ARGUMENT", "ids and fields are required");
    // The fields in the order asked, each once, after each record's
    // attributes (as a retrieve writes them); null for an id not read.
    std::vector<const FieldDef*> select;
    for (const auto& name : fields) {
      const FieldDef* f = readable_field(c, *o, name);
      if (f == nullptr) {
        return errors(400, "INVALID_FIELD",
                      "No such column '" + name + "' on entity '" + o->name + "'");
      }
      if (std::find(select.begin(), select.end(), f) == select.end()) select.push_back(f);
    }
    std::string body;
    env::JsonWriter w(body);
    w.begin_array();
    for (const auto& id : ids) {
      auto r = org().read(c.user_id, o->name, id);
      if (r.ok()) {
        write_row(w, c.version, *r.value(), select);
        ++c.records;
      } else {
        w.null();
      }
    }
    w.end_array();
    return Response::with_body(200, kJson, std::move(body));
  }

  Response collection_retrieve_post(RestApi::Context& c) {
    auto body = parse_body(c.request);
    if (!body.ok()) return body.error();
    if (!body->is_object() || !(*body)["ids"].is_array() || !(*body)["fields"].is_array()) {
      return errors(400, "JSON_PARSER_ERROR", "The request body must have ids and fields arrays");
    }
    std::vector<std::string> ids, fields;
    for (const auto& v : (*body)["ids"])
      if (v.is_string()) ids.push_back(v.get<std::string>());
    for (const auto& v : (*body)["fields"])
      if (v.is_string()) fields.push_back(v.get<std::string>());
    return collection_retrieve(c, ids, fields);
  }

  // ---- replication
  Response replication(RestApi::Context& c, bool deleted) {
    const ObjectDef* o = visible_object(c, c.request.params.get("type"));
    if (o == nullptr) return not_found();
    auto start_text = c.request.query.get("start");
    auto end_text = c.request.query.get("end");
    if (!start_text || !end_text) {
      return errors(400, "MISSING_ARGUMENT", "start and end are required");
    }
    auto start = env::parse_datetime(*start_text);
    auto end = env::parse_datetime(*end_text);
    if (!start || !end)
      return errors(400, "INVALID_REPLICATION_DATE", "start and end must be ISO-8601 datetimes");
    const env::Timestamp now = org().clock().now();
    const env::Duration lookback = deleted ? kDeletedLookbackMax : kUpdatedLookbackMax;
    if (*start < now - lookback) {
      return errors(400, "INVALID_REPLICATION_DATE",
                    "startDate cannot be more than " + std::to_string(lookback.ms() / 86'400'000) +
                        " days ago");
    }
    if (*end < *start)
      return errors(400, "INVALID_REPLICATION_DATE",
                    "endDate must chronologically follow the startDate");
    // Salesforce answers to the minute: latestDateCovered is end (or now),
    // rounded down to a whole minute.
    env::Timestamp covered = std::min(*end, now);
    covered = env::Timestamp::from_ms(covered.ms_since_epoch() - covered.ms_since_epoch() % 60'000);
    json items = json::array();
    std::optional<env::Timestamp> earliest;
    // Deleted: the recycle bin only; updated: the live records (id order).
    std::vector<const Record*> candidates;
    if (deleted) {
      candidates = org().deleted_records(*o);
    } else {
      for (const auto& [id, r] : org().records(*o))
        if (!r.deleted) candidates.push_back(&r);
    }
    for (const Record* record : candidates) {
      const Record& r = *record;
      const std::string& id = r.id;
      if (org().access(c.user_id, r) == Access::kNone) continue;
      if (deleted) {
        if (!earliest || r.deleted_at < *earliest) earliest = r.deleted_at;
        if (r.deleted_at < *start || r.deleted_at >= covered) continue;
        items.push_back(
            {{"id", id}, {"deletedDate", env::format_salesforce_datetime(r.deleted_at)}});
      } else {
        if (r.deleted) continue;
        auto stamp = env::parse_datetime(r.get("SystemModstamp").to_text());
        if (!stamp || *stamp < *start || *stamp >= covered) continue;
        items.push_back(id);
      }
      if (items.size() > kReplicationIdsMax) {
        return errors(400, "EXCEEDED_ID_LIMIT", "too many ids: narrow the date range");
      }
    }
    c.records = static_cast<int64_t>(items.size());
    if (deleted) {
      return json_response(200, {{"deletedRecords", items},
                                 {"earliestDateAvailable", env::format_salesforce_datetime(
                                                               earliest.value_or(now - lookback))},
                                 {"latestDateCovered", env::format_salesforce_datetime(covered)}});
    }
    return json_response(
        200, {{"ids", items}, {"latestDateCovered", env::format_salesforce_datetime(covered)}});
  }
};

void RestApi::install_routes() {
  auto routes = std::make_shared<RestRoutes>(RestRoutes{*this});
  env::Router& r = router_;
  r.add(Method::kPost, "/services/oauth2/token",
        [routes](const Request& q) { return routes->oauth_token(q); });
  r.add(Method::kGet, "/services/data", [routes](const Request& q) { return routes->versions(q); });

  const std::string base = "/services/data/:version";
  // A counted, authenticated data route; `route` names it in the journal.
  auto data = [this, routes](Method m, const std::string& pattern,
                             std::function<Response(RestRoutes&, Context&)> fn) {
    const std::string route = pattern.substr(std::string("/services/data/:version").size());
    router_.add(m, pattern, [this, routes, route, fn](const Request& q) {
      return data_call(q, route.empty() ? "/" : route, [&](Context& c) { return fn(*routes, c); });
    });
    // What a composite subrequest may reach: records, queries, collections
    // and limits.
    static constexpr std::string_view kSubrequestRoutes[] = {"/sobjects", "/query", "/queryAll",
                                                             "/composite/sobjects", "/limits"};
    const bool reachable = std::any_of(
        std::begin(kSubrequestRoutes), std::end(kSubrequestRoutes),
        [&](std::string_view prefix) { return route.starts_with(prefix); });
    if (!reachable) return;
    subrequests_.add(m, pattern, [this, routes, fn](const Request& q) {
      auto version = parse_version(q.params.get("version"));
      if (!version) return not_found();
      Context c{q, subrequest_user_, *version, 0};
      Response r = fn(*routes, c);
      subrequest_records_ += c.records;
      return r;
    });
  };
  data(Method::kGet, base, [](RestRoutes& s, Context& c) { return s.resources(c); });
  data(Method::kGet, base + "/limits", [](RestRoutes& s, Context& c) { return s.limits(c); });
  data(Method::kGet, base + "/sobjects",
       [](RestRoutes& s, Context& c) { return s.global_describe(c); });
  data(Method::kGet, base + "/sobjects/:type",
       [](RestRoutes& s, Context& c) { return s.object_info(c); });
  data(Method::kPost, base + "/sobjects/:type",
       [](RestRoutes& s, Context& c) { return s.create(c); });
  data(Method::kGet, base + "/sobjects/:type/describe",
       [](RestRoutes& s, Context& c) { return s.describe(c); });
  data(Method::kGet, base + "/sobjects/:type/updated",
       [](RestRoutes& s, Context& c) { return s.replication(c, false); });
  data(Method::kGet, base + "/sobjects/:type/deleted",
       [](RestRoutes& s, Context& c) { return s.replication(c, true); });
  data(Method::kGet, base + "/sobjects/:type/:id",
       [](RestRoutes& s, Context& c) { return s.retrieve(c); });
  data(Method::kPatch, base + "/sobjects/:type/:id",
       [](RestRoutes& s, Context& c) { return s.update(c); });
  data(Method::kDelete, base + "/sobjects/:type/:id",
       [](RestRoutes& s, Context& c) { return s.remove(c); });
  data(Method::kGet, base + "/sobjects/:type/:field/:value",
       [](RestRoutes& s, Context& c) { return s.retrieve_by_external(c); });
  data(Method::kPatch, base + "/sobjects/:type/:field/:value",
       [](RestRoutes& s, Context& c) { return s.upsert(c); });
  data(Method::kGet, base + "/query", [](RestRoutes& s, Context& c) { return s.query(c, false); });
  data(Method::kGet, base + "/search", [](RestRoutes& s, Context& c) { return s.search(c); });
  data(Method::kGet, base + "/parameterizedSearch",
       [](RestRoutes& s, Context& c) { return s.parameterized_search(c); });
  data(Method::kPost, base + "/parameterizedSearch",
       [](RestRoutes& s, Context& c) { return s.parameterized_search(c); });
  data(Method::kGet, base + "/queryAll",
       [](RestRoutes& s, Context& c) { return s.query(c, true); });
  data(Method::kGet, base + "/query/:locator",
       [](RestRoutes& s, Context& c) { return s.query_more(c, false); });
  data(Method::kGet, base + "/queryAll/:locator",
       [](RestRoutes& s, Context& c) { return s.query_more(c, true); });
  data(Method::kPost, base + "/composite/sobjects",
       [](RestRoutes& s, Context& c) { return s.collection_create(c); });
  data(Method::kPatch, base + "/composite/sobjects",
       [](RestRoutes& s, Context& c) { return s.collection_update(c); });
  data(Method::kDelete, base + "/composite/sobjects",
       [](RestRoutes& s, Context& c) { return s.collection_delete(c); });
  data(Method::kPost, base + "/composite/sobjects/:type",
       [](RestRoutes& s, Context& c) { return s.collection_retrieve_post(c); });
  data(Method::kGet, base + "/composite/sobjects/:type", [](RestRoutes& s, Context& c) {
    return s.collection_retrieve(c, c.request.query.get_list("ids"),
                                 c.request.query.get_list("fields"));
  });
  data(Method::kPatch, base + "/composite/sobjects/:type/:field",
       [](RestRoutes& s, Context& c) { return s.collection_upsert(c); });
}

}  // namespace crmsim::mocks::salesforce
