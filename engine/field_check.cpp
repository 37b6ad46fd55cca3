#include "engine/field_check.h"

#include <functional>
#include <map>

#include "engine/sync_engine_parts.h"

namespace crmsim::engine {

using namespace detail;  // NOLINT: the engine's shared names

FieldCheck::Needs FieldCheck::needs(const std::vector<const ObjectPairSettings*>& pairs) const {
  Needs n;
  auto need = [](auto& needs, const std::string& object, const std::string& field,
                 const std::string& key) {
    if (!field.empty()) needs[object].emplace(field, key);
  };
  for (const auto& m : c_.config.contacts.mappings) {
    const std::string key = "contacts.field_mappings (" + m.hubspot + ")";
    need(n.hubspot, "contacts", m.hubspot, key);
    need(n.salesforce, kLead, m.lead_field, key);
    need(n.salesforce, kContact, m.contact_field, key);
  }
  if (c_.config.companies.enabled)
    for (const auto& m : c_.config.companies.mappings) {
      const std::string key = "companies.field_mappings (" + m.hubspot + ")";
      need(n.hubspot, "companies", m.hubspot, key);
      need(n.salesforce, "Account", m.contact_field, key);
    }
  for (const auto* pair : pairs) {
    const std::string where = pair == &c_.config.tickets.pair ? std::string("tickets")
                              : pair == &c_.deal_pair
                                  ? std::string("deals")
                                  : "custom_objects (" + pair->hubspot_type + ")";
    for (const auto& m : pair->mappings) {
      const std::string key = where + ".field_mappings (" + m.hubspot + ")";
      need(n.hubspot, pair->hubspot_type, m.hubspot, key);
      need(n.salesforce, pair->salesforce_object, m.contact_field, key);
    }
    need(n.salesforce, pair->salesforce_object, pair->contact_field, where + ".contact_field");
    need(n.salesforce, pair->salesforce_object, pair->hubspot_id_field,
         where + ".hubspot_id_field");
    need(n.hubspot, pair->hubspot_type, pair->salesforce_id_property,
         where + ".salesforce_id_property");
  }
  return n;
}

Pause FieldCheck::run(const std::vector<const ObjectPairSettings*>& pairs) {
  const Needs n = needs(pairs);
  // Checked once a day for the same mappings, not on every restart.
  std::string fingerprint;
  for (const auto* side : {&n.salesforce, &n.hubspot})
    for (const auto& [object, fields] : *side)
      for (const auto& [field, key] : fields) fingerprint += object + "." + field + ";";
  fingerprint = std::to_string(std::hash<std::string>{}(fingerprint));
  const env::Timestamp now = c_.clock.now();
  if (c_.store.meta("fields_checked") == fingerprint)
    if (auto at = c_.store.meta("fields_checked_ms");
        at && now - env::Timestamp::from_ms(std::stoll(*at)) < kFieldCheckInterval)
      return Pause::kNone;
  std::vector<std::string> missing;
  if (auto p = missing_in_salesforce(n.salesforce, missing); p != Pause::kNone) return p;
  if (auto p = missing_in_hubspot(n.hubspot, missing); p != Pause::kNone) return p;
  error_.clear();
  for (const auto& m : missing) error_ += (error_.empty() ? "" : "; ") + m;
  if (error_.empty()) {
    c_.store.put_meta("fields_checked", fingerprint);
    c_.store.put_meta("fields_checked_ms", std::to_string(now.ms_since_epoch()));
  }
  return Pause::kNone;
}

Pause FieldCheck::missing_in_salesforce(const Side& needs, std::vector<std::string>& missing) {
  for (const auto& [object, fields] : needs) {
    auto names = c_.salesforce.field_names(object);
    if (!names) return c_.salesforce_failed(names.error());
    if (!*names) {
      missing.push_back(fields.begin()->second + ": Salesforce has no object " + object +
                        " (or the integration user cannot see it)");
      continue;
    }
    for (const auto& [field, key] : fields)
      if ((*names)->count(field) == 0)
        missing.push_back(key + ": Salesforce " + object + " has no field " + field +
                          " (or the integration user's field-level security hides it)");
  }
  return Pause::kNone;
}

Pause FieldCheck::missing_in_hubspot(const Side& needs, std::vector<std::string>& missing) {
  for (const auto& [type, props] : needs) {
    auto names = c_.hubspot.property_names(type);
    if (!names) return c_.hubspot_failed(names.error());
    if (!*names) {
      missing.push_back(props.begin()->second + ": HubSpot has no object type " + type);
      continue;
    }
    for (const auto& [prop, key] : props)
      if ((*names)->count(prop) == 0)
        missing.push_back(key + ": HubSpot " + type + " has no property " + prop);
  }
  return Pause::kNone;
}

}  // namespace crmsim::engine
