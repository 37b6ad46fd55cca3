#include "env/structured_text.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace crmsim::env {
namespace {

using nlohmann::json;

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

json convert(const YAML::Node& node, int depth) {
  constexpr int kDepthMax = 64;
  if (depth > kDepthMax) throw YAML::Exception(node.Mark(), "nested too deeply");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(convert(item, depth + 1));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = convert(kv.second, depth + 1);
      return out;
    }
  }
  return nullptr;
}

}  // namespace

Result<json> parse_structured_text(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    try {
      return json::parse(text);
    } catch (const json::parse_error& e) {
      return fail("bad_syntax", std::string("invalid JSON: ") + e.what());
    }
  }
  try {
    return convert(YAML::Load(std::string(text)), 0);
  } catch (const YAML::Exception& e) {
    return fail("bad_syntax", "invalid YAML at line " + std::to_string(e.mark.line + 1) +
                                  ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<json> load_structured_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("unreadable", "cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = parse_structured_text(text.str());
  if (!parsed.ok()) return fail(parsed.error().code, path + ": " + parsed.error().message);
  return parsed;
}

}  // namespace crmsim::env
