#include "engine/salesforce_client.h"

#include <functional>

#include <nlohmann/json.hpp>

#include "engine/answer_json.h"
#include "env/assert.h"
#include "env/json_body.h"
#include "env/json_writer.h"
#include "env/percent_encoding.h"
#include "env/time.h"

namespace crmsim::engine {

using env::fail;

using nlohmann::json;

bool SfError::transient() const {
  return status == 0 || status >= 500 || code == "UNABLE_TO_LOCK_ROW" || budget() ||
         credentials() || code == "INVALID_SESSION_ID" || code == "SERVER_UNAVAILABLE";
}

const std::string& SfRecord::get(const std::string& field) const {
  static const std::string kBlank;
  auto it = fields.find(field);
  return it == fields.end() ? kBlank : it->second;
}

std::string soql_quote(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

namespace {

// A field's value as the engine keeps it: "" for null, a string as is,
// true/false, a whole number without its ".0", anything else as JSON.
std::string value_text(simdjson::dom::element v) {
  using simdjson::dom::element_type;
  switch (v.type()) {
    case element_type::NULL_VALUE:
      return "";
    case element_type::STRING:
      return std::string(std::string_view(v.get_string()));
    case element_type::BOOL:
      return bool(v.get_bool()) ? "true" : "false";
    case element_type::DOUBLE: {
      // 12000.0 reads as "12000", as a person would write it.
      const double d = v.get_double();
      if (d > -1e15 && d < 1e15 && d == static_cast<double>(static_cast<int64_t>(d)))
        return std::to_string(static_cast<int64_t>(d));
      return dump_like_nlohmann(v);
    }
    default:
      return dump_like_nlohmann(v);
  }
}

// A record's fields, relationship fields flattened ("Owner.Email"); the
// record's `attributes` (type and url) are no field. A later duplicate key
// wins, as it did in nlohmann's tree. The depth is bounded by the parser's.
void flatten(simdjson::dom::object object, const std::string& prefix, SfFields& out) {
  for (auto [key, value] : object) {
    if (key == "attributes") continue;
    if (value.is_object()) {
      flatten(value.get_object(), prefix + std::string(key) + ".", out);
    } else {
      out.insert_or_assign(prefix + std::string(key), value_text(value));
    }
  }
}

SfRecord record_from(simdjson::dom::object j) {
  SfRecord r;
  simdjson::dom::object attributes;
  std::string_view type;
  if (j["attributes"].get(attributes) == simdjson::SUCCESS &&
      attributes["type"].get(type) == simdjson::SUCCESS)
    r.type = std::string(type);
  flatten(j, "", r.fields);
  r.id = r.get("Id");
  return r;
}

// A record's fields as members of the object `w` has open: in name order,
// an empty value as null; bytes that are not UTF-8 are replaced.
void write_fields(env::JsonWriter& w, const SfFields& fields) {
  for (const auto& [name, value] : fields) {
    w.key(name);
    if (value.empty())
      w.null();
    else
      w.string(value);
  }
}

// The body of one record's create or update.
std::string fields_body(const SfFields& fields) {
  std::string out;
  env::JsonWriter w(out);
  w.begin_object();
  write_fields(w, fields);
  w.end_object();
  return out;
}

// The body of an sObject Collections create or update: each record its
// attributes (the type), its fields and, for an update, its id.
std::string collection_body(std::string_view type, size_t count,
                            const std::function<const SfFields&(size_t)>& fields_of,
                            const std::function<const std::string*(size_t)>& id_of) {
  std::string out;
  env::JsonWriter w(out);
  w.begin_object();
  w.key("allOrNone");
  w.boolean(false);
  w.key("records");
  w.begin_array();
  for (size_t i = 0; i < count; ++i) {
    w.begin_object();
    w.key("attributes");
    w.begin_object();
    w.key("type");
    w.string(type);
    w.end_object();
    write_fields(w, fields_of(i));
    if (const std::string* id = id_of(i)) {
      w.key("id");
      w.string(*id);
    }
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

// Salesforce's error array, or the first element of it.
SfError error_from(int status, const std::string& body) {
  SfError e;
  e.status = status;
  json j = env::parse_json_or_discarded(body);
  const json* first = nullptr;
  if (j.is_array() && !j.empty() && j[0].is_object()) first = &j[0];
  if (j.is_object()) first = &j;
  if (first != nullptr) {
    e.code = first->value("errorCode", first->value("statusCode", first->value("error", "")));
    e.message = first->value("message", first->value("error_description", ""));
    if (first->contains("fields") && (*first)["fields"].is_array())
      for (const auto& f : (*first)["fields"])
        if (f.is_string()) e.fields.push_back(f.get<std::string>());
  }
  if (e.code.empty()) e.code = "HTTP_" + std::to_string(status);
  return e;
}

std::vector<SaveResult> save_results(const json& j, size_t expected) {
  std::vector<SaveResult> out;
  if (j.is_array()) {
    for (const auto& item : j) {
      SaveResult r;
      r.success = item.value("success", false);
      if (item.contains("id") && item["id"].is_string()) r.id = item["id"].get<std::string>();
      if (!r.success) {
        r.error.status = 400;
        if (item.contains("errors") && item["errors"].is_array() && !item["errors"].empty())
          r.error = error_from(400, item["errors"].dump());
        else
          r.error.code = "UNKNOWN";
      }
      out.push_back(std::move(r));
    }
  }
  while (out.size() < expected) {
    SaveResult missing;
    missing.error = SfError{200, "MISSING_RESULT", "no result for this record", {}};
    out.push_back(std::move(missing));
  }
  return out;
}

SfError transport_error(const env::TransportError& e) {
  using K = env::TransportError::Kind;
  SfError out;
  out.status = 0;
  switch (e.kind) {
    case K::kTimeout:
      out.code = "TIMEOUT";
      break;
    case K::kConnectionRefused:
      out.code = "CONNECTION_REFUSED";
      break;
    case K::kConnectionClosed:
      out.code = "CONNECTION_CLOSED";
      break;
    case K::kInvalidRequest:
      out.code = "INVALID_REQUEST";
      break;
  }
  out.message = e.message;
  return out;
}

}  // namespace

SalesforceClient::SalesforceClient(env::Transport& transport, BudgetGovernor& budget,
                                   SalesforceCredentials credentials)
    : transport_(transport), budget_(budget), credentials_(std::move(credentials)) {}

std::string SalesforceClient::data_path(std::string_view rest) const {
  return std::string("/services/data/v") + kApiVersion + std::string(rest);
}

env::Result<env::Ok, SfError> SalesforceClient::login() {
  auto request = env::Request::make(env::Method::kPost, "/services/oauth2/token").value();
  request.headers.set("Content-Type", "application/x-www-form-urlencoded");
  request.body = "grant_type=password&client_id=" + env::percent_encode(credentials_.client_id) +
                 "&client_secret=" + env::percent_encode(credentials_.client_secret) +
                 "&username=" + env::percent_encode(credentials_.username) +
                 "&password=" + env::percent_encode(credentials_.password);
  auto response = transport_.send(request);
  if (!response) return fail(transport_error(response.error()));
  if (response->status != 200) return fail(error_from(response->status, response->body));
  json j = env::parse_json_or_discarded(response->body);
  if (!j.is_object() || !j.contains("access_token") || !j["access_token"].is_string())
    return fail(SfError{response->status, "BAD_RESPONSE", "login answer without access_token", {}});
  token_ = j["access_token"].get<std::string>();
  const std::string id = j.value("id", "");
  user_id_ = id.substr(id.find_last_of('/') + 1);
  return env::Ok{};
}

env::Result<SalesforceClient::Reply, SfError> SalesforceClient::call(env::Method method,
                                                                     const std::string& path,
                                                                     const std::string& body) {
  for (int attempt = 0; attempt < kLoginAttemptsMax; ++attempt) {
    if (token_.empty()) {
      if (auto s = login(); !s) return fail(s.error());
    }
    if (!budget_.allows(1))
      return fail(SfError{0, "BUDGET", "the integration's API call limit is used up", {}});
    auto request = env::Request::make(method, path);
    if (!request) return fail(SfError{0, "INVALID_REQUEST", request.error().message, {}});
    request->headers.set("Authorization", "Bearer " + token_);
    request->headers.set("Accept", "application/json");
    if (!body.empty()) {
      request->headers.set("Content-Type", "application/json");
      request->body = body;
    }
    budget_.spend();
    ++calls_;
    auto response = transport_.send(request.value());
    if (!response) return fail(transport_error(response.error()));
    if (auto info = response->headers.get("Sforce-Limit-Info")) {
      // "api-usage=USED/MAX"
      std::string text(*info);
      size_t eq = text.find('=');
      size_t slash = text.find('/');
      if (eq != std::string::npos && slash != std::string::npos && slash > eq) {
        try {
          budget_.observe_org_usage(std::stoll(text.substr(eq + 1, slash - eq - 1)),
                                    std::stoll(text.substr(slash + 1)));
        } catch (const std::exception&) {  // a malformed header is ignored
        }
      }
    }
    if (response->status == 401) {
      token_.clear();  // the session ended: log in again once
      continue;
    }
    if (response->status >= 300) {
      SfError e = error_from(response->status, response->body);
      if (e.code == "REQUEST_LIMIT_EXCEEDED") budget_.org_limit_exceeded();
      return fail(std::move(e));
    }
    return Reply{response->status, std::move(response->body)};
  }
  return fail(SfError{401, "INVALID_SESSION_ID", "the session could not be renewed", {}});
}

env::Result<QueryPage, SfError> SalesforceClient::query(std::string_view soql) {
  return query_more(data_path("/query?q=" + env::percent_encode(soql)));
}

env::Result<QueryPage, SfError> SalesforceClient::query_all(std::string_view soql) {
  return query_more(data_path("/queryAll?q=" + env::percent_encode(soql)));
}

env::Result<QueryPage, SfError> SalesforceClient::query_more(const std::string& next_records_url) {
  auto reply = call(env::Method::kGet, next_records_url, "");
  if (!reply) return fail(reply.error());
  simdjson::dom::object j;
  if (parse_crm_json(reply->body).get(j) != simdjson::SUCCESS)
    return fail(SfError{reply->status, "BAD_RESPONSE", "query answer", {}});
  QueryPage page;
  int64_t total = 0;
  if (j["totalSize"].get(total) == simdjson::SUCCESS) page.total_size = total;
  std::string_view next;
  if (j["nextRecordsUrl"].get(next) == simdjson::SUCCESS) page.next_records_url = std::string(next);
  simdjson::dom::array records;
  if (j["records"].get(records) == simdjson::SUCCESS) {
    page.records.reserve(records.size());
    for (simdjson::dom::element r : records) {
      simdjson::dom::object record;
      // A record that is no object is read as an empty one, as before.
      if (r.get(record) == simdjson::SUCCESS)
        page.records.push_back(record_from(record));
      else
        page.records.emplace_back();
    }
  }
  return page;
}

env::Result<std::optional<SfRecord>, SfError> SalesforceClient::retrieve(
    std::string_view type, std::string_view id, const std::vector<std::string>& fields) {
  std::string list;
  for (const auto& f : fields) list += (list.empty() ? "" : ",") + f;
  auto reply = call(env::Method::kGet,
                    data_path("/sobjects/" + std::string(type) + "/" + std::string(id) +
                              (list.empty() ? "" : "?fields=" + env::percent_encode(list))),
                    "");
  if (!reply) {
    if (reply.error().code == "NOT_FOUND" || reply.error().code == "ENTITY_IS_DELETED")
      return std::optional<SfRecord>();
    return fail(reply.error());
  }
  simdjson::dom::object j;
  if (parse_crm_json(reply->body).get(j) != simdjson::SUCCESS)
    return fail(SfError{reply->status, "BAD_RESPONSE", "retrieve answer", {}});
  return std::optional<SfRecord>(record_from(j));
}

env::Result<std::optional<std::set<std::string>>, SfError> SalesforceClient::field_names(
    std::string_view type) {
  auto reply =
      call(env::Method::kGet, data_path("/sobjects/" + std::string(type) + "/describe"), "");
  if (!reply) {
    if (reply.error().code == "NOT_FOUND") return std::optional<std::set<std::string>>();
    return fail(reply.error());
  }
  json j = env::parse_json_or_discarded(reply->body);
  if (!j.is_object() || !j.contains("fields") || !j["fields"].is_array())
    return fail(SfError{reply->status, "BAD_RESPONSE", "describe answer", {}});
  std::set<std::string> names;
  for (const auto& f : j["fields"])
    if (f.is_object() && f.contains("name") && f["name"].is_string())
      names.insert(f["name"].get<std::string>());
  return std::optional<std::set<std::string>>(std::move(names));
}

env::Result<std::vector<std::optional<SfRecord>>, SfError> SalesforceClient::retrieve_many(
    std::string_view type, const std::vector<std::string>& ids,
    const std::vector<std::string>& fields) {
  CRMSIM_ASSERT(ids.size() <= kCollectionRecordsMax, "a collection holds at most 200 records");
  std::vector<std::optional<SfRecord>> out;
  if (ids.empty()) return out;
  json body = {{"ids", ids}, {"fields", fields}};
  auto reply =
      call(env::Method::kPost, data_path("/composite/sobjects/" + std::string(type)), body.dump());
  if (!reply) return fail(reply.error());
  simdjson::dom::array j;
  if (parse_crm_json(reply->body).get(j) != simdjson::SUCCESS)
    return fail(SfError{reply->status, "BAD_RESPONSE", "retrieve answer", {}});
  for (simdjson::dom::element item : j) {
    simdjson::dom::object record;
    out.push_back(item.get(record) == simdjson::SUCCESS
                      ? std::optional<SfRecord>(record_from(record))
                      : std::nullopt);
  }
  out.resize(ids.size());
  return out;
}

env::Result<std::string, SfError> SalesforceClient::create(std::string_view type,
                                                           const SfFields& fields) {
  auto reply =
      call(env::Method::kPost, data_path("/sobjects/" + std::string(type)), fields_body(fields));
  if (!reply) return fail(reply.error());
  std::string_view id;
  if (parse_crm_json(reply->body)["id"].get(id) != simdjson::SUCCESS)
    return fail(SfError{reply->status, "BAD_RESPONSE", "create answer without id", {}});
  return std::string(id);
}

env::Result<env::Ok, SfError> SalesforceClient::update(std::string_view type, std::string_view id,
                                                       const SfFields& fields) {
  auto reply =
      call(env::Method::kPatch, data_path("/sobjects/" + std::string(type) + "/" + std::string(id)),
           fields_body(fields));
  if (!reply) return fail(reply.error());
  return env::Ok{};
}

env::Result<std::vector<SaveResult>, SfError> SalesforceClient::create_many(
    std::string_view type, const std::vector<SfFields>& records) {
  CRMSIM_ASSERT(records.size() <= kCollectionRecordsMax, "a collection holds at most 200 records");
  if (records.empty()) return std::vector<SaveResult>();
  const std::string body = collection_body(
      type, records.size(), [&](size_t i) -> const SfFields& { return records[i]; },
      [](size_t) -> const std::string* { return nullptr; });
  auto reply = call(env::Method::kPost, data_path("/composite/sobjects"), body);
  if (!reply) return fail(reply.error());
  return save_results(env::parse_json_or_discarded(reply->body), records.size());
}

env::Result<std::vector<SaveResult>, SfError> SalesforceClient::update_many(
    std::string_view type, const std::vector<std::pair<std::string, SfFields>>& records) {
  CRMSIM_ASSERT(records.size() <= kCollectionRecordsMax, "a collection holds at most 200 records");
  if (records.empty()) return std::vector<SaveResult>();
  const std::string body = collection_body(
      type, records.size(), [&](size_t i) -> const SfFields& { return records[i].second; },
      [&](size_t i) -> const std::string* { return &records[i].first; });
  auto reply = call(env::Method::kPatch, data_path("/composite/sobjects"), body);
  if (!reply) return fail(reply.error());
  auto results = save_results(env::parse_json_or_discarded(reply->body), records.size());
  for (size_t i = 0; i < results.size() && i < records.size(); ++i)
    if (results[i].id.empty()) results[i].id = records[i].first;
  return results;
}

env::Result<std::vector<DeletedRecord>, SfError> SalesforceClient::deleted(std::string_view type,
                                                                           env::Timestamp start,
                                                                           env::Timestamp end) {
  auto reply = call(env::Method::kGet,
                    data_path("/sobjects/" + std::string(type) + "/deleted/?start=" +
                              env::percent_encode(env::format_salesforce_datetime(start)) +
                              "&end=" + env::percent_encode(env::format_salesforce_datetime(end))),
                    "");
  if (!reply) return fail(reply.error());
  json j = env::parse_json_or_discarded(reply->body);
  std::vector<DeletedRecord> out;
  if (j.is_object() && j.contains("deletedRecords") && j["deletedRecords"].is_array()) {
    for (const auto& d : j["deletedRecords"]) {
      if (!d.is_object() || !d.contains("id") || !d["id"].is_string()) continue;
      auto at = env::parse_datetime(d.value("deletedDate", ""));
      out.push_back({d["id"].get<std::string>(), at.value_or(end)});
    }
  }
  return out;
}

}  // namespace crmsim::engine
