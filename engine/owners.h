// Record owners across the two CRMs, matched by email: a HubSpot owner and
// the active Salesforce user with the same email are one person. Loaded
// from HubSpot's owners and Salesforce's users, again every few hours.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "engine/sync_config.h"
#include "engine/sync_context.h"

namespace crmsim::engine {

class Owners {
 public:
  // The HubSpot property a contact's owner is mapped from.
  static constexpr const char* kProperty = "hubspot_owner_id";
  static constexpr env::Duration kRefreshInterval = env::Duration::hours(4);

  explicit Owners(SyncContext& context) : c_(context) {}

  static bool is_owner(const FieldMapping& m) { return m.hubspot == kProperty; }
  // Loads both sides' people when the owner is mapped and the last load is
  // older than kRefreshInterval.
  Pause refresh();
  // The HubSpot owner (as a decimal id) of a Salesforce user; nullopt when
  // no HubSpot owner has the user's email (the field is then left alone).
  std::optional<std::string> hubspot_owner_of(const std::string& user_id) const;
  // The active Salesforce user for a HubSpot owner, or the integration
  // user, with a notice, when there is none.
  std::string salesforce_user_for(const std::string& hs_owner, uint64_t hs_id);

 private:
  SyncContext& c_;
  bool loaded_ = false;
  env::Timestamp loaded_at_;
  std::map<std::string, uint64_t> hs_owner_by_email_;
  std::map<uint64_t, std::string> hs_owner_email_;
  std::map<std::string, std::string> sf_user_email_;            // user id -> email
  std::map<std::string, std::string> sf_active_user_by_email_;  // email -> active user id
};

}  // namespace crmsim::engine
