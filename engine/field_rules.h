// The connector's field sync rules as one pure decision per mapped field:
// given the current HubSpot and Salesforce values and the value last synced
// between them, which side (if any) is written and what both then hold.
// Comparing against the last synced value is what suppresses echoes: a
// value the engine has just read from a system is never written back to it,
// and a change on one side is told apart from a change on the other. Also
// the State/Country conversions of the "Matching state and country fields"
// settings.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/sync_config.h"

namespace crmsim::engine {

struct FieldDecision {
  std::optional<std::string> to_hubspot;     // write this into HubSpot
  std::optional<std::string> to_salesforce;  // write this into Salesforce
  // The value both sides hold once the writes land (what to remember as
  // last synced); nullopt when the field stays out of sync by rule.
  std::optional<std::string> synced;
};

// Whether two values are the same for `property` (emails compare
// case-insensitively; surrounding spaces never matter).
bool same_value(std::string_view property, std::string_view a, std::string_view b);

// `last`: the value last synced (nullopt: the pair was never synced, as
// right after a dedupe links two existing records). `hubspot_newer`: for
// two_way conflicts, whether HubSpot's change is the more recent one.
FieldDecision decide_field(const FieldMapping& mapping, const std::string& hubspot,
                           const std::string& salesforce, const std::optional<std::string>& last,
                           bool hubspot_newer);

// A HubSpot state or country value as it should reach Salesforce: with
// picklists enabled and "match Salesforce defaults", names, codes and
// common variants ("USA", "us", "United States of America") become the
// picklist's name; otherwise the value is sent as is (and Salesforce may
// refuse it). `country` is the record's country, to find a state.
std::string country_to_salesforce(const ContactSettings& settings, const std::string& value);
std::string state_to_salesforce(const ContactSettings& settings, const std::string& value,
                                const std::string& country);

}  // namespace crmsim::engine
