#include "env/http_message.h"

#include <algorithm>
#include <array>

#include "env/assert.h"
#include "env/percent_encoding.h"

namespace crmsim::env {
namespace {

constexpr std::array<std::pair<Method, std::string_view>, 7> kMethods = {{
    {Method::kGet, "GET"},
    {Method::kHead, "HEAD"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kPatch, "PATCH"},
    {Method::kDelete, "DELETE"},
    {Method::kOptions, "OPTIONS"},
}};

}  // namespace

std::string_view method_name(Method m) {
  for (const auto& [method, name] : kMethods) {
    if (method == m) return name;
  }
  CRMSIM_ASSERT(false, "unknown Method value");
}

std::optional<Method> parse_method(std::string_view name) {
  for (const auto& [method, n] : kMethods) {
    if (n == name) return method;
  }
  return std::nullopt;
}

void Headers::set(std::string_view name, std::string value) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (iequals(it->first, name)) {
      it->second = std::move(value);
      // Drop any later repeats so that exactly one remains.
      entries_.erase(std::remove_if(it + 1, entries_.end(),
                                    [&](const auto& e) { return iequals(e.first, name); }),
                     entries_.end());
      return;
    }
  }
  entries_.emplace_back(std::string(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(entries_, [&](const auto& e) { return iequals(e.first, name); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [k, v] : entries_) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

void PathParams::add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> PathParams::find(std::string_view name) const {
  for (const auto& [k, v] : entries_) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::string_view PathParams::get(std::string_view name) const {
  auto v = find(name);
  CRMSIM_ASSERT(v.has_value(), "path parameter not in the matched pattern");
  return *v;
}

Result<Request> Request::make(Method method, std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return fail("bad_target", "request target must start with '/': '" + std::string(target) + "'");
  }
  Request r;
  r.method = method;
  const size_t q = target.find('?');
  r.raw_path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    auto query = QueryParams::parse(target.substr(q + 1));
    if (!query.ok()) return fail("bad_target", query.error().message);
    r.query = std::move(query).value();
  }
  return r;
}

std::string Request::target() const {
  if (query.empty()) return raw_path;
  return raw_path + "?" + query.encode();
}

std::optional<std::string> Request::decoded_path() const {
  return percent_decode(raw_path, /*plus_is_space=*/false);
}

Result<std::vector<std::string>> Request::segments() const {
  std::vector<std::string> out;
  std::string_view rest(raw_path);
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) return out;
  size_t start = 0;
  while (start <= rest.size()) {
    size_t end = rest.find('/', start);
    if (end == std::string_view::npos) end = rest.size();
    auto segment = percent_decode(rest.substr(start, end - start),
                                  /*plus_is_space=*/false);
    if (!segment) {
      return fail("bad_path", "malformed percent-encoding in path '" + raw_path + "'");
    }
    out.push_back(std::move(*segment));
    start = end + 1;
  }
  return out;
}

Response Response::with_body(int status, std::string_view content_type, std::string body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", std::string(content_type));
  r.body = std::move(body);
  return r;
}

Response Response::empty(int status) {
  Response r;
  r.status = status;
  return r;
}

}  // namespace crmsim::env
