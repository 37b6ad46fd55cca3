// Salesforce record ids: 15 case-sensitive characters (a 3-character key
// prefix naming the object, then base-62 digits) plus a 3-character suffix
// that encodes the case of the first 15, so that the 18-character form
// survives case-insensitive systems. Input accepts either form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crmsim::mocks::salesforce {

// The 3-character case-safe suffix of a 15-character id.
// REQUIRES: id.size() == 15.
std::string id_suffix(std::string_view id15);

// The 18-character id for `key_prefix` and sequence number `n`:
// prefix + "5g" (a pod) + n in 10 base-62 digits + suffix.
std::string make_id(std::string_view key_prefix, uint64_t n);

// Normalizes a 15- or 18-character id to 18 characters. nullopt when the
// text is not an id: wrong length, a character outside [0-9A-Za-z], or an
// 18-character id whose suffix does not match its first 15 characters
// (compared case-insensitively, as Salesforce does).
std::optional<std::string> normalize_id(std::string_view text);

}  // namespace crmsim::mocks::salesforce
