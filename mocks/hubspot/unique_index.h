// Records of one type by the value of one property, where a value names at
// most one live record: contacts by lower-case email (HubSpot's own rule),
// and records by each property declared with unique values.
//
// The record already holds its value, so the index keeps only the value's
// hash and the record's id in an open-addressed table (16 bytes a slot)
// and reads the value from the record when a hash matches; a std::map of
// strings spent about 110 bytes a record. Values no record holds (the
// emails of contacts merged into a survivor, which keep finding it) are
// few and kept in a map apart. A value is in one or the other, never both.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mocks/hubspot/property_map.h"

namespace crmsim::mocks::hubspot {

class UniqueIndex {
 public:
  // The value record `id` holds now (nothing when it has none or is gone).
  using ValueOf = std::function<PropertyValue(uint64_t id)>;
  explicit UniqueIndex(ValueOf value_of) : value_of_(std::move(value_of)) {}

  // The record `value` finds; nothing when none.
  std::optional<uint64_t> find(std::string_view value) const;
  // `value` finds `id` from now on, in place of whichever record it found.
  // REQUIRES: `id` holds `value` once the write under way is done.
  void assign(std::string_view value, uint64_t id);
  // The same for a value `id` does not hold (a merged contact's email).
  void assign_unheld(std::string_view value, uint64_t id);
  // `value` finds nothing any more. REQUIRES: a record found by `value`
  // through assign() still holds it.
  void erase(std::string_view value);
  // The same, only when `value` finds `id`.
  void erase(std::string_view value, uint64_t id);
  size_t size() const { return live_ + unheld_.size(); }

 private:
  static constexpr uint64_t kEmpty = 0;              // no record has id 0
  static constexpr uint64_t kErased = ~uint64_t{0};  // a tombstone
  static constexpr size_t kInitialSlots = 16;
  struct Slot {
    uint64_t hash = 0;
    uint64_t id = kEmpty;
  };
  static uint64_t hash_of(std::string_view value);
  // The slot of the record holding `value`; slots_.size() when none.
  size_t find_slot(std::string_view value, uint64_t hash) const;
  void insert_slot(uint64_t hash, uint64_t id);
  void grow();

  ValueOf value_of_;
  std::vector<Slot> slots_;  // a power of two long, or empty
  size_t live_ = 0;          // slots holding an entry
  size_t used_ = 0;          // slots holding an entry or a tombstone
  std::map<std::string, uint64_t, std::less<>> unheld_;
};

}  // namespace crmsim::mocks::hubspot
