// Field values and records as the fake org stores them. A Value is null, a
// boolean, a number or text; dates ("2024-05-20") and datetimes
// ("2024-05-20T20:49:32.000+0000") are text in their canonical wire form,
// which also sorts in time order. A record keeps only the fields that are
// set, by their position in the object's declaration, so a 100,000-lead org
// stays small.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "env/time.h"
#include "mocks/salesforce/schema.h"

namespace crmsim::mocks::salesforce {

class Value {
 public:
  Value() = default;
  Value(bool b) : v_(b) {}                          // NOLINT: values convert freely
  Value(double d) : v_(d) {}                        // NOLINT
  Value(int64_t n) : v_(static_cast<double>(n)) {}  // NOLINT
  Value(int n) : v_(static_cast<double>(n)) {}      // NOLINT
  Value(std::string s) : v_(std::move(s)) {}        // NOLINT
  Value(const char* s) {
    if (s != nullptr) v_ = std::string(s);
  }  // NOLINT: null stays null

  bool is_null() const { return v_.index() == 0; }
  bool is_bool() const { return v_.index() == 1; }
  bool is_number() const { return v_.index() == 2; }
  bool is_string() const { return v_.index() == 3; }
  // REQUIRES: the matching is_*().
  bool as_bool() const { return std::get<1>(v_); }
  double as_number() const { return std::get<2>(v_); }
  const std::string& as_string() const { return std::get<3>(v_); }
  // Null, or an empty string: what Salesforce treats as blank.
  bool is_blank() const { return is_null() || (is_string() && as_string().empty()); }
  // Text for messages and for case-insensitive matching: "" for null.
  std::string to_text() const;

  bool operator==(const Value&) const = default;

 private:
  std::variant<std::monostate, bool, double, std::string> v_;
};

struct Record {
  std::string id;
  const ObjectDef* object = nullptr;
  bool deleted = false;
  env::Timestamp deleted_at;
  // Set fields by index into object->fields, sorted by index. Checkboxes
  // that are false are not stored (get() answers false for them).
  std::vector<std::pair<uint16_t, Value>> fields;

  // The value of the field at `index`; null when unset (false for a
  // checkbox).
  const Value& get(size_t index) const;
  // The value of the named field (case-insensitive); null when unset or
  // unknown.
  const Value& get(std::string_view name) const;
  void set(size_t index, Value value);
  void set(std::string_view name, Value value);  // REQUIRES: a declared field
};

}  // namespace crmsim::mocks::salesforce
