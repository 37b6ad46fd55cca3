// Field values and records as the fake org stores them. A Value is null, a
// boolean, a number or text; dates ("2024-05-20") and datetimes
// ("2024-05-20T20:49:32.000+0000") are text in their canonical wire form,
// which also sorts in time order. A record keeps only the fields that are
// set, by their position in the object's declaration, so a 100,000-lead org
// stays small.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "env/time.h"
#include "mocks/salesforce/schema.h"

namespace crmsim::mocks::salesforce {

// 22 bytes, no padding: a record's fields are stored as (index, Value)
// pairs, 24 bytes each. The last byte says what the value is; text of up
// to kInlineMax bytes is held in place (18-character ids, names, phones,
// picklist values), longer text in one exact-size allocation whose pointer
// is kept kPointerAt bytes in, so that in a field pair it is 8-byte aligned
// (where leak checkers and debuggers look for pointers).
class Value {
 public:
  static constexpr size_t kInlineMax = 20;
  static constexpr size_t kPointerAt = 6;

  Value() noexcept { tag_ = kNullTag; }
  Value(bool b) noexcept {  // NOLINT: values convert freely
    tag_ = kBoolTag;
    bytes_[0] = b ? 1 : 0;
  }
  Value(double d) noexcept { set_number(d); }                        // NOLINT
  Value(int64_t n) noexcept { set_number(static_cast<double>(n)); }  // NOLINT
  Value(int n) noexcept { set_number(static_cast<double>(n)); }      // NOLINT
  Value(std::string_view s) { set_text(s); }                         // NOLINT
  Value(const std::string& s) { set_text(s); }                       // NOLINT
  Value(const char* s) {  // NOLINT: null stays null
    if (s == nullptr) {
      tag_ = kNullTag;
    } else {
      set_text(s);
    }
  }
  Value(const Value& other) { copy_from(other); }
  Value(Value&& other) noexcept { steal(other); }
  Value& operator=(const Value& other) {
    if (this != &other) {
      release();
      copy_from(other);
    }
    return *this;
  }
  Value& operator=(Value&& other) noexcept {
    if (this != &other) {
      release();
      steal(other);
    }
    return *this;
  }
  ~Value() { release(); }

  bool is_null() const { return tag_ == kNullTag; }
  bool is_bool() const { return tag_ == kBoolTag; }
  bool is_number() const { return tag_ == kNumberTag; }
  bool is_string() const { return tag_ == kHeapTag || tag_ >= kInlineTag; }
  // REQUIRES: the matching is_*().
  bool as_bool() const { return bytes_[0] != 0; }
  double as_number() const {
    double d = 0;
    std::memcpy(&d, bytes_ + kPointerAt, sizeof d);
    return d;
  }
  std::string_view as_string() const {
    if (tag_ >= kInlineTag) return {bytes_, static_cast<size_t>(tag_ - kInlineTag)};
    const char* p = nullptr;
    uint32_t n = 0;
    std::memcpy(&p, bytes_ + kPointerAt, sizeof p);
    std::memcpy(&n, bytes_ + kPointerAt + sizeof p, sizeof n);
    return {p, n};
  }
  // Null, or an empty string: what Salesforce treats as blank.
  bool is_blank() const { return is_null() || tag_ == kInlineTag; }
  // Text for messages and for case-insensitive matching: "" for null.
  std::string to_text() const;

  bool operator==(const Value& other) const {
    if (is_string() && other.is_string()) return as_string() == other.as_string();
    if (tag_ != other.tag_) return false;
    if (is_bool()) return as_bool() == other.as_bool();
    if (is_number()) return as_number() == other.as_number();
    return true;
  }

 private:
  static constexpr uint8_t kNullTag = 0, kBoolTag = 1, kNumberTag = 2, kHeapTag = 3;
  static constexpr uint8_t kInlineTag = 16;  // + the text's length

  void set_number(double d) {
    tag_ = kNumberTag;
    std::memcpy(bytes_ + kPointerAt, &d, sizeof d);
  }
  void set_text(std::string_view s);
  void copy_from(const Value& other) {
    if (other.tag_ == kHeapTag) {
      set_text(other.as_string());
    } else {
      std::memcpy(bytes_, other.bytes_, sizeof bytes_);
      tag_ = other.tag_;
    }
  }
  void steal(Value& other) noexcept {
    std::memcpy(bytes_, other.bytes_, sizeof bytes_);
    tag_ = other.tag_;
    other.tag_ = kNullTag;
  }
  void release() {
    if (tag_ != kHeapTag) return;
    char* p = nullptr;
    std::memcpy(&p, bytes_ + kPointerAt, sizeof p);
    delete[] p;
    tag_ = kNullTag;
  }

  char bytes_[kInlineMax + 1] = {};
  uint8_t tag_;
};
static_assert(sizeof(Value) == 22);
static_assert(sizeof(std::pair<uint16_t, Value>) == 24 &&
              sizeof(uint16_t) + Value::kPointerAt == 8);

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
