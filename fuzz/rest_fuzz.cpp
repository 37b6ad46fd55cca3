#include "fuzz/rest_fuzz.h"

#include <cstdio>
#include <string_view>

#include <nlohmann/json.hpp>

#include "env/assert.h"
#include "env/local_transport.h"

namespace crmsim::fuzz {

std::optional<env::Request> request_from(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t line_end = in.find('\n');
  const std::string_view line = in.substr(0, line_end);
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto method = env::parse_method(line.substr(0, space));
  if (!method) return std::nullopt;
  auto request = env::Request::make(*method, line.substr(space + 1));
  if (!request.ok()) return std::nullopt;
  in = line_end == std::string_view::npos ? std::string_view() : in.substr(line_end + 1);
  // Headers until a blank line.
  while (!in.empty() && in.front() != '\n') {
    const size_t end = in.find('\n');
    const std::string_view header = in.substr(0, end);
    const size_t colon = header.find(':');
    if (colon != std::string_view::npos && colon > 0) {
      std::string_view value = header.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      request->headers.set(header.substr(0, colon), std::string(value));
    }
    in = end == std::string_view::npos ? std::string_view() : in.substr(end + 1);
  }
  if (!in.empty()) in.remove_prefix(1);
  request->body = std::string(in);
  return std::move(request).value();
}

void check_answer(const env::Request& request, const env::Response& response) {
  // SOAP answers a fault with 500, as the SOAP 1.1 binding says (Salesforce's
  // partner API does, and jsforce reads it so): a fault, not a failure.
  const bool soap_fault = response.status == 500 &&
                          response.body.find(":Fault>") != std::string::npos &&
                          request.raw_path.find("/services/Soap/") == 0;
  if (soap_fault) return;
  // A route of the real API that crmsim does not serve says so with 501
  // (docs/api-coverage.md): an honest answer, not a failure.
  const bool not_emulated = response.status == 501 &&
                            response.body.find("NOT_EMULATED") != std::string::npos &&
                            response.body.find("is not emulated by crmsim") != std::string::npos;
  if (not_emulated) return;
  if (response.status >= 500) {
    std::fprintf(stderr, "5xx for %s %s: %d %s\n",
                 std::string(env::method_name(request.method)).c_str(), request.target().c_str(),
                 response.status, response.body.c_str());
  }
  CRMSIM_ASSERT(response.status >= 100 && response.status < 500,
                "a fake answered a client's request with a 5xx (a crmsim bug)");
  if (response.body.empty()) return;
  const auto type = response.headers.get("Content-Type");
  if (type && type->find("json") != std::string_view::npos) {
    CRMSIM_ASSERT(nlohmann::json::accept(response.body), "a JSON answer that is not JSON");
  }
}

void answer_and_check(const env::Router& router, env::Request request, const std::string& token) {
  if (!request.headers.has("Authorization"))
    request.headers.set("Authorization", "Bearer " + token);
  // A SOAP body carries its session in the envelope: "$SESSION" stands for it.
  for (size_t at = 0; (at = request.body.find("$SESSION", at)) != std::string::npos;) {
    request.body.replace(at, 8, token);
    at += token.size();
  }
  env::LocalTransport transport(router);
  auto response = transport.send(request);
  if (!response.ok()) return;
  check_answer(request, response.value());
}

}  // namespace crmsim::fuzz
