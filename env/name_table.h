// Positions of names in a vector, found by name: what a schema asks on
// every field of every write and query (Salesforce's fields, HubSpot's
// properties). Open addressing over a power-of-two table of positions,
// the name hashed eight bytes at a time; a probe compares the name it
// looks for with the name now at each position it meets, so what it finds
// is always right. The table holds no copy of the names.
//
// Case-insensitive tables fold ASCII case in the hash by setting bit 0x20
// of every byte (A-Z become a-z, and a few other bytes meet theirs, which
// only costs a compare) and compare with env::iequals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "env/text.h"

namespace crmsim::env {

class NameTable {
 public:
  enum class Case { kSensitive, kInsensitive };
  static constexpr size_t npos = static_cast<size_t>(-1);

  explicit NameTable(Case c) : case_(c) {}

  // Indexes names 0..count-1 (name_at(i) gives the i-th); of equal names
  // the first is found, as a scan from the front finds it.
  template <typename NameAt>
  void rebuild(size_t count, NameAt name_at) {
    size_t slots = 8;
    while (slots < 2 * count) slots *= 2;
    slots_.assign(slots, 0);
    mask_ = slots - 1;
    for (size_t i = 0; i < count; ++i) {
      const std::string_view name = name_at(i);
      size_t at = hash(name) & mask_;
      bool seen = false;
      while (slots_[at] != 0) {
        if (same(name_at(slots_[at] - 1), name)) {
          seen = true;
          break;
        }
        at = (at + 1) & mask_;
      }
      if (!seen) slots_[at] = static_cast<uint32_t>(i + 1);
    }
  }

  // rebuild() when the vector the names live in (its first element at
  // `data`) moved or changed size since the last call: what a schema's
  // index needs, whose names are added and removed, never renamed in
  // place. What find() answers is always checked against the name now at
  // the position it gives.
  template <typename NameAt>
  void keep_up(const void* data, size_t count, NameAt name_at) {
    if (data == data_ && count == count_ && !slots_.empty()) return;
    rebuild(count, name_at);
    data_ = data;
    count_ = count;
  }

  // The position of `name` by the names name_at gives now, or npos.
  template <typename NameAt>
  size_t find(std::string_view name, NameAt name_at) const {
    if (slots_.empty()) return npos;
    for (size_t at = hash(name) & mask_; slots_[at] != 0; at = (at + 1) & mask_) {
      const size_t position = slots_[at] - 1;
      if (same(name_at(position), name)) return position;
    }
    return npos;
  }

  uint64_t hash(std::string_view name) const {
    const uint64_t fold = case_ == Case::kInsensitive ? 0x2020202020202020ULL : 0;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ name.size();
    const char* p = name.data();
    size_t left = name.size();
    for (; left >= 8; left -= 8, p += 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      h = (h ^ (word | fold)) * 0xff51afd7ed558ccdULL;
      h ^= h >> 32;
    }
    if (left > 0) {
      uint64_t word = 0;
      std::memcpy(&word, p, left);
      h = (h ^ (word | fold)) * 0xff51afd7ed558ccdULL;
    }
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 32);
  }

 private:
  bool same(std::string_view a, std::string_view b) const {
    return case_ == Case::kInsensitive ? iequals(a, b) : a == b;
  }

  Case case_;
  std::vector<uint32_t> slots_;  // position + 1; 0: empty
  size_t mask_ = 0;
  const void* data_ = nullptr;  // what keep_up() last indexed
  size_t count_ = 0;
};

}  // namespace crmsim::env
