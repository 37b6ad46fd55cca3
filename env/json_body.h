// JSON from clients and files, parsed under named limits: nesting deeper
// than kJsonDepthMax is refused by a linear scan before any value is built
// (50 MB of '[' costs a scan, not gigabytes), and a request's body can be
// parsed once, before the fake's lock is taken, by whoever carries it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "env/http_message.h"
#include "env/result.h"

namespace crmsim::env {

// Arrays and objects nested in one another, at the most. Neither CRM
// documents one; no request either API takes nests deeper than 10.
inline constexpr size_t kJsonDepthMax = 64;

struct JsonError {
  enum class Kind { kEmpty, kSyntax, kTooDeep };
  Kind kind = Kind::kSyntax;
  std::string message;  // for people: what and where (line, column)
};

// The deepest nesting of '[' and '{' outside strings, counting stops once
// it passes `limit` (so the scan is linear and never large).
size_t json_nesting_depth(std::string_view text, size_t limit);

// Parses `text` (kEmpty for nothing but white space, kTooDeep past
// `depth_max`, kSyntax with line and column otherwise).
Result<nlohmann::json, JsonError> parse_json(std::string_view text,
                                             size_t depth_max = kJsonDepthMax);

// parse_json's value, or a discarded value (is_discarded()) for any error:
// for callers that only need to say "not JSON".
nlohmann::json parse_json_or_discarded(std::string_view text, size_t depth_max = kJsonDepthMax);

// Parses the request's body and keeps the result in request.parsed_json, when
// the body looks like JSON (its first non-blank byte is '{' or '['). For
// serve(), before it takes a fake's lock.
void preparse_json(Request& request);

// The request's body as JSON: what preparse_json kept (moved out, so each
// request's body is taken once) or parsed now.
Result<nlohmann::json, JsonError> take_json(const Request& request);

}  // namespace crmsim::env
