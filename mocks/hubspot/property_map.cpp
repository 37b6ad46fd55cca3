#include "mocks/hubspot/property_map.h"

#include <algorithm>
#include <mutex>
#include <set>

#include "env/text.h"

namespace crmsim::mocks::hubspot {

PropertyName::PropertyName(std::string_view name) {
  // Never destroyed: names outlive every record, whatever the order of
  // static destruction. Elements of a set never move.
  static auto* lock = new std::mutex;
  static auto* names = new std::set<std::string, std::less<>>;
  std::lock_guard guard(*lock);
  auto it = names->find(name);
  if (it == names->end()) it = names->emplace(name).first;
  name_ = &*it;
}

size_t PropertyMap::size() const {
  size_t n = 0;
  for (const char* at = data_; at != data_ + size_; at = next(at)) ++n;
  return n;
}

const char* PropertyMap::lower(std::string_view name) const {
  const char* at = data_;
  const char* const stop = data_ + size_;
  while (at != stop && env::quick_less(*name_at(at), name)) at = next(at);
  return at;
}

PropertyMap::const_iterator PropertyMap::find(std::string_view name) const {
  const char* at = lower(name);
  if (at != data_ + size_ && *name_at(at) == name) return const_iterator(at);
  return end();
}

void PropertyMap::set(std::string_view name, std::string_view value) {
  const char* at = lower(name);
  if (at != data_ + size_ && *name_at(at) == name) {
    splice(at - data_, next(at) - at, name_at(at), value);
  } else {
    splice(at - data_, 0, &PropertyName(name).str(), value);
  }
}

void PropertyMap::set(const PropertyName& name, std::string_view value) {
  const char* at = lower(name.str());
  const bool present = at != data_ + size_ && name_at(at) == &name.str();
  splice(at - data_, present ? next(at) - at : 0, &name.str(), value);
}

size_t PropertyMap::erase(std::string_view name) {
  const char* at = lower(name);
  if (at == data_ + size_ || *name_at(at) != name) return 0;
  const size_t from = at - data_;
  const size_t bytes = next(at) - at;
  std::memmove(data_ + from, data_ + from + bytes, size_ - from - bytes);
  size_ -= static_cast<uint32_t>(bytes);
  return 1;
}

void PropertyMap::splice(size_t from, size_t old_bytes, const std::string* name,
                         std::string_view value) {
  CRMSIM_ASSERT(value.size() <= kMaxValueBytes, "a property value over PropertyMap's limit");
  // A value read from this map moves with the bytes around it: copy it first.
  std::string copy;
  if (data_ != nullptr && value.data() >= data_ && value.data() < data_ + capacity_) {
    copy.assign(value);
    value = copy;
  }
  const size_t new_bytes = encoded_size(value.size());
  const size_t size = size_ - old_bytes + new_bytes;
  CRMSIM_ASSERT(size <= UINT32_MAX, "a record's properties over 4 GiB");
  if (size > capacity_) {
    // Grows by half again, so that a record written property by property
    // is copied a logarithmic number of times; shrink_to_fit gives it back.
    const size_t capacity =
        std::min<size_t>(UINT32_MAX, std::max<size_t>(size, capacity_ + capacity_ / 2));
    char* grown = new char[capacity];
    if (size_ != 0) {
      std::memcpy(grown, data_, from);
      std::memcpy(grown + from + new_bytes, data_ + from + old_bytes, size_ - from - old_bytes);
    }
    delete[] data_;
    data_ = grown;
    capacity_ = static_cast<uint32_t>(capacity);
  } else if (new_bytes != old_bytes) {
    std::memmove(data_ + from + new_bytes, data_ + from + old_bytes, size_ - from - old_bytes);
  }
  char* out = data_ + from;
  std::memcpy(out, &name, sizeof name);
  out += sizeof name;
  if (value.size() >= kLongValue) {
    *out++ = static_cast<char>(kLongValue);
    const auto length = static_cast<uint32_t>(value.size());
    std::memcpy(out, &length, sizeof length);
    out += sizeof length;
  } else {
    *out++ = static_cast<char>(value.size());
  }
  if (!value.empty()) std::memcpy(out, value.data(), value.size());
  size_ = static_cast<uint32_t>(size);
}

void PropertyMap::shrink_to_fit() {
  if (capacity_ == size_) return;
  char* fit = size_ == 0 ? nullptr : new char[size_];
  if (size_ != 0) std::memcpy(fit, data_, size_);
  delete[] data_;
  data_ = fit;
  capacity_ = size_;
}

void PropertyMap::assign(const PropertyMap& o) {
  char* copy = o.size_ == 0 ? nullptr : new char[o.size_];
  if (o.size_ != 0) std::memcpy(copy, o.data_, o.size_);
  delete[] data_;
  data_ = copy;
  size_ = capacity_ = o.size_;
}

}  // namespace crmsim::mocks::hubspot
