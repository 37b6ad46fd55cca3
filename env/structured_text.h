// Reads the configuration files users write (scenarios, org and portal
// descriptions) from YAML or JSON into one JSON value, so that every loader
// checks one shape. YAML scalars become JSON types as YAML 1.2's core schema
// reads them (null/~, true/false, integers, floats); quoted scalars stay
// strings.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "env/result.h"

namespace crmsim::env {

// Parses JSON when the text starts with '{' or '[', YAML otherwise. Error
// "bad_syntax" with the line and column of the problem.
Result<nlohmann::json> parse_structured_text(std::string_view text);

// Reads and parses a file. Error "unreadable" when it cannot be read.
Result<nlohmann::json> load_structured_file(const std::string& path);

}  // namespace crmsim::env
