#include "crm/vocabulary.h"

#include <algorithm>
#include <string>

#include "env/text.h"

namespace crmsim::crm {

int lifecycle_rank(std::string_view stage) {
  for (size_t i = 0; i < kLifecycleStages.size(); ++i)
    if (kLifecycleStages[i] == stage) return static_cast<int>(i);
  return -1;
}

bool lifecycle_forward(std::string_view from, std::string_view to) {
  if (from == kLifecycleOther) return false;
  const int rank_to = lifecycle_rank(to);
  return rank_to >= 0 && rank_to > lifecycle_rank(from);
}

bool is_free_mail_domain(std::string_view domain) {
  // Sorted, for binary search.
  static constexpr std::array<std::string_view, 16> kFree = {
      "aol.com",     "gmail.com",  "gmx.de",    "googlemail.com", "hotmail.com", "icloud.com",
      "live.com",    "mail.com",   "me.com",    "msn.com",        "outlook.com", "proton.me",
      "protonmail.com", "web.de",  "yahoo.com", "yandex.ru"};
  static_assert(std::is_sorted(kFree.begin(), kFree.end()));
  return std::binary_search(kFree.begin(), kFree.end(), env::ascii_lower(domain));
}

int default_association_type(std::string_view from, std::string_view to) {
  struct Row {
    std::string_view from, to;
    int id;
  };
  static constexpr Row kTypes[] = {
      {"contacts", "companies", 279}, {"companies", "contacts", 280},
      {"deals", "contacts", 3},       {"contacts", "deals", 4},
      {"deals", "companies", 341},    {"companies", "deals", 342},
      {"contacts", "tickets", 15},    {"tickets", "contacts", 16},
      {"tickets", "companies", 339},  {"companies", "tickets", 340}};
  for (const Row& r : kTypes)
    if (r.from == from && r.to == to) return r.id;
  return 0;
}

namespace {

struct Prefix {
  std::string_view object, prefix;
};
constexpr Prefix kPrefixes[] = {{"Account", "001"}, {"Contact", "003"},     {"Opportunity", "006"},
                                {"Lead", "00Q"},    {"Task", "00T"},        {"Case", "500"},
                                {"User", "005"},    {"Campaign", "701"},    {"CampaignMember", "00v"},
                                {"OpportunityContactRole", "00K"}};

}  // namespace

std::string_view key_prefix(std::string_view object) {
  for (const Prefix& p : kPrefixes)
    if (p.object == object) return p.prefix;
  return {};
}

std::string_view object_of_id(std::string_view id) {
  for (const Prefix& p : kPrefixes)
    if (id.substr(0, 3) == p.prefix) return p.object;
  return {};
}

}  // namespace crmsim::crm
