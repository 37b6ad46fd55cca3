// Reads the configuration files users write (scenarios, org and portal
// descriptions) from YAML or JSON into one JSON value, so that every loader
// checks one shape. YAML scalars become JSON types as YAML 1.2's core schema
// reads them (null/~, true/false, integers, floats); quoted scalars stay
// strings.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "env/result.h"

namespace crmsim::env {

// What a file may make the reader do. A scenario with a whole org in it is
// a few hundred kilobytes.
inline constexpr size_t kStructuredFileBytesMax = 16u << 20;
// Lists and maps inside one another.
inline constexpr size_t kStructuredDepthMax = 64;
// Values built from one file, aliases expanded (an org description with a
// few thousand records inline holds about 100,000).
inline constexpr size_t kStructuredValuesMax = 250'000;

// Parses JSON when the text starts with '{' or '[', YAML otherwise. Error
// "bad_syntax" with the line and column of the problem: a byte that is not
// UTF-8, a key given twice, nesting or alias expansion past the limits;
// "too_large" past kStructuredFileBytesMax.
Result<nlohmann::json> parse_structured_text(std::string_view text);

// Reads and parses a file. Error "unreadable" when it is missing, a
// directory, a device or a pipe (/dev/zero never ends), or cannot be read.
Result<nlohmann::json> load_structured_file(const std::string& path);

}  // namespace crmsim::env
