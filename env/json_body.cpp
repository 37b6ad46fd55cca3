#include "env/json_body.h"

#include <optional>

#include <nlohmann/json.hpp>

namespace crmsim::env {

struct ParsedJson {
  std::optional<Result<nlohmann::json, JsonError>> result;  // empty once taken
};

namespace {

// Line and column (1-based) of byte `offset`.
std::string where(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

bool looks_like_json(std::string_view body) {
  const size_t first = body.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && (body[first] == '{' || body[first] == '[');
}

}  // namespace

size_t json_nesting_depth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Result<nlohmann::json, JsonError> parse_json(std::string_view text, size_t depth_max) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return fail(JsonError{JsonError::Kind::kEmpty, "the body is empty"});
  }
  if (json_nesting_depth(text, depth_max) > depth_max) {
    return fail(JsonError{JsonError::Kind::kTooDeep, "arrays and objects are nested more than " +
                                                         std::to_string(depth_max) + " deep"});
  }
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    // Find where: the SAX interface reports the byte of the first error.
    struct Locate : nlohmann::json_sax<nlohmann::json> {
      size_t at = 0;
      bool null() override { return true; }
      bool boolean(bool) override { return true; }
      bool number_integer(number_integer_t) override { return true; }
      bool number_unsigned(number_unsigned_t) override { return true; }
      bool number_float(number_float_t, const string_t&) override { return true; }
      bool string(string_t&) override { return true; }
      bool binary(binary_t&) override { return true; }
      bool start_object(std::size_t) override { return true; }
      bool key(string_t&) override { return true; }
      bool end_object() override { return true; }
      bool start_array(std::size_t) override { return true; }
      bool end_array() override { return true; }
      bool parse_error(std::size_t position, const std::string&,
                       const nlohmann::detail::exception&) override {
        at = position;
        return false;
      }
    } locate;
    nlohmann::json::sax_parse(text, &locate, nlohmann::json::input_format_t::json, false);
    const size_t offset = locate.at == 0 ? 0 : locate.at - 1;
    return fail(JsonError{JsonError::Kind::kSyntax,
                          "the body is not valid JSON at " + where(text, offset)});
  }
  return value;
}

nlohmann::json parse_json_or_discarded(std::string_view text, size_t depth_max) {
  if (json_nesting_depth(text, depth_max) > depth_max) return nlohmann::json::value_t::discarded;
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

void preparse_json(Request& request) {
  if (!looks_like_json(request.body)) return;
  auto parsed = std::make_shared<ParsedJson>();
  parsed->result.emplace(parse_json(request.body));
  request.parsed_json = std::move(parsed);
}

Result<nlohmann::json, JsonError> take_json(const Request& request) {
  if (request.parsed_json && request.parsed_json->result) {
    Result<nlohmann::json, JsonError> out = std::move(*request.parsed_json->result);
    request.parsed_json->result.reset();
    return out;
  }
  return parse_json(request.body);
}

}  // namespace crmsim::env
