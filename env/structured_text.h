// Reads the configuration files users write (scenarios, org and portal
// descriptions) from YAML or JSON into one JSON value, so that every loader
// checks one shape. YAML scalars become JSON types as YAML 1.2's core schema
// reads them (null/~, true/false, integers, floats); quoted scalars stay
// strings.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>

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

// Where each value of a YAML file starts, so that a refusal naming a key
// path can also say where it is. JSON files have no marks (the parser does
// not report positions).
class SourceMarks {
 public:
  // Records that the value at `pointer` ("/a/b/2/c") starts at `line` and
  // `column` (1-based).
  void add(std::string pointer, int line, int column);
  // "line L, column C" of the value a key path names ("a.b[2].c", as the
  // readers' refusals spell it), or of its nearest marked ancestor; empty
  // when nothing on the path is marked.
  std::string locate(std::string_view key_path) const;
  // `message` with the place of the key path it starts with: a refusal
  // "sharing_rules[0].role: no role named R" becomes "line 12, column 7:
  // sharing_rules[0].role: no role named R". Leading "a: b: " segments are
  // read as one path (a description's refusal inside a scenario).
  std::string with_place(const std::string& message) const;
  bool empty() const { return at_.empty(); }

 private:
  std::map<std::string, std::pair<int, int>, std::less<>> at_;
};

// Parses JSON when the text starts with '{' or '[', YAML otherwise. Error
// "bad_syntax" with the line and column of the problem: a byte that is not
// UTF-8, a key given twice, nesting or alias expansion past the limits;
// "too_large" past kStructuredFileBytesMax.
Result<nlohmann::json> parse_structured_text(std::string_view text, SourceMarks* marks = nullptr);

// `value` as block YAML a person reads: maps of up to four scalars and
// lists of scalars on one line, numbers as written (a whole double without
// its ".0", others to six significant digits), strings quoted only where
// YAML needs it. parse_structured_text reads it back as the same value.
std::string yaml_text(const nlohmann::json& value);

// Reads and parses a file. Error "unreadable" when it is missing, a
// directory, a device or a pipe (/dev/zero never ends), or cannot be read.
Result<nlohmann::json> load_structured_file(const std::string& path, SourceMarks* marks = nullptr);

}  // namespace crmsim::env
