// Percent-encoding of URL parts (RFC 3986) and of form bodies
// (application/x-www-form-urlencoded, where '+' also means a space).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crmsim::env {

// Decodes %XX escapes. With `plus_is_space` (query strings and form bodies)
// '+' decodes to ' '. Returns nullopt for a malformed escape ("%", "%4",
// "%zz"): the caller answers 400, it never guesses.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Encodes every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~)
// as %XX with upper-case hex. The result is safe as a path segment, a query
// key or a query value.
std::string percent_encode(std::string_view text);

}  // namespace crmsim::env
