#include "import/population.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "crm/vocabulary.h"
#include "env/clock.h"
#include "env/csv.h"
#include "env/regions.h"
#include "env/text.h"
#include "import/files.h"
#include "mocks/hubspot/portal.h"
#include "mocks/salesforce/org.h"

namespace crmsim::importer {

namespace fs = std::filesystem;
namespace hs = mocks::hubspot;
namespace sf = mocks::salesforce;
using json = nlohmann::json;
using Status = ImportNote::Status;

namespace {

constexpr const char* kCode = "bad_export";

const std::pair<CsvKind, const char*> kKinds[] = {
    {CsvKind::kHubSpotContacts, "hubspot-contacts"},
    {CsvKind::kSalesforceLeads, "salesforce-leads"},
    {CsvKind::kSalesforceContacts, "salesforce-contacts"},
    {CsvKind::kSalesforceAccounts, "salesforce-accounts"}};

// "Lifecycle Stage", "lifecyclestage", "hs_lead_status" -> "lifecyclestage", "hsleadstatus".
std::string squash(std::string_view s) {
  std::string out;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The columns a statistic reads, by their squashed API names and labels.
struct Column {
  const char* what;
  std::vector<std::string> names;
};
const Column kEmail{"email", {"email", "emailaddress"}};
const Column kLifecycle{"lifecycle stage", {"lifecyclestage"}};
const Column kLeadStatus{"lead status", {"hsleadstatus", "leadstatus", "status"}};
const Column kRating{"rating", {"rating", "leadrating"}};
const Column kOwner{"owner",
                    {"ownerid", "owner", "contactowner", "leadowner", "accountowner",
                     "hubspotownerid", "ownername", "ownerfullname", "ownerusername"}};
const Column kConverted{"converted", {"isconverted", "converted"}};
const Column kDeleted{"deleted", {"isdeleted", "deleted"}};
const Column kState{"state", {"state", "mailingstate", "billingstate", "stateregion",
                              "stateprovince", "statecode", "mailingstatecode"}};
const Column kCountry{"country", {"country", "mailingcountry", "billingcountry", "countryregion",
                                  "countrycode", "mailingcountrycode"}};

// Where each column is in a header, -1 when absent.
int find_column(const std::vector<std::string>& squashed, const Column& c) {
  for (const auto& name : c.names)
    for (size_t i = 0; i < squashed.size(); ++i)
      if (squashed[i] == name) return static_cast<int>(i);
  return -1;
}

bool yes(std::string_view v) {
  const std::string s = env::ascii_lower(v);
  return s == "true" || s == "1" || s == "yes";
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string domain_of(const std::string& email) {
  const size_t at = email.rfind('@');
  return at == std::string::npos ? "" : env::ascii_lower(email.substr(at + 1));
}

std::string percent(double share) {
  std::ostringstream s;
  s.precision(share < 0.1 && share > 0 ? 2 : 3);
  s << share * 100 << "%";
  return s.str();
}

// A Zipf exponent fitted to counts by rank (largest first): the slope of
// log(count) over log(rank), least squares, at most the first 1,000 ranks.
double zipf_exponent(std::vector<int64_t> counts) {
  std::sort(counts.rbegin(), counts.rend());
  if (counts.size() > 1000) counts.resize(1000);
  if (counts.size() < 2) return 0;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = static_cast<double>(counts.size());
  for (size_t r = 0; r < counts.size(); ++r) {
    const double x = std::log(static_cast<double>(r + 1));
    const double y = std::log(static_cast<double>(std::max<int64_t>(counts[r], 1)));
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double denominator = n * sxx - sx * sx;
  if (denominator <= 0) return 0;
  const double slope = (n * sxy - sx * sy) / denominator;
  return std::clamp(-slope, 0.0, 5.0);
}

// A mix as the report says it: "subscriber 61%, lead 22%, (blank) 3%".
std::string mix_text(const std::map<std::string, int64_t>& counts, int64_t total) {
  std::vector<std::pair<int64_t, std::string>> sorted;
  for (const auto& [k, n] : counts) sorted.emplace_back(n, k);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::string out;
  for (size_t i = 0; i < sorted.size() && i < 10; ++i)
    out += (i ? ", " : "") + (sorted[i].second.empty() ? std::string("(blank)") : sorted[i].second) +
           " " + percent(static_cast<double>(sorted[i].first) / static_cast<double>(std::max<int64_t>(total, 1)));
  if (sorted.size() > 10) out += ", and " + std::to_string(sorted.size() - 10) + " more";
  return out;
}

struct Tally {
  int64_t rows = 0;
  int64_t with_email = 0;
  int64_t converted = 0;
  int64_t bad_addresses = 0;
  std::map<std::string, int64_t> lifecycle, lead_status, rating;
  bool has_lifecycle = false, has_lead_status = false, has_rating = false;
};

class Reader {
 public:
  Reader(bool keep_records, PopulationImport& out)
      : keep_(keep_records), out_(out), portal_(clock_), org_(clock_) {}

  env::Status read(const CsvInput& input) {
    const fs::path path(input.path);
    const std::string rel = input.path;
    auto read = read_import_file(path, rel, kCode, PopulationLimits::kCsvBytesMax);
    if (!read) return env::fail(read.error());
    const std::string text = std::move(*read);
    std::vector<std::string> header, squashed;
    std::optional<CsvKind> kind = input.kind;
    Tally tally;
    int cols[9] = {};
    env::CsvLimits limits;
    limits.records_max = PopulationLimits::kRowsMax + 1;
    auto ok = env::for_each_csv_record(
        text, ',', limits, [&](env::CsvRecord& r, size_t line) -> env::Status {
          if (header.empty()) {
            header = r;
            for (const auto& h : header) squashed.push_back(squash(h));
            if (!kind) kind = kind_of(path, squashed);
            if (!kind)
              return env::fail(env::Error{
                  kCode, rel + ": line 1: cannot tell what this export holds; say "
                               "hubspot-contacts=FILE, salesforce-leads=FILE, "
                               "salesforce-contacts=FILE or salesforce-accounts=FILE"});
            const Column* wanted[9] = {&kEmail, &kLifecycle, &kLeadStatus, &kRating, &kOwner,
                                       &kConverted, &kDeleted, &kState, &kCountry};
            for (int i = 0; i < 9; ++i) cols[i] = find_column(squashed, *wanted[i]);
            if (*kind != CsvKind::kSalesforceAccounts && cols[0] < 0)
              return env::fail(env::Error{kCode, rel + ": line 1: no Email column"});
            return env::Ok{};
          }
          if (r.size() == 1 && r[0].empty()) return env::Ok{};  // a blank line
          if (r.size() != header.size())
            return env::fail(env::Error{
                kCode, rel + ": line " + std::to_string(line) + ": " + std::to_string(r.size()) +
                           " fields where the header has " + std::to_string(header.size())});
          auto at = [&](int c) -> const std::string& {
            static const std::string kNone;
            return c < 0 ? kNone : r[static_cast<size_t>(c)];
          };
          if (yes(at(cols[6]))) return env::Ok{};  // deleted rows of a Data Export
          row(*kind, r, header, at(cols[0]), at(cols[1]), at(cols[2]), at(cols[3]), at(cols[4]),
              yes(at(cols[5])), at(cols[7]), at(cols[8]), tally, cols);
          return env::Ok{};
        });
    if (!ok.ok()) {
      if (ok.error().code == kCode) return ok;
      // The reader's own message names the line.
      return bad_file(kCode, rel, 0, ok.error().message);
    }
    if (header.empty()) return bad_file(kCode, rel, 0, "empty: not even a header");
    if (tally.rows > static_cast<int64_t>(PopulationLimits::kRowsMax))
      return bad_file(kCode, rel, 0,
                      "more than " + std::to_string(PopulationLimits::kRowsMax) + " rows");
    finish_file(rel, *kind, tally);
    return env::Ok{};
  }

  void finish() {
    json& p = out_.population;
    const int64_t hs_n = counts_[CsvKind::kHubSpotContacts];
    const int64_t leads = counts_[CsvKind::kSalesforceLeads];
    const int64_t contacts = counts_[CsvKind::kSalesforceContacts];
    const bool have_hs = seen_.count(CsvKind::kHubSpotContacts) > 0;
    const bool have_sf = seen_.count(CsvKind::kSalesforceLeads) + seen_.count(CsvKind::kSalesforceContacts) > 0;
    if (have_hs) {
      p["hubspot_contacts"] = keep_ ? 0 : hs_n;
      p["mqls"] = keep_ ? 0 : mqls_;
    }
    if (seen_.count(CsvKind::kSalesforceLeads)) p["salesforce_leads"] = keep_ ? 0 : leads;
    if (seen_.count(CsvKind::kSalesforceContacts)) p["salesforce_contacts"] = keep_ ? 0 : contacts;
    if (seen_.count(CsvKind::kSalesforceAccounts))
      p["accounts"] = keep_ ? 0 : counts_[CsvKind::kSalesforceAccounts];
    const int64_t people = hs_n + leads + contacts;
    if (people > 0) {
      p["without_email"] = round4(1.0 - static_cast<double>(with_email_) / static_cast<double>(people));
    }
    if (have_sf && leads + contacts > 0) {
      p["bad_addresses"] = round4(static_cast<double>(bad_addresses_) / static_cast<double>(leads + contacts));
      // People entered twice: Salesforce records beyond the first per email.
      int64_t twice = 0;
      for (const auto& [email, n] : sf_emails_) twice += n - 1;
      p["duplicates"] = round4(static_cast<double>(twice) / static_cast<double>(leads + contacts));
    }
    if (!keep_) mixes(p);
    if (have_hs && have_sf && leads + contacts > 0) {
      int64_t shared = 0;
      for (const auto& [email, n] : sf_emails_) shared += hs_emails_.count(email) > 0 ? n : 0;
      p["shared"] = round4(static_cast<double>(shared) / static_cast<double>(leads + contacts));
    }
    if (!domains_.empty() || free_mail_ > 0) {
      std::vector<int64_t> counts;
      for (const auto& [d, n] : domains_) counts.push_back(n);
      int64_t emails = free_mail_;
      for (int64_t n : counts) emails += n;
      json d = {{"count", std::min<int64_t>(static_cast<int64_t>(domains_.size()), 100'000)},
                {"skew", round4(zipf_exponent(counts))},
                {"freemail", round4(static_cast<double>(free_mail_) / static_cast<double>(std::max<int64_t>(emails, 1)))}};
      if (domains_.empty()) d["freemail"] = 1.0;
      if (!keep_) p["domains"] = d;
      out_.statistics.push_back("email domains: " + std::to_string(domains_.size()) +
                                " company domains (Zipf skew " + d["skew"].dump() + "), " +
                                percent(d["freemail"].get<double>()) + " at free mail providers");
    }
    std::vector<int64_t> owners;
    int64_t owned = 0;
    for (const auto& [o, n] : owners_) {
      owners.push_back(n);
      owned += n;
    }
    std::sort(owners.rbegin(), owners.rend());
    for (int64_t n : owners) out_.owner_shares.push_back(static_cast<double>(n) / static_cast<double>(owned));
    if (!owners.empty()) {
      std::string top;
      for (size_t i = 0; i < owners.size() && i < 5; ++i)
        top += (i ? ", " : "") + percent(out_.owner_shares[i]);
      out_.statistics.push_back("owners: " + std::to_string(owners.size()) +
                                " own the Salesforce records; the largest shares " + top);
    }
  }

 private:
  static double round4(double v) { return std::round(v * 10'000) / 10'000; }

  static std::optional<CsvKind> kind_of(const fs::path& path, const std::vector<std::string>& cols) {
    auto has = [&](const char* c) { return std::find(cols.begin(), cols.end(), c) != cols.end(); };
    if (has("lifecyclestage") || has("recordid") || has("hsobjectid")) return CsvKind::kHubSpotContacts;
    if (has("isconverted") || has("leadstatus") || has("leadowner")) return CsvKind::kSalesforceLeads;
    if (has("accountid") || has("contactowner") || has("contactid")) return CsvKind::kSalesforceContacts;
    const std::string stem = squash(path.stem().string());
    if (stem.find("lead") != std::string::npos) return CsvKind::kSalesforceLeads;
    if (stem.find("account") != std::string::npos) return CsvKind::kSalesforceAccounts;
    if (stem.find("hubspot") != std::string::npos) return CsvKind::kHubSpotContacts;
    if (stem.find("contact") != std::string::npos) return CsvKind::kSalesforceContacts;
    return std::nullopt;
  }

  void row(CsvKind kind, const env::CsvRecord& r, const std::vector<std::string>& header,
           const std::string& email_in, const std::string& lifecycle, const std::string& status,
           const std::string& rating, const std::string& owner, bool converted,
           const std::string& state, const std::string& country, Tally& t, const int* cols) {
    // Converted leads live on as contacts: they are not leads to sync.
    if (kind == CsvKind::kSalesforceLeads && converted) {
      ++t.converted;
      return;
    }
    ++t.rows;
    const std::string email = env::ascii_lower(trim(email_in));
    if (kind != CsvKind::kSalesforceAccounts) {
      if (!email.empty()) {
        ++t.with_email;
        ++with_email_;
        const std::string domain = domain_of(email);
        if (!domain.empty()) {
          if (crm::is_free_mail_domain(domain)) ++free_mail_;
          else ++domains_[domain];
        }
        if (kind == CsvKind::kHubSpotContacts) hs_emails_.insert(email);
        else ++sf_emails_[email];
      }
    }
    if (kind == CsvKind::kHubSpotContacts) {
      if (cols[1] >= 0) {
        t.has_lifecycle = true;
        const std::string stage = squash(lifecycle);
        ++t.lifecycle[stage];
        ++stage_mix_[stage];
        if (stage == "marketingqualifiedlead") ++mqls_;
      }
      if (cols[2] >= 0) {
        t.has_lead_status = true;
        ++t.lead_status[trim(status)];
      }
    } else {
      if (cols[2] >= 0 && kind == CsvKind::kSalesforceLeads) {
        t.has_lead_status = true;
        ++t.lead_status[trim(status)];
        ++status_mix_[trim(status)];
      }
      if (cols[3] >= 0 && kind == CsvKind::kSalesforceLeads) {
        t.has_rating = true;
        rated_ = true;
        ++t.rating[trim(rating)];
        ++rating_mix_[trim(rating)];
        if (env::iequals(trim(rating), "Hot")) ++hot_;
      }
      if (cols[4] >= 0 && !owner.empty()) ++owners_[owner];
      if (kind != CsvKind::kSalesforceAccounts && refused_by_picklists(state, country)) {
        ++t.bad_addresses;
        ++bad_addresses_;
      }
    }
    if (keep_) keep(kind, r, header);
  }

  // Whether Salesforce's default State and Country picklists refuse the
  // pair (when the org turns them on).
  static bool refused_by_picklists(const std::string& state, const std::string& country) {
    const auto& countries = env::default_countries();
    const std::string c = trim(country), s = trim(state);
    if (c.empty() && s.empty()) return false;
    const env::Country* found = nullptr;
    if (!c.empty()) {
      found = env::find_country_by_name(countries, c);
      if (found == nullptr) found = env::find_country_by_code(countries, c);
      if (found == nullptr) return true;
    } else {
      found = env::find_country_by_code(countries, "US");
    }
    if (s.empty() || found == nullptr || found->states.empty()) return false;
    return env::find_state_by_name(*found, s) == nullptr && env::find_state_by_code(*found, s) == nullptr;
  }

  void keep(CsvKind kind, const env::CsvRecord& r, const std::vector<std::string>& header) {
    if (kept_ >= PopulationLimits::kKeptRecordsMax) {
      ++not_kept_;
      return;
    }
    if (kind == CsvKind::kHubSpotContacts) {
      const hs::ObjectTypeDef* type = portal_.types().find("contacts");
      json props = json::object();
      for (size_t i = 0; i < header.size(); ++i) {
        if (r[i].empty()) continue;
        const hs::PropertyDef* p = property_for(*type, header[i]);
        if (p == nullptr || p->read_only || p->calculated || p->name == "hubspot_owner_id") continue;
        props[p->name] = r[i];
      }
      out_.hubspot_records.push_back({{"object", "contacts"}, {"properties", props}});
    } else {
      const char* object = kind == CsvKind::kSalesforceLeads      ? "Lead"
                           : kind == CsvKind::kSalesforceContacts ? "Contact"
                                                                  : "Account";
      const sf::ObjectDef* def = org_.schema().object(object);
      json fields = json::object();
      std::string id;
      for (size_t i = 0; i < header.size(); ++i) {
        if (squash(header[i]) == "id") id = r[i];
        if (r[i].empty()) continue;
        const sf::FieldDef* f = def->field(header[i]);
        if (f == nullptr || !f->createable || f->name == "OwnerId") continue;
        if (f->name == "AccountId") {
          // The account, when it was kept too (accounts come first).
          if (kept_accounts_.count(r[i]) > 0) fields["AccountId"] = "@" + r[i];
          continue;
        }
        fields[f->name] = r[i];
      }
      json record = {{"object", object}, {"fields", fields}};
      if (kind == CsvKind::kSalesforceAccounts && !id.empty()) {
        record["key"] = id;
        kept_accounts_.insert(id);
      }
      out_.salesforce_records.push_back(record);
    }
    ++kept_;
  }

  static const hs::PropertyDef* property_for(const hs::ObjectTypeDef& type, const std::string& header) {
    if (const hs::PropertyDef* p = type.property(header)) return p;
    const std::string want = squash(header);
    for (const auto& p : type.properties)
      if (!p.archived && (squash(p.label) == want || squash(p.name) == want)) return &p;
    return nullptr;
  }

  void finish_file(const std::string& rel, CsvKind kind, const Tally& t) {
    seen_.insert(kind);
    counts_[kind] += t.rows;
    out_.report.count(std::string(csv_kind_name(kind)) + " rows (CSV)", static_cast<int>(t.rows));
    const std::string name = fs::path(rel).filename().string();
    if (t.converted > 0)
      out_.statistics.push_back(name + ": " + std::to_string(t.converted) +
                                " converted leads left out (they live on as contacts)");
    if (t.rows > 0 && kind != CsvKind::kSalesforceAccounts)
      out_.statistics.push_back(name + ": " + std::to_string(t.rows) + " records, " +
                                percent(static_cast<double>(t.with_email) / static_cast<double>(t.rows)) +
                                " with an email" +
                                (kind == CsvKind::kHubSpotContacts ? ""
                                                                   : ", " + percent(static_cast<double>(t.bad_addresses) /
                                                                                    static_cast<double>(t.rows)) +
                                                                         " with a state or country the default picklists refuse"));
    if (t.has_lifecycle) out_.statistics.push_back(name + ": lifecycle stages " + mix_text(t.lifecycle, t.rows));
    if (t.has_lead_status) out_.statistics.push_back(name + ": lead status " + mix_text(t.lead_status, t.rows));
    if (t.has_rating) out_.statistics.push_back(name + ": rating " + mix_text(t.rating, t.rows));
    if (t.has_lead_status && kind == CsvKind::kHubSpotContacts)
      out_.report.note(ImportNote{Status::kNotImported, rel, 0, "HubSpot lead status mix",
                                  "generated contacts leave hs_lead_status blank"});
  }

  // The population's mixes (docs/scenarios.md): the values the fakes take
  // as they are, the others listed. Counts are the weights.
  void mixes(json& p) {
    using Accept = std::function<bool(const std::string&)>;
    auto mix = [&](const char* what, const std::map<std::string, int64_t>& counts,
                   const Accept& accept, const std::string& refused_why) {
      std::vector<std::pair<int64_t, std::string>> kept;
      std::vector<std::string> refused;
      for (const auto& [value, n] : counts) {
        if (value.empty() || accept(value)) kept.emplace_back(n, value);
        else refused.push_back(value + " (" + std::to_string(n) + ")");
      }
      // The most common values, up to what a scenario takes.
      std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
      });
      if (kept.size() > PopulationLimits::kMixValuesMax) kept.resize(PopulationLimits::kMixValuesMax);
      json m = json::object();
      for (const auto& [n, value] : kept) m[value] = n;
      if (!refused.empty()) {
        std::string list;
        for (const auto& r : refused) list += (list.empty() ? "" : ", ") + r;
        out_.report.note(ImportNote{Status::kApproximated, "", 0, std::string(what) + " " + list,
                                    refused_why + "; left out of the population's mix"});
      }
      return m;
    };
    if (!stage_mix_.empty()) {
      json m = mix("lifecycle stages", stage_mix_,
                   [](const std::string& v) {
                     return crm::lifecycle_rank(v) >= 0 || v == crm::kLifecycleOther;
                   },
                   "custom stages are not among HubSpot's standard ones");
      m.erase("marketingqualifiedlead");  // `mqls` counts them
      bool any = false;
      for (const auto& [v, n] : m.items()) any = any || n.get<int64_t>() > 0;
      if (any) p["mix"]["lifecyclestage"] = m;
    }
    const sf::ObjectDef* lead = org_.schema().object("Lead");
    for (auto [key, what, field, counts] :
         {std::tuple{"lead_status", "lead statuses", "Status", &status_mix_},
          std::tuple{"rating", "lead ratings", "Rating", &rating_mix_}}) {
      if (counts->empty()) continue;
      const sf::FieldDef* f = lead->field(field);
      json m = mix(what, *counts,
                   [f](const std::string& v) {
                     return !f->restricted || std::find(f->picklist_values.begin(), f->picklist_values.end(), v) !=
                                                  f->picklist_values.end();
                   },
                   std::string("not values of the fake's Lead ") + field + " picklist");
      if (!m.empty()) p["mix"][key] = m;
    }
  }

  bool keep_;
  PopulationImport& out_;
  env::ManualClock clock_{env::Timestamp::from_ms(0)};
  hs::Portal portal_;  // contact properties by name and label
  sf::Org org_;        // standard fields, for kept records
  std::set<CsvKind> seen_;
  std::map<CsvKind, int64_t> counts_;
  int64_t mqls_ = 0, with_email_ = 0, free_mail_ = 0, bad_addresses_ = 0, hot_ = 0;
  bool rated_ = false;
  std::map<std::string, int64_t> domains_, owners_, sf_emails_;
  std::map<std::string, int64_t> stage_mix_, status_mix_, rating_mix_;
  std::set<std::string> hs_emails_;
  std::set<std::string> kept_accounts_;
  size_t kept_ = 0, not_kept_ = 0;

 public:
  size_t not_kept() const { return not_kept_; }
};

}  // namespace

const char* csv_kind_name(CsvKind kind) {
  for (const auto& [k, name] : kKinds)
    if (k == kind) return name;
  return "";
}

env::Result<CsvInput> parse_csv_input(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos) return CsvInput{text, std::nullopt};
  const std::string kind = text.substr(0, eq);
  for (const auto& [k, name] : kKinds)
    if (kind == name) return CsvInput{text.substr(eq + 1), k};
  return env::fail(env::Error{"bad_usage", "--csv " + text + ": " + kind +
                                               " is not one of hubspot-contacts, salesforce-leads, "
                                               "salesforce-contacts, salesforce-accounts"});
}

env::Result<PopulationImport> import_population(const std::vector<CsvInput>& inputs,
                                                bool keep_records) {
  PopulationImport out;
  if (inputs.size() > PopulationLimits::kFilesMax)
    return env::fail(env::Error{kCode, "more than " + std::to_string(PopulationLimits::kFilesMax) +
                                           " CSV files"});
  Reader reader(keep_records, out);
  // Accounts first, so that kept contacts can name theirs.
  std::vector<CsvInput> ordered = inputs;
  std::stable_partition(ordered.begin(), ordered.end(), [](const CsvInput& i) {
    return i.kind ? *i.kind == CsvKind::kSalesforceAccounts
                  : squash(fs::path(i.path).stem().string()).find("account") != std::string::npos;
  });
  for (const auto& input : ordered)
    if (auto ok = reader.read(input); !ok) return env::fail(ok.error());
  reader.finish();
  if (reader.not_kept() > 0)
    out.report.note(ImportNote{Status::kNotImported, "", 0,
                               std::to_string(reader.not_kept()) + " records",
                               "past the " + std::to_string(PopulationLimits::kKeptRecordsMax) +
                                   " records --keep-records loads"});
  return out;
}

}  // namespace crmsim::importer
