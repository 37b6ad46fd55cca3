// What the org's REST route families share: a data call's context, the
// JSON answers and Salesforce's error arrays, the API version of a path and
// the instance URL a client reached. Internal to mocks/salesforce: rest.cpp
// holds the data API, rest_identity.cpp OAuth identity and record counts.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/http_message.h"
#include "mocks/salesforce/rest.h"

namespace crmsim::mocks::salesforce {

struct RestApi::Context {
  const env::Request& request;
  std::string user_id;
  std::string version;  // "50.0"
  int64_t records = 0;  // records the call touched, for the journal
};

inline constexpr std::string_view kJson = "application/json;charset=UTF-8";

// Compact JSON; invalid UTF-8 replaced, never thrown on.
std::string dump(const nlohmann::json& j);
env::Response json_response(int status, const nlohmann::json& body);
// One entry of an error array ("errorCode"), or of a collection's per-record
// errors ("statusCode", with fields always present).
nlohmann::json error_entry(const std::string& code, const std::string& message,
                           const std::vector<std::string>& fields, bool collection);
env::Response errors(int status, const std::string& code, const std::string& message,
                     const std::vector<std::string>& fields = {});
env::Response not_found();
// An org's refusal as the API answers it.
env::Response from(const ApiError& e);
// A JSON object's fields as save inputs; "attributes" is skipped; a value
// that is an object or an array is a JSON_PARSER_ERROR.
env::Result<FieldInputs, env::Response> inputs_from(const nlohmann::json& body);
// The request's JSON body, or the JSON_PARSER_ERROR the API answers.
env::Result<nlohmann::json, env::Response> parse_body(const env::Request& r);
// "v50.0" -> "50.0" when within the supported versions.
std::optional<std::string> parse_version(std::string_view v);
// The base URL the client reached, from its Host header.
std::string instance_url(const env::Request& r);

}  // namespace crmsim::mocks::salesforce
