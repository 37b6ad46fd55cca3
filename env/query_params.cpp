#include "env/query_params.h"

#include "env/percent_encoding.h"

namespace crmsim::env {

Result<QueryParams> QueryParams::parse(std::string_view raw) {
  QueryParams params;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t end = raw.find('&', start);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view piece = raw.substr(start, end - start);
    if (!piece.empty()) {
      const size_t eq = piece.find('=');
      const std::string_view k = piece.substr(0, eq);
      const std::string_view v =
          eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
      auto key = percent_decode(k, /*plus_is_space=*/true);
      auto value = percent_decode(v, /*plus_is_space=*/true);
      if (!key || !value) {
        return fail("bad_query", "malformed percent-encoding in '" + std::string(piece) + "'");
      }
      params.add(std::move(*key), std::move(*value));
    }
    start = end + 1;
  }
  return params;
}

void QueryParams::add(std::string key, std::string value) {
  entries_.emplace_back(std::move(key), std::move(value));
}

void QueryParams::set(std::string key, std::string value) {
  remove(key);
  add(std::move(key), std::move(value));
}

void QueryParams::remove(std::string_view key) {
  std::erase_if(entries_, [&](const auto& e) { return e.first == key; });
}

bool QueryParams::has(std::string_view key) const { return get(key).has_value(); }

std::optional<std::string_view> QueryParams::get(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string> QueryParams::get_all(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : entries_) {
    if (k == key) out.push_back(v);
  }
  return out;
}

std::vector<std::string> QueryParams::get_list(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : entries_) {
    if (k != key) continue;
    size_t start = 0;
    while (start <= v.size()) {
      size_t end = v.find(',', start);
      if (end == std::string::npos) end = v.size();
      if (end > start) out.push_back(v.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

std::string QueryParams::encode() const {
  std::string out;
  for (const auto& [k, v] : entries_) {
    if (!out.empty()) out += '&';
    out += percent_encode(k);
    out += '=';
    out += percent_encode(v);
  }
  return out;
}

}  // namespace crmsim::env
