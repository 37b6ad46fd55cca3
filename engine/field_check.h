// The start-up check that every mapped field exists: each Salesforce
// object and HubSpot type with a mapping is described, and a mapping naming
// a field the org or the portal lacks stops the sync with a message naming
// the setting (the connector refuses such a mapping too). Described again
// once a day, or when the mappings change.
#pragma once

#include <map>
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
  // What one side must have: object -> field -> the setting that names it.
  using Side = std::map<std::string, std::map<std::string, std::string>>;
  struct Needs {
    Side salesforce;
    Side hubspot;
  };
  Needs needs(const std::vector<const ObjectPairSettings*>& pairs) const;
  // Describes each object of `needs`; what it lacks goes to `missing`.
  Pause missing_in_salesforce(const Side& needs, std::vector<std::string>& missing);
  Pause missing_in_hubspot(const Side& needs, std::vector<std::string>& missing);

  SyncContext& c_;
  std::string error_;
};

}  // namespace crmsim::engine
