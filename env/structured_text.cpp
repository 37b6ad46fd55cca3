#include "env/structured_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include "env/json_body.h"

namespace crmsim::env {
namespace {

using nlohmann::json;

std::string at(const YAML::Mark& mark) {
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

// Where the first byte that is not UTF-8 is, if any: "line L, column C".
std::optional<std::string> invalid_utf8(std::string_view text) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = n > 0 && i + n <= text.size();
    for (size_t k = 1; ok && k < n; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    // Overlong forms and surrogates are not UTF-8 either.
    if (ok && n == 2) ok = c >= 0xc2;
    if (ok && n == 3) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
    }
    if (ok && n == 4) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = c <= 0xf4 && !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (!ok) return "line " + std::to_string(line) + ", column " + std::to_string(column);
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
  return std::nullopt;
}

// Converting a YAML tree counts what it builds: aliases share nodes in the
// tree, so a few lines of nested aliases ("billion laughs") would expand to
// billions of values.
struct Budget {
  size_t values = 0;
};

json scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  // Integers and floats, exactly as written (no octal surprises).
  json number = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!number.is_discarded() && number.is_number()) return number;
  return text;
}

// A JSON pointer token: '~' and '/' escaped.
std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

json convert(const YAML::Node& node, int depth, Budget& budget, SourceMarks* marks,
             const std::string& pointer) {
  if (depth > static_cast<int>(kStructuredDepthMax))
    throw YAML::Exception(node.Mark(),
                          "nested more than " + std::to_string(kStructuredDepthMax) + " deep");
  if (++budget.values > kStructuredValuesMax) {
    throw YAML::Exception(node.Mark(), "expands to more than " +
                                           std::to_string(kStructuredValuesMax) +
                                           " values (aliases repeated within aliases?)");
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      size_t index = 0;
      for (const auto& item : node) {
        const std::string at = pointer + "/" + std::to_string(index++);
        if (marks != nullptr) marks->add(at, item.Mark().line + 1, item.Mark().column + 1);
        out.push_back(convert(item, depth + 1, budget, marks, at));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar())
          throw YAML::Exception(kv.first.Mark(), "a key must be a plain name, not a list or map");
        const std::string key = kv.first.Scalar();
        if (out.contains(key)) {
          throw YAML::Exception(kv.first.Mark(),
                                "duplicate key '" + key + "' (YAML keeps only one of them)");
        }
        const std::string at = pointer + "/" + pointer_token(key);
        if (marks != nullptr) marks->add(at, kv.first.Mark().line + 1, kv.first.Mark().column + 1);
        out[key] = convert(kv.second, depth + 1, budget, marks, at);
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace

void SourceMarks::add(std::string pointer, int line, int column) {
  at_.emplace(std::move(pointer), std::pair{line, column});
}

std::string SourceMarks::locate(std::string_view key_path) const {
  // "a.b[2].c" -> "/a/b/2/c", trying the whole path, then its ancestors.
  std::vector<std::string> tokens;
  std::string token;
  for (char c : key_path) {
    if (c == '.' || c == '[' || c == ']') {
      if (!token.empty()) tokens.push_back(pointer_token(token));
      token.clear();
    } else {
      token += c;
    }
  }
  if (!token.empty()) tokens.push_back(pointer_token(token));
  for (size_t n = tokens.size(); n > 0; --n) {
    std::string pointer;
    for (size_t i = 0; i < n; ++i) pointer += "/" + tokens[i];
    if (auto it = at_.find(pointer); it != at_.end()) {
      return "line " + std::to_string(it->second.first) + ", column " +
             std::to_string(it->second.second);
    }
  }
  return "";
}

std::string SourceMarks::with_place(const std::string& message) const {
  // The leading "path: " segments, each a key path (no spaces).
  std::string path;
  size_t from = 0;
  for (;;) {
    const size_t colon = message.find(": ", from);
    if (colon == std::string::npos) break;
    const std::string_view segment(message.data() + from, colon - from);
    if (segment.empty() || segment.find_first_of(" '\"") != std::string_view::npos) break;
    path += (path.empty() ? "" : ".") + std::string(segment);
    from = colon + 2;
  }
  const std::string place = path.empty() ? "" : locate(path);
  return place.empty() ? message : place + ": " + message;
}

Result<json> parse_structured_text(std::string_view text, SourceMarks* marks) {
  if (text.size() > kStructuredFileBytesMax) {
    return fail("too_large", "is " + std::to_string(text.size()) + " bytes; the limit is " +
                                 std::to_string(kStructuredFileBytesMax));
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a byte order mark
  if (auto where = invalid_utf8(text)) return fail("bad_syntax", "not UTF-8 at " + *where);
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    auto parsed = parse_json(text, kStructuredDepthMax);
    if (!parsed.ok()) return fail("bad_syntax", "invalid JSON: " + parsed.error().message);
    return std::move(parsed).value();
  }
  // yaml-cpp's parser recurses into flow collections ("[[[[..."): measure
  // their nesting first, as for JSON.
  if (json_nesting_depth(text, kStructuredDepthMax) > kStructuredDepthMax) {
    return fail("bad_syntax", "invalid YAML: lists and maps are nested more than " +
                                  std::to_string(kStructuredDepthMax) + " deep");
  }
  try {
    Budget budget;
    return convert(YAML::Load(std::string(text)), 0, budget, marks, "");
  } catch (const YAML::Exception& e) {
    return fail("bad_syntax", "invalid YAML at " + at(e.mark) + ": " + e.msg);
  }
}

Result<json> load_structured_file(const std::string& path, SourceMarks* marks) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return fail("unreadable", path + ": no such file");
  if (S_ISDIR(st.st_mode)) return fail("unreadable", path + ": is a directory, not a file");
  if (!S_ISREG(st.st_mode)) {
    return fail("unreadable", path + ": is not a regular file (a device or a pipe)");
  }
  if (static_cast<uint64_t>(st.st_size) > kStructuredFileBytesMax) {
    return fail("too_large", path + ": is " + std::to_string(st.st_size) + " bytes; the limit is " +
                                 std::to_string(kStructuredFileBytesMax));
  }
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return fail("unreadable", path + ": cannot be read");
  // Read at most one byte past the limit: a file that grew is still refused.
  // The buffer grows with what arrives (it was once the limit's size, zeroed,
  // for every file: a tenth of a small run's time).
  std::string text;
  text.reserve(static_cast<size_t>(st.st_size) + 1);
  char chunk[1 << 16];
  while (text.size() <= kStructuredFileBytesMax) {
    const size_t want = std::min(sizeof chunk, kStructuredFileBytesMax + 1 - text.size());
    const size_t n = std::fread(chunk, 1, want, file.get());
    text.append(chunk, n);
    if (n < want) break;
  }
  if (std::ferror(file.get())) return fail("unreadable", path + ": cannot be read");
  auto parsed = parse_structured_text(text, marks);
  if (!parsed.ok()) return fail(parsed.error().code, path + ": " + parsed.error().message);
  return parsed;
}

namespace {

std::string yaml_number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void emit_yaml(YAML::Emitter& out, const nlohmann::json& j, bool flow) {
  auto all_scalars = [](const nlohmann::json& v) {
    return std::all_of(v.begin(), v.end(), [](const nlohmann::json& x) { return x.is_primitive(); });
  };
  if (j.is_object()) {
    out << (flow ? YAML::Flow : YAML::Block) << YAML::BeginMap;
    for (const auto& [k, v] : j.items()) {
      out << YAML::Key << k << YAML::Value;
      emit_yaml(out, v, flow || (v.is_object() && v.size() <= 4 && all_scalars(v)));
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << (flow || all_scalars(j) ? YAML::Flow : YAML::Block) << YAML::BeginSeq;
    for (const auto& v : j) emit_yaml(out, v, flow || v.is_object());
    out << YAML::EndSeq;
  } else if (j.is_string()) {
    out << j.get<std::string>();
  } else if (j.is_boolean()) {
    out << j.get<bool>();
  } else if (j.is_number_integer()) {
    out << j.get<int64_t>();
  } else if (j.is_number()) {
    out << yaml_number(j.get<double>());
  } else {
    out << YAML::Null;
  }
}

}  // namespace

std::string yaml_text(const nlohmann::json& value) {
  YAML::Emitter e;
  emit_yaml(e, value, false);
  return std::string(e.c_str()) + "\n";
}

}  // namespace crmsim::env
