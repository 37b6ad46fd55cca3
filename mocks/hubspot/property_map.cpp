#include "mocks/hubspot/property_map.h"

#include <mutex>
#include <set>

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

}  // namespace crmsim::mocks::hubspot
