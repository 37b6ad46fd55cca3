// The sync's settings, as the connector's settings pages lay them out
// (seeds 000 and 002), so that a user can transcribe their real
// configuration: the master switch, sandbox, the API call limit allocated to
// the integration, the contact settings (create as Lead or Contact, what a
// Salesforce change or delete does in HubSpot, lifecycle from opportunities,
// the inclusion list, State/Country matching) and field mappings with their
// sync rules; plus what crmsim adds (poll interval, strategy). Loaded from
// YAML or JSON; a bad setting is refused before anything runs, naming the
// key and what is allowed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "env/result.h"
#include "env/time.h"

namespace crmsim::engine {

// How one mapped field syncs (HubSpot's "sync rule" per property mapping).
enum class SyncRule {
  // Salesforce always overwrites HubSpot; HubSpot writes only into a blank
  // Salesforce field. A blank in Salesforce never clears HubSpot.
  kPreferSalesforceUnlessBlank,
  // Salesforce always overwrites HubSpot, blanks included; HubSpot never
  // writes to Salesforce.
  kAlwaysUseSalesforce,
  // The most recent change wins, in either direction; blanks propagate.
  kTwoWay,
  kDontSync,
};
std::string_view sync_rule_name(SyncRule rule);

enum class Strategy {
  kNative,   // the connector's per-record call pattern
  kBatched,  // Collections, batch endpoints, IN-queries, 2,000-row pages
};
std::string_view strategy_name(Strategy strategy);

enum class SalesforceObject { kLead, kContact };
std::string_view salesforce_object_name(SalesforceObject object);

// "What happens in HubSpot when a Salesforce lead/contact is created or
// updated".
enum class OnSalesforceChange { kCreateOrUpdate, kDoNothing };
// "What happens in HubSpot when a Salesforce lead/contact is deleted".
enum class OnSalesforceDelete { kDeleteContact, kDoNothing };

// The Salesforce half of "Matching state and country fields".
enum class SalesforcePicklists { kDisabled, kEnabled, kEnabledCustomized };
// The HubSpot half.
enum class HubSpotStateCountry { kMatchSalesforceDefaults, kSendAsIs };

// One property mapping. `lead_field` / `contact_field` are the Salesforce
// fields on each object; an empty one is not mapped on that object.
struct FieldMapping {
  std::string hubspot;
  std::string lead_field;
  std::string contact_field;
  SyncRule rule = SyncRule::kPreferSalesforceUnlessBlank;

  const std::string& field_on(SalesforceObject object) const {
    return object == SalesforceObject::kLead ? lead_field : contact_field;
  }
};

struct ContactSettings {
  SalesforceObject create_as = SalesforceObject::kLead;
  OnSalesforceChange on_lead_change = OnSalesforceChange::kCreateOrUpdate;
  OnSalesforceChange on_contact_change = OnSalesforceChange::kCreateOrUpdate;
  OnSalesforceDelete on_lead_delete = OnSalesforceDelete::kDoNothing;
  OnSalesforceDelete on_contact_delete = OnSalesforceDelete::kDoNothing;
  // "Update the contact's lifecycle stage" from opportunity stages.
  bool lifecycle_from_opportunity = true;
  // The name of the HubSpot contact list used as inclusion list; empty: none.
  std::string inclusion_list;
  SalesforcePicklists salesforce_picklists = SalesforcePicklists::kDisabled;
  HubSpotStateCountry hubspot_state_country = HubSpotStateCountry::kSendAsIs;
  // The email mapping is always present: it is how records are matched.
  std::vector<FieldMapping> mappings;

  const FieldMapping* mapping(std::string_view hubspot_property) const;
};

// How a Salesforce account finds its HubSpot company.
enum class CompanyDedupe {
  // The connector's way: only a company already synced with the account
  // (its salesforceaccountid), reached through the account's contacts.
  // Never by domain: with Leads mode and automatic company creation this
  // duplicates companies (the documented trap).
  kNative,
  // crmsim's opt-in: before creating a company, reuse the contact's own
  // unsynced company, or an unsynced company with the account's domain.
  kDomain,
};

// "Sync Salesforce Accounts with HubSpot Companies". Mappings name the
// Account field in both lead_field and contact_field.
struct CompanySettings {
  bool enabled = false;
  CompanyDedupe dedupe = CompanyDedupe::kNative;
  std::vector<FieldMapping> mappings;

  const FieldMapping* mapping(std::string_view hubspot_property) const;
};

// "Sync Salesforce Opportunities and HubSpot Deals": opportunities become
// deals in one pipeline, with their stage mapped; the amount passes as a
// raw number unless a conversion is given; an opportunity deleted in
// Salesforce deletes its deal (a deleted deal never deletes the
// opportunity).
struct DealSettings {
  bool enabled = false;
  std::string pipeline = "default";
  // Salesforce StageName -> HubSpot dealstage id.
  std::vector<std::pair<std::string, std::string>> stages;
  // Opt-in: deal amount = opportunity Amount x rate, in currency_code.
  double amount_rate = 1.0;
  std::string currency_code;  // empty: no conversion, no currency set

  const std::string* stage_for(std::string_view salesforce_stage) const;
};

struct SyncConfig {
  // Bounds on what a user may configure.
  static constexpr env::Duration kPollIntervalMin = env::Duration::minutes(1);
  static constexpr env::Duration kPollIntervalMax = env::Duration::days(1);
  static constexpr int64_t kApiCallLimitMax = 100'000'000;

  bool sync_enabled = true;
  bool salesforce_sandbox = false;
  // Salesforce calls allowed to the integration per rolling 24 hours; 0:
  // no cap of its own (then Sync Health retries stop after 5,000 calls).
  int64_t api_call_limit_24h = 0;
  env::Duration poll_interval = env::Duration::minutes(15);
  Strategy strategy = Strategy::kNative;
  ContactSettings contacts;
  CompanySettings companies;
  DealSettings deals;
  // Salesforce campaign membership -> the HubSpot contact's
  // salesforcecampaignids (one way, as the connector does).
  bool campaigns_enabled = false;
  // HubSpot engagements -> Salesforce Tasks on the linked lead or contact
  // ("Sync Salesforce Tasks and HubSpot Engagements"), of these types.
  bool activities_enabled = false;
  std::vector<std::string> activity_types = {"calls", "emails", "meetings", "notes", "tasks"};

  // The connector's defaults: Leads, both-way contact creation, the
  // standard contact mappings with "prefer Salesforce unless blank".
  static SyncConfig defaults();
};

// The standard contact property mappings (email, names, company, phone,
// title, address, website, owner).
std::vector<FieldMapping> default_contact_mappings();
// The standard company mappings (name, domain, phone, billing address,
// employees).
std::vector<FieldMapping> default_company_mappings();
// Salesforce's standard opportunity stages onto HubSpot's default pipeline.
std::vector<std::pair<std::string, std::string>> default_deal_stages();

// Reads settings from a parsed YAML/JSON document (see
// docs/sync-config.md). Absent keys keep their defaults. Error "bad_config"
// naming the key and what is allowed.
env::Result<SyncConfig> parse_sync_config(const nlohmann::json& document);
// Reads a YAML or JSON file.
env::Result<SyncConfig> load_sync_config(const std::string& path);

}  // namespace crmsim::engine
