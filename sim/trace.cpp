#include "sim/trace.h"

#include <ostream>

#include <nlohmann/json.hpp>

namespace crmsim::sim {

void Trace::record(env::Timestamp at, std::string_view kind,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  hash_.fold(at);
  hash_.fold(kind);
  for (const auto& [k, v] : fields) {
    hash_.fold(k);
    hash_.fold(v);
  }
  if (lines_ == nullptr) return;
  nlohmann::ordered_json line;
  line["t"] = env::format_salesforce_datetime(at);
  line["kind"] = std::string(kind);
  for (const auto& [k, v] : fields) line[std::string(k)] = std::string(v);
  *lines_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace crmsim::sim
