#include "mocks/hubspot/rest_kit.h"

#include <algorithm>
#include <climits>
#include <cstdio>

#include "env/hash.h"
#include "env/json_body.h"
#include "mocks/hubspot/not_emulated.h"

namespace crmsim::mocks::hubspot {

using env::Request;
using env::Response;
using nlohmann::json;

Response json_response(int status, const json& body) {
  return Response::with_body(status, kJsonContentType,
                             body.dump(-1, ' ', false, json::error_handler_t::replace));
}

bool parse_id(std::string_view text, uint64_t& id) {
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return false;
  }
  id = std::stoull(std::string(text));
  return true;
}

std::string RouteKit::correlation_id() {
  const uint64_t h = env::hash_combine(env::fnv1a64("correlation"), ++api.sequence_);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-a%03x-%012llx", static_cast<unsigned>(h >> 32),
                static_cast<unsigned>((h >> 16) & 0xffff), static_cast<unsigned>(h & 0xfff),
                static_cast<unsigned>((h >> 20) & 0xfff),
                static_cast<unsigned long long>(h & 0xffffffffffffULL));
  return buf;
}

json RouteKit::error_body(const HsError& e) {
  json body = {{"status", "error"},
               {"message", e.message},
               {"correlationId", correlation_id()},
               {"category", e.category}};
  if (!e.context.empty()) body["context"] = e.context;
  if (!e.details.empty()) {
    json errors = json::array();
    for (const auto& d : e.details) {
      errors.push_back(
          {{"message", d.message}, {"code", d.error}, {"context", {{"propertyName", {d.name}}}}});
    }
    body["errors"] = errors;
  }
  return body;
}
Response RouteKit::error(const HsError& e) { return json_response(e.status, error_body(e)); }
Response RouteKit::error(int status, const std::string& category, const std::string& message) {
  return error(HsError{status, category, message, {}, {}});
}
Response RouteKit::not_found() {
  return error(404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.");
}

Response RouteKit::unknown_type(const Request& r) { return unknown_type(r, r.params.get("type")); }

Response RouteKit::unknown_type(const Request& r, std::string_view key) {
  if (const NotEmulatedObject* object = not_emulated_object(key))
    return error(501, "NOT_EMULATED", not_emulated_object_message(*object, r));
  return error(400, "VALIDATION_ERROR", "Unable to infer object type from: " + std::string(key));
}

std::optional<Response> RouteKit::paging(const Request& r, int64_t fallback, int64_t max, int64_t& limit,
                               uint64_t& after) {
  limit = fallback;
  if (auto l = r.query.get("limit")) {
    uint64_t n = 0;
    if (!parse_id(*l, n) || n < 1 || n > static_cast<uint64_t>(max)) {
      return error(400, "VALIDATION_ERROR", "limit must be between 1 and " + std::to_string(max));
    }
    limit = static_cast<int64_t>(n);
  }
  after = 0;
  if (auto a = r.query.get("after"); a && !parse_id(*a, after)) {
    return error(400, "VALIDATION_ERROR", "after must be a paging cursor from a previous page");
  }
  return std::nullopt;
}

env::Result<json, Response> RouteKit::json_of(const Request& r) {
  auto body = env::take_json(r);
  if (!body.ok()) {
    return env::fail(
        error(400, "VALIDATION_ERROR", "Invalid input JSON: " + body.error().message));
  }
  return std::move(body).value();
}

env::Result<json, Response> RouteKit::body_of(const Request& r) {
  auto body = json_of(r);
  if (!body.ok()) return body;
  if (!body->is_object()) {
    return env::fail(
        error(400, "VALIDATION_ERROR",
              "Invalid input JSON on line 1, column 1: the body must be a JSON object"));
  }
  return body;
}

env::Result<int64_t, Response> RouteKit::int_field(const json& body, const char* key, int64_t fallback,
                                         int64_t lo, int64_t hi) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) {
    return env::fail(error(400, "VALIDATION_ERROR",
                           std::string(key) + " must be a whole number, got " + it->dump()));
  }
  // Unsigned values past int64's range read as negative: out of range too.
  const int64_t v = it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(INT64_MAX)
                        ? -1
                        : it->get<int64_t>();
  if (v < lo || v > hi) {
    return env::fail(error(400, "VALIDATION_ERROR",
                           std::string(key) + " must be between " + std::to_string(lo) + " and " +
                               std::to_string(hi) + ", got " + it->dump()));
  }
  return v;
}

env::Result<std::string, Response> RouteKit::string_field(const json& body, const char* key,
                                                std::string fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_string()) {
    return env::fail(error(400, "VALIDATION_ERROR",
                           std::string(key) + " must be a string, got " + it->dump()));
  }
  return it->get<std::string>();
}

json RouteKit::batch_envelope(const json& results, const json& errors, env::Timestamp started) {
  json out = {{"status", "COMPLETE"},
              {"results", results},
              {"startedAt", iso(started)},
              {"completedAt", iso(portal().clock().now())}};
  if (!errors.empty()) {
    out["numErrors"] = errors.size();
    out["errors"] = errors;
  }
  return out;
}

env::Result<bool, Response> RouteKit::bool_field(const json& body, const char* key,
                                                 bool fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    return env::fail(error(400, "VALIDATION_ERROR",
                           std::string(key) + " must be true or false, got " + it->dump()));
  }
  return it->get<bool>();
}

}  // namespace crmsim::mocks::hubspot
