// A record's property history: every value each property has had, with
// when and by which source, oldest first, in one allocation per record.
// Each entry is a 16-byte header (time, source, property, size) followed by
// the value's bytes; a value of 65,535 bytes or more carries its length in
// four more bytes. A contact's nine first values take about 300 bytes
// instead of nine 48-byte entries plus their long values apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "env/time.h"

namespace crmsim::mocks::hubspot {

class PropertyHistory {
 public:
  struct Entry {
    uint16_t property = 0;  // by its index in the type's declaration
    uint32_t source = 0;    // by its index in the portal's table of sources
    env::Timestamp at;
    std::string_view value;  // valid until the history changes
  };

  // Appends an entry for `property`. When `property` already has
  // `per_property_max` entries its oldest goes first.
  void add(uint16_t property, uint32_t source, env::Timestamp at, std::string_view value,
           size_t per_property_max);

  // Calls `f(entry)` for each entry, oldest first.
  template <typename F>
  void for_each(F&& f) const {
    for (size_t at = 0; at < bytes_.size();) {
      const Entry e = entry_at(at);
      at = next(at);
      f(e);
    }
  }

  size_t size() const;  // entries
  bool empty() const { return bytes_.empty(); }
  void shrink_to_fit() { bytes_.shrink_to_fit(); }

 private:
  static constexpr size_t kHeader = 16;
  static constexpr uint16_t kLongValue = 0xFFFF;  // the size follows the header

  Entry entry_at(size_t offset) const;
  size_t next(size_t offset) const;  // the offset of the entry after
  std::string bytes_;
};

}  // namespace crmsim::mocks::hubspot
