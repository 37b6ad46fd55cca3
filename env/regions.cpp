#include "env/regions.h"

#include <algorithm>
#include <cctype>

namespace crmsim::env {
namespace {

std::string fold(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<Country> build() {
  std::vector<Country> c = {
      {{"AR", "Argentina"}, {}},      {{"AU", "Australia"}, {}},
      {{"AT", "Austria"}, {}},        {{"BE", "Belgium"}, {}},
      {{"BR", "Brazil"}, {}},         {{"BG", "Bulgaria"}, {}},
      {{"CA", "Canada"}, {}},         {{"CL", "Chile"}, {}},
      {{"CN", "China"}, {}},          {{"CO", "Colombia"}, {}},
      {{"HR", "Croatia"}, {}},        {{"CZ", "Czechia"}, {}},
      {{"DK", "Denmark"}, {}},        {{"EG", "Egypt"}, {}},
      {{"EE", "Estonia"}, {}},        {{"FI", "Finland"}, {}},
      {{"FR", "France"}, {}},         {{"DE", "Germany"}, {}},
      {{"GR", "Greece"}, {}},         {{"HK", "Hong Kong"}, {}},
      {{"HU", "Hungary"}, {}},        {{"IS", "Iceland"}, {}},
      {{"IN", "India"}, {}},          {{"ID", "Indonesia"}, {}},
      {{"IE", "Ireland"}, {}},        {{"IL", "Israel"}, {}},
      {{"IT", "Italy"}, {}},          {{"JP", "Japan"}, {}},
      {{"KE", "Kenya"}, {}},          {{"KR", "Korea, Republic of"}, {}},
      {{"LV", "Latvia"}, {}},         {{"LT", "Lithuania"}, {}},
      {{"LU", "Luxembourg"}, {}},     {{"MY", "Malaysia"}, {}},
      {{"MX", "Mexico"}, {}},         {{"MA", "Morocco"}, {}},
      {{"NL", "Netherlands"}, {}},    {{"NZ", "New Zealand"}, {}},
      {{"NG", "Nigeria"}, {}},        {{"NO", "Norway"}, {}},
      {{"PE", "Peru"}, {}},           {{"PH", "Philippines"}, {}},
      {{"PL", "Poland"}, {}},         {{"PT", "Portugal"}, {}},
      {{"RO", "Romania"}, {}},        {{"SA", "Saudi Arabia"}, {}},
      {{"SG", "Singapore"}, {}},      {{"SK", "Slovakia"}, {}},
      {{"SI", "Slovenia"}, {}},       {{"ZA", "South Africa"}, {}},
      {{"ES", "Spain"}, {}},          {{"SE", "Sweden"}, {}},
      {{"CH", "Switzerland"}, {}},    {{"TW", "Taiwan"}, {}},
      {{"TH", "Thailand"}, {}},       {{"TR", "Turkey"}, {}},
      {{"UA", "Ukraine"}, {}},        {{"AE", "United Arab Emirates"}, {}},
      {{"GB", "United Kingdom"}, {}}, {{"US", "United States"}, {}},
      {{"UY", "Uruguay"}, {}},        {{"VN", "Vietnam"}, {}},
  };
  auto states_of = [&](std::string_view code) -> std::vector<Region>& {
    for (Country& country : c) {
      if (country.region.code == code) return country.states;
    }
    static std::vector<Region> none;
    return none;
  };
  states_of("US") = {
      {"AL", "Alabama"},        {"AK", "Alaska"},        {"AZ", "Arizona"},
      {"AR", "Arkansas"},       {"CA", "California"},    {"CO", "Colorado"},
      {"CT", "Connecticut"},    {"DE", "Delaware"},      {"DC", "District of Columbia"},
      {"FL", "Florida"},        {"GA", "Georgia"},       {"HI", "Hawaii"},
      {"ID", "Idaho"},          {"IL", "Illinois"},      {"IN", "Indiana"},
      {"IA", "Iowa"},           {"KS", "Kansas"},        {"KY", "Kentucky"},
      {"LA", "Louisiana"},      {"ME", "Maine"},         {"MD", "Maryland"},
      {"MA", "Massachusetts"},  {"MI", "Michigan"},      {"MN", "Minnesota"},
      {"MS", "Mississippi"},    {"MO", "Missouri"},      {"MT", "Montana"},
      {"NE", "Nebraska"},       {"NV", "Nevada"},        {"NH", "New Hampshire"},
      {"NJ", "New Jersey"},     {"NM", "New Mexico"},    {"NY", "New York"},
      {"NC", "North Carolina"}, {"ND", "North Dakota"},  {"OH", "Ohio"},
      {"OK", "Oklahoma"},       {"OR", "Oregon"},        {"PA", "Pennsylvania"},
      {"PR", "Puerto Rico"},    {"RI", "Rhode Island"},  {"SC", "South Carolina"},
      {"SD", "South Dakota"},   {"TN", "Tennessee"},     {"TX", "Texas"},
      {"UT", "Utah"},           {"VT", "Vermont"},       {"VA", "Virginia"},
      {"WA", "Washington"},     {"WV", "West Virginia"}, {"WI", "Wisconsin"},
      {"WY", "Wyoming"}};
  states_of("CA") = {{"AB", "Alberta"},
                     {"BC", "British Columbia"},
                     {"MB", "Manitoba"},
                     {"NB", "New Brunswick"},
                     {"NL", "Newfoundland and Labrador"},
                     {"NT", "Northwest Territories"},
                     {"NS", "Nova Scotia"},
                     {"NU", "Nunavut"},
                     {"ON", "Ontario"},
                     {"PE", "Prince Edward Island"},
                     {"QC", "Quebec"},
                     {"SK", "Saskatchewan"},
                     {"YT", "Yukon Territories"}};
  states_of("AU") = {{"ACT", "Australian Capital Territory"},
                     {"NSW", "New South Wales"},
                     {"NT", "Northern Territory"},
                     {"QLD", "Queensland"},
                     {"SA", "South Australia"},
                     {"TAS", "Tasmania"},
                     {"VIC", "Victoria"},
                     {"WA", "Western Australia"}};
  return c;
}

}  // namespace

const std::vector<Country>& default_countries() {
  static const std::vector<Country> countries = build();
  return countries;
}

const Country* find_country_by_code(const std::vector<Country>& countries, std::string_view code) {
  const std::string want = fold(code);
  for (const Country& c : countries) {
    if (fold(c.region.code) == want) return &c;
  }
  return nullptr;
}

const Country* find_country_by_name(const std::vector<Country>& countries, std::string_view name) {
  const std::string want = fold(name);
  for (const Country& c : countries) {
    if (fold(c.region.name) == want) return &c;
  }
  return nullptr;
}

const Region* find_state_by_code(const Country& country, std::string_view code) {
  const std::string want = fold(code);
  for (const Region& s : country.states) {
    if (fold(s.code) == want) return &s;
  }
  return nullptr;
}

const Region* find_state_by_name(const Country& country, std::string_view name) {
  const std::string want = fold(name);
  for (const Region& s : country.states) {
    if (fold(s.name) == want) return &s;
  }
  return nullptr;
}

}  // namespace crmsim::env
