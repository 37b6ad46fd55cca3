#include "mocks/hubspot/unique_index.h"

#include "env/assert.h"

namespace crmsim::mocks::hubspot {

uint64_t UniqueIndex::hash_of(std::string_view value) {
  // FNV-1a: the same on every machine and run, so that probe lengths are.
  uint64_t h = 14695981039346656037ull;
  for (const char c : value) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

size_t UniqueIndex::find_slot(std::string_view value, uint64_t hash) const {
  if (slots_.empty()) return 0;
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.id == kEmpty) return slots_.size();
    if (s.id != kErased && s.hash == hash && value_of_(s.id) == value) return i;
  }
}

std::optional<uint64_t> UniqueIndex::find(std::string_view value) const {
  if (const size_t i = find_slot(value, hash_of(value)); i != slots_.size()) return slots_[i].id;
  if (auto it = unheld_.find(value); it != unheld_.end()) return it->second;
  return std::nullopt;
}

void UniqueIndex::assign(std::string_view value, uint64_t id) {
  CRMSIM_ASSERT(id != kEmpty && id != kErased, "a unique index entry for an impossible id");
  erase(value);
  insert_slot(hash_of(value), id);
}

void UniqueIndex::assign_unheld(std::string_view value, uint64_t id) {
  erase(value);
  unheld_.emplace(std::string(value), id);
}

void UniqueIndex::erase(std::string_view value) {
  if (const size_t i = find_slot(value, hash_of(value)); i != slots_.size()) {
    slots_[i].id = kErased;
    --live_;
  }
  if (auto it = unheld_.find(value); it != unheld_.end()) unheld_.erase(it);
}

void UniqueIndex::erase(std::string_view value, uint64_t id) {
  if (find(value) == id) erase(value);
}

void UniqueIndex::insert_slot(uint64_t hash, uint64_t id) {
  // At most seven slots in eight in use (tombstones included): probes stay
  // short and an empty slot always ends one.
  if ((used_ + 1) * 8 > slots_.size() * 7) grow();
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].id != kEmpty && slots_[i].id != kErased) i = (i + 1) & mask;
  if (slots_[i].id == kEmpty) ++used_;
  slots_[i] = {hash, id};
  ++live_;
}

void UniqueIndex::grow() {
  // Room for twice the live entries; tombstones are dropped.
  size_t size = kInitialSlots;
  while (size * 7 < (live_ + 1) * 8 * 2) size *= 2;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(size, Slot{});
  live_ = used_ = 0;
  for (const Slot& s : old)
    if (s.id != kEmpty && s.id != kErased) insert_slot(s.hash, s.id);
}

}  // namespace crmsim::mocks::hubspot
