#include "mocks/salesforce/record.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "env/assert.h"

namespace crmsim::mocks::salesforce {
namespace {

const Value kNull;
const Value kFalse(false);

// Checkboxes are never null in Salesforce; false is the unstored default.
bool is_unstored(const ObjectDef& object, size_t index, const Value& v) {
  return v.is_null() || (object.fields[index].type == FieldType::kBoolean && v == kFalse);
}

}  // namespace

void Value::set_text(std::string_view s) {
  if (s.size() <= kInlineMax) {
    std::memcpy(bytes_, s.data(), s.size());
    tag_ = static_cast<uint8_t>(kInlineTag + s.size());
    return;
  }
  CRMSIM_ASSERT(s.size() <= UINT32_MAX, "a field value of 4 GB");
  char* p = new char[s.size()];
  std::memcpy(p, s.data(), s.size());
  const auto n = static_cast<uint32_t>(s.size());
  std::memcpy(bytes_ + kPointerAt, &p, sizeof p);
  std::memcpy(bytes_ + kPointerAt + sizeof p, &n, sizeof n);
  tag_ = kHeapTag;
}

std::string Value::to_text() const {
  if (is_null()) return "";
  if (is_bool()) return as_bool() ? "true" : "false";
  if (is_string()) return std::string(as_string());
  const double d = as_number();
  if (std::floor(d) == d && std::abs(d) < 1e15) {
    return std::to_string(static_cast<int64_t>(d));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

const Value& Record::get(size_t index) const {
  auto it = std::lower_bound(fields.begin(), fields.end(), index,
                             [](const auto& e, size_t i) { return e.first < i; });
  if (it != fields.end() && it->first == index) return it->second;
  return object != nullptr && object->fields[index].type == FieldType::kBoolean ? kFalse : kNull;
}

const Value& Record::get(std::string_view name) const {
  CRMSIM_ASSERT(object != nullptr, "record without an object");
  const FieldDef* f = object->field(name);
  if (f == nullptr) return kNull;
  return get(static_cast<size_t>(f - object->fields.data()));
}

void Record::set(size_t index, Value value) {
  CRMSIM_ASSERT(object != nullptr && index < object->fields.size(), "field index out of range");
  auto it = std::lower_bound(fields.begin(), fields.end(), index,
                             [](const auto& e, size_t i) { return e.first < i; });
  const bool unstored = is_unstored(*object, index, value);
  if (it != fields.end() && it->first == index) {
    if (unstored) {
      fields.erase(it);
    } else {
      it->second = std::move(value);
    }
  } else if (!unstored) {
    fields.emplace(it, static_cast<uint16_t>(index), std::move(value));
  }
}

void Record::set(std::string_view name, Value value) {
  CRMSIM_ASSERT(object != nullptr, "record without an object");
  const FieldDef* f = object->field(name);
  CRMSIM_ASSERT(f != nullptr, "set() of an undeclared field");
  set(static_cast<size_t>(f - object->fields.data()), std::move(value));
}

}  // namespace crmsim::mocks::salesforce
