#include "engine/answer_json.h"

#include <nlohmann/json.hpp>

#include "env/assert.h"
#include "env/json_body.h"

namespace crmsim::engine {

simdjson::simdjson_result<simdjson::dom::element> parse_crm_json(std::string_view text) {
  // One parser per thread: its buffers grow to the largest answer read and
  // are reused; a sweep runs scenarios on several threads.
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p(kAnswerBytesMax);
    const simdjson::error_code ok = p.allocate(64 * 1024, env::kJsonDepthMax);
    CRMSIM_ASSERT(ok == simdjson::SUCCESS, "memory for the answer parser");
    return p;
  }();
  if (text.size() > kAnswerBytesMax) return simdjson::CAPACITY;
  // The text is copied into a padded buffer unless it already has room
  // behind it, which a std::string_view cannot promise.
  auto parsed = parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true);
  if (parsed.error() != simdjson::NUMBER_ERROR) return parsed;
  // A whole number beyond 64 bits, which simdjson refuses: nlohmann reads
  // it as a double, as the engine always did. Written out again, every
  // number fits; the parser keeps nothing of the text it was given.
  const nlohmann::json tree = env::parse_json_or_discarded(text);
  if (tree.is_discarded()) return parsed;
  const std::string again = tree.dump();
  return parser.parse(again.data(), again.size(), /*realloc_if_needed=*/true);
}

std::string dump_like_nlohmann(simdjson::dom::element value) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::INT64:
      return std::to_string(int64_t(value.get_int64()));
    case element_type::UINT64:
      return std::to_string(uint64_t(value.get_uint64()));
    case element_type::DOUBLE:
      return nlohmann::json(double(value.get_double())).dump();
    case element_type::BOOL:
      return bool(value.get_bool()) ? "true" : "false";
    case element_type::NULL_VALUE:
      return "null";
    case element_type::STRING:
      return nlohmann::json(std::string(std::string_view(value.get_string()))).dump();
    case element_type::ARRAY:
    case element_type::OBJECT:
      // Rare (a subquery's records, a multi-valued property read raw):
      // nlohmann writes objects with their keys sorted.
      return nlohmann::json::parse(simdjson::minify(value)).dump();
  }
  return "null";
}

}  // namespace crmsim::engine
