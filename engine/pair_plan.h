// What to do with one linked pair, decided from the two records alone: for
// each mapped field, from both sides' values, the value last synced between
// them and the field's sync rule (field_rules.h), what is written into each
// side and what is remembered as synced once those writes land. Pure: it
// reads nothing and writes nothing, so every object kind (contacts,
// companies, deals, tickets, custom objects) shares it, and it is tested on
// its own.
//
// Values are compared in one space per field (State/Country as Salesforce's
// names, an owner as a HubSpot owner id, a deal stage in Salesforce's terms,
// a domain without its scheme): the object kind puts both sides' values in
// it (FieldSides) and turns a planned Salesforce value back into what
// Salesforce takes (an owner's user id).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/sync_config.h"

namespace crmsim::engine {

// One mapped field of a pair, both sides read.
struct FieldSides {
  std::string property;  // the HubSpot property: what synced values are kept under
  std::string field;     // the Salesforce field
  SyncRule rule = SyncRule::kPreferSalesforceUnlessBlank;
  // HubSpot -> Salesforce only: HubSpot's value is written whenever it
  // moved since the last sync; Salesforce's edits stay in Salesforce.
  bool one_way = false;
  // Salesforce refuses a blank here (LastName, a lead's Company, an
  // owner, an account's Name): a blank is never written into it.
  bool required = false;
  std::string hubspot;                    // HubSpot's value, compared
  std::optional<std::string> salesforce;  // Salesforce's, compared; nullopt: leave the field alone
  std::string hubspot_stored;             // what HubSpot holds, as it holds it
  std::string for_hubspot;                // Salesforce's value as HubSpot takes it
};

struct PairPlan {
  std::map<std::string, std::string> to_hubspot;     // property -> value to write
  std::map<std::string, std::string> to_salesforce;  // field -> value (compared space)
  // Synced values to remember (property -> value): at once, or only once
  // the write into that side has landed.
  std::map<std::string, std::string> synced_now;
  std::map<std::string, std::string> synced_with_hubspot;
  std::map<std::string, std::string> synced_with_salesforce;

  bool writes() const { return !to_hubspot.empty() || !to_salesforce.empty(); }
};

// `last`: the pair's synced values (empty for a pair linked just now);
// `hubspot_newer`: whether HubSpot's record changed more recently than
// Salesforce's (for two_way conflicts).
// ENSURES: every key of to_hubspot is in synced_with_hubspot, every
// Salesforce field written has its property in synced_with_salesforce.
PairPlan plan_pair(const std::vector<FieldSides>& fields,
                   const std::map<std::string, std::string>& last, bool hubspot_newer);

}  // namespace crmsim::engine
