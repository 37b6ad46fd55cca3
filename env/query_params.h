// The parameters of a query string or a form body, in order, with repeated
// keys kept (`?properties=a&properties=b`) and comma lists read on demand
// (`?fields=Id,Name`).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "env/result.h"

namespace crmsim::env {

class QueryParams {
 public:
  QueryParams() = default;

  // Parses "a=1&b=x%20y&b=z" (no leading '?'). A key without '=' has an
  // empty value; empty pieces ("a=1&&b=2") are skipped. A malformed escape
  // is an Error with code "bad_query".
  static Result<QueryParams> parse(std::string_view raw);

  // Appends a parameter; existing ones with the same key are kept.
  void add(std::string key, std::string value);
  // Replaces every parameter named `key` with one.
  void set(std::string key, std::string value);
  void remove(std::string_view key);

  bool has(std::string_view key) const;
  // The first value of `key`.
  std::optional<std::string_view> get(std::string_view key) const;
  // Every value of `key`, in order.
  std::vector<std::string> get_all(std::string_view key) const;
  // Every value of `key` split on commas, across repeated keys, empty items
  // dropped: "?p=a,b&p=c" gives {a, b, c}.
  std::vector<std::string> get_list(std::string_view key) const;

  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  // "a=1&b=x%20y": every key and value percent-encoded; parse() of the
  // result gives back the same entries.
  std::string encode() const;

  bool operator==(const QueryParams&) const = default;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

}  // namespace crmsim::env
