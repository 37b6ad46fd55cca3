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
#include <functional>
#include <map>
#include <set>
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
  // A contact's lifecycle stage moved by an opportunity moves its
  // companies' stage forward too (never backward), as the connector does
  // while companies sync.
  bool lifecycle_follows_contacts = true;
  std::vector<FieldMapping> mappings;

  const FieldMapping* mapping(std::string_view hubspot_property) const;
};

// Which way a paired object's records and values travel.
enum class ObjectDirection {
  kHubSpotToSalesforce,  // the native connector's only way for custom objects
  kBoth,
};

// A HubSpot object paired record for record with a Salesforce object:
// tickets <-> cases, and custom objects. Mappings name the Salesforce field
// in both lead_field and contact_field (as company mappings do). A
// property with a translation table is compared in Salesforce's terms (a
// ticket's pipeline stage as the case's Status).
struct ObjectPairSettings {
  std::string hubspot_type;       // "tickets", or a custom object's name
  std::string salesforce_object;  // "Case", or a custom object's API name
  ObjectDirection direction = ObjectDirection::kBoth;
  std::vector<FieldMapping> mappings;
  // Per HubSpot property, HubSpot value -> Salesforce value; Salesforce ->
  // HubSpot takes the first HubSpot value listed for a Salesforce value.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> translations;
  // The Salesforce lookup to Contact ("ContactId") set from the record's
  // first associated HubSpot contact that syncs with a Salesforce contact,
  // and the association made the other way; "" for none.
  std::string contact_field;
  // The HubSpot property holding the linked Salesforce id
  // ("hs_salesforcecaseid"); "" for none. Needed for records created in
  // HubSpot by the engine: it is how an interrupted create is found again.
  std::string salesforce_id_property;
  // The Salesforce field holding the linked HubSpot id; "" for none (an
  // interrupted create is then found again by its first mapped field among
  // the integration user's recent creates).
  std::string hubspot_id_field;
  // Properties every HubSpot record the engine creates gets (a ticket's
  // pipeline, its first stage when the case has no status).
  std::map<std::string, std::string> hubspot_defaults;
  // HubSpot datetimes that are Salesforce dates (a deal's closedate).
  std::set<std::string> date_properties;
  // HubSpot value = Salesforce value x scale (a converted deal amount).
  std::map<std::string, double> scales;
  // Only HubSpot records with these property values sync (a deal in the
  // synced pipeline); moving one elsewhere stops its sync.
  std::map<std::string, std::string> only_when;
  // Whether unlinked HubSpot records are created in Salesforce.
  bool creates_in_salesforce = true;
  // The Salesforce lookup to Account ("AccountId") set from the record's
  // first associated company that syncs with an account; "" for none.
  std::string account_field;
  // After a Salesforce create, an OpportunityContactRole for each
  // associated HubSpot contact that syncs with a Salesforce contact.
  bool contact_roles = false;
  // The link kind when not "object:<type>" (deals: "deal").
  std::string kind;

  std::string link_kind() const { return kind.empty() ? "object:" + hubspot_type : kind; }
  const FieldMapping* mapping(std::string_view hubspot_property) const;
  // A HubSpot value in Salesforce's terms, and back.
  std::string to_salesforce(const std::string& property, const std::string& value) const;
  std::string to_hubspot(const std::string& property, const std::string& value) const;
  // A HubSpot value in Salesforce's terms, where `reference` (a Salesforce
  // value) wins when both name the same HubSpot value: two Salesforce
  // stages mapped onto one deal stage are not a change.
  std::string to_salesforce_near(const std::string& property, const std::string& value,
                                 const std::string& reference) const;
  // Whether a HubSpot record syncs (only_when), given how to find one of its
  // property's values (nullptr: the record has no such property).
  bool accepts(const std::function<const std::string*(std::string_view)>& value_of) const;
};

// "Sync Salesforce Opportunities and HubSpot Deals": opportunities and
// deals in one pipeline sync both ways, the stage mapped; the amount
// passes as a raw number unless a conversion is given; an opportunity
// deleted in Salesforce deletes its deal (a deleted deal never deletes the
// opportunity); a deal created in the pipeline creates an opportunity.
struct DealSettings {
  bool enabled = false;
  std::string pipeline = "default";
  // Salesforce StageName -> HubSpot dealstage id. HubSpot -> Salesforce
  // takes the first Salesforce stage listed for a deal stage.
  std::vector<std::pair<std::string, std::string>> stages;
  // Opt-in: deal amount = opportunity Amount x rate, in currency_code.
  double amount_rate = 1.0;
  std::string currency_code;  // empty: no conversion, no currency set
  // The sync rule of the deal's name, stage, close date and amount.
  SyncRule rule = SyncRule::kTwoWay;
  // Whether a deal created in HubSpot in the pipeline creates an opportunity.
  bool create_opportunities = true;

  const std::string* stage_for(std::string_view salesforce_stage) const;
  // Deals <-> opportunities as a record-for-record pair (link kind "deal").
  ObjectPairSettings pair() const;
};

// "Sync HubSpot tickets with Salesforce cases": both ways, the ticket's
// pipeline stage as the case's Status and its priority as Priority.
struct TicketSettings {
  bool enabled = false;
  ObjectPairSettings pair;
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
  TicketSettings tickets;
  // HubSpot custom objects -> Salesforce objects. Both ways only with the
  // batched strategy (a custom integration's reach, not the connector's).
  std::vector<ObjectPairSettings> custom_objects;

  // The enabled object pairs: tickets first, then custom objects.
  std::vector<const ObjectPairSettings*> object_pairs() const;

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
// Tickets <-> cases with HubSpot's default support pipeline and the
// standard Case statuses and priorities.
TicketSettings default_ticket_settings();
// Salesforce's standard opportunity stages onto HubSpot's default pipeline.
std::vector<std::pair<std::string, std::string>> default_deal_stages();

// A HubSpot datetime, date or epoch milliseconds as a date ("2024-06-30").
std::string as_date(const std::string& value);

// Reads settings from a parsed YAML/JSON document (see
// docs/sync-config.md). Absent keys keep their defaults. Error "bad_config"
// naming the key and what is allowed.
env::Result<SyncConfig> parse_sync_config(const nlohmann::json& document);
// Reads a YAML or JSON file.
env::Result<SyncConfig> load_sync_config(const std::string& path);

}  // namespace crmsim::engine
