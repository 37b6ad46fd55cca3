#include "engine/hubspot_client.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "engine/answer_json.h"
#include "env/assert.h"
#include "env/json_body.h"
#include "env/percent_encoding.h"
#include "env/text.h"
#include "env/time.h"

namespace crmsim::engine {

using env::fail;

using nlohmann::json;

HsRecord::HsRecord(std::shared_ptr<const Names> names) : names_(std::move(names)) {
  if (names_) values_.resize(names_->size());
}

namespace {
bool name_less(const std::string& a, std::string_view b) { return env::quick_less(a, b); }
}  // namespace

const std::string* HsRecord::find(std::string_view property) const {
  if (names_) {
    const auto it = std::lower_bound(names_->begin(), names_->end(), property, name_less);
    if (it != names_->end() && *it == property) return &values_[it - names_->begin()];
  }
  for (const auto& [name, value] : others_)
    if (name == property) return &value;
  return nullptr;
}

const std::string& HsRecord::get(std::string_view property) const {
  static const std::string kBlank;
  const std::string* v = find(property);
  return v == nullptr ? kBlank : *v;
}

void HsRecord::set(std::string_view property, std::string value) {
  size_t cursor = 0;
  set_next(property, std::move(value), cursor);
}

void HsRecord::set_next(std::string_view property, std::string value, size_t& cursor) {
  if (names_) {
    const Names& names = *names_;
    if (cursor < names.size() && names[cursor] == property) {
      values_[cursor++] = std::move(value);
      return;
    }
    const auto it = std::lower_bound(names.begin(), names.end(), property, name_less);
    if (it != names.end() && *it == property) {
      cursor = static_cast<size_t>(it - names.begin());
      values_[cursor++] = std::move(value);
      return;
    }
  }
  for (auto& [name, v] : others_)
    if (name == property) {
      v = std::move(value);
      return;
    }
  others_.emplace_back(property, std::move(value));
}

namespace {

const char* const kContacts = "/crm/v3/objects/contacts";

std::string objects(std::string_view type) { return "/crm/v3/objects/" + std::string(type); }

HsError error_from(int status, const std::string& body) {
  HsError e;
  e.status = status;
  json j = env::parse_json_or_discarded(body);
  if (j.is_object()) {
    e.category = j.value("category", j.value("errorType", ""));
    e.message = j.value("message", "");
    e.policy = j.value("policyName", "");
  }
  if (e.category.empty())
    e.category = status == 429 ? "RATE_LIMIT" : "HTTP_" + std::to_string(status);
  return e;
}

HsError transport_error(const env::TransportError& e) {
  using K = env::TransportError::Kind;
  HsError out;
  switch (e.kind) {
    case K::kTimeout:
      out.category = "TIMEOUT";
      break;
    case K::kConnectionRefused:
      out.category = "CONNECTION_REFUSED";
      break;
    case K::kConnectionClosed:
      out.category = "CONNECTION_CLOSED";
      break;
    case K::kInvalidRequest:
      out.category = "INVALID_REQUEST";
      break;
  }
  out.message = e.message;
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

// A record id ("123"); 0 when it is not one.
uint64_t parse_id(std::string_view text) {
  uint64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc() && end == text.data() + text.size() ? id : 0;
}

// The sorted table of the properties a read asks for. Reads ask for the same
// list again and again, so the last table made is kept (per thread) and
// handed out again while the list is the same.
std::shared_ptr<const HsRecord::Names> names_for(const std::vector<std::string>& properties) {
  thread_local std::vector<std::string> last_asked;
  thread_local std::shared_ptr<const HsRecord::Names> last;
  if (last && properties == last_asked) return last;
  auto names = std::make_shared<HsRecord::Names>(properties);
  std::sort(names->begin(), names->end());
  names->erase(std::unique(names->begin(), names->end()), names->end());
  last_asked = properties;
  last = std::move(names);
  return last;
}

// A record with each property asked for, blank.
HsRecord blank_record(const std::vector<std::string>& properties) {
  return HsRecord(names_for(properties));
}

// A record of an answer: its id, the properties asked for ("" when the
// answer leaves one out or holds null), any other property it carries,
// and when it was updated. A record that is no object reads as blank.
HsRecord record_from(simdjson::dom::element e, const std::vector<std::string>& properties) {
  HsRecord r = blank_record(properties);
  simdjson::dom::object j;
  if (e.get(j) != simdjson::SUCCESS) return r;
  std::string_view id;
  if (j["id"].get(id) == simdjson::SUCCESS) r.id = parse_id(id);
  bool archived = false;
  if (j["archived"].get(archived) == simdjson::SUCCESS) r.archived = archived;
  simdjson::dom::object props;
  size_t cursor = 0;  // answers list properties in name order, as the names are
  if (j["properties"].get(props) == simdjson::SUCCESS)
    for (auto [k, v] : props) {
      std::string text;
      if (v.is_string())
        text = std::string(std::string_view(v.get_string()));
      else if (!v.is_null())
        text = dump_like_nlohmann(v);
      r.set_next(k, std::move(text), cursor);
    }
  std::string_view updated;
  if (j["updatedAt"].get(updated) == simdjson::SUCCESS)
    r.updated_at = env::parse_datetime(updated).value_or(r.updated_at);
  return r;
}

// The records of an answer's `results`, none when it has none.
std::vector<HsRecord> results_from(std::string_view body,
                                   const std::vector<std::string>& properties) {
  std::vector<HsRecord> out;
  simdjson::dom::array results;
  if (parse_crm_json(body)["results"].get(results) != simdjson::SUCCESS) return out;
  out.reserve(results.size());
  for (simdjson::dom::element r : results) out.push_back(record_from(r, properties));
  return out;
}

// A single record's answer; a record with no fields when it is not JSON.
HsRecord one_record_from(std::string_view body, const std::vector<std::string>& properties) {
  simdjson::dom::element e;
  if (parse_crm_json(body).get(e) != simdjson::SUCCESS) return blank_record(properties);
  return record_from(e, properties);
}

bool is_id(const json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty() || s.size() > 19) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

json properties_json(const std::map<std::string, std::string>& properties) {
  json out = json::object();
  for (const auto& [k, v] : properties) out[k] = v;
  return out;
}

// Matches a batch answer back to its inputs. Failed inputs are named by
// their objectWriteTraceId (the input's index); successful ones by their
// `key` property (email for contacts) or, failing that, by id, else in
// order among the inputs that did not fail.
std::vector<HsBatchResult> batch_results(int status, const json& j,
                                         const std::vector<std::string>& input_keys,
                                         const std::string& key_property,
                                         const std::vector<uint64_t>& input_ids) {
  const size_t n = std::max(input_keys.size(), input_ids.size());
  std::vector<HsBatchResult> out(n);
  std::vector<bool> taken(n, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const auto& item : j["errors"]) {
      if (!item.is_object() || !item.contains("context") || !item["context"].is_object()) continue;
      // Records that do not exist (deleted since they were read), named by id.
      const json& ids = item["context"].value("ids", json());
      if (ids.is_array())
        for (const auto& missing : ids) {
          if (!is_id(missing)) continue;
          const uint64_t id = std::stoull(missing.get<std::string>());
          for (size_t i = 0; i < input_ids.size() && i < n; ++i)
            if (!taken[i] && input_ids[i] == id) {
              out[i].error = error_from(404, item.dump());
              taken[i] = true;
            }
        }
      const json& trace = item["context"].value("objectWriteTraceId", json());
      if (!trace.is_array() || trace.empty() || !trace[0].is_string()) continue;
      size_t index = n;
      try {
        index = std::stoul(trace[0].get<std::string>());
      } catch (const std::exception&) {
      }
      if (index >= n) continue;
      out[index].error = error_from(400, item.dump());
      taken[index] = true;
    }
  }
  if (j.is_object() && j.contains("results") && j["results"].is_array()) {
    size_t next = 0;
    for (const auto& item : j["results"]) {
      if (!item.is_object() || !is_id(item.value("id", json()))) continue;
      const uint64_t id = std::stoull(item["id"].get<std::string>());
      size_t index = n;
      std::string key;
      if (!key_property.empty() && item.contains("properties") && item["properties"].is_object() &&
          item["properties"].value(key_property, json()).is_string())
        key = env::ascii_lower(item["properties"][key_property].get<std::string>());
      for (size_t i = 0; i < n && index == n; ++i) {
        if (taken[i]) continue;
        if (i < input_ids.size() && input_ids[i] == id) index = i;
        if (!key.empty() && i < input_keys.size() && env::ascii_lower(input_keys[i]) == key)
          index = i;
      }
      while (index == n && next < n) {
        if (!taken[next]) index = next;
        ++next;
      }
      if (index == n) continue;
      taken[index] = true;
      out[index].success = true;
      out[index].id = id;
    }
  }
  for (size_t i = 0; i < n; ++i)
    if (!taken[i]) out[i].error = HsError{status, "MISSING_RESULT", "no result for this input", ""};
  return out;
}

}  // namespace

const char* modified_property(std::string_view type) {
  return type == "contacts" ? "lastmodifieddate" : "hs_lastmodifieddate";
}

env::Timestamp last_modified(const HsRecord& record, std::string_view type) {
  return env::parse_datetime(record.get(modified_property(type))).value_or(record.updated_at);
}

HubSpotClient::HubSpotClient(env::Transport& transport, env::Clock& clock, std::string token)
    : transport_(transport), clock_(clock), token_(std::move(token)) {}

env::Timestamp HubSpotClient::retry_at(const HsError& error) const {
  const env::Timestamp now = clock_.now();
  if (error.policy == "DAILY") return now + env::Duration::hours(1);
  // Search's limit (5 a second) answers without a policy name.
  if (error.policy.empty() && error.message == "You have reached your secondly limit.")
    return now + env::Duration::seconds(1);
  return now + env::Duration::seconds(10);
}

env::Result<HubSpotClient::Reply, HsError> HubSpotClient::call(env::Method method,
                                                               const std::string& target,
                                                               const std::string& body) {
  auto request = env::Request::make(method, target);
  if (!request) return fail(HsError{0, "INVALID_REQUEST", request.error().message, ""});
  request->headers.set("Authorization", "Bearer " + token_);
  request->headers.set("Accept", "application/json");
  if (!body.empty()) {
    request->headers.set("Content-Type", "application/json");
    request->body = body;
  }
  for (int attempt = 0;; ++attempt) {
    ++calls_;
    auto response = transport_.send(request.value());
    if (!response) return fail(transport_error(response.error()));
    if (response->status < 300) return Reply{response->status, std::move(response->body)};
    HsError error = error_from(response->status, response->body);
    const env::Timestamp free_at = retry_at(error);
    if (!error.rate_limited() || attempt >= kRateLimitRetriesMax ||
        free_at - clock_.now() > kRateLimitWaitMax)
      return fail(std::move(error));
    clock_.sleep_until(free_at);
  }
}

env::Result<std::optional<HsRecord>, HsError> HubSpotClient::get(
    uint64_t id, const std::vector<std::string>& properties, std::string_view type) {
  auto reply = call(env::Method::kGet,
                    objects(type) + "/" + std::to_string(id) +
                        "?properties=" + env::percent_encode(join(properties)),
                    "");
  if (!reply) {
    if (reply.error().status == 404) return std::optional<HsRecord>();
    return fail(reply.error());
  }
  return std::optional<HsRecord>(one_record_from(reply->body, properties));
}

env::Result<std::optional<HsRecord>, HsError> HubSpotClient::get_by_email(
    std::string_view email, const std::vector<std::string>& properties) {
  auto reply = call(env::Method::kGet,
                    std::string(kContacts) + "/" + env::percent_encode(email) +
                        "?idProperty=email&properties=" + env::percent_encode(join(properties)),
                    "");
  if (!reply) {
    if (reply.error().status == 404) return std::optional<HsRecord>();
    return fail(reply.error());
  }
  return std::optional<HsRecord>(one_record_from(reply->body, properties));
}

env::Result<std::vector<HsRecord>, HsError> HubSpotClient::batch_read(
    const std::vector<uint64_t>& ids, const std::vector<std::string>& properties,
    std::string_view type) {
  CRMSIM_ASSERT(ids.size() <= kBatchInputsMax, "a batch holds at most 100 inputs");
  std::vector<HsRecord> out;
  if (ids.empty()) return out;
  json body = {{"properties", properties}, {"inputs", json::array()}};
  for (uint64_t id : ids) body["inputs"].push_back({{"id", std::to_string(id)}});
  auto reply = call(env::Method::kPost, objects(type) + "/batch/read", body.dump());
  if (!reply) return fail(reply.error());
  return results_from(reply->body, properties);
}

env::Result<std::vector<HsRecord>, HsError> HubSpotClient::batch_read_by_email(
    const std::vector<std::string>& emails, const std::vector<std::string>& properties) {
  CRMSIM_ASSERT(emails.size() <= kBatchInputsMax, "a batch holds at most 100 inputs");
  std::vector<HsRecord> out;
  if (emails.empty()) return out;
  json body = {{"properties", properties}, {"idProperty", "email"}, {"inputs", json::array()}};
  for (const auto& e : emails) body["inputs"].push_back({{"id", e}});
  auto reply = call(env::Method::kPost, std::string(kContacts) + "/batch/read", body.dump());
  if (!reply) return fail(reply.error());
  return results_from(reply->body, properties);
}

env::Result<uint64_t, HsError> HubSpotClient::create(
    const std::map<std::string, std::string>& properties, std::string_view type) {
  json body = {{"properties", properties_json(properties)}};
  auto reply = call(env::Method::kPost, objects(type), body.dump());
  if (!reply) return fail(reply.error());
  json j = env::parse_json_or_discarded(reply->body);
  if (!j.is_object() || !is_id(j.value("id", json())))
    return fail(HsError{reply->status, "BAD_RESPONSE", "create answer without id", ""});
  return std::stoull(j["id"].get<std::string>());
}

env::Result<env::Ok, HsError> HubSpotClient::update(
    uint64_t id, const std::map<std::string, std::string>& properties, std::string_view type) {
  json body = {{"properties", properties_json(properties)}};
  auto reply = call(env::Method::kPatch, objects(type) + "/" + std::to_string(id), body.dump());
  if (!reply) return fail(reply.error());
  return env::Ok{};
}

env::Result<std::vector<HsBatchResult>, HsError> HubSpotClient::batch_create(
    const std::vector<std::map<std::string, std::string>>& inputs, std::string_view type) {
  CRMSIM_ASSERT(inputs.size() <= kBatchInputsMax, "a batch holds at most 100 inputs");
  if (inputs.empty()) return std::vector<HsBatchResult>();
  json body = {{"inputs", json::array()}};
  for (size_t i = 0; i < inputs.size(); ++i)
    body["inputs"].push_back(
        {{"properties", properties_json(inputs[i])}, {"objectWriteTraceId", std::to_string(i)}});
  auto reply = call(env::Method::kPost, objects(type) + "/batch/create", body.dump());
  if (!reply) return fail(reply.error());
  std::vector<std::string> emails;
  for (const auto& in : inputs) {
    auto it = in.find("email");
    emails.push_back(it == in.end() ? "" : it->second);
  }
  return batch_results(reply->status, env::parse_json_or_discarded(reply->body), emails, "email",
                       {});
}

env::Result<std::vector<HsBatchResult>, HsError> HubSpotClient::batch_update(
    const std::vector<std::pair<uint64_t, std::map<std::string, std::string>>>& inputs,
    std::string_view type) {
  CRMSIM_ASSERT(inputs.size() <= kBatchInputsMax, "a batch holds at most 100 inputs");
  if (inputs.empty()) return std::vector<HsBatchResult>();
  json body = {{"inputs", json::array()}};
  for (size_t i = 0; i < inputs.size(); ++i)
    body["inputs"].push_back({{"id", std::to_string(inputs[i].first)},
                              {"properties", properties_json(inputs[i].second)},
                              {"objectWriteTraceId", std::to_string(i)}});
  auto reply = call(env::Method::kPost, objects(type) + "/batch/update", body.dump());
  if (!reply) return fail(reply.error());
  std::vector<uint64_t> ids;
  for (const auto& in : inputs) ids.push_back(in.first);
  return batch_results(reply->status, env::parse_json_or_discarded(reply->body), {}, "", ids);
}

env::Result<env::Ok, HsError> HubSpotClient::archive(uint64_t id, std::string_view type) {
  auto reply = call(env::Method::kDelete, objects(type) + "/" + std::to_string(id), "");
  if (!reply && reply.error().status != 404) return fail(reply.error());
  return env::Ok{};
}

env::Result<HsSearchPage, HsError> HubSpotClient::search_page(
    std::string_view type, const std::string& body, const std::vector<std::string>& properties) {
  auto reply = call(env::Method::kPost, objects(type) + "/search", body);
  if (!reply) return fail(reply.error());
  HsSearchPage page;
  simdjson::dom::object j;
  if (parse_crm_json(reply->body).get(j) != simdjson::SUCCESS) return page;
  int64_t total = 0;
  if (j["total"].get(total) == simdjson::SUCCESS) page.total = total;
  simdjson::dom::array results;
  if (j["results"].get(results) == simdjson::SUCCESS) {
    page.records.reserve(results.size());
    for (simdjson::dom::element r : results) page.records.push_back(record_from(r, properties));
  }
  std::string_view after;
  if (j.at_pointer("/paging/next/after").get(after) == simdjson::SUCCESS)
    page.after = std::string(after);
  return page;
}

env::Result<HsSearchPage, HsError> HubSpotClient::search_modified_at(
    env::Timestamp at, uint64_t after_id, const std::vector<std::string>& properties,
    std::string_view type) {
  const std::string ms = std::to_string(at.ms_since_epoch());
  json body = {{"filterGroups",
                {{{"filters",
                   {{{"propertyName", modified_property(type)},
                     {"operator", "BETWEEN"},
                     {"value", ms},
                     {"highValue", ms}},
                    {{"propertyName", "hs_object_id"},
                     {"operator", "GT"},
                     {"value", std::to_string(after_id)}}}}}}},
               {"sorts", {{{"propertyName", "hs_object_id"}, {"direction", "ASCENDING"}}}},
               {"properties", properties},
               {"limit", kSearchPageMax}};
  return search_page(type, body.dump(), properties);
}

env::Result<HsSearchPage, HsError> HubSpotClient::search_modified(
    env::Timestamp since, env::Timestamp until, const std::vector<std::string>& properties,
    const std::string& after, std::string_view type) {
  json body = {{"filterGroups",
                {{{"filters",
                   {{{"propertyName", modified_property(type)},
                     {"operator", "BETWEEN"},
                     {"value", std::to_string(since.ms_since_epoch())},
                     {"highValue", std::to_string(until.ms_since_epoch())}}}}}}},
               {"sorts", {{{"propertyName", modified_property(type)}, {"direction", "ASCENDING"}}}},
               {"properties", properties},
               {"limit", kSearchPageMax}};
  if (!after.empty()) body["after"] = after;
  return search_page(type, body.dump(), properties);
}

env::Result<std::vector<HsRecord>, HsError> HubSpotClient::search_in(
    std::string_view type, const std::string& property, const std::vector<std::string>& values,
    const std::vector<std::string>& properties) {
  CRMSIM_ASSERT(values.size() <= kBatchInputsMax, "at most 100 values per IN filter");
  std::vector<HsRecord> out;
  if (values.empty()) return out;
  json body = {
      {"filterGroups",
       {{{"filters", {{{"propertyName", property}, {"operator", "IN"}, {"values", values}}}}}}},
      {"properties", properties},
      {"limit", kSearchPageMax}};
  auto reply = call(env::Method::kPost, objects(type) + "/search", body.dump());
  if (!reply) return fail(reply.error());
  return results_from(reply->body, properties);
}

env::Result<std::vector<uint64_t>, HsError> HubSpotClient::associated(std::string_view from_type,
                                                                      uint64_t from_id,
                                                                      std::string_view to_type) {
  auto reply = call(env::Method::kGet,
                    "/crm/v4/objects/" + std::string(from_type) + "/" + std::to_string(from_id) +
                        "/associations/" + std::string(to_type),
                    "");
  std::vector<uint64_t> out;
  if (!reply) {
    if (reply.error().status == 404) return out;
    return fail(reply.error());
  }
  json j = env::parse_json_or_discarded(reply->body);
  if (j.is_object() && j.contains("results") && j["results"].is_array())
    for (const auto& r : j["results"])
      if (r.is_object() && r.contains("toObjectId") && r["toObjectId"].is_number_unsigned())
        out.push_back(r["toObjectId"].get<uint64_t>());
  return out;
}

env::Result<env::Ok, HsError> HubSpotClient::associate(std::string_view from_type, uint64_t from_id,
                                                       std::string_view to_type, uint64_t to_id) {
  auto reply =
      call(env::Method::kPut,
           "/crm/v4/objects/" + std::string(from_type) + "/" + std::to_string(from_id) +
               "/associations/default/" + std::string(to_type) + "/" + std::to_string(to_id),
           "");
  if (!reply) return fail(reply.error());
  return env::Ok{};
}

env::Result<std::optional<std::set<std::string>>, HsError> HubSpotClient::property_names(
    std::string_view type) {
  auto reply = call(env::Method::kGet, "/crm/v3/properties/" + env::percent_encode(type), "");
  if (!reply) {
    if (reply.error().status == 404 || reply.error().status == 400)
      return std::optional<std::set<std::string>>();
    return fail(reply.error());
  }
  json j = env::parse_json_or_discarded(reply->body);
  if (!j.is_object() || !j.contains("results") || !j["results"].is_array())
    return fail(HsError{reply->status, "BAD_RESPONSE", "properties answer", ""});
  std::set<std::string> names;
  for (const auto& p : j["results"])
    if (p.is_object() && p.contains("name") && p["name"].is_string())
      names.insert(p["name"].get<std::string>());
  return std::optional<std::set<std::string>>(std::move(names));
}

env::Result<std::vector<HsOwner>, HsError> HubSpotClient::active_owners() {
  constexpr int kPagesMax = 1000;
  std::vector<HsOwner> out;
  std::string after;
  for (int page = 0; page < kPagesMax; ++page) {
    auto reply = call(env::Method::kGet,
                      "/crm/v3/owners?limit=500" +
                          (after.empty() ? std::string() : "&after=" + env::percent_encode(after)),
                      "");
    if (!reply) return fail(reply.error());
    json j = env::parse_json_or_discarded(reply->body);
    if (!j.is_object()) break;
    if (j.contains("results") && j["results"].is_array())
      for (const auto& o : j["results"])
        if (o.is_object() && is_id(o.value("id", json())) && !o.value("archived", false))
          out.push_back({std::stoull(o["id"].get<std::string>()), o.value("email", "")});
    after.clear();
    if (j.contains("paging") && j["paging"].is_object() && j["paging"].contains("next"))
      after = j["paging"]["next"].value("after", "");
    if (after.empty()) break;
  }
  return out;
}

env::Result<std::optional<uint64_t>, HsError> HubSpotClient::list_id(std::string_view name) {
  auto reply = call(env::Method::kGet,
                    "/crm/v3/lists/object-type-id/0-1/name/" + env::percent_encode(name), "");
  if (!reply) {
    if (reply.error().status == 404) return std::optional<uint64_t>();
    return fail(reply.error());
  }
  json j = env::parse_json_or_discarded(reply->body);
  if (j.is_object() && j.contains("list") && j["list"].is_object() &&
      is_id(j["list"].value("listId", json())))
    return std::optional<uint64_t>(std::stoull(j["list"]["listId"].get<std::string>()));
  return fail(HsError{reply->status, "BAD_RESPONSE", "list answer without listId", ""});
}

env::Result<std::pair<std::vector<uint64_t>, std::string>, HsError> HubSpotClient::list_members(
    uint64_t list_id, const std::string& after) {
  std::string target = "/crm/v3/lists/" + std::to_string(list_id) +
                       "/memberships?limit=" + std::to_string(kMembershipPageMax);
  if (!after.empty()) target += "&after=" + env::percent_encode(after);
  auto reply = call(env::Method::kGet, target, "");
  if (!reply) return fail(reply.error());
  json j = env::parse_json_or_discarded(reply->body);
  std::pair<std::vector<uint64_t>, std::string> out;
  if (j.is_object() && j.contains("results") && j["results"].is_array())
    for (const auto& r : j["results"])
      if (r.is_object() && is_id(r.value("recordId", json())))
        out.first.push_back(std::stoull(r["recordId"].get<std::string>()));
  if (j.is_object() && j.contains("paging") && j["paging"].is_object() &&
      j["paging"].contains("next"))
    out.second = j["paging"]["next"].value("after", "");
  return out;
}

env::Result<std::set<uint64_t>, HsError> HubSpotClient::members_among(
    uint64_t list_id, const std::vector<uint64_t>& contacts) {
  CRMSIM_ASSERT(contacts.size() <= kBatchInputsMax, "a batch holds at most 100 inputs");
  std::set<uint64_t> out;
  if (contacts.empty()) return out;
  json body = {{"inputs", json::array()}};
  for (uint64_t id : contacts)
    body["inputs"].push_back({{"objectTypeId", "0-1"}, {"recordId", std::to_string(id)}});
  auto reply =
      call(env::Method::kPost, "/crm/v3/lists/records/memberships/batch/read", body.dump());
  if (!reply) return fail(reply.error());
  json j = env::parse_json_or_discarded(reply->body);
  if (!j.is_object() || !j.contains("results") || !j["results"].is_array())
    return fail(HsError{reply->status, "BAD_RESPONSE", "memberships answer without results", ""});
  // listId is a number in v3 answers and a string in later versions.
  auto id_of = [](const json& v) -> std::optional<uint64_t> {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (is_id(v)) return std::stoull(v.get<std::string>());
    return std::nullopt;
  };
  for (const auto& r : j["results"]) {
    if (!r.is_object() || !is_id(r.value("recordId", json()))) continue;
    const json& lists = r.value("recordListMemberships", json::array());
    if (!lists.is_array()) continue;
    for (const auto& m : lists)
      if (m.is_object() && id_of(m.value("listId", json())) == list_id)
        out.insert(std::stoull(r["recordId"].get<std::string>()));
  }
  return out;
}

}  // namespace crmsim::engine
