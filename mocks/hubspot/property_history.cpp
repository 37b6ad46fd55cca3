#include "mocks/hubspot/property_history.h"

#include <cstring>

#include "env/assert.h"

namespace crmsim::mocks::hubspot {
namespace {

// The header's fields at their offsets: time 0, source 8, property 12,
// size 14, in the machine's byte order (a history never leaves the process).
template <typename T>
T load(const std::string& bytes, size_t at) {
  T v;
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

template <typename T>
void store(char* out, T v) {
  std::memcpy(out, &v, sizeof v);
}

}  // namespace

PropertyHistory::Entry PropertyHistory::entry_at(size_t offset) const {
  Entry e;
  e.at = env::Timestamp::from_ms(load<int64_t>(bytes_, offset));
  e.source = load<uint32_t>(bytes_, offset + 8);
  e.property = load<uint16_t>(bytes_, offset + 12);
  const auto size = load<uint16_t>(bytes_, offset + 14);
  if (size == kLongValue) {
    const auto length = load<uint32_t>(bytes_, offset + kHeader);
    e.value = std::string_view(bytes_).substr(offset + kHeader + 4, length);
  } else {
    e.value = std::string_view(bytes_).substr(offset + kHeader, size);
  }
  return e;
}

size_t PropertyHistory::next(size_t offset) const {
  const auto size = load<uint16_t>(bytes_, offset + 14);
  if (size == kLongValue) return offset + kHeader + 4 + load<uint32_t>(bytes_, offset + kHeader);
  return offset + kHeader + size;
}

size_t PropertyHistory::size() const {
  size_t n = 0;
  for (size_t at = 0; at < bytes_.size(); at = next(at)) ++n;
  return n;
}

void PropertyHistory::add(uint16_t property, uint32_t source, env::Timestamp at,
                          std::string_view value, size_t per_property_max) {
  CRMSIM_ASSERT(per_property_max > 0, "a history keeps at least one value per property");
  CRMSIM_ASSERT(value.size() <= UINT32_MAX, "a property value over 4 GB");
  size_t kept = 0;
  size_t oldest = bytes_.size();
  for (size_t offset = 0; offset < bytes_.size(); offset = next(offset)) {
    if (load<uint16_t>(bytes_, offset + 12) != property) continue;
    if (kept++ == 0) oldest = offset;
  }
  if (kept >= per_property_max) bytes_.erase(oldest, next(oldest) - oldest);
  const bool long_value = value.size() >= kLongValue;
  char header[kHeader + 4];
  store(header, at.ms_since_epoch());
  store(header + 8, source);
  store(header + 12, property);
  store(header + 14, long_value ? kLongValue : static_cast<uint16_t>(value.size()));
  if (long_value) store(header + kHeader, static_cast<uint32_t>(value.size()));
  bytes_.append(header, long_value ? kHeader + 4 : kHeader);
  bytes_.append(value);
}

}  // namespace crmsim::mocks::hubspot
