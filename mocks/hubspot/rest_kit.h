// What every family of the portal's REST routes shares: a call's context,
// HubSpot's error bodies and correlation ids, paging parameters and the
// reading of JSON bodies. Internal to mocks/hubspot: rest.cpp holds the
// objects, search, lists and associations; rest_<family>.cpp the rest, each
// installing its routes through RestApi::add_call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "env/http_message.h"
#include "env/result.h"
#include "env/time.h"
#include "mocks/hubspot/portal.h"
#include "mocks/hubspot/rest.h"

namespace crmsim::mocks::hubspot {

struct RestApi::Context {
  const env::Request& request;
  std::string token;
  int64_t records = 0;  // records the call touched, for the journal
};

inline constexpr std::string_view kJsonContentType = "application/json;charset=utf-8";

env::Response json_response(int status, const nlohmann::json& body);
// HubSpot's datetime form: ISO-8601 in UTC with milliseconds.
inline std::string iso(env::Timestamp t) { return env::format_hubspot_datetime(t); }
// A record id: 1 to 18 digits.
bool parse_id(std::string_view text, uint64_t& id);

class RouteKit {
 public:
  explicit RouteKit(RestApi& api) : api(api) {}

  RestApi& api;
  Portal& portal() { return api.portal_; }

  // A UUID-shaped id, deterministic per API (a counter, hashed).
  std::string correlation_id();
  nlohmann::json error_body(const HsError& e);
  env::Response error(const HsError& e);
  env::Response error(int status, const std::string& category, const std::string& message);
  env::Response not_found();
  // 400 "Unable to infer object type", or 501 for a standard object the
  // fake does not model (not_emulated.h); the key is the :type parameter
  // unless given.
  env::Response unknown_type(const env::Request& r);
  env::Response unknown_type(const env::Request& r, std::string_view key);

  // Reads ?limit= (1..max, default `fallback`) and ?after= (a record id);
  // a 400 when either is malformed.
  std::optional<env::Response> paging(const env::Request& r, int64_t fallback, int64_t max,
                                      int64_t& limit, uint64_t& after);
  // The body as JSON of any shape (HubSpot's "Invalid input JSON" otherwise).
  env::Result<nlohmann::json, env::Response> json_of(const env::Request& r);
  // The body as a JSON object.
  env::Result<nlohmann::json, env::Response> body_of(const env::Request& r);
  // An optional whole number `key` of `body` within [lo, hi]; `fallback`
  // when absent or null.
  env::Result<int64_t, env::Response> int_field(const nlohmann::json& body, const char* key,
                                                int64_t fallback, int64_t lo, int64_t hi);
  // An optional string `key` of `body`; `fallback` when absent or null.
  env::Result<std::string, env::Response> string_field(const nlohmann::json& body,
                                                       const char* key,
                                                       std::string fallback = "");
  // An optional boolean `key` of `body`; `fallback` when absent or null.
  env::Result<bool, env::Response> bool_field(const nlohmann::json& body, const char* key,
                                              bool fallback);
  // A batch answer: status COMPLETE, the results, and the errors with
  // their count when there are any.
  nlohmann::json batch_envelope(const nlohmann::json& results, const nlohmann::json& errors,
                                env::Timestamp started);
  const ObjectTypeDef* type_of(const env::Request& r) {
    return portal().types().find(r.params.get("type"));
  }
};

}  // namespace crmsim::mocks::hubspot
