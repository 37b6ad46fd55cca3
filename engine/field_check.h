// The start-up check that every mapped field exists: each Salesforce
// object and HubSpot type with a mapping is described, and a mapping naming
// a field the org or the portal lacks stops the sync with a message naming
// the setting (the connector refuses such a mapping too). Described again
// once a day, or when the mappings change.
#pragma once

#include <string>
#include <vector>

#include "engine/sync_context.h"

namespace crmsim::engine {

class FieldCheck {
 public:
  static constexpr env::Duration kFieldCheckInterval = env::Duration::hours(24);

  explicit FieldCheck(SyncContext& context) : c_(context) {}

  // Checks the contact, company and these pairs' mappings; error() names
  // each mapped field that does not exist.
  Pause run(const std::vector<const ObjectPairSettings*>& pairs);
  // Empty when every mapped field exists.
  const std::string& error() const { return error_; }

 private:
  SyncContext& c_;
  std::string error_;
};

}  // namespace crmsim::engine
