// A scenario's population from CSV exports: HubSpot's contact export and
// Salesforce's Data Export (Lead.csv, Contact.csv, Account.csv) or report
// exports. Only statistics leave the files (how many records, the share
// with an email, the email domains' count and skew and the share at free
// mail providers, owners' shares, lifecycle stage, lead status and rating
// mixes, states and countries Salesforce's picklists refuse, emails
// entered twice, the overlap of the two sides by email): no name, email or
// value is copied, unless the user asks to keep the records (then they are
// loaded as they are, for a faithful replay).
//
// Columns are found by their API name or their label ("Email",
// "Lifecycle Stage", "lifecyclestage", "Lead Status", "OwnerId", "Contact
// owner", ...), case and spaces aside. Each file's kind is told by its
// name or its columns, or said as KIND=FILE.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/result.h"
#include "import/report.h"

namespace crmsim::importer {

struct PopulationLimits {
  static constexpr size_t kCsvBytesMax = 1ull << 30;   // one CSV export
  static constexpr size_t kRowsMax = 2'000'000;        // rows of one export
  static constexpr size_t kKeptRecordsMax = 100'000;   // records kept with --keep-records
  static constexpr size_t kFilesMax = 32;              // CSV files in one import
  // Values of one population mix, the most common first (a scenario's
  // sim::Population::Mix::kValuesMax).
  static constexpr size_t kMixValuesMax = 200;
};

enum class CsvKind { kHubSpotContacts, kSalesforceLeads, kSalesforceContacts, kSalesforceAccounts };

// "hubspot-contacts", "salesforce-leads", ...
const char* csv_kind_name(CsvKind kind);

struct CsvInput {
  std::string path;
  std::optional<CsvKind> kind;  // nullopt: told by the file's name or columns
};

// "FILE" or "KIND=FILE". Error "bad_usage" for an unknown KIND.
env::Result<CsvInput> parse_csv_input(const std::string& text);

struct PopulationImport {
  nlohmann::json population = nlohmann::json::object();  // the scenario's population:
  ImportReport report;
  // What the files say that the scenario language does not take, for the
  // report ("lifecycle stages: subscriber 61%, lead 22%, ...").
  std::vector<std::string> statistics;
  // Owners by their share of the Salesforce records, largest first
  // (weights only: who they are stays in the files).
  std::vector<double> owner_shares;
  // With keep_records: the records as they are, in the portal and org
  // descriptions' `records:` shape.
  nlohmann::json hubspot_records = nlohmann::json::array();
  nlohmann::json salesforce_records = nlohmann::json::array();
};

// Error "bad_export": "FILE: line N: what".
env::Result<PopulationImport> import_population(const std::vector<CsvInput>& inputs,
                                                bool keep_records);

}  // namespace crmsim::importer
