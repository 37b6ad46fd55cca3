#include "engine/field_rules.h"

#include "env/regions.h"
#include "env/text.h"

namespace crmsim::engine {

using env::fail;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool blank(std::string_view s) { return trim(s).empty(); }

}  // namespace

bool same_value(std::string_view property, std::string_view a, std::string_view b) {
  a = trim(a);
  b = trim(b);
  if (property == "email") return env::iequals(a, b);
  return a == b;
}

FieldDecision decide_field(const FieldMapping& mapping, const std::string& hubspot,
                           const std::string& salesforce, const std::optional<std::string>& last,
                           bool hubspot_newer) {
  FieldDecision d;
  const std::string& p = mapping.hubspot;
  if (mapping.rule == SyncRule::kDontSync) return d;
  if (same_value(p, hubspot, salesforce)) {
    d.synced = salesforce;
    return d;
  }
  auto to_hubspot = [&] {
    d.to_hubspot = salesforce;
    d.synced = salesforce;
  };
  auto to_salesforce = [&] {
    d.to_salesforce = hubspot;
    d.synced = hubspot;
  };
  switch (mapping.rule) {
    case SyncRule::kAlwaysUseSalesforce:
      to_hubspot();
      break;
    case SyncRule::kPreferSalesforceUnlessBlank:
      if (!blank(salesforce)) {
        to_hubspot();
      } else {
        to_salesforce();
      }
      break;
    case SyncRule::kTwoWay: {
      if (!last) {
        // Two records just linked: no blank has been "set" yet, so a value
        // wins over a blank; otherwise the most recent record wins.
        if (blank(hubspot)) {
          to_hubspot();
        } else if (blank(salesforce)) {
          to_salesforce();
        } else if (hubspot_newer) {
          to_salesforce();
        } else {
          to_hubspot();
        }
        break;
      }
      const bool hubspot_changed = !same_value(p, hubspot, *last);
      const bool salesforce_changed = !same_value(p, salesforce, *last);
      if (hubspot_changed && !salesforce_changed) {
        to_salesforce();
      } else if (salesforce_changed && !hubspot_changed) {
        to_hubspot();
      } else if (hubspot_newer) {
        to_salesforce();
      } else {
        to_hubspot();
      }
      break;
    }
    case SyncRule::kDontSync:
      break;
  }
  return d;
}

namespace {

bool matching(const ContactSettings& s) {
  return s.salesforce_picklists != SalesforcePicklists::kDisabled &&
         s.hubspot_state_country == HubSpotStateCountry::kMatchSalesforceDefaults;
}

const env::Country* find_country(std::string_view value) {
  const auto& countries = env::default_countries();
  value = trim(value);
  if (const auto* c = env::find_country_by_name(countries, value)) return c;
  if (const auto* c = env::find_country_by_code(countries, value)) return c;
  // Common spellings people type into forms.
  static const std::pair<const char*, const char*> kAliases[] = {
      {"usa", "US"},     {"u.s.", "US"},
      {"u.s.a.", "US"},  {"united states of america", "US"},
      {"america", "US"}, {"uk", "GB"},
      {"u.k.", "GB"},    {"great britain", "GB"},
      {"england", "GB"}, {"deutschland", "DE"},
      {"holland", "NL"},
  };
  const std::string lower = env::ascii_lower(value);
  for (const auto& [alias, code] : kAliases)
    if (lower == alias) return env::find_country_by_code(countries, code);
  return nullptr;
}

}  // namespace

std::string country_to_salesforce(const ContactSettings& settings, const std::string& value) {
  if (!matching(settings) || blank(value)) return value;
  const env::Country* c = find_country(value);
  return c != nullptr ? c->region.name : value;
}

std::string state_to_salesforce(const ContactSettings& settings, const std::string& value,
                                const std::string& country) {
  if (!matching(settings) || blank(value)) return value;
  const env::Country* c = find_country(country.empty() ? "US" : country);
  if (c == nullptr) return value;
  if (const auto* s = env::find_state_by_name(*c, trim(value))) return s->name;
  if (const auto* s = env::find_state_by_code(*c, trim(value))) return s->name;
  return value;
}

}  // namespace crmsim::engine
