// A record's property values in one allocation: entries sorted by name,
// each an interned name's pointer, the value's length and the value's
// bytes. A contact holds about a dozen properties, most of them short, so
// this costs about a fifth of a vector of (name, std::string) pairs with
// their long values apart, and a lookup walks a few hundred contiguous
// bytes. Names are interned (every record holding `lastmodifieddate` points
// at one copy).
//
// Values are handed out as std::string_view into the map's buffer: valid
// until the map is next changed, as a reference into a vector would be.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "env/assert.h"

namespace crmsim::mocks::hubspot {

// An interned property name: one copy of each distinct name for the
// process (the table only grows; there are as many names as properties
// declared anywhere). Thread-safe.
class PropertyName {
 public:
  explicit PropertyName(std::string_view name);

  const std::string& str() const { return *name_; }
  operator const std::string&() const { return *name_; }  // NOLINT: reads as the name
  operator std::string_view() const { return *name_; }    // NOLINT

  // Interned: equal names are the same pointer.
  bool operator==(const PropertyName& o) const { return name_ == o.name_; }
  friend bool operator==(const PropertyName& a, std::string_view b) { return *a.name_ == b; }

 private:
  friend class PropertyMap;
  struct Interned {};
  PropertyName(Interned, const std::string* name) : name_(name) {}
  const std::string* name_;
};

// A property's value as a record holds it, or nothing when it is not set:
// an optional string_view that cannot be compared with nullptr (an
// std::optional<std::string_view> can, and reads a null C string).
class PropertyValue {
 public:
  PropertyValue() = default;
  PropertyValue(std::nullopt_t) {}  // NOLINT: reads as "no value"
  explicit PropertyValue(std::string_view value) : value_(value), has_(true) {}

  bool has_value() const { return has_; }
  explicit operator bool() const { return has_; }
  std::string_view operator*() const {
    CRMSIM_ASSERT(has_, "the value of an unset property");
    return value_;
  }
  const std::string_view* operator->() const {
    CRMSIM_ASSERT(has_, "the value of an unset property");
    return &value_;
  }
  std::string_view value_or(std::string_view otherwise) const { return has_ ? value_ : otherwise; }

  // Set and equal to `text`.
  friend bool operator==(const PropertyValue& v, std::string_view text) {
    return v.has_ && v.value_ == text;
  }
  bool operator==(std::nullptr_t) const = delete;

 private:
  std::string_view value_;
  bool has_ = false;
};

class PropertyMap {
 public:
  // The largest value a map holds. A request body is at most 16 MiB, so no
  // client reaches it; the record's whole buffer is limited to 4 GiB.
  static constexpr size_t kMaxValueBytes = UINT32_MAX / 2;

  struct Entry {
    PropertyName first;
    std::string_view second;
  };

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using reference = Entry;
    struct pointer {
      Entry e;
      const Entry* operator->() const { return &e; }
    };

    const_iterator() = default;
    Entry operator*() const { return entry_at(at_); }
    pointer operator->() const { return {entry_at(at_)}; }
    const_iterator& operator++() {
      at_ = next(at_);
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      at_ = next(at_);
      return old;
    }
    bool operator==(const const_iterator& o) const { return at_ == o.at_; }

   private:
    friend class PropertyMap;
    explicit const_iterator(const char* at) : at_(at) {}
    const char* at_ = nullptr;
  };
  using iterator = const_iterator;

  PropertyMap() = default;
  PropertyMap(const PropertyMap& o) { assign(o); }
  PropertyMap(PropertyMap&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        capacity_(std::exchange(o.capacity_, 0)) {}
  PropertyMap& operator=(const PropertyMap& o) {
    if (this != &o) assign(o);
    return *this;
  }
  PropertyMap& operator=(PropertyMap&& o) noexcept {
    if (this != &o) {
      delete[] data_;
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }
  ~PropertyMap() { delete[] data_; }

  const_iterator begin() const { return const_iterator(data_); }
  const_iterator end() const { return const_iterator(data_ + size_); }
  size_t size() const;  // entries: walks the map
  bool empty() const { return size_ == 0; }

  const_iterator find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != end(); }
  // The value of `name`, or nothing when it is not set.
  PropertyValue get(std::string_view name) const {
    auto it = find(name);
    if (it == end()) return std::nullopt;
    return PropertyValue(entry_at(it.at_).second);
  }
  std::string_view at(std::string_view name) const {
    auto it = find(name);
    CRMSIM_ASSERT(it != end(), "PropertyMap::at of an absent property");
    return entry_at(it.at_).second;
  }
  // Sets `name` to `value` (which may be a view into this map).
  void set(std::string_view name, std::string_view value);
  void set(const PropertyName& name, std::string_view value);
  size_t erase(std::string_view name);
  // Gives back the room kept for more properties (a record that was just
  // written is mostly read from then on).
  void shrink_to_fit();

  bool operator==(const PropertyMap& o) const {
    return size_ == o.size_ && (size_ == 0 || std::memcmp(data_, o.data_, size_) == 0);
  }

 private:
  // An entry: the name's pointer (8 bytes, unaligned), the value's length
  // in one byte, or kLongValue and four bytes when it is 255 or more, then
  // the value.
  static constexpr uint8_t kLongValue = 0xFF;
  static const std::string* name_at(const char* at) {
    const std::string* name;
    std::memcpy(&name, at, sizeof name);
    return name;
  }
  static Entry entry_at(const char* at) {
    const auto tag = static_cast<uint8_t>(at[sizeof(void*)]);
    uint32_t length = tag;
    const char* value = at + sizeof(void*) + 1;
    if (tag == kLongValue) {
      std::memcpy(&length, value, sizeof length);
      value += sizeof length;
    }
    return {PropertyName(PropertyName::Interned{}, name_at(at)), std::string_view(value, length)};
  }
  static const char* next(const char* at) {
    const Entry e = entry_at(at);
    return e.second.data() + e.second.size();
  }
  static size_t encoded_size(size_t value_bytes) {
    return sizeof(void*) + 1 + (value_bytes >= kLongValue ? sizeof(uint32_t) : 0) + value_bytes;
  }
  // The first entry whose name is not less than `name`.
  const char* lower(std::string_view name) const;
  // Replaces bytes [from, from + old_bytes) by `name`'s entry for `value`.
  void splice(size_t from, size_t old_bytes, const std::string* name, std::string_view value);
  void assign(const PropertyMap& o);

  char* data_ = nullptr;
  uint32_t size_ = 0;      // bytes in use
  uint32_t capacity_ = 0;  // bytes allocated
};

}  // namespace crmsim::mocks::hubspot
