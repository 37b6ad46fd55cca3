// A record's property values: a sorted vector of (name, value) pairs with
// the lookups of a map. A contact holds about a dozen properties, so this
// costs a third of a std::map's memory and searches as fast. Names are
// interned (every record holding `lastmodifieddate` points at one copy),
// so an entry is a pointer and a value.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
  const std::string* name_;
};

class PropertyMap {
 public:
  using Entry = std::pair<PropertyName, std::string>;
  using const_iterator = std::vector<Entry>::const_iterator;
  using iterator = std::vector<Entry>::iterator;

  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  const_iterator find(std::string_view name) const {
    auto it = lower(name);
    return it != entries_.end() && it->first == name ? const_iterator(it) : end();
  }
  bool contains(std::string_view name) const { return find(name) != end(); }
  const std::string& at(std::string_view name) const {
    auto it = find(name);
    CRMSIM_ASSERT(it != end(), "PropertyMap::at of an absent property");
    return it->second;
  }
  // The value of `name`, inserted empty when absent.
  std::string& operator[](std::string_view name) {
    auto it = lower(name);
    if (it == entries_.end() || !(it->first == name))
      it = entries_.insert(it, Entry(PropertyName(name), ""));
    return it->second;
  }
  size_t erase(std::string_view name) {
    auto it = lower(name);
    if (it == entries_.end() || !(it->first == name)) return 0;
    entries_.erase(it);
    return 1;
  }
  // Gives back the room kept for more properties (a record that was just
  // written is mostly read from then on).
  void shrink_to_fit() { entries_.shrink_to_fit(); }
  bool operator==(const PropertyMap&) const = default;

 private:
  std::vector<Entry>::iterator lower(std::string_view name) const {
    auto& entries =
        const_cast<std::vector<Entry>&>(entries_);  // shared by const and non-const lookups
    return std::lower_bound(
        entries.begin(), entries.end(), name,
        [](const Entry& e, std::string_view n) { return std::string_view(e.first) < n; });
  }
  std::vector<Entry> entries_;
};

}  // namespace crmsim::mocks::hubspot
