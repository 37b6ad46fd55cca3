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
      {"tickets", "companies", 339},  {"companies", "tickets", 340},
      {"tickets", "deals", 28},       {"deals", "tickets", 27},
      {"deals", "line_items", 19},    {"line_items", "deals", 20},
      {"notes", "contacts", 202},     {"contacts", "notes", 201},
      {"notes", "companies", 190},    {"companies", "notes", 189},
      {"notes", "deals", 214},        {"deals", "notes", 213},
      {"notes", "tickets", 228},      {"tickets", "notes", 227},
      {"calls", "contacts", 194},     {"contacts", "calls", 193},
      {"calls", "companies", 182},    {"companies", "calls", 181},
      {"calls", "deals", 206},        {"deals", "calls", 205},
      {"calls", "tickets", 220},      {"tickets", "calls", 219},
      {"emails", "contacts", 198},    {"contacts", "emails", 197},
      {"emails", "companies", 186},   {"companies", "emails", 185},
      {"emails", "deals", 210},       {"deals", "emails", 209},
      {"emails", "tickets", 224},     {"tickets", "emails", 223},
      {"meetings", "contacts", 200},  {"contacts", "meetings", 199},
      {"meetings", "companies", 188}, {"companies", "meetings", 187},
      {"meetings", "deals", 212},     {"deals", "meetings", 211},
      {"meetings", "tickets", 226},   {"tickets", "meetings", 225},
      {"tasks", "contacts", 204},     {"contacts", "tasks", 203},
      {"tasks", "companies", 192},    {"companies", "tasks", 191},
      {"tasks", "deals", 216},        {"deals", "tasks", 215},
      {"tasks", "tickets", 230},      {"tickets", "tasks", 229},
      {"contacts", "contacts", 449}};
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
