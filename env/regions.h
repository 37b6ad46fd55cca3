// Countries and their states or provinces, with ISO 3166 codes and the
// names Salesforce's State and Country picklists use by default. Shared by
// the Salesforce fake (which validates against it) and the engine (which
// converts names and codes for the connector's "match Salesforce defaults"
// setting): geography, not a CRM.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace crmsim::env {

struct Region {
  std::string code;  // "US", "CA" for a state
  std::string name;  // "United States", "California"
};

struct Country {
  Region region;
  std::vector<Region> states;  // empty when the picklist has no states for it
};

// The default list, in the order Salesforce shows it (by name).
const std::vector<Country>& default_countries();

// Lookups over a country list: codes compare exactly after upper-casing,
// names case-insensitively. nullptr when absent.
const Country* find_country_by_code(const std::vector<Country>& countries, std::string_view code);
const Country* find_country_by_name(const std::vector<Country>& countries, std::string_view name);
const Region* find_state_by_code(const Country& country, std::string_view code);
const Region* find_state_by_name(const Country& country, std::string_view name);

}  // namespace crmsim::env
