// What the engine's source files share and nobody else needs: how a CRM
// error maps onto a Sync Health family, how it reads in a report, and how
// lists are cut into batches. Not part of the engine's interface.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "engine/hubspot_client.h"
#include "engine/salesforce_client.h"
#include "env/time.h"

namespace crmsim::engine::detail {

// Pages a sweep or poll reads per step, so one step stays bounded.
inline constexpr int kPagesPerStepMax = 2'000;

// The Sync Health family of an error: associations, automation_rules,
// duplicates, permissions, property_values, api_limit, other.
std::string family_of(const SfError& e);
std::string family_of(const HsError& e);
// "CODE: message".
std::string describe(const SfError& e);
std::string describe(const HsError& e);
// A Salesforce datetime field of a record (the epoch when blank).
env::Timestamp sf_time(const SfRecord& r, const char* field);

// `items` cut into runs of at most `size`.
template <typename T>
std::vector<std::vector<T>> chunks(const std::vector<T>& items, size_t size) {
  std::vector<std::vector<T>> out;
  for (size_t i = 0; i < items.size(); i += size)
    out.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(i),
                     items.begin() + static_cast<std::ptrdiff_t>(std::min(items.size(), i + size)));
  return out;
}

}  // namespace crmsim::engine::detail
