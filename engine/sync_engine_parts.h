// What the engine's source files share and nobody else needs: how a CRM
// error maps onto a Sync Health family, how it reads in a report, and how
// lists are cut into batches. Not part of the engine's interface.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hubspot_client.h"
#include "engine/salesforce_client.h"
#include "env/time.h"

namespace crmsim::engine::detail {

// The Salesforce objects and HubSpot types the syncers name.
inline constexpr const char* kLead = "Lead";
inline constexpr const char* kContact = "Contact";
inline constexpr const char* kAccount = "Account";
inline constexpr const char* kOpportunity = "Opportunity";
inline constexpr const char* kContacts = "contacts";
inline constexpr const char* kCompanies = "companies";
inline constexpr const char* kDeals = "deals";
// The synced value that remembers which account a contact was associated
// through.
inline constexpr const char* kAccountMarker = "__account";
// What the connector writes into a required Salesforce field HubSpot has no
// value for. Never synced back to HubSpot as a value.
inline constexpr const char* kNotProvided = "[not provided]";

// The HubSpot contact property holding the linked lead's or contact's id.
inline std::string id_property(std::string_view object) {
  return object == kLead ? "salesforceleadid" : "salesforcecontactid";
}

// The synced value that remembers the HubSpot version (last-modified, in
// epoch milliseconds) of the record the last complete sync of a pair acted
// on. HubSpot's search index lags its writes by seconds, so a sweep can
// return a copy older than one already synced (from before the engine's
// own write): taken as an edit, it would undo that write.
inline constexpr const char* kHubSpotVersionMarker = "__hs_version";

inline std::string hubspot_version(const HsRecord& r, std::string_view type) {
  return std::to_string(last_modified(r, type).ms_since_epoch());
}

// The version kept among a pair's synced values (`last`); -1 when none.
inline int64_t synced_hubspot_version(const std::map<std::string, std::string>& last) {
  auto v = last.find(kHubSpotVersionMarker);
  return v == last.end() ? -1 : std::strtoll(v->second.c_str(), nullptr, 10);
}

// True when `r` is no newer than the version the pair's last sync acted on
// (`last`: the pair's synced values): nothing in it is news.
inline bool synced_already(const HsRecord& r, std::string_view type,
                           const std::map<std::string, std::string>& last) {
  return last_modified(r, type).ms_since_epoch() <= synced_hubspot_version(last);
}

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
