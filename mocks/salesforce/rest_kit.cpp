#include "mocks/salesforce/rest_kit.h"

#include "env/json_body.h"

namespace crmsim::mocks::salesforce {

using env::Request;
using env::Response;
using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Response json_response(int status, const json& body) {
  return Response::with_body(status, kJson, dump(body));
}

json error_entry(const std::string& code, const std::string& message,
                 const std::vector<std::string>& fields, bool collection) {
  json e = {{"message", message}, {collection ? "statusCode" : "errorCode", code}};
  if (collection || !fields.empty()) e["fields"] = fields;
  return e;
}

Response errors(int status, const std::string& code, const std::string& message,
                const std::vector<std::string>& fields) {
  return json_response(status, json::array({error_entry(code, message, fields, false)}));
}

Response not_found() { return errors(404, "NOT_FOUND", "The requested resource does not exist"); }

// "v50.0" -> "50.0" when within the supported versions.
std::optional<std::string> parse_version(std::string_view v) {
  if (v.size() < 4 || v.front() != 'v' || v.substr(v.size() - 2) != ".0") return std::nullopt;
  const std::string_view major = v.substr(1, v.size() - 3);
  if (major.empty() || major.size() > 2) return std::nullopt;
  int n = 0;
  for (char c : major) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n < kApiVersionMin || n > kApiVersionMax) return std::nullopt;
  return std::string(v.substr(1));
}

Response from(const ApiError& e) { return errors(e.status, e.error_code, e.message, e.fields); }

// A JSON object's fields as save inputs; "attributes" is skipped.
env::Result<FieldInputs, Response> inputs_from(const json& body) {
  if (!body.is_object()) {
    return env::fail(errors(400, "JSON_PARSER_ERROR",
                            "Cannot deserialize instance of the sObject from " +
                                std::string(body.is_array() ? "START_ARRAY" : "VALUE") + " value"));
  }
  FieldInputs out;
  for (const auto& [key, v] : body.items()) {
    if (key == "attributes") continue;
    if (v.is_null())
      out.emplace_back(key, Value());
    else if (v.is_boolean())
      out.emplace_back(key, Value(v.get<bool>()));
    else if (v.is_number())
      out.emplace_back(key, Value(v.get<double>()));
    else if (v.is_string())
      out.emplace_back(key, Value(v.get<std::string>()));
    else {
      return env::fail(errors(400, "JSON_PARSER_ERROR",
                              "Cannot deserialize instance of string from " +
                                  std::string(v.is_object() ? "START_OBJECT" : "START_ARRAY") +
                                  " value for field " + key));
    }
  }
  return out;
}

env::Result<json, Response> parse_body(const Request& r) {
  auto body = env::take_json(r);
  if (!body.ok()) {
    const env::JsonError& e = body.error();
    return env::fail(errors(400, "JSON_PARSER_ERROR",
                            e.kind == env::JsonError::Kind::kEmpty
                                ? "No content to map due to end-of-input"
                                : "Unexpected character in the request body: " + e.message));
  }
  return std::move(body).value();
}

std::string instance_url(const Request& r) {
  auto host = r.headers.get("Host");
  return "http://" + std::string(host ? *host : "localhost");
}

}  // namespace crmsim::mocks::salesforce
