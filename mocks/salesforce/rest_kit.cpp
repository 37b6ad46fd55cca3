#include "mocks/salesforce/rest_kit.h"

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

std::string instance_url(const Request& r) {
  auto host = r.headers.get("Host");
  return "http://" + std::string(host ? *host : "localhost");
}

}  // namespace crmsim::mocks::salesforce
